#!/usr/bin/env bash
# Creates bench/.venv-ref, the venv of the reference implementations (/work/shared/bench) and
# of the measuring tools, from bench/requirements-ref.txt. The project's own venv (.venv, made
# by ./run.sh or ./test.sh) runs our renderer, preview_frame.py and quality.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3.11}"
if [ ! -x "$here/.venv-ref/bin/python" ]; then
    "$python" -m venv "$here/.venv-ref"
fi
"$here/.venv-ref/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements-ref.txt"
"$here/.venv-ref/bin/python" -c "import av, cv2, moviepy, imageio_ffmpeg, numpy; print('ref venv ok: av', av.__version__, 'opencv', cv2.__version__, 'numpy', numpy.__version__)"
