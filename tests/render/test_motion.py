"""Motion math: easing, window interpolation, framing and the presets' guarantees."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from video_studio.models import Easing, FitMode, MotionSpec, MotionType
from video_studio.motion import (
    Framing,
    MotionPath,
    Subject,
    base_window,
    ease,
    fit_aspect,
    plan_motion,
    zoomed,
)

ASPECTS = [16 / 9, 9 / 16, 1.0, 4 / 5]
progress = st.floats(0.0, 1.0)
sizes = st.integers(200, 6000)


def inside(window: tuple[float, float, float, float], bounds: tuple[float, ...]) -> bool:
    x, y, w, h = window
    bx, by, bw, bh = bounds
    slack = 1e-6 * max(bw, bh)
    return (
        x >= bx - slack
        and y >= by - slack
        and x + w <= bx + bw + slack
        and y + h <= by + bh + slack
    )


@given(easing=st.sampled_from(list(Easing)), a=progress, b=progress)
def test_easing_is_monotonic_and_pinned(easing: Easing, a: float, b: float) -> None:
    assert ease(easing, 0.0) == 0.0 and ease(easing, 1.0) == 1.0
    low, high = sorted((a, b))
    assert 0.0 <= ease(easing, low) <= ease(easing, high) <= 1.0


def test_ease_in_out_is_symmetric_and_gentle_at_the_ends() -> None:
    assert ease(Easing.EASE_IN_OUT, 0.5) == pytest.approx(0.5)
    assert ease(Easing.EASE_IN_OUT, 0.01) < 0.001
    assert ease(Easing.EASE_IN, 0.5) < 0.5 < ease(Easing.EASE_OUT, 0.5)


@settings(max_examples=200)
@given(
    x=st.floats(0, 500),
    y=st.floats(0, 500),
    w=st.floats(100, 2000),
    factor=st.floats(1.01, 3.0),
    fx=st.floats(0, 1),
    fy=st.floats(0, 1),
    p=progress,
)
def test_a_zoom_keeps_its_focus_point_still_on_screen(
    x: float, y: float, w: float, factor: float, fx: float, fy: float, p: float
) -> None:
    start = (x, y, w, w * 9 / 16)
    focus = (x + fx * w, y + fy * start[3])
    path = MotionPath(start, zoomed(start, factor, focus), Easing.LINEAR)
    wx, wy, ww, wh = path.at(p)
    # The focus sits at the same fraction of every window.
    assert (focus[0] - wx) / ww == pytest.approx(fx, abs=1e-6)
    assert (focus[1] - wy) / wh == pytest.approx(fy, abs=1e-6)


@given(w0=st.floats(500, 3000), factor=st.floats(1.01, 2.0), p=progress)
def test_zoom_speed_is_constant(w0: float, factor: float, p: float) -> None:
    """The zoom factor (1/width) changes linearly with linear progress, as ffmpeg and the
    reference job do."""
    start = (0.0, 0.0, w0, w0)
    path = MotionPath(start, (0.0, 0.0, w0 / factor, w0 / factor), Easing.LINEAR)
    assert w0 / path.at(p)[2] == pytest.approx(1 + (factor - 1) * p)


@given(x0=st.floats(0, 300), x1=st.floats(0, 300), p=progress)
def test_a_pan_moves_linearly(x0: float, x1: float, p: float) -> None:
    path = MotionPath((x0, 10.0, 800.0, 450.0), (x1, 10.0, 800.0, 450.0), Easing.LINEAR)
    assert path.at(p)[0] == pytest.approx(x0 + (x1 - x0) * p)


@given(width=sizes, height=sizes, aspect=st.sampled_from(ASPECTS))
def test_base_windows(width: int, height: int, aspect: float) -> None:
    cover = base_window(width, height, aspect, FitMode.COVER)
    contain = base_window(width, height, aspect, FitMode.CONTAIN)
    for window in (cover, contain):
        assert window[2] / window[3] == pytest.approx(aspect)
    assert inside(cover, (0, 0, width, height))
    assert inside((0, 0, width, height), contain)
    # One side of each touches the image exactly.
    assert cover[2] == pytest.approx(width) or cover[3] == pytest.approx(height)
    assert contain[2] == pytest.approx(width) or contain[3] == pytest.approx(height)


@given(
    x=st.floats(0, 0.5),
    y=st.floats(0, 0.5),
    w=st.floats(0.05, 0.5),
    h=st.floats(0.05, 0.5),
    aspect=st.sampled_from(ASPECTS),
)
def test_fit_aspect_keeps_the_asked_rectangle_visible(
    x: float, y: float, w: float, h: float, aspect: float
) -> None:
    window = fit_aspect((x, y, w, h), aspect)
    assert window[2] / window[3] == pytest.approx(aspect)
    assert inside((x, y, w, h), window)


@settings(max_examples=300)
@given(
    kind=st.sampled_from([t for t in MotionType if t is not MotionType.KEN_BURNS]),
    amount=st.floats(0, 0.5),
    width=sizes,
    height=sizes,
    aspect=st.sampled_from(ASPECTS),
    p=progress,
)
def test_cover_presets_never_show_beyond_the_image(
    kind: MotionType, amount: float, width: int, height: int, aspect: float, p: float
) -> None:
    framing = Framing(width, height, aspect, FitMode.COVER)
    path = plan_motion(MotionSpec(type=kind, amount=amount), framing)
    window = path.at(p)
    assert window[2] / window[3] == pytest.approx(aspect, rel=1e-6)
    assert inside(window, (0, 0, width, height))


@settings(max_examples=300)
@given(
    width=sizes,
    height=sizes,
    aspect=st.sampled_from(ASPECTS),
    sx=st.floats(0, 0.9),
    sy=st.floats(0, 0.9),
    sw=st.floats(0.02, 0.6),
    sh=st.floats(0.02, 0.6),
    amount=st.floats(0.01, 0.4),
    fit=st.sampled_from(list(FitMode)),
    p=progress,
)
def test_auto_never_cuts_the_product_off(
    width: int,
    height: int,
    aspect: float,
    sx: float,
    sy: float,
    sw: float,
    sh: float,
    amount: float,
    fit: FitMode,
    p: float,
) -> None:
    """Whenever the still framing can hold the whole product, every window of `auto` does."""
    subject = Subject(sx * width, sy * height, min(sw, 1 - sx) * width, min(sh, 1 - sy) * height)
    framing = Framing(width, height, aspect, fit, subject)
    base = framing.base
    if subject.w > base[2] or subject.h > base[3]:
        return  # a cover frame narrower than the product: nothing can hold all of it
    path = plan_motion(MotionSpec(type=MotionType.AUTO, amount=amount), framing)
    assert inside((subject.x, subject.y, subject.w, subject.h), path.at(p))
    # It does move toward the product: the end window is no larger than the start.
    assert path.end[2] <= path.start[2] + 1e-6


def test_ken_burns_rectangles_are_fractions_of_the_image() -> None:
    framing = Framing(2000, 2000, 16 / 9, FitMode.COVER)
    spec = MotionSpec(start=(0, 0.21875, 1, 0.5625), end=(0.3, 0.35, 0.4, 0.3), easing="linear")
    path = plan_motion(spec, framing)
    assert path.start == pytest.approx((0, 437.5, 2000, 1125))
    # The end rectangle (4:3) is widened to 16:9 around its centre, so all of it shows.
    _, _, w, h = path.end
    assert w / h == pytest.approx(16 / 9)
    assert h == pytest.approx(600)
    assert inside((600, 700, 800, 600), path.end)
    # A rectangle the frame cannot show whole in cover fit is shrunk into the image instead.
    too_tall = plan_motion(MotionSpec(start=(0, 0, 1, 1), end=(0.2, 0.2, 0.6, 0.6)), framing)
    assert inside(too_tall.end, (0, 0, 2000, 2000))


def test_pans_travel_the_way_they_are_named() -> None:
    framing = Framing(3000, 1000, 16 / 9, FitMode.COVER)
    left = plan_motion(MotionSpec(type=MotionType.PAN_LEFT), framing)
    right = plan_motion(MotionSpec(type=MotionType.PAN_RIGHT), framing)
    assert left.end[0] < left.start[0]
    assert right.end[0] > right.start[0]
