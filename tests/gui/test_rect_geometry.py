"""The motion rectangle editor's geometry: whatever the user drags, the rectangle stays
inside the image, keeps the output's aspect ratio and never collapses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.widgets.rect_geometry import (
    UNIT,
    Corner,
    Rect,
    conform,
    conform_pair,
    fraction_aspect,
    hit_corner,
    largest_inside,
    min_width,
    move,
    resize,
)

TOLERANCE = 1e-9

sizes = st.floats(min_value=0.5, max_value=5000, allow_nan=False)
aspects = st.floats(min_value=0.1, max_value=10, allow_nan=False)
coords = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False)  # times the image size
moves = st.tuples(st.just("move"), coords, coords)
resizes = st.tuples(st.sampled_from(list(Corner)), coords, coords)
gestures = st.lists(st.one_of(moves, resizes), max_size=25)


def assert_valid(rect: Rect, width: float, height: float, aspect: float) -> None:
    x, y, w, h = rect
    slack = TOLERANCE * max(width, height)
    assert w > 0 and h > 0
    assert x >= -slack and y >= -slack, rect
    assert x + w <= width + slack and y + h <= height + slack, rect
    assert abs(w / h - aspect) <= 1e-7 * aspect, (w / h, aspect)
    assert w >= min_width((width, height), aspect) * (1 - 1e-9)


@settings(max_examples=300, deadline=None)
@given(
    width=sizes,
    height=sizes,
    aspect=aspects,
    start=st.tuples(coords, coords, coords, coords),
    steps=gestures,
)
def test_any_sequence_of_drags_keeps_the_rectangle_valid(
    width: float,
    height: float,
    aspect: float,
    start: tuple[float, float, float, float],
    steps: list[tuple[object, float, float]],
) -> None:
    size = (width, height)
    rect = conform(
        (start[0] * width, start[1] * height, start[2] * width, start[3] * height), size, aspect
    )
    assert_valid(rect, width, height, aspect)
    for kind, u, v in steps:
        if isinstance(kind, Corner):
            rect = resize(rect, kind, (u * width, v * height), size, aspect)
        else:
            rect = move(rect, (u * width, v * height), size)
        assert_valid(rect, width, height, aspect)


@settings(max_examples=200, deadline=None)
@given(width=sizes, height=sizes, aspect=aspects)
def test_largest_inside_fills_one_side_and_is_centred(
    width: float, height: float, aspect: float
) -> None:
    x, y, w, h = largest_inside((width, height), aspect)
    assert_valid((x, y, w, h), width, height, aspect)
    assert abs(w - width) <= TOLERANCE * width or abs(h - height) <= TOLERANCE * height
    assert abs((x + w / 2) - width / 2) <= TOLERANCE * width


def test_resize_keeps_the_opposite_corner_and_follows_the_pointer() -> None:
    aspect = 16 / 9
    rect = (0.1, 0.1, 0.32, 0.18)
    grown = resize(rect, Corner.BOTTOM_RIGHT, (0.6, 0.2), UNIT, aspect)
    assert grown[:2] == pytest.approx((0.1, 0.1))
    assert grown[2] == pytest.approx(0.5)  # x asked for more than y
    assert grown[2] / grown[3] == pytest.approx(aspect)
    # Dragged far out: it stops at the image's right edge.
    capped = resize(rect, Corner.BOTTOM_RIGHT, (5.0, 0.3), UNIT, aspect)
    assert capped[0] + capped[2] == pytest.approx(1.0)
    # Dragged past the anchor: the smallest rectangle, still anchored.
    tiny = resize(rect, Corner.TOP_LEFT, (2.0, 2.0), UNIT, aspect)
    assert tiny[0] + tiny[2] == pytest.approx(0.42) and tiny[1] + tiny[3] == pytest.approx(0.28)
    assert tiny[2] == pytest.approx(min_width(UNIT, aspect))


def test_move_stops_at_the_edges() -> None:
    rect = (0.2, 0.2, 0.4, 0.3)
    assert move(rect, (-1.0, 0.05), UNIT) == pytest.approx((0.0, 0.25, 0.4, 0.3))
    assert move(rect, (1.0, 1.0), UNIT) == pytest.approx((0.6, 0.7, 0.4, 0.3))


def test_conform_repairs_aspect_size_and_place() -> None:
    aspect = fraction_aspect(16 / 9, 640, 480)  # a 16:9 window on a 4:3 photo
    assert aspect == pytest.approx(4 / 3)
    fixed = conform((0.8, 0.8, 0.5, 0.1), UNIT, aspect)
    assert fixed[2] / fixed[3] == pytest.approx(aspect)
    assert fixed[0] + fixed[2] <= 1.0 + 1e-12 and fixed[1] + fixed[3] <= 1.0 + 1e-12
    assert conform((0.1, 0.1, 0.0, 0.2), UNIT, aspect) == largest_inside(UNIT, aspect)
    assert conform((-1, -1, 3, 3), UNIT, aspect) == pytest.approx((0, 0.125, 1, 0.75))


def test_hit_corner_finds_the_nearest_corner() -> None:
    rect = (0.2, 0.2, 0.4, 0.3)
    assert hit_corner(rect, (0.61, 0.49), 0.02, 0.02) is Corner.BOTTOM_RIGHT
    assert hit_corner(rect, (0.2, 0.2), 0.02, 0.02) is Corner.TOP_LEFT
    assert hit_corner(rect, (0.4, 0.35), 0.02, 0.02) is None


def test_a_zoom_beyond_the_image_survives_conforming_the_pair() -> None:
    """A zoom on a photo shown whole (contain fit): the start window is larger than the
    photo. Conformed one by one both windows become the whole photo and the zoom is gone;
    as a pair they shrink together and the end stays smaller than the start."""
    start, end = (-0.1, -0.1, 1.2, 1.2), (0.0, 0.0, 1.0, 1.0)
    assert conform(start, UNIT, 1.0) == conform(end, UNIT, 1.0)  # the old way: no motion
    new_start, new_end = conform_pair(start, end, UNIT, 1.0)
    assert new_start == pytest.approx((0.0, 0.0, 1.0, 1.0))
    assert new_end[2] == pytest.approx(1.0 / 1.2)
    assert new_end[0] == pytest.approx((1.0 - 1.0 / 1.2) / 2)  # still centred


@settings(max_examples=200)
@given(
    st.tuples(*[st.floats(-1, 2, allow_nan=False)] * 2, *[st.floats(0.01, 3)] * 2),
    st.tuples(*[st.floats(-1, 2, allow_nan=False)] * 2, *[st.floats(0.01, 3)] * 2),
    st.floats(0.2, 5),
)
def test_a_conformed_pair_is_always_valid(start: Rect, end: Rect, aspect: float) -> None:
    for x, y, w, h in conform_pair(start, end, UNIT, aspect):
        assert x >= -TOLERANCE and x + w <= 1 + TOLERANCE
        assert y >= -TOLERANCE and y + h <= 1 + TOLERANCE
        assert w / h == pytest.approx(aspect)
