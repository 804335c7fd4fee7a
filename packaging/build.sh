#!/usr/bin/env bash
# Builds the one-folder bundle dist/video-studio/ (what `make package` runs). Installs what
# the build needs first: binutils (PyInstaller reads binaries with objdump), the system
# libraries of Qt's xcb platform (copied into the bundle, so that it runs where they are
# missing), the venv, and the PyInstaller pinned in constraints.txt.
#   packaging/build.sh                              dist/video-studio/, work files in build/pyinstaller/
#   packaging/build.sh --distpath D --workpath W    other PyInstaller options are passed on too
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/.. source=scripts/bootstrap.sh
source "$(dirname "$0")/../scripts/bootstrap.sh"
vs_ensure_apt_packages binutils "${VS_APT_RUNTIME[@]}"
vs_ensure_venv
python="$VS_VENV/bin/python"

# The dev extra brings PyInstaller; a venv set up without it gets the pinned versions here.
if ! "$python" -c 'import PyInstaller' 2>/dev/null; then
    vs_log "installing PyInstaller (the version pinned in constraints.txt)"
    "$python" -m pip install -q -c "$VS_ROOT/constraints.txt" pyinstaller pyinstaller-hooks-contrib \
        || vs_die "pip could not install PyInstaller (see pip's messages above)"
fi

distpath="$VS_ROOT/dist"
previous=""
for argument in "$@"; do
    [ "$previous" = "--distpath" ] && distpath="$argument"
    previous="$argument"
done

cd "$VS_ROOT"
vs_log "building the bundle with PyInstaller (about half a minute on 2 cores)"
started=$SECONDS
"$python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$VS_ROOT/dist" --workpath "$VS_ROOT/build/pyinstaller" \
    "$@" packaging/video_studio.spec \
    || vs_die "PyInstaller failed (its messages are above)"
if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libpulse\.so\.0'; then
    vs_log "(the warnings that libpulse.so.0 was not found are expected: the bundle uses the" \
        "desktop's own PulseAudio/PipeWire library for the preview's sound)"
fi
vs_log "built $distpath/video-studio/ in $((SECONDS - started)) s ($(du -sh "$distpath/video-studio" | cut -f1));" \
    "run $distpath/video-studio/video-studio (packaging/README.md)"
