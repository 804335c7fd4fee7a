"""Prompts in English and Chinese to the local engine's camera motion."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from video_studio.adapters.prompt_motion import (
    DEFAULT_AMOUNT,
    choose_motion,
    motion_from_prompt,
    orbit_motion,
)
from video_studio.models import MotionSpec, MotionType

M = MotionType


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("slow push-in on the bottle", M.ZOOM_IN),
        ("Push in", M.ZOOM_IN),
        ("zoom in on the label", M.ZOOM_IN),
        ("camera zooms in", M.ZOOM_IN),
        ("dolly in", M.ZOOM_IN),
        ("推近瓶子", M.ZOOM_IN),
        ("放大产品", M.ZOOM_IN),
        ("pull out to reveal the table", M.ZOOM_OUT),
        ("zoom out", M.ZOOM_OUT),
        ("zoom-out", M.ZOOM_OUT),
        ("镜头拉远", M.ZOOM_OUT),
        ("pan left", M.PAN_LEFT),
        ("panning left across the shelf", M.PAN_LEFT),
        ("镜头左移", M.PAN_LEFT),
        ("向左平移", M.PAN_LEFT),
        ("pan right", M.PAN_RIGHT),
        ("向右", M.PAN_RIGHT),
        ("parallax", M.PARALLAX),
        ("2.5D depth effect", M.PARALLAX),
        ("subtle depth", M.PARALLAX),
        ("视差效果", M.PARALLAX),
        ("orbit around the sneaker", M.KEN_BURNS),
        ("slow arc", M.KEN_BURNS),
        ("环绕拍摄", M.KEN_BURNS),
        ("static shot", M.STATIC),
        ("keep it still", M.STATIC),
        ("hold on the logo", M.STATIC),
        ("静止画面", M.STATIC),
        ("", M.AUTO),
        ("a beautiful bottle on marble", M.AUTO),
        ("产品展示", M.AUTO),
        ("still life of a watch, zoom in", M.ZOOM_IN),  # "still life" is not "still"
        ("no zoom, pan left", M.PAN_LEFT),  # negated motions are skipped
        ("不要放大，向右", M.PAN_RIGHT),
        ("zoom in, then hold", M.ZOOM_IN),  # the first motion named wins
        ("ＺＯＯＭ ＯＵＴ", M.ZOOM_OUT),  # full-width letters
    ],
)
def test_prompt_table(prompt: str, expected: MotionType) -> None:
    assert motion_from_prompt(prompt).type is expected


@pytest.mark.parametrize(
    ("prompt", "relation"),
    [
        ("slow push in", "lower"),
        ("gentle zoom in", "lower"),
        ("subtle pan left", "lower"),
        ("缓慢推近", "lower"),
        ("fast push in", "higher"),
        ("dramatic zoom in", "higher"),
        ("punchy pan right", "higher"),
        ("快速推近", "higher"),
        ("push in", "same"),
        ("slow but dramatic push in", "same"),
    ],
)
def test_speed_words_change_the_amount(prompt: str, relation: str) -> None:
    amount = motion_from_prompt(prompt).amount
    if relation == "lower":
        assert 0 < amount < DEFAULT_AMOUNT
    elif relation == "higher":
        assert amount > DEFAULT_AMOUNT
    else:
        assert amount == DEFAULT_AMOUNT


def test_unrecognised_prompt_is_auto_and_keeps_the_speed() -> None:
    assert motion_from_prompt("a gentle look at the perfume").type is M.AUTO
    assert motion_from_prompt("a gentle look at the perfume").amount < DEFAULT_AMOUNT


def test_explicit_motion_wins_over_the_prompt() -> None:
    explicit = MotionSpec(type=M.PAN_RIGHT, amount=0.2)
    assert choose_motion(explicit, "zoom out fast") is explicit
    assert choose_motion(None, "zoom out fast").type is M.ZOOM_OUT


def test_orbit_is_an_arc_with_a_slight_zoom() -> None:
    spec = motion_from_prompt("orbit the bottle", image_aspect=4 / 3, frame_aspect=16 / 9)
    assert spec.type is M.KEN_BURNS and spec.start is not None and spec.end is not None
    (x0, y0, w0, _), (x1, y1, w1, _) = spec.start, spec.end
    assert w1 < w0  # closes in
    assert x1 > x0 and y1 < y0  # travels across and up
    left = motion_from_prompt("orbit left", image_aspect=4 / 3, frame_aspect=16 / 9)
    assert left.start is not None and left.end is not None
    assert left.end[0] < left.start[0]  # mirrored


@given(st.text(max_size=200))
def test_any_text_gives_a_valid_motion(prompt: str) -> None:
    spec = motion_from_prompt(prompt)
    assert MotionSpec.model_validate(spec.model_dump()) == spec


_WORDS = [
    "push in",
    "拉远",
    "向左",
    "orbit",
    "环绕",
    "static",
    "slow",
    "快速",
    "视差",
    "不要",
    "no",
]


@given(
    st.lists(st.sampled_from(_WORDS) | st.text(max_size=8), max_size=8).map(" ".join),
    st.floats(0.1, 10),
    st.floats(0.1, 10),
)
def test_any_mix_of_keywords_and_shapes_gives_a_valid_motion(
    prompt: str, image_aspect: float, frame_aspect: float
) -> None:
    spec = motion_from_prompt(prompt, image_aspect=image_aspect, frame_aspect=frame_aspect)
    assert MotionSpec.model_validate(spec.model_dump()) == spec


@given(st.floats(-1, 2), st.booleans(), st.floats(0.05, 20), st.floats(0.05, 20))
def test_orbit_rectangles_stay_inside_the_image(
    amount: float, leftward: bool, image_aspect: float, frame_aspect: float
) -> None:
    spec = orbit_motion(
        amount, leftward=leftward, image_aspect=image_aspect, frame_aspect=frame_aspect
    )
    assert MotionSpec.model_validate(spec.model_dump()) == spec
