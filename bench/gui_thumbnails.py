"""Image bin thumbnails: 100 photos of 12 megapixels imported into the desktop app, until all
100 thumbnails are in the bin, while a 5 ms heartbeat timer watches the GUI thread; side by
side with the bare engine work (store + thumbnail) on plain threads.

  .venv/bin/python bench/gui_thumbnails.py [--rounds 3] [--photos 100] [--quiet-load 0.6]
                                           [--stall-stacks]

Inputs: 100 textured JPEGs of 4000x3000 (2.2-5.0 MB, 3.3 MB on average; other textures per
seed), made once into $BENCH_OUT/inputs/photos_12mp and reused. Every run is a fresh process
with a new empty project (its asset store and thumbnail cache start empty):

* `gui`: the whole MainWindow (1600x1000, offscreen platform), the Image Bin panel's
  `import_paths(files)` (what a drop of the 100 files does), then the event loop runs until
  `model.thumbnail_count()` is 100 (every row has its real thumbnail as an icon; the rows
  that are on screen are repainted in the same pass). A 5 ms PreciseTimer on the GUI thread
  beats all the while: its longest gap is the longest time the window could not react.
* `engine_pipelined`: the same engine calls with the GUI's threads: `import_into_store` on
  one thread, `AssetCache.thumbnail(stored, 256)` of each stored file on a second one as
  soon as it is stored (the import job and the bin's thumbnail thread, without Qt).
* `engine_pool2`: a plain pool of 2 threads (the GUI's thread count), each file
  `store.add` then `AssetCache.thumbnail`: what the same work costs fully parallel.

One uncounted warm-up round (page cache, bytecode, fonts), then `--rounds` rounds of the
three in turn after a wait for a quiet machine; a round during which other processes used
more than 5 % of a core is run again (at most twice). Medians over the rounds. Target
(issue 5): all 100 thumbnails shown within 15 s while the window stays responsive (no GUI
thread stall over 50 ms). `--stall-stacks` (diagnostic, not for the figures) samples the GUI
thread's Python stack whenever the heartbeat is late, and splits each stall by the GUI
thread's scheduler counters (running, waiting for a CPU, blocked), to show what they are.
The children pin None, True and False (`pin_singletons`, off with `--no-immortal-none`)
against a PySide6 6.12.0 bug on Python 3.11 that can otherwise abort the app.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common_paths as paths
import cv2
import numpy as np
import timing
from PIL import Image
from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

SECTION = "gui_thumbnails"
INPUTS = paths.OUT / "inputs" / "photos_12mp"
PHOTO_SIZE = (4000, 3000)
PHOTO_QUALITY = 92
TARGET_S = 15.0
STALL_MS = 50.0
HEARTBEAT_MS = 5
WINDOW_SIZE = (1600, 1000)
CHILD_TIMEOUT_S = 300.0
COMMANDS = ("gui", "engine_pipelined", "engine_pool2")

# --- inputs -------------------------------------------------------------------------------


def photo_pixels(width: int, height: int, seed: int) -> np.ndarray:
    """A product-photo-like RGB image: a light studio gradient with a tint, a shaded
    coloured box with a printed pattern, and fine grain whose scale and strength vary by
    seed (so JPEG sizes vary, 2.2-5 MB at quality 92 for 4000x3000)."""
    rng = np.random.default_rng(seed)
    yy = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    xx = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    tint = rng.uniform(-25, 25, 3).astype(np.float32)
    base = 200 + 35 * yy + 10 * xx
    image = np.empty((height, width, 3), np.float32)
    for channel in range(3):
        image[..., channel] = base + tint[channel]
    left, top = rng.uniform(0.1, 0.5), rng.uniform(0.1, 0.3)
    box_w, box_h = rng.uniform(0.25, 0.4), rng.uniform(0.4, 0.6)
    x0, y0 = int(width * left), int(height * top)
    x1, y1 = int(width * (left + box_w)), int(height * (top + box_h))
    colour = rng.uniform(30, 220, 3).astype(np.float32)
    shade = 0.55 + 0.45 * (xx[:, x0:x1] - left) / box_w
    image[y0:y1, x0:x1] = colour * shade[..., None]
    grain = rng.standard_normal((height, width), dtype=np.float32) * rng.uniform(12, 20)
    image += cv2.GaussianBlur(grain, (0, 0), rng.uniform(0.5, 0.9))[..., None]
    frequency = rng.uniform(40, 160)
    pattern = 8 * np.sin(2 * np.pi * frequency * (xx + 3 * yy))
    image[y0:y1, x0:x1] += pattern[y0:y1, x0:x1, None]
    return np.asarray(np.clip(image, 0, 255), dtype=np.uint8)


def ensure_photos(count: int) -> list[Path]:
    """`count` JPEGs of 4000x3000 in INPUTS (the missing ones made now, the rest reused)."""
    INPUTS.mkdir(parents=True, exist_ok=True)
    files = [INPUTS / f"photo-{index:03d}.jpg" for index in range(count)]
    missing = [path for path in files if not path.is_file() or path.stat().st_size == 0]
    if missing:
        print(f"making {len(missing)} photos of {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} in {INPUTS}")
    for made, path in enumerate(missing, 1):
        pixels = photo_pixels(*PHOTO_SIZE, seed=1000 + files.index(path))
        partial = path.with_name(f".{path.name}.part")
        Image.fromarray(pixels).save(partial, "JPEG", quality=PHOTO_QUALITY)
        os.replace(partial, path)
        if made % 10 == 0 or made == len(missing):
            print(f"  {made}/{len(missing)}", flush=True)
    return files


# --- figures ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def stats_row(values: Sequence[float]) -> dict[str, float]:
    """n, median, p95, max of a list (empty: n 0)."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "max": max(values),
    }


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the GUI harness (also used by gui_scrub.py) ------------------------------------------


class Heartbeat(QObject):
    """A 5 ms timer on the GUI thread: a gap between its ticks is a time the window could
    not react (to input, repaints, anything)."""

    def __init__(self, period_ms: int = HEARTBEAT_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setObjectName("bench_heartbeat")
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(period_ms)
        self._timer.timeout.connect(self._beat)
        self.beats: list[float] = []
        self.last = 0.0  # perf_counter of the newest beat (read by StallSampler)

    def start(self) -> None:
        now = time.perf_counter()
        self.beats = [now]
        self.last = now
        self._timer.start()

    def stop(self) -> None:
        self._beat()  # the gap up to now counts too
        self._timer.stop()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.beats.append(now)
        self.last = now

    def gaps(
        self, start: float | None = None, end: float | None = None
    ) -> list[tuple[float, float]]:
        """(time the gap began, gap in ms) for the gaps that begin within [start, end]."""
        found = []
        for before, after in zip(self.beats, self.beats[1:], strict=False):
            if (start is None or before >= start) and (end is None or before <= end):
                found.append((before, (after - before) * 1000))
        return found


def heartbeat_summary(gaps: Sequence[tuple[float, float]], origin: float) -> dict[str, Any]:
    """Longest gap, gaps over 50 ms (count, their sum, when: seconds after `origin`)."""
    stalls = [(round(at - origin, 3), round(ms, 1)) for at, ms in gaps if ms > STALL_MS]
    return {
        "beats": len(gaps),
        "max_gap_ms": max((ms for _, ms in gaps), default=0.0),
        "p99_gap_ms": percentile([ms for _, ms in gaps], 99) if gaps else 0.0,
        "gaps_over_50ms": len(stalls),
        "stalled_ms": sum(ms for _, ms in stalls),
        "stalls": stalls,  # (s after the start, ms)
    }


class StallSampler:
    """Diagnostic only. Every `period_s`: the GUI thread's scheduler counters (time on a
    CPU, time ready but waiting for one); and while the heartbeat is more than `late_s`
    late, its Python stack (innermost frames counted). A stall is then split into: running
    (Qt or app code on the GUI thread), waiting for a CPU, and blocked (neither: waiting
    for the GIL or a lock)."""

    def __init__(self, heartbeat: Heartbeat, late_s: float = 0.03, period_s: float = 0.005) -> None:
        self._heartbeat = heartbeat
        self._late_s = late_s
        self._period_s = period_s
        main = threading.main_thread()
        self._main = main.ident
        self._schedstat = Path(f"/proc/self/task/{main.native_id}/schedstat")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)
        self.samples: Counter[str] = Counter()
        self.sched: list[tuple[float, int, int]] = []  # (perf_counter, run ns, wait ns)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._period_s):
            try:
                run_ns, wait_ns, _ = (int(x) for x in self._schedstat.read_text().split())
                self.sched.append((time.perf_counter(), run_ns, wait_ns))
            except (OSError, ValueError):
                pass
            if time.perf_counter() - self._heartbeat.last < self._late_s:
                continue
            frame = sys._current_frames().get(self._main or 0)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)[-5:]
            key = " < ".join(
                f"{Path(entry.filename).stem}.{entry.name}:{entry.lineno}" for entry in stack[::-1]
            )
            self.samples[key] += 1

    def top(self, count: int = 12) -> list[tuple[str, float]]:
        """(stack, ms sampled) most first."""
        return [(key, n * self._period_s * 1000) for key, n in self.samples.most_common(count)]

    def split(self, gaps: Sequence[tuple[float, float]], origin: float) -> list[dict[str, float]]:
        """For each gap over 50 ms: when, how long, and its ms on a CPU, waiting for one,
        and blocked (from the scheduler counters bracketing the gap)."""
        found = []
        for at, ms in gaps:
            if ms <= STALL_MS:
                continue
            end = at + ms / 1000
            before = [row for row in self.sched if row[0] <= at]
            after = [row for row in self.sched if row[0] >= end]
            if not before or not after:
                continue
            (t0, run0, wait0), (t1, run1, wait1) = before[-1], after[0]
            span = (t1 - t0) * 1000
            on_cpu, queued = (run1 - run0) / 1e6, (wait1 - wait0) / 1e6
            found.append(
                {
                    "at_s": round(at - origin, 3),
                    "gap_ms": round(ms, 1),
                    "span_ms": round(span, 1),
                    "on_cpu_ms": round(on_cpu, 1),
                    "waiting_for_cpu_ms": round(queued, 1),
                    "blocked_ms": round(max(0.0, span - on_cpu - queued), 1),
                }
            )
        return found


def stall_split_table(stalls: Sequence[dict[str, Any]]) -> str:
    """The `--stall-stacks` split of each stall, as Markdown."""
    keys = [key for key in ("project", "session") if stalls and key in stalls[0]]
    header = [
        *keys,
        "at s",
        "gap ms",
        "GUI thread on a CPU ms",
        "waiting for a CPU ms",
        "blocked ms",
    ]
    rows = [
        [str(stall[key]) for key in keys]
        + [f"{stall['at_s']:.2f}", f"{stall['gap_ms']:.0f}", f"{stall['on_cpu_ms']:.0f}"]
        + [f"{stall['waiting_for_cpu_ms']:.0f}", f"{stall['blocked_ms']:.0f}"]
        for stall in stalls
    ]
    return timing.markdown_table(header, rows) if rows else "(none)"


def run_until(predicate: Callable[[], bool], timeout_s: float, check_ms: int = 5) -> bool:
    """Run the event loop until `predicate()` holds (checked every `check_ms`) or the
    timeout passes; True when it holds."""
    if predicate():
        return True
    deadline = time.perf_counter() + timeout_s
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(check_ms)

    def tick() -> None:
        if predicate() or time.perf_counter() > deadline:
            loop.quit()

    check.timeout.connect(tick)
    check.start()
    loop.exec()
    check.stop()
    return predicate()


def open_window(folder: Path) -> Any:
    """The app's MainWindow (dark theme, UI state kept in `folder`), shown at 1600x1000 and
    painted once. Returns the window (typed loosely: gui imports stay inside)."""
    from gui import app as gui_app  # noqa: PLC0415 - the parent process needs no GUI
    from gui.main_window import MainWindow  # noqa: PLC0415
    from gui.theme import Theme, apply_theme  # noqa: PLC0415
    from gui.ui_state import UiState  # noqa: PLC0415

    app = gui_app.create_app(["video-studio"])
    apply_theme(app, Theme.DARK)
    window = MainWindow(UiState(path=folder / "ui-state.json"))
    window.resize(*WINDOW_SIZE)
    window.show()
    handle = window.windowHandle()
    if not run_until(lambda: handle is not None and handle.isExposed(), 10.0):
        raise RuntimeError("the window was not exposed")
    run_until(lambda: False, 0.3)  # first paints, layout
    return window


def close_window(window: Any) -> None:
    window.shutdown()
    window.close()
    app = QApplication.instance()
    if app is not None:
        app.processEvents()


def pin_singletons() -> None:
    """Add 10**9 to the reference counts of None, True and False, as Python 3.12 makes them
    immortal. A bench-only workaround (off with `--no-immortal-none`): PySide6 6.12.0 on
    Python 3.11 loses a reference to the None returned by Qt methods that return nothing
    (QPainter.setPen, QWidget.update, QLabel.setText...; about 500 per scrub in the main
    window), so the app aborts with "Fatal Python error: none_dealloc" after about 130
    scrubs or 5 s of playback, or at exit: the figures would be lost with it. True and
    False are pinned too (one probe ended in bool_dealloc at exit)."""
    if sys.version_info >= (3, 12):
        return  # immortal already
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, the first field
        count.value += 10**9


# --- the children -------------------------------------------------------------------------


def child_gui(files: list[Path], stall_stacks: bool) -> dict[str, Any]:
    from gui.docks.image_bin import ImageBinPanel  # noqa: PLC0415
    from video_studio.project import Project  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="gui_thumbnails_") as tmp:
        folder = Path(tmp)
        window = open_window(folder)
        project = Project.create(folder / "project", "Thumbnails")
        window.services.session.set_project(project)
        run_until(lambda: False, 0.5)  # the panels take the new (empty) project
        panel = window.panels["image_bin"]
        assert isinstance(panel, ImageBinPanel)
        model, view, count = panel.model, panel.view, len(files)
        marks: dict[str, float] = {}
        arrivals: list[float] = []

        def visible_done() -> bool:
            area = view.viewport().rect()
            shown = [
                row
                for row in range(panel.proxy.rowCount())
                if view.visualRect(panel.proxy.index(row, 0)).intersects(area)
            ]
            marks.setdefault("visible_rows", float(len(shown)))
            rows = [panel.proxy.mapToSource(panel.proxy.index(row, 0)).row() for row in shown]
            return bool(rows) and all(model.has_thumbnail(model.item(r).asset_id) for r in rows)

        def check(_: object = None) -> None:
            now = time.perf_counter()
            if model.rowCount() == count and "visible" not in marks and visible_done():
                marks["visible"] = now
            if model.rowCount() == count and model.thumbnail_count() == count:
                marks.setdefault("all", now)

        def thumbnail_arrived(_asset_id: str) -> None:
            arrivals.append(time.perf_counter())
            check()

        def import_finished(_result: object) -> None:
            marks["import_finished"] = time.perf_counter()
            check()

        model.thumbnail_arrived.connect(thumbnail_arrived)
        panel.import_finished.connect(import_finished)
        heartbeat = Heartbeat()
        sampler = StallSampler(heartbeat) if stall_stacks else None
        heartbeat.start()
        if sampler is not None:
            sampler.start()
        cpu0 = cpu_seconds()
        started = time.perf_counter()
        if not panel.import_paths(files):
            raise RuntimeError("import_paths refused the files")
        done = run_until(lambda: "all" in marks, CHILD_TIMEOUT_S - 60)
        end = marks.get("all", time.perf_counter())
        cpu = cpu_seconds() - cpu0
        run_until(lambda: False, 0.1)  # a stall right after the last thumbnail counts too
        heartbeat.stop()
        if sampler is not None:
            sampler.stop()
        result: dict[str, Any] = {
            "done": done,
            "photos": count,
            "total_s": end - started,
            "import_finished_s": marks.get("import_finished", end) - started,
            "visible_s": marks.get("visible", end) - started,
            "visible_rows": marks.get("visible_rows", 0.0),
            "first_thumbnail_s": (arrivals[0] - started) if arrivals else None,
            "thumbnails_before_rows": sum(
                1 for at in arrivals if at < marks.get("import_finished", end)
            ),
            "thumbnail_count": model.thumbnail_count(),
            "rows": model.rowCount(),
            "cpu_s": cpu,
            "heartbeat": heartbeat_summary(heartbeat.gaps(started, heartbeat.beats[-1]), started),
            "stall_stacks": sampler.top() if sampler is not None else [],
            "stall_split": sampler.split(heartbeat.gaps(started), started)
            if sampler is not None
            else [],
        }
        close_window(window)
        return result


def child_engine(files: list[Path], mode: str) -> dict[str, Any]:
    from gui.widgets.bin_model import THUMBNAIL_SOURCE_SIZE  # noqa: PLC0415
    from video_studio.asset_cache import AssetCache  # noqa: PLC0415
    from video_studio.importing import import_into_store  # noqa: PLC0415
    from video_studio.project import Project  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="gui_thumbnails_engine_") as tmp:
        project = Project.create(Path(tmp) / "project", "Thumbnails")
        store, cache = project.store, AssetCache(project.cache_dir)
        cpu0 = cpu_seconds()
        started = time.perf_counter()
        made = 0
        if mode == "engine_pipelined":
            futures: list[Future[Path]] = []
            with ThreadPoolExecutor(1, thread_name_prefix="thumbnails") as thumbnails:

                def stored(_asset_id: str, path: Path) -> None:
                    futures.append(thumbnails.submit(cache.thumbnail, path, THUMBNAIL_SOURCE_SIZE))

                with ThreadPoolExecutor(1, thread_name_prefix="import") as importer:
                    result = importer.submit(
                        import_into_store, store, files, on_stored=stored
                    ).result()
                made = sum(1 for future in futures if future.result().is_file())
            if result.failures:
                raise RuntimeError(f"import failures: {result.failures}")
        elif mode == "engine_pool2":

            def one(file: Path) -> bool:
                asset = store.add(file)
                return cache.thumbnail(asset.path, THUMBNAIL_SOURCE_SIZE).is_file()

            with ThreadPoolExecutor(2, thread_name_prefix="pool") as pool:
                made = sum(pool.map(one, files))
        else:
            raise ValueError(mode)
        total = time.perf_counter() - started
        return {
            "done": made == len(files),
            "photos": len(files),
            "thumbnails": made,
            "total_s": total,
            "cpu_s": cpu_seconds() - cpu0,
        }


def child_main(kind: str, count: int, out: Path, stall_stacks: bool, pin: bool) -> None:
    if pin:
        pin_singletons()
    files = [INPUTS / f"photo-{index:03d}.jpg" for index in range(count)]
    result = child_gui(files, stall_stacks) if kind == "gui" else child_engine(files, kind)
    result["kind"] = kind
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))


# --- the parent ---------------------------------------------------------------------------


def run_child(
    kind: str, count: int, label: str, stall_stacks: bool, pin: bool = True
) -> tuple[dict[str, Any], timing.Run]:
    out = paths.OUT / SECTION / f"{kind}-{label}.json"
    out.unlink(missing_ok=True)
    cmd: list[str] = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    cmd += ["--photos", str(count), "--out", str(out)]
    if stall_stacks:
        cmd.append("--stall-stacks")
    if not pin:
        cmd.append("--no-immortal-none")
    run = timing.run(f"{SECTION}_{kind}_{label}", cmd, cwd=paths.BENCH_DIR)
    result: dict[str, Any] = json.loads(out.read_text())
    if not result.get("done"):
        raise RuntimeError(f"{kind} did not finish: {result}")
    result["process"] = {
        "wall_s": run.wall,
        "cpu_s": run.cpu,
        "peak_mib": run.peak_mib,
        "foreign_cpu_s": run.foreign_cpu,
    }
    gui_note = ""
    if kind == "gui":
        beat = result["heartbeat"]
        gui_note = (
            f", rows at {result['import_finished_s']:.2f} s, longest GUI stall "
            f"{beat['max_gap_ms']:.0f} ms, {beat['gaps_over_50ms']} over 50 ms"
        )
    busy = "" if run.clean else f"  BUSY (others used {run.foreign_cpu:.1f} s CPU)"
    print(
        f"  {label:8s} {kind:17s} {result['total_s']:6.2f} s, CPU {result['cpu_s']:5.1f} s"
        f"{gui_note}{busy}",
        flush=True,
    )
    return result, run


def markdown(data: dict[str, Any]) -> str:
    rounds: list[dict[str, dict[str, Any]]] = data["rounds"]
    med = data["medians"]
    rows = []
    for number, one in enumerate(rounds, 1):
        gui = one["gui"]
        beat = gui["heartbeat"]
        rows.append(
            [
                str(number),
                f"{gui['total_s']:.2f}",
                f"{gui['import_finished_s']:.2f}",
                f"{gui['visible_s']:.2f}",
                f"{beat['max_gap_ms']:.0f}",
                str(beat["gaps_over_50ms"]),
                f"{gui['cpu_s']:.1f}",
                f"{one['engine_pipelined']['total_s']:.2f}",
                f"{one['engine_pool2']['total_s']:.2f}",
            ]
        )
    table = timing.markdown_table(
        [
            "round",
            "GUI: all shown s",
            "rows in the bin s",
            "visible rows done s",
            "longest GUI stall ms",
            "stalls > 50 ms",
            "GUI CPU s",
            "engine, GUI's 2 threads s",
            "engine, pool of 2 s",
        ],
        rows,
    )
    verdicts = timing.markdown_table(
        ["target", "measured (median of rounds)", "verdict"],
        [
            [
                f"{data['photos']} thumbnails of 12 MP shown ≤ {TARGET_S:g} s",
                f"{med['gui_total_s']:.2f} s (engine alone: {med['engine_pipelined_s']:.2f} s "
                f"on the GUI's threads, {med['engine_pool2_s']:.2f} s on a pool of 2)",
                timing.verdict(med["gui_total_s"] <= TARGET_S),
            ],
            [
                f"window responsive: no GUI-thread stall > {STALL_MS:g} ms",
                f"longest {med['max_gap_ms']:.0f} ms, {med['gaps_over_50ms']:g} stalls > "
                f"{STALL_MS:g} ms (worst round: {data['worst_gap_ms']:.0f} ms)",
                timing.verdict(med["max_gap_ms"] <= STALL_MS),
            ],
        ],
    )
    stalls = "; ".join(
        f"round {n}: "
        + (
            ", ".join(f"{ms:.0f} ms at {at:.2f} s" for at, ms in r["gui"]["heartbeat"]["stalls"])
            or "none"
        )
        for n, r in enumerate(rounds, 1)
    )
    parts = [
        f"### Image bin: {data['photos']} JPEGs of 4000x3000 imported, until every "
        f"thumbnail is shown ({len(rounds)} rounds)",
        "",
        f"Series: {data['load_text']}"
        + ("" if data["immortal_none"] else " (`--no-immortal-none`)")
        + f". Inputs: {data['photos']} files, "
        f"{data['input_mb']:.0f} MB ({data['input_mb'] / data['photos']:.2f} MB each). "
        f"GUI: MainWindow {WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}, offscreen, "
        f"{rounds[0]['gui']['visible_rows']:.0f} rows visible in the bin.",
        "",
        table,
        "",
        f"GUI / engine on the same threads (paired): {med['ratio_pipelined']:.2f}; GUI / "
        f"pool of 2: {med['ratio_pool2']:.2f}. CPU during the import: GUI "
        f"{med['gui_cpu_s']:.1f} s, engine on the GUI's threads "
        f"{med['engine_pipelined_cpu_s']:.1f} s, pool of 2 {med['engine_pool2_cpu_s']:.1f} s. "
        f"Stalls > {STALL_MS:g} ms (when, after the drop): {stalls}.",
        "",
        verdicts,
    ]
    parts += stall_diagnostics(data)
    return "\n".join(parts)


def stall_diagnostics(data: dict[str, Any]) -> list[str]:
    """The `--stall-stacks` section of a report (nothing when it was not asked for)."""
    if not data.get("stall_stacks"):
        return []
    lines = ["", "Diagnostic (`--stall-stacks`): GUI-thread stacks sampled during stalls:"]
    lines += [f"* {ms:.0f} ms: `{stack}`" for stack, ms in data["stall_stacks"]]
    lines += ["", "Stalls > 50 ms split by the GUI thread's scheduler counters:", ""]
    lines.append(stall_split_table(data["stall_split"]))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--quiet-load", type=float, default=timing.QUIET_LOAD)
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument("--stall-stacks", action="store_true", help="diagnostic run")
    parser.add_argument(
        "--no-immortal-none",
        action="store_true",
        help="without the workaround for PySide6 6.12.0 on Python 3.11 (see pin_singletons)",
    )
    parser.add_argument("--child", choices=COMMANDS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.photos, args.out, args.stall_stacks, not args.no_immortal_none)
        return

    pin = not args.no_immortal_none
    files = ensure_photos(args.photos)
    input_mb = sum(path.stat().st_size for path in files) / 1e6
    print(f"{SECTION}: {len(files)} photos ({input_mb:.0f} MB), {args.rounds} rounds", flush=True)
    load = timing.wait_for_quiet(args.quiet_load)
    print("  " + load.text(), flush=True)
    if not args.no_warmup:
        for kind in COMMANDS:
            run_child(kind, len(files), "warmup", args.stall_stacks, pin)
    rounds: list[dict[str, dict[str, Any]]] = []
    discarded = 0
    while len(rounds) < args.rounds:
        label = f"round{len(rounds) + 1}"
        results = {
            kind: run_child(kind, len(files), label, args.stall_stacks, pin) for kind in COMMANDS
        }
        if all(run.clean for _, run in results.values()) or discarded >= 2:
            rounds.append({kind: result for kind, (result, _) in results.items()})
            continue
        discarded += 1
        print("  round discarded: the machine was busy", flush=True)
        timing.wait_for_quiet(args.quiet_load)
    load.after = timing.loadavg()

    def median_of(kind: str, *keys: str) -> float:
        values = []
        for one in rounds:
            value: Any = one[kind]
            for key in keys:
                value = value[key]
            values.append(float(value))
        return statistics.median(values)

    medians = {
        "gui_total_s": median_of("gui", "total_s"),
        "gui_import_finished_s": median_of("gui", "import_finished_s"),
        "gui_visible_s": median_of("gui", "visible_s"),
        "gui_cpu_s": median_of("gui", "cpu_s"),
        "max_gap_ms": median_of("gui", "heartbeat", "max_gap_ms"),
        "gaps_over_50ms": median_of("gui", "heartbeat", "gaps_over_50ms"),
        "engine_pipelined_s": median_of("engine_pipelined", "total_s"),
        "engine_pipelined_cpu_s": median_of("engine_pipelined", "cpu_s"),
        "engine_pool2_s": median_of("engine_pool2", "total_s"),
        "engine_pool2_cpu_s": median_of("engine_pool2", "cpu_s"),
        "ratio_pipelined": statistics.median(
            r["gui"]["total_s"] / r["engine_pipelined"]["total_s"] for r in rounds
        ),
        "ratio_pool2": statistics.median(
            r["gui"]["total_s"] / r["engine_pool2"]["total_s"] for r in rounds
        ),
    }
    stacks: Counter[str] = Counter()
    for one in rounds:
        for stack, ms in one["gui"]["stall_stacks"]:
            stacks[stack] += ms
    data: dict[str, Any] = {
        "photos": len(files),
        "input_mb": input_mb,
        "load": load,
        "load_text": load.text()
        + (f"; {discarded} round(s) discarded (busy)" if discarded else ""),
        "discarded": discarded,
        "immortal_none": pin,
        "rounds": rounds,
        "medians": medians,
        "worst_gap_ms": max(r["gui"]["heartbeat"]["max_gap_ms"] for r in rounds),
        "target_s": TARGET_S,
        "stall_ms": STALL_MS,
        "holds_time": medians["gui_total_s"] <= TARGET_S,
        "holds_responsive": medians["max_gap_ms"] <= STALL_MS,
        "stall_stacks": stacks.most_common(12),
        "stall_split": [
            {"session": f"round {number}", **stall}
            for number, one in enumerate(rounds, 1)
            for stall in one["gui"]["stall_split"]
        ],
    }
    timing.save(SECTION + ("_stacks" if args.stall_stacks else ""), data, markdown(data))
    print(
        f"{SECTION}: {len(files)} thumbnails of 12 MP shown in "
        f"{medians['gui_total_s']:.2f} s median "
        f"(engine alone {medians['engine_pipelined_s']:.2f} s on the same threads, ratio "
        f"{medians['ratio_pipelined']:.2f}); target <= {TARGET_S:g} s: "
        f"{'holds' if data['holds_time'] else 'MISSED'}; longest GUI stall "
        f"{medians['max_gap_ms']:.0f} ms (target <= {STALL_MS:g} ms): "
        f"{'holds' if data['holds_responsive'] else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
