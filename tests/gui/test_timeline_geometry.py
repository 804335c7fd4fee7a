"""Properties of the timeline's layout math (gui/widgets/timeline_geometry.py): widths follow
durations, the drop gap moves only rightwards with x, hit testing agrees with the boxes,
snapping, zoom and the ruler."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gui.widgets.timeline_geometry import (
    DURATION_SNAP,
    EDGE_GRAB,
    MAX_DURATION,
    MAX_PPS,
    MIN_DURATION,
    MIN_PPS,
    MINOR_SPACING,
    ORIGIN,
    RULER_HEIGHT,
    TRACK_HEIGHT,
    TRACK_TOP,
    HitKind,
    TimelineLayout,
    clamp_pps,
    fit_pps,
    format_time,
    ruler_ticks,
    snap_duration,
    zoomed,
)

# The package's autouse Qt guard is function scoped; these tests touch no Qt at all.
geometry = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

durations_st = st.lists(
    st.floats(min_value=0.1, max_value=60.0, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=30,
)
pps_st = st.floats(min_value=MIN_PPS, max_value=MAX_PPS, allow_nan=False, allow_infinity=False)
track_y = st.floats(min_value=TRACK_TOP, max_value=TRACK_TOP + TRACK_HEIGHT - 0.01)


@geometry
@given(durations_st, pps_st)
def test_widths_are_proportional_to_durations_and_scenes_touch(
    durations: list[float], pps: float
) -> None:
    layout = TimelineLayout.of(durations, pps)
    rects = [layout.scene_rect(i) for i in range(layout.count)]
    for rect, duration in zip(rects, durations, strict=True):
        assert rect.width == pytest.approx(duration * pps, rel=1e-9, abs=1e-6)
        assert rect.y == TRACK_TOP and rect.height == TRACK_HEIGHT
    assert rects[0].x == ORIGIN
    for left, right in itertools.pairwise(rects):
        assert right.x == pytest.approx(left.right, abs=1e-6)
    assert layout.content_width > rects[-1].right
    assert layout.total == pytest.approx(sum(durations))


@geometry
@given(durations_st, pps_st, st.floats(min_value=0.5, max_value=4.0))
def test_zooming_scales_every_width_by_the_same_factor(
    durations: list[float], pps: float, factor: float
) -> None:
    small = TimelineLayout.of(durations, pps)
    large = TimelineLayout.of(durations, clamp_pps(pps * factor))
    ratio = large.pixels_per_second / small.pixels_per_second
    for index in range(small.count):
        expected = small.scene_rect(index).width * ratio
        assert large.scene_rect(index).width == pytest.approx(expected, rel=1e-9)


@geometry
@given(durations_st, pps_st, st.lists(st.floats(-100, 40_000), min_size=2, max_size=20))
def test_the_drop_gap_is_monotone_in_x(durations: list[float], pps: float, xs: list[float]) -> None:
    layout = TimelineLayout.of(durations, pps)
    gaps = [layout.drop_index(x) for x in sorted(xs)]
    assert gaps == sorted(gaps)
    assert all(0 <= gap <= layout.count for gap in gaps)
    assert layout.drop_index(-1e9) == 0 and layout.drop_index(1e12) == layout.count


@geometry
@given(durations_st, pps_st, st.data())
def test_a_drop_lands_on_the_nearer_side_of_the_scene_under_it(
    durations: list[float], pps: float, data: st.DataObject
) -> None:
    layout = TimelineLayout.of(durations, pps)
    index = data.draw(st.integers(0, layout.count - 1))
    rect = layout.scene_rect(index)
    share = data.draw(st.floats(0.0, 0.999))
    gap = layout.drop_index(rect.x + share * rect.width)
    assert gap == (index if share < 0.5 else index + 1) or math.isclose(share, 0.5, abs_tol=1e-6)


@geometry
@given(durations_st, pps_st, st.data())
def test_hit_testing_agrees_with_the_boxes(
    durations: list[float], pps: float, data: st.DataObject
) -> None:
    layout = TimelineLayout.of(durations, pps)
    x = data.draw(st.floats(ORIGIN - 50, layout.content_width + 50))
    y = data.draw(track_y)
    hit = layout.hit(x, y)
    if hit.kind is HitKind.SCENE:
        assert layout.scene_rect(hit.index).contains(x, y)
        assert layout.scene_at(x) == hit.index
    elif hit.kind is HitKind.EDGE:
        assert abs(layout.scene_rect(hit.index).right - x) <= EDGE_GRAB + 1e-9
    elif hit.kind is HitKind.MARKER:
        assert hit.index < layout.count - 1
        assert layout.marker_rect(hit.index).contains(x, y)
    else:  # nothing: outside every scene
        assert hit.kind is HitKind.NONE
        assert layout.scene_at(x) is None
    ruler = layout.hit(x, data.draw(st.floats(0, RULER_HEIGHT - 0.01)))
    assert ruler.kind is HitKind.RULER


@geometry
@given(durations_st, pps_st, st.data())
def test_every_scene_and_marker_can_be_hit(
    durations: list[float], pps: float, data: st.DataObject
) -> None:
    layout = TimelineLayout.of(durations, pps)
    index = data.draw(st.integers(0, layout.count - 1))
    rect = layout.scene_rect(index)
    middle = rect.x + rect.width / 2
    top = TRACK_TOP + 1  # above the markers
    assert layout.hit(middle, top).index == index
    assert layout.hit(middle, top).kind in (HitKind.SCENE, HitKind.EDGE)
    wide = 6 * EDGE_GRAB
    if rect.width > wide:
        assert layout.hit(middle, top).kind is HitKind.SCENE
        assert layout.hit(rect.right - 1, top).kind is HitKind.EDGE
        if index == layout.count - 1 or layout.scene_rect(index + 1).width > wide:
            assert layout.hit(rect.right - 1, top) == layout.hit(rect.right + 1, top)
    if index < layout.count - 1:
        marker = layout.marker_rect(index)
        hit = layout.hit(marker.x + marker.width / 2, marker.y + marker.height / 2)
        assert (hit.kind, hit.index) == (HitKind.MARKER, index)


@geometry
@given(durations_st, pps_st, st.floats(-1000, 100_000))
def test_time_and_x_agree(durations: list[float], pps: float, x: float) -> None:
    layout = TimelineLayout.of(durations, pps)
    seconds = layout.time_at(x)
    assert 0.0 <= seconds <= layout.total
    if ORIGIN <= x <= layout.x_at(layout.total):
        assert layout.x_at(seconds) == pytest.approx(x, abs=1e-6)


@geometry
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_snapped_durations_are_tenths_within_the_scene_limits(seconds: float) -> None:
    snapped = snap_duration(seconds)
    assert MIN_DURATION <= snapped <= MAX_DURATION
    assert snapped == pytest.approx(round(snapped / DURATION_SNAP) * DURATION_SNAP, abs=1e-9)
    if math.isfinite(seconds) and MIN_DURATION <= seconds <= MAX_DURATION:
        assert abs(snapped - seconds) <= DURATION_SNAP / 2 + 1e-9


@geometry
@given(durations_st, pps_st, st.floats(0.0, 60.0))
def test_an_edge_drag_gives_the_duration_under_the_mouse(
    durations: list[float], pps: float, wanted: float
) -> None:
    layout = TimelineLayout.of(durations, pps)
    start = layout.starts[-2]
    got = layout.duration_for_edge(start, layout.x_at(start + wanted))
    expected = snap_duration(wanted)
    # Exactly between two snap steps (1.65 s), the float round trip through pixels may
    # land on either side: both are the duration under the mouse.
    on_a_tie = abs((wanted / DURATION_SNAP) % 1.0 - 0.5) < 1e-6
    assert got == expected or (on_a_tie and abs(got - expected) == pytest.approx(DURATION_SNAP))


@geometry
@given(pps_st, st.integers(-5, 5))
def test_zoom_steps_stay_in_range_and_undo_each_other(pps: float, steps: int) -> None:
    there = zoomed(pps, steps)
    assert MIN_PPS <= there <= MAX_PPS
    if MIN_PPS < there < MAX_PPS and MIN_PPS * 4 < pps < MAX_PPS / 4:
        assert zoomed(there, -steps) == pytest.approx(pps)


@geometry
@given(st.floats(0.1, 3600.0), st.floats(200.0, 4000.0))
def test_zoom_to_fit_fits(total: float, width: float) -> None:
    pps = fit_pps(total, width)
    if MIN_PPS < pps < MAX_PPS:
        assert ORIGIN + total * pps <= width


@geometry
@given(pps_st, st.floats(0.0, 500.0), st.floats(0.0, 200.0))
def test_ruler_ticks_are_ordered_spaced_and_labelled(
    pps: float, start: float, length: float
) -> None:
    ticks = ruler_ticks(pps, start, start + length)
    times = [tick.seconds for tick in ticks]
    assert times == sorted(times)
    assert ticks and times[0] <= start + 1e-6 and times[-1] >= start + length - 1e-6
    for left, right in itertools.pairwise(times):
        assert (right - left) * pps >= MINOR_SPACING - 1e-6
    majors = [tick.seconds for tick in ticks if tick.major]
    for left, right in itertools.pairwise(majors):
        assert (right - left) * pps >= 70 - 1e-6


def test_time_labels() -> None:
    assert format_time(0) == "0:00"
    assert format_time(65) == "1:05"
    assert format_time(59.6) == "1:00"
    assert format_time(6.0, 0.5) == "0:06.0"
    assert format_time(61.25, 0.2) == "1:01.2"


def test_an_empty_timeline_hits_nothing_and_drops_at_zero() -> None:
    layout = TimelineLayout.of([], 60)
    assert layout.hit(50, TRACK_TOP + 10).kind is HitKind.NONE
    assert layout.drop_index(500) == 0
    assert layout.visible_scenes(0, 1000) == range(0)
    assert layout.total == 0 and layout.content_width > ORIGIN
