"""Drawing prepared sources and sprites into a frame."""

from __future__ import annotations

import numpy as np

from video_studio.render.frame import Sprite, YuvFrame, composite
from video_studio.render.resample import AxisPlan, Placement, resample_patch
from video_studio.render.sources import SourcePlanes

Window = tuple[float, float, float, float]


def _region(plane: np.ndarray, x_plan: AxisPlan, y_plan: AxisPlan) -> np.ndarray:
    return plane[
        y_plan.out_start : y_plan.out_start + y_plan.out_len,
        x_plan.out_start : x_plan.out_start + x_plan.out_len,
    ]


def draw_source(
    frame: YuvFrame, source: SourcePlanes, window: Window, opacity: float = 1.0
) -> None:
    """Draw the part of `source` that `window` (original pixels, the frame's aspect) shows.

    An opaque source is copied over what the frame held; one with alpha is composited.
    """
    luma = source.placement(window, frame.width)
    chroma = luma.for_chroma()
    jobs: list[tuple[np.ndarray, np.ndarray, np.ndarray | None, Placement]] = [
        (frame.y, source.y, source.alpha, luma),
        (frame.u, source.u, source.alpha_c, chroma),
        (frame.v, source.v, source.alpha_c, chroma),
    ]
    alpha_patches: dict[int, np.ndarray] = {}
    for target, plane, alpha, placement in jobs:
        x_plan, y_plan = placement.plans(
            target.shape[1], target.shape[0], plane.shape[1], plane.shape[0]
        )
        if x_plan.empty or y_plan.empty:
            continue
        patch = resample_patch(plane, x_plan, y_plan, placement.scale)
        region = _region(target, x_plan, y_plan)
        if alpha is None:
            if opacity >= 1.0:
                np.copyto(region, patch)
            else:
                region[...] = (region * (1.0 - opacity) + patch * opacity).round()
            continue
        # U and V share one resampled chroma alpha.
        alpha_patch = alpha_patches.get(id(alpha))
        if alpha_patch is None:
            alpha_patch = resample_patch(alpha, x_plan, y_plan, placement.scale)
            alpha_patches[id(alpha)] = alpha_patch
        composite(region, patch, alpha_patch, opacity)


def draw_sprite(frame: YuvFrame, sprite: Sprite, x: int, y: int, opacity: float = 1.0) -> None:
    """Composite a sprite with its top-left at (x, y) (made even), clipped to the frame."""
    x -= x % 2
    y -= y % 2
    for target, plane, alpha, step in (
        (frame.y, sprite.y, sprite.alpha, 1),
        (frame.u, sprite.u, sprite.alpha_c, 2),
        (frame.v, sprite.v, sprite.alpha_c, 2),
    ):
        left, top = x // step, y // step
        x0, y0 = max(0, left), max(0, top)
        x1 = min(target.shape[1], left + plane.shape[1])
        y1 = min(target.shape[0], top + plane.shape[0])
        if x1 <= x0 or y1 <= y0:
            continue
        window = (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))
        composite(target[y0:y1, x0:x1], plane[window], alpha[window], opacity)
