"""The timeline's layout as pure math (no Qt): where each scene, transition marker and gap
lies for given durations and zoom, what a point hits, where a drop lands, and the ruler's
ticks. The view paints and hit-tests with it; tests check it with hypothesis.

Horizontally a scene starts where the previous one ends: x = ORIGIN + start * pixels per
second, so the ruler's time and the scenes line up exactly. Vertically there is the ruler
band on top and the scene track below it.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

ORIGIN = 12.0  # x of time 0 (room for the playhead handle)
RIGHT_PAD = 160.0  # room after the last scene: to drop there and to drag its edge out
RULER_HEIGHT = 24.0
TRACK_TOP = 32.0
TRACK_HEIGHT = 72.0
BOTTOM_PAD = 10.0
EDGE_GRAB = 5.0  # pixels either side of a scene's right edge that grab it
MARKER_WIDTH = 26.0
MARKER_HEIGHT = 18.0

DEFAULT_PPS = 60.0  # pixels per second
MIN_PPS = 2.0
MAX_PPS = 1000.0
ZOOM_STEP = 1.25
DURATION_SNAP = 0.1  # seconds: edge drags land on tenths
MIN_DURATION = 0.1
MAX_DURATION = 600.0  # models.MAX_SCENE_SECONDS

_NICE_STEPS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0)
LABEL_SPACING = 70.0  # at least this many pixels between labelled ticks
MINOR_SPACING = 8.0  # at least this many pixels between small ticks


class HitKind(Enum):
    NONE = "none"
    RULER = "ruler"
    SCENE = "scene"
    EDGE = "edge"  # the right edge of scene `index`
    MARKER = "marker"  # the transition from scene `index` into the next


@dataclass(frozen=True)
class Hit:
    kind: HitKind
    index: int = -1


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x < self.right and self.y <= y < self.bottom


@dataclass(frozen=True)
class Tick:
    seconds: float
    major: bool  # a labelled tick


@dataclass(frozen=True)
class TimelineLayout:
    durations: tuple[float, ...]
    pixels_per_second: float = DEFAULT_PPS

    @classmethod
    def of(cls, durations: Sequence[float], pixels_per_second: float) -> TimelineLayout:
        return cls(tuple(float(d) for d in durations), clamp_pps(pixels_per_second))

    # --- time ---------------------------------------------------------------------------

    @cached_property
    def starts(self) -> tuple[float, ...]:
        """Start time of every scene, then the end of the video."""
        return (0.0, *itertools.accumulate(self.durations))

    @cached_property
    def _xs(self) -> tuple[float, ...]:
        """x of every scene's start, then of the end."""
        return tuple(self.x_at(start) for start in self.starts)

    @property
    def total(self) -> float:
        return self.starts[-1]

    @property
    def count(self) -> int:
        return len(self.durations)

    def x_at(self, seconds: float) -> float:
        return ORIGIN + seconds * self.pixels_per_second

    def time_at(self, x: float) -> float:
        """The time under x, within the video."""
        return min(max(0.0, (x - ORIGIN) / self.pixels_per_second), self.total)

    # --- boxes ----------------------------------------------------------------------------

    @property
    def content_width(self) -> float:
        return self.x_at(self.total) + RIGHT_PAD

    @property
    def content_height(self) -> float:
        return TRACK_TOP + TRACK_HEIGHT + BOTTOM_PAD

    def scene_rect(self, index: int) -> Rect:
        starts = self.starts
        left, right = self.x_at(starts[index]), self.x_at(starts[index + 1])
        return Rect(left, TRACK_TOP, right - left, TRACK_HEIGHT)

    def gap_x(self, gap: int) -> float:
        """x of the gap before scene `gap` (gap == count: after the last scene)."""
        return self.x_at(self.starts[gap])

    def marker_rect(self, index: int) -> Rect:
        """The transition marker between scene `index` and the next one."""
        x = self.gap_x(index + 1)
        y = TRACK_TOP + (TRACK_HEIGHT - MARKER_HEIGHT) / 2
        return Rect(x - MARKER_WIDTH / 2, y, MARKER_WIDTH, MARKER_HEIGHT)

    def visible_scenes(self, left: float, right: float) -> range:
        """Indexes of the scenes that overlap [left, right]."""
        xs = self._xs
        first = max(0, bisect.bisect_right(xs, left) - 1)
        last = min(self.count, bisect.bisect_left(xs, right))
        return range(first, max(first, last))

    # --- hits -----------------------------------------------------------------------------

    def scene_at(self, x: float) -> int | None:
        """The scene whose span holds x (spans are [left, right))."""
        if self.count == 0 or x < ORIGIN:
            return None
        index = bisect.bisect_right(self.starts, (x - ORIGIN) / self.pixels_per_second) - 1
        return index if index < self.count else None

    def hit(self, x: float, y: float) -> Hit:
        if 0 <= y < RULER_HEIGHT:
            return Hit(HitKind.RULER)
        if not TRACK_TOP <= y < TRACK_TOP + TRACK_HEIGHT or self.count == 0:
            return Hit(HitKind.NONE)
        boundary = self._nearest_end(x)
        if boundary < self.count - 1 and self.marker_rect(boundary).contains(x, y):
            return Hit(HitKind.MARKER, boundary)
        edge = self.edge_at(x)
        if edge is not None:
            return Hit(HitKind.EDGE, edge)
        index = self.scene_at(x)
        return Hit(HitKind.NONE) if index is None else Hit(HitKind.SCENE, index)

    def edge_at(self, x: float) -> int | None:
        """The scene whose right edge is within EDGE_GRAB of x (the nearest one)."""
        if self.count == 0:
            return None
        best = self._nearest_end(x)
        offset = x - self._xs[best + 1]
        # Narrow scenes keep most of their width for clicking and dragging the scene.
        beside = best if offset <= 0 else best + 1
        reach = EDGE_GRAB if beside >= self.count else min(EDGE_GRAB, self._width(beside) / 3)
        return best if abs(offset) <= reach else None

    def _width(self, index: int) -> float:
        return self._xs[index + 1] - self._xs[index]

    def _nearest_end(self, x: float) -> int:
        """The scene whose right edge is nearest to x (count > 0)."""
        ends = self._xs[1:]
        position = bisect.bisect_left(ends, x)
        candidates = [i for i in (position - 1, position) if 0 <= i < self.count]
        return min(candidates, key=lambda i: abs(ends[i] - x))

    def drop_index(self, x: float) -> int:
        """The gap (0..count) nearest to x: scenes whose middle is left of x come before."""
        return bisect.bisect_right(self._middles, x)

    @cached_property
    def _middles(self) -> tuple[float, ...]:
        xs = self._xs
        return tuple((left + right) / 2 for left, right in itertools.pairwise(xs))

    # --- dragging an edge -----------------------------------------------------------------

    def duration_for_edge(self, start: float, x: float) -> float:
        """The duration a scene starting at `start` gets when its right edge is at x,
        snapped to DURATION_SNAP and kept within the scene limits."""
        return snap_duration((x - self.x_at(start)) / self.pixels_per_second)


def snap_duration(seconds: float) -> float:
    if not math.isfinite(seconds):
        return MIN_DURATION
    bounded = min(max(MIN_DURATION, seconds), MAX_DURATION)
    return round(round(bounded / DURATION_SNAP) * DURATION_SNAP, 3)


def clamp_pps(pixels_per_second: float) -> float:
    if not math.isfinite(pixels_per_second):
        return DEFAULT_PPS
    return min(max(MIN_PPS, pixels_per_second), MAX_PPS)


def zoomed(pixels_per_second: float, steps: int) -> float:
    """The zoom `steps` steps in (positive) or out (negative)."""
    return clamp_pps(pixels_per_second * ZOOM_STEP**steps)


def fit_pps(total_seconds: float, width: float) -> float:
    """The zoom at which the whole video fills `width` pixels (with the margins)."""
    usable = width - ORIGIN - 24.0
    if total_seconds <= 0 or usable <= 0:
        return DEFAULT_PPS
    return clamp_pps(usable / total_seconds)


def tick_steps(pixels_per_second: float) -> tuple[float, float]:
    """(labelled step, small step) in seconds for the ruler at this zoom."""
    major = next((s for s in _NICE_STEPS if s * pixels_per_second >= LABEL_SPACING), 600.0)
    for divisions in (10, 5, 2, 1):
        minor = major / divisions
        if minor * pixels_per_second >= MINOR_SPACING:
            return major, minor
    return major, major


def ruler_ticks(pixels_per_second: float, start: float, end: float) -> list[Tick]:
    """The ticks between `start` and `end` seconds (both within the view)."""
    major, minor = tick_steps(pixels_per_second)
    per_major = round(major / minor)
    first = max(0, math.floor(start / minor))
    last = math.ceil(end / minor)
    return [Tick(round(k * minor, 6), k % per_major == 0) for k in range(first, last + 1)]


def format_time(seconds: float, step: float = 1.0) -> str:
    """A ruler or header label: "0:05", "1:30", with tenths when the step is below 1 s."""
    if step < 1.0:
        minutes, tenths = divmod(round(seconds * 10), 600)
        return f"{minutes}:{tenths // 10:02d}.{tenths % 10}"
    minutes, whole = divmod(round(seconds), 60)
    return f"{minutes}:{whole:02d}"
