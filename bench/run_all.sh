#!/usr/bin/env bash
# Every benchmark section in one run (about 30 minutes on a quiet 2-core machine, plus the
# waits for a quiet machine: each timed series first waits until the 1-minute load average is
# below 0.6). Outputs, logs and results go to $BENCH_OUT (default /tmp/bench_out); the
# Markdown of every section is collected in $BENCH_OUT/results/all.md.
#
#   bench/run_all.sh                 # everything
#   ROUNDS=3 bench/run_all.sh        # fewer rounds in the paired series
#   BENCH_NO_WAIT=1 bench/run_all.sh # do not wait for a quiet machine (debugging only)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
ref_py="${REF_PY:-$here/.venv-ref/bin/python}"
app_py="${APP_PY:-$repo/.venv/bin/python}"
rounds="${ROUNDS:-5}"
out="${BENCH_OUT:-/tmp/bench_out}"

[ -x "$ref_py" ] || "$here/setup_ref_venv.sh"
[ -x "$app_py" ] || { echo "no project venv at $app_py: run ./run.sh (or ./test.sh) first" >&2; exit 2; }

cd "$here"
"$ref_py" prepare.py
"$ref_py" run_job_a.py --rounds "$rounds" --one-core
"$ref_py" run_variants.py --rounds "$rounds"
"$ref_py" run_job_b.py --rounds "$rounds"
"$app_py" preview_frame.py
"$app_py" breakdown.py
"$app_py" quality.py
"$app_py" adapter_overhead.py
"$app_py" gui_startup.py
"$app_py" gui_scrub.py
"$app_py" gui_thumbnails.py
"$ref_py" run_long.py

sections=(job_a_veryfast variants job_b_veryfast preview_960x540 breakdown quality long_veryfast
  gui_scrub gui_thumbnails)
for s in "${sections[@]}"; do cat "$out/results/$s.md"; echo; done > "$out/results/all.md"
echo "results: $out/results/all.md"
