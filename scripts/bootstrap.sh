# shellcheck shell=bash
# Sourced by ./run.sh and ./test.sh: makes the machine ready, idempotently and fast when
# nothing changed. Installs (1) the system libraries Qt's xcb platform and Xvfb need, via apt,
# only where missing, and (2) a virtual environment in .venv with the project and its
# packages, re-installed only when pyproject.toml or constraints.txt change.

VS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VS_VENV="${VIDEO_STUDIO_VENV:-$VS_ROOT/.venv}"

# Runtime libraries of Qt's xcb platform plugin (the real window) and fonts that cover CJK.
VS_APT_RUNTIME=(
    libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-xinerama0
    libxcb-xkb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-randr0 libxcb-shape0 libegl1
    libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core fonts-noto-cjk
)
# Only the test suite needs these: a virtual X server, and the freedesktop validators and MIME
# tools that check the desktop integration files, and binutils (objdump) for PyInstaller
# (tests/packaging).
VS_APT_TEST=(xvfb xauth desktop-file-utils appstream shared-mime-info libglib2.0-bin binutils)

vs_log() { printf '[video-studio] %s\n' "$*" >&2; }

vs_die() {
    vs_log "error: $*"
    exit 1
}

vs_ensure_apt_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        vs_log "not a Debian/Ubuntu system: install the xcb libraries and Xvfb yourself if Qt asks for them"
        return 0
    fi
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 \
            || vs_die "these system packages are missing and there is no sudo: ${missing[*]} (install them with apt-get as root)"
        sudo=(sudo)
    fi
    vs_log "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
        "${sudo[@]}" apt-get update -qq >/dev/null \
            && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    } || vs_die "apt-get could not install: ${missing[*]}"
}

vs_find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

vs_ensure_venv() {
    local python stamp_file want have
    if [ ! -x "$VS_VENV/bin/python" ]; then
        python="$(vs_find_python)" || vs_die "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"
        vs_log "creating virtual environment in $VS_VENV"
        "$python" -m venv "$VS_VENV" || vs_die "could not create $VS_VENV (on Debian: apt-get install python3-venv)"
    fi
    stamp_file="$VS_VENV/.video-studio-installed"
    want="$(cat "$VS_ROOT/pyproject.toml" "$VS_ROOT/constraints.txt" 2>/dev/null | sha256sum | cut -d' ' -f1)"
    have="$(cat "$stamp_file" 2>/dev/null || true)"
    if [ "$want" != "$have" ]; then
        vs_log "installing Python packages into $VS_VENV (once; again only when pyproject.toml changes)"
        local log="$VS_VENV/pip-install.log"
        # pip's output goes to a log, shown only when something fails.
        if ! { "$VS_VENV/bin/python" -m pip install -q --upgrade pip \
            && "$VS_VENV/bin/python" -m pip install -c "$VS_ROOT/constraints.txt" -e "$VS_ROOT[dev]"; } \
            >"$log" 2>&1; then
            grep -v '^WARNING: Location' "$log" | tail -n 40 >&2
            vs_die "pip install failed (the last lines of $log are above)"
        fi
        echo "$want" >"$stamp_file"
    fi
}
