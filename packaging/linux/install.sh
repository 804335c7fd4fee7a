#!/usr/bin/env bash
# Installs Video Studio's desktop integration for the current user (no root needed): the
# launcher, the icons, the project file type and the AppStream metadata, under
# ${XDG_DATA_HOME:-~/.local/share}. The app itself is not copied: the launcher runs it where
# it is.
#
#   packaging/linux/install.sh [EXECUTABLE]   install; EXECUTABLE is what the launcher runs
#                                             (default: video-studio found on PATH), e.g.
#                                             dist/video-studio/video-studio for the bundle
#   packaging/linux/install.sh --uninstall    remove everything the install put there
#
# Running it again replaces the previous install (for example to point at a new EXECUTABLE).
set -euo pipefail

APP_ID=io.github.videostudio.VideoStudio
MIME_ICON=application-x-video-studio-project
HERE="$(CDPATH="" cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"

# The XDG base directory spec says to ignore a relative XDG_DATA_HOME.
if [[ "${XDG_DATA_HOME:-}" == /* ]]; then
    DATA_HOME="$XDG_DATA_HOME"
else
    DATA_HOME="$HOME/.local/share"
fi
APPLICATIONS="$DATA_HOME/applications"
ICONS="$DATA_HOME/icons/hicolor"
MIME="$DATA_HOME/mime"
METAINFO="$DATA_HOME/metainfo"

log() { printf 'install.sh: %s\n' "$*" >&2; }

die() {
    log "error: $*"
    exit 1
}

usage() {
    sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# The absolute path of the executable to run: $1 (a path, or a command name looked up on
# PATH), or video-studio on PATH. Symbolic links are kept, so that a link that is later
# pointed at a newer bundle keeps working.
find_executable() {
    local given="${1:-video-studio}" found absolute
    if [[ "$given" != */* ]]; then
        found="$(command -v -- "$given")" || die "$given is not on PATH: give the path of \
the video-studio executable, for example: $0 dist/video-studio/video-studio"
        given="$found"
    fi
    if [ ! -f "$given" ] || [ ! -x "$given" ]; then
        die "$given is not an executable file"
    fi
    absolute="$(CDPATH="" cd -- "$(dirname -- "$given")" && pwd)/$(basename -- "$given")"
    # A line break cannot be written in a .desktop file; a % would have to be written %%,
    # which GLib (GNOME) does not undo before it checks that the program exists, so it
    # would hide the launcher.
    case "$absolute" in
    *$'\n'* | *$'\r'* | *%*)
        die "a launcher cannot run a path holding a line break or a %: $absolute (link \
the executable from a plain path, and give that)"
        ;;
    esac
    printf '%s\n' "$absolute"
}

# $1 as one argument of an Exec line (Desktop Entry spec, "The Exec key"): quoted when it
# holds a reserved character, with ", `, $ and \ escaped inside the quotes; then every
# backslash doubled, because Exec is also a string value whose escapes are undone first.
exec_argument() {
    local arg="$1"
    case "$arg" in
    *[[:space:]\"\'\\\>\<~\|\&\;\$\*\?\#\(\)\`]*) ;;
    *)
        printf '%s' "$arg"
        return
        ;;
    esac
    arg="${arg//\\/\\\\}"
    arg="${arg//\"/\\\"}"
    arg="${arg//\`/\\\`}"
    arg="${arg//\$/\\\$}"
    arg="${arg//\\/\\\\}"
    printf '"%s"' "$arg"
}

# The .desktop file with TryExec and Exec naming $1 (a desktop session's PATH rarely holds a
# virtual environment or a bundle folder, so the path is absolute).
write_desktop_file() {
    local executable="$1" target="$2" line
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in
        TryExec=*) printf 'TryExec=%s\n' "${executable//\\/\\\\}" ;;
        Exec=*) printf 'Exec=%s %%f\n' "$(exec_argument "$executable")" ;;
        *) printf '%s\n' "$line" ;;
        esac
    done <"$HERE/$APP_ID.desktop" >"$target"
}

# Every file the install writes, as "source<TAB>target" lines.
planned_files() {
    local context name icon size_dir
    printf '%s\t%s\n' "$HERE/$APP_ID-mime.xml" "$MIME/packages/$APP_ID.xml"
    printf '%s\t%s\n' "$HERE/$APP_ID.metainfo.xml" "$METAINFO/$APP_ID.metainfo.xml"
    for context in apps mimetypes; do
        if [ "$context" = apps ]; then name="$APP_ID"; else name="$MIME_ICON"; fi
        printf '%s\t%s\n' "$HERE/icons/scalable/$context/$name.svg" \
            "$ICONS/scalable/$context/$name.svg"
        for icon in "$HERE"/icons/hicolor/*/"$context/$name.png"; do
            size_dir="$(basename "$(dirname "$(dirname "$icon")")")"
            printf '%s\t%s\n' "$icon" "$ICONS/$size_dir/$context/$name.png"
        done
    done
}

# The caches desktops read instead of the folders, refreshed by whichever tools exist (they
# are optional: without them desktops read the folders, only slower or after a re-login).
refresh_caches() {
    if command -v update-mime-database >/dev/null 2>&1 && [ -d "$MIME/packages" ]; then
        update-mime-database "$MIME"
    fi
    if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$APPLICATIONS" ]; then
        update-desktop-database -q "$APPLICATIONS"
    fi
    if [ -d "$ICONS" ]; then
        # Only refresh an icon cache that exists: a new one would hide the icons that other
        # programs later install without refreshing it. The folder's time tells desktops
        # that read the folders to look again.
        touch "$ICONS"
        if [ -f "$ICONS/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
            gtk-update-icon-cache -q -t -f "$ICONS"
        fi
    fi
}

install_all() {
    local executable source target
    executable="$(find_executable "${1:-}")"
    [ -f "$HERE/icons/hicolor/48x48/apps/$APP_ID.png" ] \
        || die "the PNG icons are missing: make them with .venv/bin/python scripts/make_icons.py"
    mkdir -p "$APPLICATIONS"
    write_desktop_file "$executable" "$APPLICATIONS/$APP_ID.desktop.tmp"
    mv -f "$APPLICATIONS/$APP_ID.desktop.tmp" "$APPLICATIONS/$APP_ID.desktop"
    while IFS=$'\t' read -r source target; do
        install -D -m 644 "$source" "$target"
    done < <(planned_files)
    refresh_caches
    log "installed into $DATA_HOME; the launcher runs $executable"
}

uninstall_all() {
    local removed=0 file
    # The icon sizes are globbed, not taken from this tree, so that sizes an older version
    # installed go too.
    for file in "$APPLICATIONS/$APP_ID.desktop" "$MIME/packages/$APP_ID.xml" \
        "$METAINFO/$APP_ID.metainfo.xml" "$ICONS"/*/apps/"$APP_ID".{png,svg} \
        "$ICONS"/*/mimetypes/"$MIME_ICON".{png,svg}; do
        if [ -f "$file" ]; then
            rm -f "$file"
            removed=$((removed + 1))
        fi
    done
    # Icon folders left empty (the size folders the install made); nothing else is touched.
    find "$ICONS" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rmdir "$METAINFO" 2>/dev/null || true
    refresh_caches
    log "removed $removed files from $DATA_HOME"
}

case "${1:-}" in
-h | --help)
    usage
    ;;
--uninstall)
    [ $# -eq 1 ] || die "--uninstall takes no other argument"
    uninstall_all
    ;;
-*)
    die "unknown option $1 (see --help)"
    ;;
*)
    [ $# -le 1 ] || die "give at most one EXECUTABLE (see --help)"
    install_all "${1:-}"
    ;;
esac
