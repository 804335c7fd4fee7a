"""The sub-pixel exact resampler: equal to an exact bilinear sampler, never off by a rounding
of positions, and so smooth under slow motion."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from video_studio.render.resample import Placement, plan_axis, resample_patch

RNG = np.random.default_rng(7)
SOURCE = cv2.GaussianBlur(RNG.integers(0, 256, (500, 700)).astype(np.uint8), (0, 0), 1.5)


def exact_bilinear(src: np.ndarray, placement: Placement, width: int, height: int) -> np.ndarray:
    """Reference: sample every output pixel at its exact float64 source position."""
    xs = placement.origin_x + (np.arange(width) + 0.5) / placement.scale - 0.5
    ys = placement.origin_y + (np.arange(height) + 0.5) / placement.scale - 0.5
    map_x, map_y = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))
    return cv2.remap(
        src.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


@settings(max_examples=150, deadline=None)
@given(
    scale=st.floats(0.55, 3.0),
    origin_x=st.floats(-80, 690),
    origin_y=st.floats(-80, 490),
    width=st.integers(8, 300),
    height=st.integers(8, 200),
)
def test_matches_an_exact_bilinear_sampler(
    scale: float, origin_x: float, origin_y: float, width: int, height: int
) -> None:
    placement = Placement(scale, origin_x, origin_y)
    x_plan, y_plan = placement.plans(width, height, SOURCE.shape[1], SOURCE.shape[0])
    if x_plan.empty or y_plan.empty:
        return
    patch = resample_patch(SOURCE, x_plan, y_plan, scale)
    expected = exact_bilinear(SOURCE, placement, width, height)[
        y_plan.out_start : y_plan.out_start + y_plan.out_len,
        x_plan.out_start : x_plan.out_start + x_plan.out_len,
    ]
    assert patch.shape == expected.shape
    # Only uint8 rounding and OpenCV's fixed-point weights separate them.
    difference = np.abs(patch.astype(np.float64) - expected)
    assert difference.mean() <= 0.5
    assert difference.max() <= 2.0


@settings(max_examples=200, deadline=None)
@given(origin=st.floats(0, 400), scale=st.floats(0.5, 3.0), length=st.integers(1, 500))
def test_the_plan_covers_only_pixels_inside_the_source(
    origin: float, scale: float, length: int
) -> None:
    plan = plan_axis(origin, scale, length, 700)
    if plan.empty:
        return
    first_sample = origin + (plan.out_start + 0.5) / scale - 0.5
    last_sample = origin + (plan.out_start + plan.out_len - 1 + 0.5) / scale - 0.5
    assert first_sample >= -1e-6
    assert last_sample <= 699 + 1e-6
    assert plan.roi_start >= 0 and plan.roi_start + plan.roi_len <= 700
    assert 0.0 <= plan.frac < 1.0


def test_typical_scales_need_no_second_interpolation() -> None:
    """For Ken Burns scales the corner search finds an exact offset almost always."""
    blended = 0
    for step in range(400):
        scale = 1920 / (1739.1 + step * 0.65)
        plan = plan_axis(100.37 + step * 0.913, scale, 1920, 2200)
        blended += plan.frac > 0
    assert blended <= 0.1 * 400


_BLURRED = cv2.GaussianBlur(RNG.integers(0, 256, (700, 900)).astype(np.uint8), (0, 0), 3.0)
SMOOTH = np.rint(
    (_BLURRED - _BLURRED.min()) * (255.0 / (int(_BLURRED.max()) - int(_BLURRED.min())))
).astype(np.uint8)


def measured_shift(before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """Global translation between two frames by ECC alignment (sub-hundredth-pixel precise
    on smooth texture; OpenCV's phaseCorrelate alone is biased by ~0.05 px here)."""
    initial = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-6)
    no_mask: Any = None  # (OpenCV's stubs do not admit the optional mask)
    _, warp = cv2.findTransformECC(
        before, after, initial, cv2.MOTION_TRANSLATION, criteria, no_mask, 5
    )
    return -float(warp[0, 2]), -float(warp[1, 2])


def pan_frames(step: float, *, whole_pixels: bool = False) -> list[np.ndarray]:
    width, height, scale = 480, 360, 1.07
    frames = []
    for index in range(20):
        origin = 150.0 + index * step
        placement = Placement(scale, round(origin) if whole_pixels else origin, 120.0)
        x_plan, y_plan = placement.plans(width, height, SMOOTH.shape[1], SMOOTH.shape[0])
        assert (x_plan.out_len, y_plan.out_len) == (width, height)
        frames.append(resample_patch(SMOOTH, x_plan, y_plan, scale).astype(np.float32))
    return frames


def path_errors(frames: list[np.ndarray], step: float) -> list[float]:
    """|measured - intended| output-pixel displacement, frame to frame and from frame 0."""
    errors = []
    for index in range(1, len(frames)):
        dx, dy = measured_shift(frames[index - 1], frames[index])
        errors += [abs(dx - step * 1.07), abs(dy)]
        total_x, _ = measured_shift(frames[0], frames[index])
        errors.append(abs(total_x - index * step * 1.07))
    return errors


def test_slow_pan_follows_the_intended_path_to_a_fraction_of_a_pixel() -> None:
    step = 0.137  # source pixels per frame: a slow pan
    assert max(path_errors(pan_frames(step), step)) < 0.05
    # The same measurement catches whole-pixel framing (what ffmpeg's zoompan does).
    assert max(path_errors(pan_frames(step, whole_pixels=True), step)) > 0.3
