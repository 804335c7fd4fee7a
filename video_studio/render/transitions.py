"""Transitions between two rendered frames: the outgoing frame `a` becomes the result."""

from __future__ import annotations

import numpy as np

from video_studio.models import Direction, Easing, Transition, TransitionType
from video_studio.motion import ease
from video_studio.render.color import color_to_yuv
from video_studio.render.frame import YuvFrame
from video_studio.render.resample import Placement, resample_patch

# A wipe's edge is soft over this fraction of the frame width.
WIPE_FEATHER = 0.04
# How far the zoom transition pushes into the outgoing frame.
ZOOM_AMOUNT = 0.3


def apply_transition(transition: Transition, q: float, a: YuvFrame, b: YuvFrame) -> None:
    """Write into `a` the frame at progress q (0: all `a`, 1: all `b`)."""
    q = min(1.0, max(0.0, q))
    kind = transition.type
    if kind is TransitionType.FADE_COLOR:
        fade_through(a, b, q, color_to_yuv(transition.color))
    elif kind in (TransitionType.SLIDE, TransitionType.PUSH):
        _slide(
            a,
            b,
            ease(Easing.EASE_IN_OUT, q),
            transition.direction,
            push=kind is TransitionType.PUSH,
        )
    elif kind is TransitionType.WIPE:
        _wipe(a, b, q, transition.direction)
    elif kind is TransitionType.ZOOM:
        _zoom(a, b, q)
    else:
        a.blend_with(b, q)


def fade_through(a: YuvFrame, b: YuvFrame | None, q: float, yuv: tuple[int, int, int]) -> None:
    """First half: `a` fades to the colour; second half: the colour fades to `b`."""
    colour = YuvFrame.allocate(a.width, a.height)
    colour.fill(yuv)
    if q < 0.5 or b is None:
        a.blend_with(colour, min(1.0, 2.0 * q))
        return
    colour.blend_with(b, 2.0 * q - 1.0)
    a.copy_from(colour)


def _offsets(direction: Direction, q: float, width: int, height: int) -> tuple[int, int]:
    """Where `b` sits relative to `a` (luma pixels, even): it enters from `direction`."""
    dx = {Direction.LEFT: -1, Direction.RIGHT: 1}.get(direction, 0)
    dy = {Direction.UP: -1, Direction.DOWN: 1}.get(direction, 0)
    x = round(dx * (1.0 - q) * width / 2) * 2
    y = round(dy * (1.0 - q) * height / 2) * 2
    return x, y


def _shifted_copy(dst: np.ndarray, src: np.ndarray, x: int, y: int) -> None:
    """dst[y:, x:] = src (clipped), for either sign of x and y."""
    h, w = dst.shape
    if abs(x) >= w or abs(y) >= h:
        return
    dst[max(0, y) : h + min(0, y), max(0, x) : w + min(0, x)] = src[
        max(0, -y) : h - max(0, y), max(0, -x) : w - max(0, x)
    ]


def _slide(a: YuvFrame, b: YuvFrame, q: float, direction: Direction, *, push: bool) -> None:
    x, y = _offsets(direction, q, a.width, a.height)
    planes = list(zip(a.planes, b.planes, (1, 2, 2), strict=True))
    if push:
        # The outgoing frame moves away as the incoming one arrives.
        out_x, out_y = x - np.sign(x) * a.width, y - np.sign(y) * a.height
        source = YuvFrame.allocate(a.width, a.height)
        source.copy_from(a)
        for (dst, _, step), src in zip(planes, source.planes, strict=True):
            dst.fill(16 if step == 1 else 128)
            _shifted_copy(dst, src, int(out_x) // step, int(out_y) // step)
    for dst, src, step in planes:
        _shifted_copy(dst, src, x // step, y // step)


def _wipe(a: YuvFrame, b: YuvFrame, q: float, direction: Direction) -> None:
    """`b` is revealed behind an edge moving in `direction`, soft over WIPE_FEATHER."""
    horizontal = direction in (Direction.LEFT, Direction.RIGHT)
    for dst, src in zip(a.planes, b.planes, strict=True):
        length = dst.shape[1] if horizontal else dst.shape[0]
        feather = max(2.0, WIPE_FEATHER * length)
        # Position along the wipe, 0 where it starts; covered where position < edge.
        edge = q * (length + feather)
        position = np.arange(length, dtype=np.float32)
        if direction in (Direction.RIGHT, Direction.DOWN):  # enters from the far side
            position = position[::-1]
        weight = np.clip((edge - position) / feather, 0.0, 1.0)
        shape = (1, length) if horizontal else (length, 1)
        mixed = dst * (1.0 - weight.reshape(shape)) + src * weight.reshape(shape)
        dst[...] = mixed.round().astype(np.uint8)


def _zoom(a: YuvFrame, b: YuvFrame, q: float) -> None:
    """The outgoing frame rushes toward the viewer while the incoming one settles in."""
    eased = ease(Easing.EASE_IN_OUT, q)
    _zoom_in_place(a, 1.0 + ZOOM_AMOUNT * eased)
    _zoom_in_place(b, 1.0 + ZOOM_AMOUNT * (1.0 - eased))
    a.blend_with(b, eased)


def _zoom_in_place(frame: YuvFrame, factor: float) -> None:
    if factor <= 1.0:
        return
    for plane in frame.planes:
        h, w = plane.shape
        placement = Placement(factor, w * (1 - 1 / factor) / 2, h * (1 - 1 / factor) / 2)
        x_plan, y_plan = placement.plans(w, h, w, h)
        patch = resample_patch(plane, x_plan, y_plan, factor)
        plane[
            y_plan.out_start : y_plan.out_start + y_plan.out_len,
            x_plan.out_start : x_plan.out_start + x_plan.out_len,
        ] = patch
