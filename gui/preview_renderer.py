"""The preview's render thread: frames of the composed timeline at preview size, off the GUI
thread, newest request first.

    renderer = PreviewRenderer(parent)
    renderer.frame_ready.connect(canvas.show_frame)      # (t, QImage), on the GUI thread
    renderer.set_source(functools.partial(resolve_storyboard, project))
    renderer.request(2.5)                                  # returns at once

Latest wins: `request(t)` replaces any request not started yet, so a burst of scrub
positions renders the newest one (and at most the one already in progress). The
Compositor is rebuilt on the render thread by `set_source` (the storyboard is resolved
there too); its prepared sources live in one SourceCache that outlives the rebuilds, so an
edit does not decode the photos again.

A second thread warms the timeline: it renders, once per compositor, one frame of each
item nearest to the playhead (those ahead first while playing), so the slow first touch of
a scene (image decode and preparation, 60-110 ms) happens before playback or a scrub
reaches it. It warms at most `warm_limit` items around the playhead, so that a long
timeline does not push the nearby ones out of the cache.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QImage

from video_studio.config_errors import ConfigError
from video_studio.error_classifier import classify_exception
from video_studio.project import Project
from video_studio.render.compositor import Compositor
from video_studio.render.sources import SourceCache
from video_studio.storyboard import Storyboard
from video_studio.thread_priority import lower_current_thread_priority

_log = logging.getLogger("video_studio.gui.preview")

PREVIEW_PIXELS = 960 * 540  # the preview's pixel budget: 960x540 for 16:9
WARM_LIMIT = 24  # items kept warm around the playhead
_STOP_SECONDS = 10.0

NO_SCENES_TEXT = "Nothing to preview yet: add images to the timeline."

# What the render thread builds from: a storyboard, or the reason there is nothing to show.
Source = Callable[[], Storyboard | str]


def preview_size(frame_size: tuple[int, int], pixels: int = PREVIEW_PIXELS) -> tuple[int, int]:
    """The preview's frame size: the output's aspect within `pixels` pixels (never larger
    than the output), both sides even. 1920x1080 -> 960x540, 1080x1920 -> 540x960."""
    width, height = frame_size
    scale = min(1.0, math.sqrt(pixels / (width * height)))
    return _even(width * scale), _even(height * scale)


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def resolve_storyboard(project: Project) -> Storyboard | str:
    """The project's storyboard for the preview, or why there is nothing to preview. Reads
    files (asset store checks): call it off the GUI thread."""
    if not project.document.storyboard.scenes:
        return NO_SCENES_TEXT
    try:
        return project.storyboard()
    except ConfigError as error:
        reasons = "; ".join(issue.reason for issue in error.issues) or str(error)
        return f"The preview cannot be shown: {reasons}"


@dataclass(frozen=True)
class PreviewDocument:
    """What the compositor of the current document renders."""

    storyboard: Storyboard
    size: tuple[int, int]  # preview frame size (even)
    fps: float
    duration: float  # seconds
    frame_count: int
    safe_area: float  # the template's title-safe fraction (video_studio.render.text.safe_rect)

    @property
    def last_frame_time(self) -> float:
        return (self.frame_count - 1) / self.fps


def warm_order(
    spans: Sequence[tuple[float, float]], t: float, direction: int, limit: int
) -> list[int]:
    """Indexes of the items (visible from start to end) to warm first: the one at `t`, then
    by distance from `t`; while playing (`direction` +1 forwards, -1 backwards) the items
    ahead come before those behind. At most `limit`."""

    def key(index: int) -> tuple[int, float]:
        start, end = spans[index]
        if start <= t < end:
            return (0, 0.0)
        ahead = start >= t
        distance = start - t if ahead else t - end
        behind = (direction > 0 and not ahead) or (direction < 0 and ahead)
        return (2 if behind else 1, distance)

    return sorted(range(len(spans)), key=key)[:limit]


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """An (H, W, 3) uint8 RGB array as a QImage that owns its pixels."""
    height, width = rgb.shape[:2]
    pixels = np.ascontiguousarray(rgb)
    image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()  # detached from the array's memory


class _LoopThread(QThread):
    def __init__(self, name: str, body: Callable[[], None], *, background: bool) -> None:
        super().__init__()
        self.setObjectName(name)
        self._body = body
        self._background = background

    def run(self) -> None:
        if self._background:  # warming up caches; the frame asked for keeps normal priority
            lower_current_thread_priority()
        try:
            self._body()
        except Exception:  # a bug: log it rather than lose it in the thread
            _log.exception("%s stopped", self.objectName())


class PreviewRenderer(QObject):
    frame_ready = Signal(float, QImage)  # (t, frame) rendered for the newest request
    frame_failed = Signal(float, str)  # (t, plain reason) the frame at t could not be made
    document_ready = Signal(object)  # PreviewDocument: a new compositor is in place
    unavailable = Signal(str)  # nothing to preview, and why

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        pixels: int = PREVIEW_PIXELS,
        warm_limit: int = WARM_LIMIT,
    ) -> None:
        super().__init__(parent)
        self._pixels = pixels
        self._warm_limit = warm_limit
        self._cache = SourceCache()  # shared by every compositor, so edits reuse decodes
        self._cond = threading.Condition()
        # Guarded by _cond:
        self._source: Source | None = None
        self._source_pending = False
        self._rendering = False  # the render thread is making a frame or a compositor
        self._generation = 0  # counts set_source and clear calls: a stale build is dropped
        self._pending_time: float | None = None
        self._playhead = 0.0  # the newest requested time (for warming and rebuilds)
        self._direction = 0
        self._stopping = False
        self._compositor: Compositor | None = None
        self._warmed: set[int] = set()
        self._frames_rendered = 0
        self._threads: list[_LoopThread] = []

    # --- the GUI side -----------------------------------------------------------------------

    @property
    def frames_rendered(self) -> int:
        """Frames rendered and delivered so far (the newest request of each burst)."""
        with self._cond:
            return self._frames_rendered

    @property
    def running(self) -> bool:
        return any(thread.isRunning() for thread in self._threads)

    def set_source(self, source: Source, *, at: float | None = None) -> None:
        """Build a compositor from what `source()` returns (called on the render thread),
        then render the frame at `at` (default: the newest requested time) with it.
        Replaces a build not started yet."""
        with self._cond:
            if self._stopping:
                return
            self._source = source
            self._source_pending = True
            self._generation += 1
            if at is not None:
                self._playhead = float(at)
                self._pending_time = None  # the build renders it
            self._cond.notify_all()
        self._start()

    def clear(self) -> None:
        """Drop the compositor (no project): frees its memory; delivers nothing."""
        with self._cond:
            self._compositor = None
            self._source = None
            self._source_pending = False
            self._generation += 1
            self._pending_time = None
            self._warmed = set()

    def request(self, t: float) -> None:
        """Render the frame at `t` seconds; returns at once. A request not started yet is
        replaced by this one."""
        with self._cond:
            if self._stopping:
                return
            self._pending_time = float(t)
            self._playhead = float(t)
            self._cond.notify_all()

    def set_direction(self, direction: int) -> None:
        """Playback direction for prefetching: +1 forwards, -1 backwards, 0 paused."""
        with self._cond:
            if direction != self._direction:
                self._direction = direction
                self._cond.notify_all()

    def shutdown(self, seconds: float = _STOP_SECONDS) -> bool:
        """Stop both threads and wait for them (idempotent); False if one did not stop."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        stopped = True
        for thread in self._threads:
            if not thread.wait(int(seconds * 1000)):
                _log.error("%s did not stop within %.0f s", thread.objectName(), seconds)
                stopped = False
        return stopped

    def _start(self) -> None:
        if self._threads:
            return
        self._threads = [
            _LoopThread("preview-render", self._render_loop, background=False),
            _LoopThread("preview-warmup", self._warm_loop, background=True),
        ]
        for thread in self._threads:
            thread.start()

    # --- the render thread ------------------------------------------------------------------

    def _render_loop(self) -> None:
        while True:
            with self._cond:
                while not self._has_work():
                    self._cond.wait()
                if self._stopping:
                    return
                source = self._source if self._source_pending else None
                generation = self._generation
                self._source_pending = False
                t = self._pending_time
                self._pending_time = None
                self._rendering = True
            try:
                if source is not None:
                    built = self._build(source, generation)
                    if built and t is None:
                        with self._cond:
                            t = self._playhead  # the new document at the current time
                if t is not None:
                    self._render(t)
            finally:
                with self._cond:
                    self._rendering = False
                    self._cond.notify_all()  # the warm-up waits for an idle render thread

    def _has_work(self) -> bool:
        return self._stopping or self._source_pending or self._pending_time is not None

    def _build(self, source: Source, generation: int) -> bool:
        """Make the compositor for `source` and announce it; False when there is none (or
        a newer source or a clear came meanwhile: this build is dropped unannounced)."""
        compositor: Compositor | None = None
        message: str | None = None
        try:
            result = source()
            if isinstance(result, str):
                message = result
            else:
                size = preview_size(result.frame_size, self._pixels)
                compositor = Compositor(result, size=size, cache=self._cache)
        except Exception as error:  # a document the renderer cannot take: say why
            _log.warning("preview: the document cannot be rendered", exc_info=True)
            message = f"The preview cannot be shown: {classify_exception(error).message}"
        if compositor is None:
            with self._cond:
                if generation != self._generation:
                    return False
                self._compositor = None
                self._warmed = set()
            self.unavailable.emit(message or NO_SCENES_TEXT)
            return False
        document = PreviewDocument(
            storyboard=compositor.storyboard,
            size=(compositor.width, compositor.height),
            fps=compositor.fps,
            duration=compositor.duration,
            frame_count=compositor.frame_count,
            safe_area=compositor.template.safe_area,
        )
        with self._cond:
            if generation != self._generation:
                return False
            self._compositor = compositor
            self._warmed = set()
            self._cond.notify_all()  # the warm-up thread starts on it
        self.document_ready.emit(document)
        return True

    def _render(self, t: float) -> None:
        with self._cond:
            compositor = self._compositor
        if compositor is None:
            return
        t = min(max(0.0, t), compositor.duration)
        try:
            image = rgb_to_qimage(compositor.frame_rgb(t))
        except Exception as error:  # a file gone or damaged: say so over the picture
            _log.warning("preview frame at %.3f s failed", t, exc_info=True)
            self.frame_failed.emit(t, classify_exception(error).message)
            return
        with self._cond:
            if compositor is not self._compositor:
                return  # the document changed meanwhile: the new one renders this time
            self._frames_rendered += 1
        self.frame_ready.emit(t, image)

    # --- the warm-up thread -----------------------------------------------------------------

    def _warm_loop(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    compositor = self._compositor
                    index = self._next_cold(compositor) if compositor is not None else None
                    if compositor is not None and index is not None and not self._frame_wanted():
                        break
                    self._cond.wait()
                self._warmed.add(index)
            item = compositor.timeline.items[index]
            try:
                compositor.frame(item.start)  # decodes and prepares what the item shows
            except Exception:  # the frame that needs it reports the failure
                _log.debug("preview warm-up of %s failed", item.label, exc_info=True)

    def _frame_wanted(self) -> bool:
        """A frame is being made or asked for: the warm-up does not start an item then, so
        a scrub has the two cores (and the GIL) to itself. Call with the lock held."""
        return self._rendering or self._pending_time is not None or self._source_pending

    def _next_cold(self, compositor: Compositor) -> int | None:
        items = compositor.timeline.items
        spans = [(item.start, item.visible_end) for item in items]
        for index in warm_order(spans, self._playhead, self._direction, self._warm_limit):
            if index not in self._warmed:
                return index
        return None
