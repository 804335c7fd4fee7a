"""The one-folder bundle (`make package`) against the venv, side by side: cold start to
`--version` and to the main window, plus the bundle's size on disk and file count.

  make package                                  # once: dist/video-studio/
  .venv/bin/python bench/bundle_startup.py [--rounds 7] [--bundle dist/video-studio]

Each run is a new process, timed by the parent from spawn: `video-studio --version` to its
exit, and `video-studio` (no arguments: the desktop app) to two marks in Qt's widget painting
log (QT_LOGGING_RULES=qt.widgets.painting, read from stderr; the app is killed after the
second): "shown", the main window marked for painting, which show() does, and "painted", its
first paint as a top-level. `gui.app.run` loads the panels right after that first paint
(`gui.app.after_first_paint`), so "painted" is what the user sees first. The
bundle runs `dist/video-studio/video-studio`; the venv runs `python main.py`, the command
line the bundle froze. gui_startup.py's own in-process mark ("shown", the first Paint event,
with the panels loaded after it) runs alongside on the venv, to relate the external marks to
that benchmark. Offscreen Qt platform, a fresh XDG home shared by every run, page cache and
bytecode warm (one uncounted warm-up round, as in gui_startup.py); bundle and venv alternate
within each round, so the machine's drift hits both.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import timing
from gui_startup import OURS, REPO, time_child

DEFAULT_BUNDLE = REPO / "dist" / "video-studio"
APP = "video-studio"
# In Qt's widget painting log: the main window marked for painting, which show() does, and
# its first paint as a top-level.
SHOWN = re.compile(r"Marking .* of MainWindow\(.* dirty")
FIRST_PAINT = re.compile(r"Drawing .* of MainWindow\(.*DrawAsRoot")
PAINT_LOGGING = "qt.widgets.painting=true"
CHILD_TIMEOUT_S = 60.0
# Variables of this shell the measured processes do not get (see child_env).
NOT_PASSED_ON = frozenset(
    {"PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "QT_LOGGING_RULES"}
)


@dataclass(frozen=True)
class BundleSize:
    disk_bytes: int  # blocks allocated, as du counts them
    files: int  # regular files (symbolic links not counted)
    symlinks: int
    largest: list[tuple[str, int]]  # the biggest parts of _internal/, (name, bytes on disk)


def measure_size(folder: Path) -> BundleSize:
    per_part: dict[str, int] = {}
    files = symlinks = total = 0
    internal = folder / "_internal"
    for path in folder.rglob("*"):
        if path.is_symlink():
            symlinks += 1
            continue
        if not path.is_file():
            continue
        size = path.stat().st_blocks * 512
        files += 1
        total += size
        part = path.relative_to(internal).parts[0] if path.is_relative_to(internal) else path.name
        per_part[part] = per_part.get(part, 0) + size
    largest = sorted(per_part.items(), key=lambda item: -item[1])[:10]
    return BundleSize(total, files, symlinks, largest)


def time_to_exit(command: list[str], env: dict[str, str]) -> float:
    """Seconds from spawn to a successful exit."""
    started = time.perf_counter()
    result = subprocess.run(
        command,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{command} failed ({result.returncode}):\n{result.stderr}")
    return seconds


def time_window(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawn to the main window shown, and to its first paint; the app is
    killed then."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        env={**env, "QT_LOGGING_RULES": PAINT_LOGGING},
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(CHILD_TIMEOUT_S, child.kill)  # a window that never comes
    watchdog.start()
    assert child.stderr is not None
    shown: float | None = None
    other: list[str] = []
    try:
        for line in child.stderr:
            if shown is None and SHOWN.search(line):
                shown = time.perf_counter() - started
            if FIRST_PAINT.search(line):
                painted = time.perf_counter() - started
                if shown is not None:
                    return shown, painted
            if not line.startswith("qt.widgets.painting"):
                other.append(line)
    finally:
        watchdog.cancel()
        child.kill()
        child.communicate(timeout=CHILD_TIMEOUT_S)
    raise RuntimeError(f"{command} did not paint its window:\n{''.join(other[-40:])}")


def child_env(home: Path) -> dict[str, str]:
    """The environment of every run: this one without the venv's traces, Qt offscreen, a
    fresh XDG home. Bytecode may be written: an installed app has its modules compiled (pip
    compiles them, the bundle holds them compiled), so the venv must not recompile `gui/` at
    every start just because the shell says PYTHONDONTWRITEBYTECODE."""
    env = {name: value for name, value in os.environ.items() if name not in NOT_PASSED_ON}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        LANG=env.get("LANG") or "C.UTF-8",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
    )
    return env


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f}"


def spread_ms(values: list[float]) -> str:
    return f"{min(values) * 1000:.0f}–{max(values) * 1000:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--bundle", type=Path, default=DEFAULT_BUNDLE, help="the bundle folder (make package)"
    )
    args = parser.parse_args()
    executable = args.bundle / APP
    if not executable.is_file():
        raise SystemExit(f"no bundle at {executable}: build it first with `make package`")

    size = measure_size(args.bundle)
    load = timing.wait_for_quiet()
    with tempfile.TemporaryDirectory(prefix="bundle-startup-") as home:
        runs = measure_rounds(executable, child_env(Path(home)), args.rounds)
    load.after = timing.loadavg()

    def ratio(what: str) -> float:
        pairs = zip(runs[f"{what}_bundle"], runs[f"{what}_venv"], strict=True)
        return statistics.median(bundle_s / venv_s for bundle_s, venv_s in pairs)

    rows = [
        [
            label,
            median_ms(runs[f"{what}_bundle"]),
            median_ms(runs[f"{what}_venv"]),
            f"{ratio(what):.2f}",
            spread_ms(runs[f"{what}_bundle"]),
            spread_ms(runs[f"{what}_venv"]),
        ]
        for what, label in (
            ("version", "`--version`, to exit"),
            ("shown", "desktop app, to the main window shown"),
            ("painted", "desktop app, to the main window painted"),
        )
    ]
    header = [f"cold start, median of {args.rounds}", "bundle ms", "venv ms", "bundle / venv"]
    table = timing.markdown_table([*header, "bundle range", "venv range"], rows)
    parts = ", ".join(f"{name} {part / 2**20:.0f}" for name, part in size.largest)
    markdown = (
        "## Bundle: size and cold start\n\n"
        + table
        + "\n\ngui_startup.py's in-process mark on the venv (its first Paint event, panels "
        f"loaded after it), same rounds: {median_ms(runs['shown_reference'])} ms median."
        f"\n\nBundle {args.bundle}: {size.disk_bytes / 2**20:.0f} MiB on disk, {size.files} "
        f"files (+ {size.symlinks} symbolic links); largest parts of _internal/ (MiB): {parts}."
        f"\n\n{load.text()}."
    )
    timing.save(
        "bundle_startup",
        {
            "rounds": args.rounds,
            "bundle": str(args.bundle),
            "runs_s": runs,
            "medians_s": {name: statistics.median(values) for name, values in runs.items()},
            "ratios": {what: ratio(what) for what in ("version", "shown", "painted")},
            "size": asdict(size),
            "load": asdict(load),
        },
        markdown,
    )


def measure_rounds(executable: Path, env: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """Seconds per measure and round: one uncounted warm-up round (page cache, font cache,
    bytecode), then `rounds` rounds, each running every measure once in turn."""
    venv = [sys.executable, str(REPO / "main.py")]
    bundle = [str(executable)]
    reference_env = {**env, "PYTHONPATH": str(REPO)}  # gui_startup.py's child imports gui

    def window(command: list[str]) -> dict[str, float]:
        shown, painted = time_window(command, env)
        return {"shown": shown, "painted": painted}

    # (side, what it measures): run in this order every round, bundle and venv alternating.
    measures: list[tuple[str, Callable[[], dict[str, float]]]] = [
        ("bundle", lambda: {"version": time_to_exit([*bundle, "--version"], env)}),
        ("venv", lambda: {"version": time_to_exit([*venv, "--version"], env)}),
        ("bundle", lambda: window(bundle)),
        ("venv", lambda: window(venv)),
        ("reference", lambda: {"shown": time_child(OURS, reference_env)["shown"]}),
    ]
    for _, measure in measures:
        measure()
    runs: dict[str, list[float]] = {}
    for number in range(rounds):
        for side, measure in measures:
            for mark, seconds in measure().items():
                runs.setdefault(f"{mark}_{side}", []).append(seconds)
        print(
            f"round {number + 1}: " + ", ".join(f"{name} {runs[name][-1]:.3f} s" for name in runs),
            flush=True,
        )
    return runs


if __name__ == "__main__":
    main()
