#!/usr/bin/env bash
# Runs Video Studio. Installs what it needs first (apt libraries for Qt, .venv, packages).
#   ./run.sh                  the desktop app (on a machine with no display: the headless demo render)
#   ./run.sh PROJECT          opens a project in the app
#   ./run.sh demo -o out.mp4  any `video-studio` command line, e.g. render, generate, validate, demo
set -euo pipefail
source "$(dirname "$0")/scripts/bootstrap.sh"
vs_ensure_apt_packages "${VS_APT_RUNTIME[@]}"
vs_ensure_venv

if [ $# -eq 0 ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] \
    && [ "${QT_QPA_PLATFORM:-}" != "offscreen" ]; then
    vs_log "no display found, so running the headless main job: rendering the demo project."
    vs_log "(choose the output with: ./run.sh demo -o FILE.mp4; for the window: xvfb-run ./run.sh)"
    set -- demo
fi
exec "$VS_VENV/bin/video-studio" "$@"
