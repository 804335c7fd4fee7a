"""Sub-pixel exact scaling of a plane into the frame, at the cost of cv2.resize.

A Ken Burns frame samples the source at x(i) = origin + (i + 0.5) / scale - 0.5 for output
pixel i (pixel-centre convention; `origin` is the source coordinate of the output's left
edge). cv2.warpAffine does that exactly but costs about four times a resize. cv2.resize
with an explicit factor `fx` maps with the exact scale too, but from the integer corner of
its input: x(r) = x0 + (r + 0.5) / scale - 0.5. So output pixel i is resize output
r = i + (origin - x0) * scale, and by trying a few integer corners x0 (a few pixels further
left each time) one is found for which that offset is an integer to within a few
thousandths of a pixel; the frame is then a plain slice of the resize output. Where no
corner comes close enough (scales like exactly 1 or 1/2, or at the very edge of a source),
that patch is sampled with cv2.warpAffine instead. No position is ever rounded to a whole
pixel, so slow moves never jitter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

# How close to a whole output pixel the offset must come (in output pixels).
TOLERANCE = 0.015
# How many integer corners to try; the source needs this much padding on the left/top.
MAX_SHIFT = 96


@dataclass(frozen=True)
class AxisPlan:
    """How one axis of an output patch is produced from the source."""

    out_start: int  # first output pixel the source covers
    out_len: int  # output pixels covered
    roi_start: int  # source pixels read: [roi_start, roi_start + roi_len)
    roi_len: int
    skip: int  # resize outputs to drop before the patch
    frac: float  # remaining sub-pixel offset, 0 <= frac < 1 (0: none)
    patch_origin: float  # source coordinate of the patch's first edge

    @property
    def empty(self) -> bool:
        return self.out_len <= 0


def plan_axis(origin: float, scale: float, out_len: int, src_len: int) -> AxisPlan:
    """Plan the output pixels [0, out_len) that sample inside a source of `src_len` pixels."""
    # Output pixels whose sample position lies in [0, src_len - 1] (and whose left edge is
    # not left of the source, so the resize always starts at a real source pixel).
    first = max(
        0, math.ceil((0.5 - origin) * scale - 0.5 - 1e-9), math.ceil(-origin * scale - 1e-9)
    )
    last = min(out_len - 1, math.floor((src_len - 0.5 - origin) * scale - 0.5 + 1e-9))
    if last < first:
        return AxisPlan(first, 0, 0, 0, 0, 0.0, origin)
    patch_len = last - first + 1
    patch_origin = origin + first / scale
    # The resize must start at or left of the first sample (when enlarging, that sample lies
    # left of the patch's edge), or it would repeat its first column there.
    base = max(0, math.floor(patch_origin + 0.5 / scale - 0.5))
    shifts = np.arange(0, min(MAX_SHIFT, max(base, 0)) + 1)
    positions = (patch_origin - (base - shifts)) * scale
    fractions = positions - np.floor(positions)
    distance = np.minimum(fractions, 1.0 - fractions)
    good = np.flatnonzero(distance < TOLERANCE)
    pick = int(good[0]) if good.size else int(np.argmin(distance))
    roi_start = base - int(shifts[pick])
    position = float(positions[pick])
    skip = math.floor(position)
    frac = position - skip
    if frac > 1.0 - TOLERANCE:
        skip, frac = skip + 1, 0.0
    elif frac < TOLERANCE:
        frac = 0.0
    # Enough input for outputs up to skip + patch_len (one more for the 2-tap blend).
    needed = (skip + patch_len + 1.5) / scale + 2.5
    roi_len = min(src_len - roi_start, math.ceil(needed))
    return AxisPlan(first, patch_len, roi_start, roi_len, skip, frac, patch_origin)


def resample_patch(src: np.ndarray, x_plan: AxisPlan, y_plan: AxisPlan, scale: float) -> np.ndarray:
    """The output patch [y_plan.out_start.., x_plan.out_start..] from `src` (2D uint8)."""
    if x_plan.frac or y_plan.frac or _resize_would_copy(x_plan, y_plan, scale):
        return _warp_patch(src, x_plan, y_plan, scale)
    roi = src[
        y_plan.roi_start : y_plan.roi_start + y_plan.roi_len,
        x_plan.roi_start : x_plan.roi_start + x_plan.roi_len,
    ]
    resized = cv2.resize(roi, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    # cv2.resize rounds its output size; the plan asks for enough input that it never falls
    # short, except at the source's far edge, where the edge pixels are repeated.
    need_h = y_plan.skip + y_plan.out_len
    need_w = x_plan.skip + x_plan.out_len
    if resized.shape[0] < need_h or resized.shape[1] < need_w:
        resized = cv2.copyMakeBorder(
            resized,
            0,
            max(0, need_h - resized.shape[0]),
            0,
            max(0, need_w - resized.shape[1]),
            cv2.BORDER_REPLICATE,
        )
    return resized[y_plan.skip : need_h, x_plan.skip : need_w]


def _resize_would_copy(x_plan: AxisPlan, y_plan: AxisPlan, scale: float) -> bool:
    """cv2.resize copies its input unchanged when the rounded output size equals the input
    size, whatever the factor: small regions at scales near 1 must take the exact path."""
    return (
        scale != 1.0
        and round(x_plan.roi_len * scale) == x_plan.roi_len
        and round(y_plan.roi_len * scale) == y_plan.roi_len
    )


def _warp_patch(src: np.ndarray, x_plan: AxisPlan, y_plan: AxisPlan, scale: float) -> np.ndarray:
    """The exact general path (about four times the cost of a resize)."""
    inverse = 1.0 / scale
    matrix = np.array(
        [
            [inverse, 0.0, x_plan.patch_origin + 0.5 * inverse - 0.5],
            [0.0, inverse, y_plan.patch_origin + 0.5 * inverse - 0.5],
        ]
    )
    return cv2.warpAffine(
        src,
        matrix,
        (x_plan.out_len, y_plan.out_len),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


@dataclass(frozen=True)
class Placement:
    """Where a source plane lands in an output plane: output pixel i samples the source at
    origin + (i + 0.5) / scale - 0.5 on each axis."""

    scale: float
    origin_x: float
    origin_y: float

    def plans(self, out_w: int, out_h: int, src_w: int, src_h: int) -> tuple[AxisPlan, AxisPlan]:
        return (
            plan_axis(self.origin_x, self.scale, out_w, src_w),
            plan_axis(self.origin_y, self.scale, out_h, src_h),
        )

    def for_chroma(self) -> Placement:
        """The same placement for half-resolution planes (chroma sited at block centres)."""
        return Placement(self.scale, self.origin_x / 2, self.origin_y / 2)

    def shifted(self, dx: float, dy: float) -> Placement:
        """The placement with the source moved by (dx, dy) of its own pixels (padding)."""
        return Placement(self.scale, self.origin_x + dx, self.origin_y + dy)
