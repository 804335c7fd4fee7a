"""Motion specs -> the window of the source image shown at each moment.

A window is (x, y, w, h) in source pixels, with the output's aspect ratio; it may extend
past the image (contain and blur fits), where the background shows. Between a start and
an end window the zoom factor (1 / width) changes linearly with eased progress and the
position follows the width, so the point the two windows share stays fixed on screen: a
zoom toward a corner looks like a zoom, not a zoom plus a drift. Pure pans (equal widths)
move linearly. Everything is floating point: nothing is rounded to whole pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

from video_studio.models import Easing, FitMode, MotionSpec, MotionType

Window = tuple[float, float, float, float]

# Pans travel at most this fraction of the window's width (a wide image in a tall frame
# would otherwise race across many screen widths in a few seconds).
MAX_PAN_TRAVEL = 0.6
# The subject keeps this much room around it when `auto` zooms toward it.
SUBJECT_MARGIN = 1.2


def ease(easing: Easing, p: float) -> float:
    """Eased progress for linear progress p in 0..1."""
    p = min(1.0, max(0.0, p))
    if easing is Easing.EASE_IN:
        return p * p
    if easing is Easing.EASE_OUT:
        return 1.0 - (1.0 - p) * (1.0 - p)
    if easing is Easing.EASE_IN_OUT:
        return p * p * (3.0 - 2.0 * p)
    return p


@dataclass(frozen=True)
class MotionPath:
    start: Window
    end: Window
    easing: Easing = Easing.LINEAR

    def at(self, p: float) -> Window:
        """The window at linear progress p (0 = start, 1 = end)."""
        q = ease(self.easing, p)
        x0, y0, w0, h0 = self.start
        x1, y1, w1, h1 = self.end
        if abs(w1 - w0) <= 1e-9 * max(w0, w1):
            t = q
            width = w0 + (w1 - w0) * q
        else:
            # 1/width is linear in q; the position is linear in the width.
            width = 1.0 / ((1.0 - q) / w0 + q / w1)
            t = (width - w0) / (w1 - w0)
        height = h0 + (h1 - h0) * t
        return (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, width, height)


@dataclass(frozen=True)
class Subject:
    """Where the product is, in source pixels (from video_studio.subject)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


def base_window(image_w: float, image_h: float, aspect: float, fit: FitMode) -> Window:
    """The still framing: cover fills the frame (largest window inside the image); contain
    and blur show the whole image (smallest window around it), centred."""
    image_aspect = image_w / image_h
    wider = image_aspect > aspect
    if fit is FitMode.COVER:
        width, height = (image_h * aspect, image_h) if wider else (image_w, image_w / aspect)
    else:
        width, height = (image_w, image_w / aspect) if wider else (image_h * aspect, image_h)
    return ((image_w - width) / 2, (image_h - height) / 2, width, height)


def fit_aspect(window: Window, aspect: float) -> Window:
    """Expand a window around its centre to the output aspect, so all of it stays visible."""
    x, y, w, h = window
    if w / h < aspect:
        new_w, new_h = h * aspect, h
    else:
        new_w, new_h = w, w / aspect
    return (x + (w - new_w) / 2, y + (h - new_h) / 2, new_w, new_h)


def keep_inside(window: Window, bounds: Window) -> Window:
    """Shift (and if needed shrink, keeping the centre and aspect) a window into bounds."""
    x, y, w, h = window
    bx, by, bw, bh = bounds
    shrink = min(1.0, bw / w, bh / h)
    if shrink < 1.0:
        cx, cy = x + w / 2, y + h / 2
        w, h = w * shrink, h * shrink
        x, y = cx - w / 2, cy - h / 2
    x = min(max(x, bx), bx + bw - w)
    y = min(max(y, by), by + bh - h)
    return (x, y, w, h)


def zoomed(window: Window, factor: float, focus: tuple[float, float]) -> Window:
    """The window made `factor` times smaller around the screen point showing `focus`."""
    x, y, w, h = window
    fx, fy = focus
    new_w, new_h = w / factor, h / factor
    # The focus keeps its relative place in the window.
    rx, ry = (fx - x) / w, (fy - y) / h
    return (fx - rx * new_w, fy - ry * new_h, new_w, new_h)


@dataclass(frozen=True)
class Framing:
    """What a motion needs to know about the image and the frame."""

    image_w: float
    image_h: float
    aspect: float
    fit: FitMode
    subject: Subject | None = None

    @property
    def image_bounds(self) -> Window:
        return (0.0, 0.0, self.image_w, self.image_h)

    @property
    def base(self) -> Window:
        return base_window(self.image_w, self.image_h, self.aspect, self.fit)

    @property
    def room(self) -> Window:
        """Where windows may go: inside the image for cover, the framing for the others."""
        return self.image_bounds if self.fit is FitMode.COVER else self.base

    def confine(self, window: Window) -> Window:
        return keep_inside(window, self.room)


def plan_motion(spec: MotionSpec | None, framing: Framing) -> MotionPath:
    """The start and end windows for a scene's motion (None: a still frame)."""
    if spec is None or spec.type is MotionType.STATIC:
        return MotionPath(framing.base, framing.base)
    if spec.type is MotionType.KEN_BURNS:
        assert spec.start is not None and spec.end is not None  # validated by MotionSpec
        start, end = (_explicit_window(rect, framing) for rect in (spec.start, spec.end))
        return MotionPath(start, end, spec.easing)
    if spec.type in (MotionType.PAN_LEFT, MotionType.PAN_RIGHT):
        leftward = spec.type is MotionType.PAN_LEFT
        return _pan(framing, spec.amount, spec.easing, leftward=leftward)
    if spec.type is MotionType.AUTO:
        return _auto(framing, spec.amount, spec.easing)
    # zoom_in, zoom_out, and parallax (whose layers each zoom by their own amount)
    base = framing.base
    centre = (base[0] + base[2] / 2, base[1] + base[3] / 2)
    close = framing.confine(zoomed(base, 1.0 + spec.amount, centre))  # amount 0: a still
    if spec.type is MotionType.ZOOM_OUT:
        return MotionPath(close, base, spec.easing)
    return MotionPath(base, close, spec.easing)


def _explicit_window(rect: tuple[float, float, float, float], framing: Framing) -> Window:
    x, y, w, h = rect
    window = fit_aspect(
        (x * framing.image_w, y * framing.image_h, w * framing.image_w, h * framing.image_h),
        framing.aspect,
    )
    return framing.confine(window) if framing.fit is FitMode.COVER else window


def _pan(framing: Framing, amount: float, easing: Easing, *, leftward: bool) -> MotionPath:
    """Across the room the image leaves, at a zoom of 1 + amount, vertically centred."""
    base = framing.base
    room = framing.room
    width, height = base[2] / (1.0 + amount), base[3] / (1.0 + amount)
    y = base[1] + (base[3] - height) / 2
    travel = min(room[2] - width, MAX_PAN_TRAVEL * width)
    focus_x = framing.subject.center[0] if framing.subject else room[0] + room[2] / 2
    left = min(max(focus_x - (width + travel) / 2, room[0]), room[0] + room[2] - width - travel)
    start = (left + travel, y, width, height)
    end = (left, y, width, height)
    return MotionPath(start, end, easing) if leftward else MotionPath(end, start, easing)


def _auto(framing: Framing, amount: float, easing: Easing) -> MotionPath:
    """Push in toward the product and end with it centred; both ends hold all of it, and so
    does every window between them (each edge moves linearly between the two)."""
    subject = framing.subject
    base = framing.base
    if subject is None:
        centre = (base[0] + base[2] / 2, base[1] + base[3] / 2)
        return MotionPath(base, framing.confine(zoomed(base, 1.0 + amount, centre)), easing)
    cx, cy = subject.center
    start = base
    if framing.fit is FitMode.COVER:
        # The still framing, moved so it holds the whole product where the image allows.
        start = framing.confine((cx - base[2] / 2, cy - base[3] / 2, base[2], base[3]))
    needed_w = fit_aspect((subject.x, subject.y, subject.w, subject.h), framing.aspect)[2]
    factor = max(1.0, min(1.0 + amount * 1.5, start[2] / (needed_w * SUBJECT_MARGIN)))
    width, height = start[2] / factor, start[3] / factor
    end = framing.confine((cx - width / 2, cy - height / 2, width, height))
    return MotionPath(start, end, easing)
