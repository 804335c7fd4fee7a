"""Where everything is: the repository, the two venvs, the reference scripts, the outputs.

Environment variables (all optional):
  BENCH_OUT   outputs, logs and results (default /tmp/bench_out; never inside the repository)
  BENCH_REF   the reference scripts (default /work/shared/bench, or ../../shared/bench)
  APP_PY      the project's Python (default .venv/bin/python of the repository)
  REF_PY      the references' Python (default bench/.venv-ref/bin/python)

The reference job's constants live in the reference `common.py`; `ref()` loads it by path
(it is not a package) so every figure here uses exactly the same timeline and motion.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path
from types import ModuleType

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent


def _default_ref_dir() -> Path:
    for candidate in (Path("/work/shared/bench"), REPO.parent / "shared" / "bench"):
        if (candidate / "common.py").is_file():
            return candidate
    return Path("/work/shared/bench")


OUT = Path(os.environ.get("BENCH_OUT", "/tmp/bench_out"))
REF_DIR = Path(os.environ.get("BENCH_REF", str(_default_ref_dir())))
APP_PY = Path(os.environ.get("APP_PY", str(REPO / ".venv" / "bin" / "python")))
REF_PY = Path(os.environ.get("REF_PY", str(BENCH_DIR / ".venv-ref" / "bin" / "python")))
APP_CLI = APP_PY.parent / "video-studio"

IMAGES = OUT / "images"
WAV = OUT / "tones.wav"
SCRIPTS = OUT / "scripts"  # generated scene scripts
LOGS = OUT / "logs"  # stdout/stderr of every measured process
RESULTS = OUT / "results"  # JSON and Markdown of every section
QUALITY = OUT / "quality"  # inputs and renders of the quality checks
RAW_FRAMES = OUT / "frames_A_yuv420p.raw"  # the encode floor's input (encode_floor.py --prep)


@cache
def ref() -> ModuleType:
    """The reference `common.py` (job constants, timeline, Ken Burns rectangles)."""
    path = REF_DIR / "common.py"
    spec = importlib.util.spec_from_file_location("bench_ref_common", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ref_script(name: str) -> Path:
    return REF_DIR / name


def output(name: str) -> Path:
    """A file in BENCH_OUT (created)."""
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT / name


def bench_env() -> dict[str, str]:
    """The environment for every measured process: BENCH_OUT passed on, nothing else."""
    env = dict(os.environ)
    env["BENCH_OUT"] = str(OUT)
    return env


def ensure_dirs() -> None:
    for folder in (OUT, SCRIPTS, LOGS, RESULTS, QUALITY):
        folder.mkdir(parents=True, exist_ok=True)
