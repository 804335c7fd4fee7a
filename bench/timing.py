"""Whole-process measurement, the quiet-machine wait, paired series and result files.

Per run: wall time (perf_counter around the process), CPU = user + sys of the process and
every child it waited for, and peak RSS of the largest single process (both from wait4's
rusage, which on Linux covers the process and its reaped descendants; ru_maxrss is their
maximum, not a sum). Optionally VmRSS sampled from /proc while it runs (memory over time).

Series alternate their commands (A B A B ..., or A B C D A B C D ...) after one uncounted
warm-up round, and ratios are the median of per-round ratios, so slow drifts of the machine
hit both sides of a ratio alike.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import common_paths as paths

QUIET_LOAD = 0.6  # 1-minute load average below which the machine counts as quiet
QUIET_POLL_S = 20.0
QUIET_MAX_WAIT_S = 40 * 60.0
# A run is discarded (and its round run again) when the rest of the machine used more than
# this share of one core on average while it ran (from /proc/stat, minus the run's own CPU).
MAX_FOREIGN = 0.05
MAX_RETRIES = 6
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    name: str
    wall: float
    user: float
    sys: float
    max_rss_kib: int
    returncode: int
    rss_samples: list[tuple[float, int]] = field(default_factory=list)  # (s, KiB)
    foreign_cpu: float = 0.0  # CPU seconds the rest of the machine used meanwhile

    @property
    def clean(self) -> bool:
        """Nothing else ran meanwhile (others used < MAX_FOREIGN of a core on average)."""
        return self.foreign_cpu <= MAX_FOREIGN * self.wall

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    @property
    def peak_mib(self) -> float:
        return self.max_rss_kib / 1024


@dataclass
class LoadRecord:
    before: tuple[float, float, float]
    waited_s: float
    quiet: bool  # False: the wait timed out (or was skipped) on a busy machine
    after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    skipped: bool = False  # BENCH_NO_WAIT: no wait at all (debugging)

    def text(self) -> str:
        fmt = "/".join(f"{x:.2f}" for x in self.before)
        after = "/".join(f"{x:.2f}" for x in self.after)
        note = ""
        if not self.quiet:
            note = " (NOT QUIET: " + ("BENCH_NO_WAIT" if self.skipped else "wait timed out") + ")"
        return f"load before {fmt} (waited {self.waited_s:.0f} s), after {after}{note}"


def loadavg() -> tuple[float, float, float]:
    return os.getloadavg()


def wait_for_quiet(
    threshold: float = QUIET_LOAD,
    poll_s: float = QUIET_POLL_S,
    max_wait_s: float = QUIET_MAX_WAIT_S,
) -> LoadRecord:
    """Block until the 1-minute load average is below `threshold` (or `max_wait_s` passed)."""
    if os.environ.get("BENCH_NO_WAIT"):
        return LoadRecord(loadavg(), 0.0, loadavg()[0] < threshold, skipped=True)
    started = time.monotonic()
    announced = False
    while True:
        load = loadavg()
        waited = time.monotonic() - started
        if load[0] < threshold:
            return LoadRecord(load, waited, True)
        if waited >= max_wait_s:
            print(f"  load still {load[0]:.2f} after {waited:.0f} s: measuring anyway", flush=True)
            return LoadRecord(load, waited, False)
        if not announced:
            print(f"  waiting for load < {threshold} (now {load[0]:.2f}) ...", flush=True)
            announced = True
        time.sleep(poll_s)


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores; not idle or iowait)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def _sample_rss(pid: int, samples: list[tuple[float, int]], stop: threading.Event) -> None:
    started = time.perf_counter()
    status = Path(f"/proc/{pid}/status")
    while not stop.wait(0.5):
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                samples.append((time.perf_counter() - started, int(line.split()[1])))
                break


def run(
    name: str,
    cmd: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    sample_rss: bool = False,
    check: bool = True,
) -> Run:
    """Run `cmd` to completion; its output goes to BENCH_OUT/logs/<name>.log."""
    paths.LOGS.mkdir(parents=True, exist_ok=True)
    log_path = paths.LOGS / f"{name}.log"
    with log_path.open("w") as log:
        log.write(subprocess.list2cmdline([str(c) for c in cmd]) + "\n")
        log.flush()
        busy_before = busy_cpu_seconds()
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            cwd=cwd,
            env=paths.bench_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        samples: list[tuple[float, int]] = []
        stop = threading.Event()
        sampler = None
        if sample_rss:
            sampler = threading.Thread(target=_sample_rss, args=(proc.pid, samples, stop))
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        busy = busy_cpu_seconds() - busy_before
        stop.set()
        if sampler is not None:
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    own = usage.ru_utime + usage.ru_stime
    result = Run(
        name,
        wall,
        usage.ru_utime,
        usage.ru_stime,
        usage.ru_maxrss,
        proc.returncode,
        samples,
        max(0.0, busy - own),
    )
    if check and result.returncode != 0:
        tail = "".join(log_path.read_text().splitlines(keepends=True)[-20:])
        raise RuntimeError(f"{name} failed ({result.returncode}); {log_path}:\n{tail}")
    return result


@dataclass
class Series:
    """Runs of a series by command, and what it took to get them clean."""

    runs: dict[str, list[Run]]
    load: LoadRecord
    discarded: int = 0  # rounds run again because something else used the machine

    def text(self) -> str:
        again = f"; {self.discarded} round(s) discarded and run again (machine busy)"
        return self.load.text() + (again if self.discarded else "")


def _print_run(label: str, result: Run) -> None:
    flag = "" if result.clean else f"  BUSY (others {result.foreign_cpu:.1f} s CPU)"
    print(
        f"  {label:8s} {result.name:12s} wall {result.wall:6.2f} s  cpu {result.cpu:6.2f} s"
        f"  peak {result.peak_mib:6.0f} MiB{flag}",
        flush=True,
    )


def alternate(
    commands: Mapping[str, Sequence[str | os.PathLike[str]]],
    rounds: int,
    *,
    warmup: bool = True,
    cwd: Path | None = None,
) -> Series:
    """Wait for a quiet machine, then `rounds` rounds of every command in turn, after one
    uncounted warm-up round. A round during which anything else used the machine is thrown
    away, and run again once the machine is quiet (at most MAX_RETRIES times)."""
    series = Series({name: [] for name in commands}, wait_for_quiet())
    print("  " + series.load.text(), flush=True)
    if warmup:
        for name, cmd in commands.items():
            _print_run("warm-up", run(name, cmd, cwd=cwd))
    done = 0
    while done < rounds:
        results = []
        for name, cmd in commands.items():
            result = run(name, cmd, cwd=cwd)
            _print_run(f"round {done + 1}", result)
            results.append(result)
        if all(r.clean for r in results) or series.discarded >= MAX_RETRIES:
            for result in results:
                series.runs[result.name].append(result)
            done += 1
            continue
        series.discarded += 1
        print("  round discarded: the machine was busy", flush=True)
        wait_for_quiet()
    series.load.after = loadavg()
    return series


def single(
    name: str, cmd: Sequence[str | os.PathLike[str]], *, retries: int = 2, **kwargs: Any
) -> tuple[Run, LoadRecord]:
    """One run on a quiet machine (run again, up to `retries` times, if it was disturbed)."""
    for attempt in range(retries + 1):
        load = wait_for_quiet()
        result = run(name, cmd, **kwargs)
        load.after = loadavg()
        _print_run("single", result)
        if result.clean or attempt == retries:
            return result, load
        print("  run discarded: the machine was busy", flush=True)
    raise AssertionError("unreachable")


@dataclass
class Summary:
    name: str
    n: int
    wall: float  # medians
    wall_min: float
    wall_max: float
    cpu: float
    peak_mib: float
    rt: float  # realtime factor: video seconds / wall seconds

    def row(self) -> list[str]:
        return [
            self.name,
            f"{self.wall:.2f} ({self.wall_min:.2f}–{self.wall_max:.2f})",
            f"{self.cpu:.1f}",
            f"{self.peak_mib:.0f}",
            f"{self.rt:.2f}x",
        ]


def summarize(name: str, runs: list[Run], video_seconds: float) -> Summary:
    walls = [r.wall for r in runs]
    wall = statistics.median(walls)
    return Summary(
        name,
        len(runs),
        wall,
        min(walls),
        max(walls),
        statistics.median(r.cpu for r in runs),
        statistics.median(r.peak_mib for r in runs),
        video_seconds / wall,
    )


def paired_ratio(a: list[Run], b: list[Run], what: str = "wall") -> tuple[float, list[float]]:
    """Median of the per-round ratios a/b (runs of the same round are paired)."""
    ratios = [getattr(x, what) / getattr(y, what) for x, y in zip(a, b, strict=True)]
    return statistics.median(ratios), ratios


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def right(cell: str) -> bool:
        return bool(cell) and (cell[0].isdigit() or cell[0] in "≈-+<>≤≥")

    align = ["---:" if rows and right(rows[0][i]) else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "**holds**" if ok else "**MISSED**"


def save(section: str, data: dict[str, Any], markdown: str) -> None:
    """BENCH_OUT/results/<section>.json and .md; the Markdown is printed too."""
    paths.RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        "section": section,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine_line(),
        "code": code_state(),
        **data,
    }
    markdown += f"\n\n_{data['when']}; engine: {data['code']}._"
    print("\n" + markdown + "\n", flush=True)
    (paths.RESULTS / f"{section}.json").write_text(json.dumps(data, indent=2, default=_json))
    (paths.RESULTS / f"{section}.md").write_text(markdown + "\n")


def _json(value: object) -> object:
    if isinstance(value, Run | Summary | LoadRecord | Series):
        return asdict(value)
    item = getattr(value, "item", None)  # NumPy scalars
    if callable(item):
        return item()
    raise TypeError(type(value).__name__)


def code_state() -> str:
    """The engine these figures belong to: HEAD plus a digest of video_studio/*.py as they
    are on disk (the work tree may hold changes that are not committed)."""
    digest = hashlib.sha256()
    for path in sorted((paths.REPO / "video_studio").rglob("*.py")):
        digest.update(str(path.relative_to(paths.REPO)).encode())
        digest.update(path.read_bytes())
    head = subprocess.run(
        ["git", "-C", str(paths.REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(paths.REPO), "status", "--porcelain", "--", "video_studio"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    changes = " + work-tree changes" if dirty else ""
    return f"HEAD {head or '?'}{changes}, video_studio sha256 {digest.hexdigest()[:12]}"


def machine_line() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} vCPU {cpu}, {mem_kib / 1024**2:.0f} GiB, "
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )
