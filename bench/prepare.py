"""Inputs every section needs, made once: the reference JPEGs and WAV, the encode floor's
raw frames, and our scene scripts.

  python bench/prepare.py          # idempotent: skips what is already there
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import common_paths as paths
import job_scripts


def ensure_inputs() -> None:
    """The six JPEGs and the WAV (reference gen_inputs.py, deterministic)."""
    ref = paths.ref()
    wanted = [Path(p) for p in ref.image_paths()] + [Path(ref.WAV_PATH)]
    if all(p.is_file() and p.stat().st_size > 0 for p in wanted):
        return
    print("generating the reference inputs ...", flush=True)
    subprocess.run(
        [str(paths.REF_PY), str(paths.ref_script("gen_inputs.py"))],
        check=True,
        env=paths.bench_env(),
    )


def ensure_floor_frames() -> None:
    """The 900 yuv420p frames the encode floor reads (2.8 GB, encode_floor.py --prep)."""
    ref = paths.ref()
    size = ref.N_FRAMES * ref.W * ref.H * 3 // 2
    if paths.RAW_FRAMES.is_file() and paths.RAW_FRAMES.stat().st_size == size:
        return
    print("rendering the encode floor's raw frames (encode_floor.py --prep) ...", flush=True)
    subprocess.run(
        [str(paths.REF_PY), str(paths.ref_script("encode_floor.py")), "--prep"],
        check=True,
        env=paths.bench_env(),
    )


def ensure_scripts() -> dict[str, Path]:
    return {
        "A": job_scripts.job_a(),
        "B": job_scripts.job_b(),
        "long": job_scripts.long_video(),
    }


def prepare(floor: bool = True) -> dict[str, Path]:
    paths.ensure_dirs()
    for exe in (paths.REF_PY, paths.APP_CLI):
        if not exe.exists():
            raise SystemExit(f"{exe} is missing: see bench/README.md (setup_ref_venv.sh, run.sh)")
    ensure_inputs()
    if floor:
        ensure_floor_frames()
    return ensure_scripts()


if __name__ == "__main__":
    for name, script in prepare().items():
        print(name, script)
