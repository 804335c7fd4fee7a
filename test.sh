#!/usr/bin/env bash
# Runs the whole test suite: ruff, mypy, then pytest (unit, integration, GUI offscreen and
# under Xvfb). Installs what it needs first. Extra arguments go to pytest, e.g. ./test.sh -k config
set -euo pipefail
source "$(dirname "$0")/scripts/bootstrap.sh"
vs_ensure_apt_packages "${VS_APT_RUNTIME[@]}" "${VS_APT_TEST[@]}"
vs_ensure_venv
cd "$VS_ROOT"
export PATH="$VS_VENV/bin:$PATH"

vs_log "ruff"
ruff check .
ruff format --check .
vs_log "mypy"
mypy
vs_log "pytest"
exec python -m pytest "$@"
