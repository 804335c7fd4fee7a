"""Scrubbing in the desktop app: from a scrub (the preview's slider dragged, or the playhead
set from the timeline) to the frame for that time painted in the preview, side by side with
the bare engine call for the same times.

  .venv/bin/python bench/gui_scrub.py [--scrubs 200] [--sessions 1] [--interval-ms 150]
      [--seed 1] [--quiet-load 0.6] [--tag NAME] [--stall-stacks] [--renice-background]
      [--no-immortal-none]

Two projects: the bundled demo (`project_from_script(demo_dir() / "demo.yaml", folder)`:
intro and outro cards, 5 scenes of 3-4 s with text, logo, watermark, music, all kinds of
transitions) and 6 photos of 4000x3000 (the JPEGs of gui_thumbnails.py) on 5 s scenes
with 0.5 s crossfades and the template's motion. For each project, `--sessions` fresh
processes (default 1: one window, as a user opens a project once), each: the whole
MainWindow (1600x1000, offscreen platform, its PreviewPanel with its render and warm-up
threads, and every other panel), the project opened with `session.set_project`, and as
soon as its first frame is painted, `--scrubs / --sessions` scrubs to random frames, one
every `--interval-ms` with the event loop running, taking turns between the two ways a
user scrubs: `panel.slider.setValue(frame)` (a slider drag step) and
`session.set_playhead(t)` (a click in the timeline). More sessions give more first touches
(`--sessions 4 --tag _4windows`: about 20 per project instead of 6).

Per scrub, on the GUI thread with perf_counter: from just before the scrub call to the end
of the preview canvas's paint of the frame for that time (the canvas's Paint event is taken
by an event filter that runs the canvas's own paintEvent and notes when it ends); also when
the render thread emitted the frame and how long the paint took. A scrub whose frame was
never shown (a newer scrub's frame came first: latest wins) counts with the time until that
newer frame was painted (a lower bound). "Cold": the first scrub into a timeline item
(scene or card) in that window (the warm-up thread may have prepared it meanwhile: that is
the app's design); "warm": the rest.

Reference, in the same process, after the GUI (before it in odd sessions): a fresh
`Compositor(storyboard, size=(960, 540))` (as the preview builds it, its own empty source
cache), `frame_rgb(0)`, then `frame_rgb(t)` for the same times in the same order, timed
alone. A 5 ms heartbeat timer on the GUI thread gives the longest stall. Target (issue 5):
the first preview frame after a scrub in at most 50 ms (95th percentile), here required of
each project. `--stall-stacks` (diagnostic) samples the GUI thread during stalls (see
gui_thumbnails.StallSampler); `--renice-background` is an experiment (see Renicer). The
children pin None, True and False (gui_thumbnails.pin_singletons) against a PySide6 6.12.0
bug on Python 3.11 that otherwise aborts a window after ~130 scrubs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import common_paths as paths
import timing
from gui_thumbnails import (
    Heartbeat,
    StallSampler,
    close_window,
    cpu_seconds,
    ensure_photos,
    heartbeat_summary,
    open_window,
    pin_singletons,
    run_until,
    stall_diagnostics,
    stats_row,
)
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QImage, QPaintEvent

if TYPE_CHECKING:
    from gui.docks.preview import PreviewPanel

SECTION = "gui_scrub"
PROJECTS = ("demo", "photos")
TARGET_P95_MS = 50.0
STALL_MS = 50.0
PHOTOS = 6
SCENE_SECONDS = 5.0
CROSSFADE_SECONDS = 0.5
OPEN_TIMEOUT_S = 60.0
SETTLE_S = 3.0  # warm scrubs this long after opening: the background warm-up is over
SAME_TIME = 1e-9


# --- a project ----------------------------------------------------------------------------


def make_project(kind: str, folder: Path) -> Any:
    from video_studio import edits  # noqa: PLC0415
    from video_studio.models import Transition, TransitionType  # noqa: PLC0415
    from video_studio.project import Project  # noqa: PLC0415
    from video_studio.project_from_script import project_from_script  # noqa: PLC0415
    from video_studio.resources import demo_dir  # noqa: PLC0415

    if kind == "demo":
        return project_from_script(demo_dir() / "demo.yaml", folder)
    project = Project.create(folder, f"{PHOTOS} photos of 12 MP")
    refs = [project.import_image(path) for path in ensure_photos(PHOTOS)]
    fade = Transition(type=TransitionType.CROSSFADE, duration=CROSSFADE_SECONDS)
    project.document = edits.add_scenes(
        project, refs[:-1], duration=SCENE_SECONDS, transition=fade
    ).after
    project.document = edits.add_scenes(project, refs[-1:], duration=SCENE_SECONDS).after
    project.save()
    return project


@dataclass
class Plan:
    index: int  # frame
    t: float  # seconds (index / fps, as the preview computes it)
    via: str  # "slider" or "timeline"
    cold: bool  # the first scrub into one of the items it shows
    items: list[int]  # timeline positions shown at t


def scrub_plan(compositor: Any, count: int, seed: int) -> list[Plan]:
    """`count` random frames (never the one on show), alternating slider and timeline."""
    rng = random.Random(seed)
    fps, frames = compositor.fps, compositor.frame_count
    touched = {active.item.position for active in compositor.timeline.active(0.0)}
    plan: list[Plan] = []
    previous = 0
    for number in range(count):
        index = previous
        while index == previous:
            index = rng.randrange(frames)
        t = index / fps
        items = sorted(active.item.position for active in compositor.timeline.active(t))
        cold = not set(items) <= touched
        touched.update(items)
        via = "slider" if number % 2 == 0 else "timeline"
        plan.append(Plan(index, t, via, cold, items))
        previous = index
    return plan


# --- the GUI side -------------------------------------------------------------------------


@dataclass
class Sample:
    t: float
    via: str
    started: float
    rendered: float | None = None  # the render thread emitted frame_ready for t
    painted: float | None = None  # the canvas's paint with that frame ended
    paint_ms: float | None = None
    superseded_at: float | None = None  # a newer frame was painted first

    @property
    def ms(self) -> float:
        end = self.painted if self.painted is not None else self.superseded_at
        assert end is not None
        return (end - self.started) * 1000


class ScrubDriver(QObject):
    """Scrubs the preview on a fixed beat and times each scrub to its painted frame."""

    def __init__(self, panel: PreviewPanel, plan: list[Plan], interval_ms: float) -> None:
        super().__init__()
        self.panel = panel
        self.session = panel.session
        self.canvas = panel.canvas
        self.plan = plan
        self.interval_s = interval_ms / 1000
        self.samples: list[Sample] = []
        self.open_sample: Sample | None = None
        self._outstanding: list[Sample] = []
        self._origin = 0.0
        self.finished_at: float | None = None
        self._timer = QTimer(self)
        self._timer.setObjectName("bench_scrub")
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._scrub)
        # On the render thread, when the frame is emitted (the panel's own slot runs later,
        # on the GUI thread): {t: perf_counter}.
        self._rendered: dict[float, float] = {}
        self._rendered_lock = threading.Lock()
        panel.renderer.frame_ready.connect(self._frame_rendered, Qt.ConnectionType.DirectConnection)
        self.canvas.installEventFilter(self)

    def expect_open(self) -> None:
        """The next frame at 0 s is the opening project's first frame."""
        self.open_sample = Sample(0.0, "open", time.perf_counter())
        self._outstanding.append(self.open_sample)

    @property
    def opened(self) -> bool:
        return self.open_sample is not None and self.open_sample.painted is not None

    def start(self) -> None:
        self._origin = time.perf_counter()
        self._scrub()

    @property
    def done(self) -> bool:
        return self.finished_at is not None

    def stop(self) -> None:
        self._timer.stop()
        self.canvas.removeEventFilter(self)

    def _scrub(self) -> None:
        number = len(self.samples)
        if number == len(self.plan):
            return
        step = self.plan[number]
        document = self.panel.document
        assert document is not None
        clicked = step.t + 0.3 / document.fps  # a click in the timeline: within the frame
        sample = Sample(step.t, step.via, time.perf_counter())
        if step.via == "slider":
            self.panel.slider.setValue(step.index)
        else:
            self.session.set_playhead(clicked)
        if abs(self.panel.current_time - step.t) > SAME_TIME:
            raise RuntimeError(f"scrubbed to {self.panel.current_time}, not {step.t}")
        self.samples.append(sample)
        self._outstanding.append(sample)
        if len(self.samples) < len(self.plan):
            due = self._origin + len(self.samples) * self.interval_s
            self._timer.start(max(0, round((due - time.perf_counter()) * 1000)))

    def _frame_rendered(self, t: float, _image: QImage) -> None:
        with self._rendered_lock:
            self._rendered[t] = time.perf_counter()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is not self.canvas or event.type() != QEvent.Type.Paint:
            return False
        # The frame on show is the one for a waiting scrub: this paint shows it.
        shown = self.panel.last_frame_time
        match = None
        if shown is not None:
            for sample in reversed(self._outstanding):
                if abs(sample.t - shown) <= SAME_TIME:
                    match = sample
                    break
        if match is None:
            return False
        before = time.perf_counter()
        assert isinstance(event, QPaintEvent)
        self.canvas.paintEvent(event)  # the canvas's own paint, timed
        after = time.perf_counter()
        match.painted, match.paint_ms = after, (after - before) * 1000
        with self._rendered_lock:
            rendered = self._rendered.get(match.t)
        if rendered is not None and rendered >= match.started:
            match.rendered = rendered
        position = self._outstanding.index(match)
        for older in self._outstanding[:position]:
            older.superseded_at = after
        del self._outstanding[: position + 1]
        if len(self.samples) == len(self.plan) and not self._outstanding:
            self.finished_at = after
        return True


class Renicer:
    """`--renice-background`, an experiment (what would fix it, without changing the app):
    every 10 ms, give the app's background threads (preview warm-up, bin and timeline
    thumbnails, and the OpenCV workers they started, which carry their names) nice 19, so
    that the GUI and preview render threads get the CPU first. QThread's LowPriority does
    not do this on Linux (measured: nice 0, SCHED_OTHER; only IdlePriority changes the
    policy, to SCHED_IDLE)."""

    NAMES = ("preview-warmup", "image bin thumb", "timeline thumbn")

    def __init__(self) -> None:
        self.reniced: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="renicer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        tasks = Path("/proc/self/task")
        while not self._stop.wait(0.01):
            for task in tasks.iterdir():
                tid = int(task.name)
                if tid in self.reniced:
                    continue
                try:
                    if (task / "comm").read_text().strip().startswith(self.NAMES):
                        os.setpriority(os.PRIO_PROCESS, tid, 19)
                        self.reniced.add(tid)
                except OSError:
                    continue  # ended meanwhile


def gui_session(
    project: Any,
    plan: list[Plan],
    interval_ms: float,
    stall_stacks: bool,
    folder: Path,
    *,
    renice: bool = False,
) -> dict[str, Any]:
    from gui.docks.preview import PreviewPanel  # noqa: PLC0415

    renicer = Renicer() if renice else None
    if renicer is not None:
        renicer.start()
    window = open_window(folder)
    panel = window.panels["preview"]
    assert isinstance(panel, PreviewPanel)
    driver = ScrubDriver(panel, plan, interval_ms)
    heartbeat = Heartbeat()
    sampler = StallSampler(heartbeat) if stall_stacks else None
    heartbeat.start()
    if sampler is not None:
        sampler.start()
    driver.expect_open()
    opened_at = time.perf_counter()
    window.services.session.set_project(project)
    if not run_until(lambda: driver.opened, OPEN_TIMEOUT_S):
        raise RuntimeError(
            f"the project's first frame was not shown: {driver.open_sample}, document "
            f"{panel.document is not None}, last frame {panel.last_frame_time}, canvas "
            f"message {panel.canvas.message()!r}, frames {panel.renderer.frames_rendered}"
        )
    assert driver.open_sample is not None and driver.open_sample.painted is not None
    open_ms = (driver.open_sample.painted - opened_at) * 1000
    cpu0 = cpu_seconds()
    scrub_start = time.perf_counter()
    driver.start()
    budget = len(plan) * interval_ms / 1000 + 30
    finished = run_until(lambda: driver.done, budget)
    scrub_end = driver.finished_at or time.perf_counter()
    cpu = cpu_seconds() - cpu0
    run_until(lambda: False, 0.1)
    heartbeat.stop()
    if sampler is not None:
        sampler.stop()
    driver.stop()
    never = [s for s in driver.samples if s.painted is None and s.superseded_at is None]
    if not finished or never:
        raise RuntimeError(f"{len(never)} scrubs never got a frame")
    result = {
        "open_ms": open_ms,
        "scrub_s": scrub_end - scrub_start,
        "cpu_s": cpu,
        "frames_rendered": panel.renderer.frames_rendered,
        "samples": [
            {
                **asdict(sample),
                "ms": sample.ms,
                "since_open_s": sample.started - driver.open_sample.painted,
                "rendered_ms": None
                if sample.rendered is None
                else (sample.rendered - sample.started) * 1000,
            }
            for sample in driver.samples
        ],
        "heartbeat_open": heartbeat_summary(heartbeat.gaps(opened_at, scrub_start), opened_at),
        "heartbeat_scrub": heartbeat_summary(
            heartbeat.gaps(scrub_start, heartbeat.beats[-1]), scrub_start
        ),
        "stall_stacks": sampler.top() if sampler is not None else [],
        "stall_split": sampler.split(heartbeat.gaps(opened_at), opened_at)
        if sampler is not None
        else [],
    }
    close_window(window)
    if renicer is not None:
        renicer.stop()
        result["reniced_threads"] = len(renicer.reniced)
    return result


# --- the engine side ----------------------------------------------------------------------


def engine_session(storyboard: Any, size: tuple[int, int], plan: list[Plan]) -> dict[str, Any]:
    from video_studio.render.compositor import Compositor  # noqa: PLC0415

    started = time.perf_counter()
    compositor = Compositor(storyboard, size=size)
    built = time.perf_counter()
    compositor.frame_rgb(0.0)
    opened = time.perf_counter()
    times = []
    for step in plan:
        t0 = time.perf_counter()
        compositor.frame_rgb(step.t)
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "build_ms": (built - started) * 1000,
        "open_ms": (opened - started) * 1000,
        "ms": times,
    }


def child_main(args: argparse.Namespace) -> None:
    from gui.preview_renderer import preview_size  # noqa: PLC0415
    from video_studio.render.compositor import Compositor  # noqa: PLC0415

    if not args.no_immortal_none:
        pin_singletons()

    with tempfile.TemporaryDirectory(prefix="gui_scrub_") as tmp:
        folder = Path(tmp)
        project = make_project(args.child, folder / "project")
        storyboard = project.storyboard()
        size = preview_size(storyboard.frame_size)
        timeline = Compositor(storyboard, size=size)  # for the plan only (no frame made)
        plan = scrub_plan(timeline, args.scrubs, args.seed)
        del timeline
        if args.engine_first:
            engine = engine_session(storyboard, size, plan)
            gui = gui_session(
                project,
                plan,
                args.interval_ms,
                args.stall_stacks,
                folder,
                renice=args.renice_background,
            )
        else:
            gui = gui_session(
                project,
                plan,
                args.interval_ms,
                args.stall_stacks,
                folder,
                renice=args.renice_background,
            )
            engine = engine_session(storyboard, size, plan)
    result = {
        "project": args.child,
        "size": list(size),
        "engine_first": args.engine_first,
        "plan": [asdict(step) for step in plan],
        "gui": gui,
        "engine": engine,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))


# --- the parent ---------------------------------------------------------------------------


def run_session(
    project: str, number: int, per_session: int, args: argparse.Namespace
) -> tuple[dict[str, Any], timing.Run]:
    out = paths.OUT / SECTION / f"{project}-{number}.json"
    out.unlink(missing_ok=True)
    cmd: list[str] = [sys.executable, str(Path(__file__).resolve()), "--child", project]
    cmd += ["--scrubs", str(per_session), "--interval-ms", str(args.interval_ms)]
    cmd += ["--seed", str(args.seed * 1000 + number), "--out", str(out)]
    if number % 2:
        cmd.append("--engine-first")
    if args.stall_stacks:
        cmd.append("--stall-stacks")
    if args.no_immortal_none:
        cmd.append("--no-immortal-none")
    if args.renice_background:
        cmd.append("--renice-background")
    run = timing.run(f"{SECTION}_{project}_{number}", cmd, cwd=paths.BENCH_DIR)
    result: dict[str, Any] = json.loads(out.read_text())
    result["process"] = {"wall_s": run.wall, "cpu_s": run.cpu, "foreign_cpu_s": run.foreign_cpu}
    gui = result["gui"]
    ms = [s["ms"] for s in gui["samples"]]
    busy = "" if run.clean else f"  BUSY (others used {run.foreign_cpu:.1f} s CPU)"
    print(
        f"  {project:6s} session {number}: open {gui['open_ms']:.0f} ms, scrub median "
        f"{stats_row(ms)['median']:.1f} p95 {stats_row(ms)['p95']:.1f} max {max(ms):.0f} ms "
        f"(engine median {stats_row(result['engine']['ms'])['median']:.1f} ms), longest stall "
        f"{gui['heartbeat_scrub']['max_gap_ms']:.0f} ms{busy}",
        flush=True,
    )
    return result, run


def summarize(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    gui: dict[str, list[float]] = {"all": [], "warm": [], "cold": []}
    engine: dict[str, list[float]] = {"all": [], "warm": [], "cold": []}
    rendered: list[float] = []
    paint: list[float] = []
    via_slider: list[float] = []
    via_timeline: list[float] = []
    warm_early: list[float] = []  # warm scrubs in the first SETTLE_S after opening
    warm_late: list[float] = []
    superseded = 0
    for session in sessions:
        for step, sample, engine_ms in zip(
            session["plan"], session["gui"]["samples"], session["engine"]["ms"], strict=True
        ):
            kind = "cold" if step["cold"] else "warm"
            for key in ("all", kind):
                gui[key].append(sample["ms"])
                engine[key].append(engine_ms)
            if sample["painted"] is None:
                superseded += 1
            else:
                if sample["rendered_ms"] is not None:
                    rendered.append(sample["rendered_ms"])
                paint.append(sample["paint_ms"])
            (via_slider if sample["via"] == "slider" else via_timeline).append(sample["ms"])
            if not step["cold"]:
                late = sample["since_open_s"] >= SETTLE_S
                (warm_late if late else warm_early).append(sample["ms"])
    beats = [s["gui"]["heartbeat_scrub"] for s in sessions]
    opens = [s["gui"]["heartbeat_open"] for s in sessions]
    return {
        "gui": {key: stats_row(values) for key, values in gui.items()},
        "engine": {key: stats_row(values) for key, values in engine.items()},
        "gui_rendered": stats_row(rendered),
        "gui_paint": stats_row(paint),
        "gui_via_slider": stats_row(via_slider),
        "gui_via_timeline": stats_row(via_timeline),
        "gui_warm_early": stats_row(warm_early),
        "gui_warm_late": stats_row(warm_late),
        "superseded": superseded,
        "open_ms": [s["gui"]["open_ms"] for s in sessions],
        "engine_open_ms": [s["engine"]["open_ms"] for s in sessions],
        "max_gap_ms": max(b["max_gap_ms"] for b in beats),
        "gaps_over_50ms": sum(b["gaps_over_50ms"] for b in beats),
        "stalls": [b["stalls"] for b in beats],
        "open_max_gap_ms": max(b["max_gap_ms"] for b in opens),
        "open_gaps_over_50ms": sum(b["gaps_over_50ms"] for b in opens),
        "gui_cpu_s": sum(s["gui"]["cpu_s"] for s in sessions),
        "scrub_s": sum(s["gui"]["scrub_s"] for s in sessions),
        "cold_share": len(gui["cold"]) / max(1, len(gui["all"])),
        "holds": gui["all"] != [] and stats_row(gui["all"])["p95"] <= TARGET_P95_MS,
    }


def _cells(row: dict[str, float]) -> list[str]:
    if not row.get("n"):
        return ["0", "-", "-", "-"]
    return [str(row["n"]), f"{row['median']:.1f}", f"{row['p95']:.1f}", f"{row['max']:.1f}"]


def _p95(row: dict[str, float]) -> str:
    return f"{row['p95']:.1f} ({row['n']})" if row.get("n") else "- (0)"


def markdown(data: dict[str, Any]) -> str:
    rows = []
    for project in PROJECTS:
        summary = data["projects"][project]
        for key in ("all", "warm", "cold"):
            rows.append(
                [
                    f"{project}: {key}",
                    *_cells(summary["gui"][key]),
                    *_cells(summary["engine"][key])[1:],
                ]
            )
    table = timing.markdown_table(
        [
            "scrubs",
            "n",
            "GUI median ms",
            "GUI p95 ms",
            "GUI max ms",
            "engine median ms",
            "engine p95 ms",
            "engine max ms",
        ],
        rows,
    )
    detail_rows = []
    for project in PROJECTS:
        s = data["projects"][project]
        detail_rows.append(
            [
                project,
                f"{s['gui_rendered']['median']:.1f} / {s['gui_rendered']['p95']:.1f}",
                f"{s['gui_paint']['median']:.1f} / {s['gui_paint']['p95']:.1f}",
                f"{s['gui_via_slider']['p95']:.1f} / {s['gui_via_timeline']['p95']:.1f}",
                f"{_p95(s['gui_warm_early'])} / {_p95(s['gui_warm_late'])}",
                str(s["superseded"]),
                f"{s['max_gap_ms']:.0f} ({s['gaps_over_50ms']})",
                f"{s['open_max_gap_ms']:.0f} ({s['open_gaps_over_50ms']})",
                " / ".join(f"{ms:.0f}" for ms in s["open_ms"]),
            ]
        )
    details = timing.markdown_table(
        [
            "project",
            "scrub → frame rendered ms (median / p95)",
            "canvas paint ms (median / p95)",
            "p95 slider / timeline ms",
            f"warm p95 ms, first {SETTLE_S:g} s after opening / later (n)",
            "never shown",
            "longest stall while scrubbing ms (> 50 ms)",
            "longest stall while opening ms (> 50 ms)",
            "open → first frame ms, per session",
        ],
        detail_rows,
    )
    verdict_rows = []
    for project in PROJECTS:
        summary = data["projects"][project]
        for key in ("all", "warm", "cold"):
            gui, engine = summary["gui"][key], summary["engine"][key]
            label = {
                "all": f"all {gui['n']} scrubs ({summary['cold_share']:.0%} first touches)",
                "warm": "warm (item touched before)",
                "cold": "cold (first touch of an item)",
            }[key]
            verdict_rows.append(
                [
                    f"{project}, {label}: p95 ≤ {TARGET_P95_MS:g} ms",
                    f"{gui['p95']:.1f} ms (engine alone {engine['p95']:.1f} ms)",
                    timing.verdict(gui["p95"] <= TARGET_P95_MS)
                    + (" (the target)" if key == "all" else ""),
                ]
            )
    worst_gap = max(data["projects"][p]["max_gap_ms"] for p in PROJECTS)
    verdict_rows.append(
        [
            f"GUI thread never stalls > {STALL_MS:g} ms while scrubbing",
            f"longest {worst_gap:.0f} ms",
            timing.verdict(worst_gap <= STALL_MS),
        ]
    )
    parts = [
        f"### Scrubbing the preview in the app: {data['scrubs']} scrubs per project, one "
        f"every {data['interval_ms']:g} ms, in {data['sessions']} fresh "
        f"window{'s' if data['sessions'] != 1 else ''} each",
        "",
        f"Series: {data['load_text']}"
        + (
            " (WITHOUT the bench's workaround for PySide6 6.12.0's lost None references: "
            "`--no-immortal-none`)"
            if not data.get("immortal_none", True)
            else ""
        )
        + (
            " (EXPERIMENT `--renice-background`: the app's background threads at nice 19)"
            if data.get("renice_background")
            else ""
        )
        + f". Preview {data['size'][0]}x{data['size'][1]}; "
        "MainWindow 1600x1000, offscreen. GUI = scrub call to the end of the canvas's paint "
        "of that frame; engine = `Compositor.frame_rgb(t)` alone, same times, fresh "
        "compositor per session.",
        "",
        table,
        "",
        details,
        "",
        timing.markdown_table(["target", "measured", "verdict"], verdict_rows),
    ]
    parts += stall_diagnostics(data)
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scrubs", type=int, default=200, help="per project")
    parser.add_argument("--sessions", type=int, default=1, help="fresh windows per project")
    parser.add_argument("--interval-ms", type=float, default=150.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet-load", type=float, default=timing.QUIET_LOAD)
    parser.add_argument("--stall-stacks", action="store_true", help="diagnostic run")
    parser.add_argument(
        "--renice-background",
        action="store_true",
        help="experiment: the app's background threads at nice 19 (see Renicer)",
    )
    parser.add_argument(
        "--no-immortal-none",
        action="store_true",
        help="without the workaround for PySide6 6.12.0 on Python 3.11 (see "
        "gui_thumbnails.pin_singletons): a window then aborts after ~130 scrubs",
    )
    parser.add_argument("--tag", default="", help="appended to the results' section name")
    parser.add_argument("--child", choices=PROJECTS, help=argparse.SUPPRESS)
    parser.add_argument("--engine-first", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return

    ensure_photos(PHOTOS)
    per_session = max(1, args.scrubs // args.sessions)
    print(
        f"{SECTION}: {per_session * args.sessions} scrubs per project in {args.sessions} "
        f"sessions, one every {args.interval_ms:g} ms",
        flush=True,
    )
    load = timing.wait_for_quiet(args.quiet_load)
    print("  " + load.text(), flush=True)
    results: dict[str, list[dict[str, Any]]] = {project: [] for project in PROJECTS}
    discarded = 0
    for number in range(args.sessions):
        for project in PROJECTS:
            while True:
                result, run = run_session(project, number, per_session, args)
                if run.clean or discarded >= 4:
                    break
                discarded += 1
                print("  session discarded: the machine was busy", flush=True)
                timing.wait_for_quiet(args.quiet_load)
            results[project].append(result)
    load.after = timing.loadavg()
    stacks: dict[str, float] = {}
    for sessions in results.values():
        for session in sessions:
            for stack, ms in session["gui"]["stall_stacks"]:
                stacks[stack] = stacks.get(stack, 0.0) + ms
    split = [
        {"project": project, "session": number, **stall}
        for project, sessions in results.items()
        for number, session in enumerate(sessions)
        for stall in session["gui"]["stall_split"]
    ]
    data: dict[str, Any] = {
        "scrubs": per_session * args.sessions,
        "sessions": args.sessions,
        "interval_ms": args.interval_ms,
        "size": results[PROJECTS[0]][0]["size"],
        "load": load,
        "immortal_none": not args.no_immortal_none,
        "renice_background": args.renice_background,
        "load_text": load.text()
        + (f"; {discarded} session(s) discarded (busy)" if discarded else ""),
        "discarded": discarded,
        "target_p95_ms": TARGET_P95_MS,
        "projects": {project: summarize(sessions) for project, sessions in results.items()},
        "sessions_raw": results,
        "stall_stacks": sorted(stacks.items(), key=lambda item: -item[1])[:12],
        "stall_split": split,
    }
    data["holds"] = all(data["projects"][p]["holds"] for p in PROJECTS)
    section = SECTION + args.tag + ("_stacks" if args.stall_stacks else "")
    section += "_reniced" if args.renice_background else ""
    timing.save(section, data, markdown(data))
    figures = ", ".join(
        f"{p} {data['projects'][p]['gui']['all']['p95']:.1f} ms (engine alone "
        f"{data['projects'][p]['engine']['all']['p95']:.1f} ms)"
        for p in PROJECTS
    )
    worst_gap = max(data["projects"][p]["max_gap_ms"] for p in PROJECTS)
    print(
        f"{SECTION}: scrub to painted frame p95 {figures}; target <= {TARGET_P95_MS:g} ms: "
        f"{'holds' if data['holds'] else 'MISSED'}; longest GUI stall while scrubbing "
        f"{worst_gap:.0f} ms"
    )


if __name__ == "__main__":
    main()
