"""Text rendering with real fonts and real pixels: CJK glyphs, wrapping, effects, scaling,
placement in the title-safe area, cards, and the error when no CJK font exists."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.models import TextPosition
from video_studio.render.cards import render_card
from video_studio.render.fonts import contains_cjk, find_font, load_font
from video_studio.render.text import (
    line_width,
    place_text,
    render_text,
    safe_rect,
    wrap_text,
)
from video_studio.storyboard import CardConfig
from video_studio.templates import TextBox, TextOutline, TextShadow, TextStyle, get_template

PLAIN = TextStyle(size=60, color="#FFFFFF")
INSTALL_HINT = "run ./test.sh, which installs fonts-noto-cjk and fonts-dejavu-core"


@pytest.fixture(scope="module", autouse=True)
def _real_fonts() -> None:
    """These tests need the real fonts; a missing one is a failure that says how to fix it."""
    try:
        cjk = find_font("sans", "regular", needs_cjk=True)
        latin = find_font("sans", "regular")
    except VideoStudioError as error:
        pytest.fail(f"fonts missing ({error.message}): {INSTALL_HINT}")
    if not cjk.name.startswith("NotoSansCJK") or not latin.name.startswith("DejaVu"):
        pytest.fail(
            f"expected Noto Sans CJK and DejaVu Sans, found {cjk} and {latin}: {INSTALL_HINT}"
        )


def _ink_columns(sprite: np.ndarray) -> np.ndarray:
    return np.flatnonzero(sprite[..., 3].max(axis=0) > 0)


# --- fonts -----------------------------------------------------------------------------------


def test_contains_cjk() -> None:
    assert contains_cjk("新品上市") and contains_cjk("Sale 50%！") and contains_cjk("한국어")
    assert not contains_cjk("Fresh arrivals — édition")


def test_collections_open_the_simplified_chinese_face() -> None:
    font = load_font(find_font("sans", "bold", needs_cjk=True), 40)
    assert font.getname() == ("Noto Sans CJK SC", "Bold")
    serif = load_font(find_font("serif", "regular", needs_cjk=True), 40)
    assert serif.getname() == ("Noto Serif CJK SC", "Regular")


def test_missing_cjk_font_is_an_error_that_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(VideoStudioError) as caught:
        find_font("sans", "regular", needs_cjk=True, search_dirs=[tmp_path])
    assert caught.value.error_type is VideoStudioErrorType.CONFIGURATION
    assert "fonts-noto-cjk" in caught.value.message and "./run.sh" in caught.value.message


def test_a_latin_only_font_is_never_used_for_cjk_text(tmp_path: Path) -> None:
    shutil.copy(find_font("sans", "regular"), tmp_path)
    assert find_font("sans", "bold", search_dirs=[tmp_path]).parent == tmp_path
    with pytest.raises(VideoStudioError, match="fonts-noto-cjk"):
        find_font("sans", "regular", needs_cjk=True, search_dirs=[tmp_path])


# --- glyphs and wrapping -----------------------------------------------------------------------


def test_cjk_text_renders_real_glyphs() -> None:
    sprite = render_text("新品上市", PLAIN, frame_height=1080, max_width=1600)
    # Each of the four equally wide glyph cells has ink.
    alpha = sprite[..., 3]
    cells = np.array_split(alpha, 4, axis=1)
    assert all((cell > 128).sum() > 50 for cell in cells)
    # Tofu boxes would all look alike: different characters must give different pixels.
    glyphs = [render_text(char, PLAIN, frame_height=1080, max_width=400) for char in "新品上市"]
    for first, second in itertools.combinations(glyphs, 2):
        height = min(first.shape[0], second.shape[0])
        width = min(first.shape[1], second.shape[1])
        assert not np.array_equal(first[:height, :width, 3], second[:height, :width, 3])
    other = render_text("限时特惠", PLAIN, frame_height=1080, max_width=1600)
    assert not np.array_equal(sprite[..., 3], other[..., 3][: sprite.shape[0], : sprite.shape[1]])


def test_long_cjk_text_wraps_into_lines_within_the_width() -> None:
    text = "全新上市的保温杯，一整天都能保持饮品的温度，轻巧便携，适合通勤与旅行。"
    max_width = 500
    font = load_font(find_font("sans", "regular", needs_cjk=True), 60)
    lines = wrap_text(text, font, max_width)
    assert len(lines) >= 3 and "".join(lines) == text
    assert all(line_width(font, line) <= max_width for line in lines)
    assert not any(line.startswith(("，", "。")) for line in lines)  # no punctuation first
    sprite = render_text(text, PLAIN, frame_height=1080, max_width=max_width)
    single = render_text("全新上市", PLAIN, frame_height=1080, max_width=max_width)
    assert sprite.shape[1] <= max_width
    assert sprite.shape[0] >= 3 * single.shape[0] * 0.9


def test_latin_text_wraps_between_words_only() -> None:
    font = load_font(find_font("sans", "regular"), 60)
    text = "Fresh arrivals for every season"
    lines = wrap_text(text, font, line_width(font, "arrivals for") + 1)
    assert " ".join(lines) == text
    assert all(word in text.split() for line in lines for word in line.split())
    assert len(lines) > 1
    assert wrap_text("two\nlines", font, 5000) == ["two", "lines"]


def test_a_long_word_is_split_only_when_it_alone_is_too_wide() -> None:
    font = load_font(find_font("sans", "regular"), 60)
    word = "Supercalifragilisticexpialidocious"
    max_width = line_width(font, word) / 3
    lines = wrap_text(f"a {word} b", font, max_width)
    assert "".join(lines).replace(" ", "") == f"a{word}b"
    assert all(line_width(font, line) <= max_width for line in lines)
    assert len([line for line in lines if line.strip("ab ")]) >= 3
    fitting = wrap_text(f"a {word} b", font, line_width(font, word) + 1)
    assert word in fitting


def test_wrapped_sprites_stay_within_max_width_with_effects() -> None:
    style = TextStyle(
        size=70,
        letter_spacing=0.1,
        box=TextBox(color="#202020", padding=(0.8, 0.4)),
        shadow=TextShadow(offset=(0.1, 0.1), blur=0.1),
        outline=TextOutline(color="#000000", width=0.1),
    )
    for max_width in (300, 640, 1200):
        sprite = render_text(
            "Limited edition 新品上市 — only this week",
            style,
            frame_height=1080,
            max_width=max_width,
        )
        assert sprite.shape[1] <= max_width


# --- effects and scaling -------------------------------------------------------------------------


def test_plain_text_has_clean_straight_alpha() -> None:
    sprite = render_text(
        "Clean edges", TextStyle(size=50, color="#FF8000"), frame_height=1080, max_width=1000
    )
    alpha = sprite[..., 3]
    assert alpha.max() == 255 and ((alpha > 0) & (alpha < 255)).any()  # anti-aliased
    # One colour everywhere: partly covered pixels are not darkened (no premultiplied fringe).
    assert (sprite[..., :3].reshape(-1, 3) == [255, 128, 0]).all()


def test_background_box_shadow_and_outline_change_pixels() -> None:
    plain = render_text("Sale", PLAIN, frame_height=1080, max_width=1000)
    boxed = render_text(
        "Sale",
        PLAIN.model_copy(update={"box": TextBox(color="#FF0000")}),
        frame_height=1080,
        max_width=1000,
    )
    assert boxed.shape[0] > plain.shape[0] and boxed.shape[1] > plain.shape[1]
    corner = boxed[boxed.shape[0] // 2, 3]  # inside the padding, left of the letters
    assert corner[3] == 255 and tuple(corner[:3]) == (255, 0, 0)
    assert (plain[..., 3] == 0).mean() > 0.3 and (boxed[..., 3] > 0).mean() > 0.9

    shadow = TextShadow(color="#000000", opacity=0.8, offset=(0.08, 0.08), blur=0.05)
    shadowed = render_text(
        "Sale", PLAIN.model_copy(update={"shadow": shadow}), frame_height=1080, max_width=1000
    )
    assert shadowed[..., 3].astype(int).sum() > plain[..., 3].astype(int).sum() * 1.2
    dark = (shadowed[..., 3] > 0) & (shadowed[..., :3].max(axis=2) < 60)
    assert dark.sum() > 100

    outline = TextOutline(color="#0000FF", width=0.08)
    outlined = render_text(
        "Sale", PLAIN.model_copy(update={"outline": outline}), frame_height=1080, max_width=1000
    )
    blue = (outlined[..., 3] > 200) & (outlined[..., 2] > 200) & (outlined[..., 0] < 50)
    assert blue.sum() > 100


def test_uppercase_option() -> None:
    upper = PLAIN.model_copy(update={"uppercase": True})
    assert np.array_equal(
        render_text("shop now", upper, frame_height=1080, max_width=1000),
        render_text("SHOP NOW", PLAIN, frame_height=1080, max_width=1000),
    )


def test_sizes_scale_with_frame_height() -> None:
    small = render_text("Hello 新品", PLAIN, frame_height=720, max_width=4000)
    large = render_text("Hello 新品", PLAIN, frame_height=2160, max_width=4000)
    assert large.shape[0] / small.shape[0] == pytest.approx(3.0, rel=0.08)
    assert large.shape[1] / small.shape[1] == pytest.approx(3.0, rel=0.08)


@pytest.mark.parametrize(
    ("position", "side"),
    [(TextPosition.BOTTOM_LEFT, "left"), (TextPosition.TOP_RIGHT, "right")],
)
def test_lines_align_by_position(position: TextPosition, side: str) -> None:
    sprite = render_text(
        "a much longer first line\nshort",
        PLAIN,
        frame_height=1080,
        max_width=3000,
        position=position,
    )
    second_line = sprite[sprite.shape[0] * 2 // 3 :]
    columns = _ink_columns(second_line)
    if side == "left":
        assert columns[0] < 10 and columns[-1] < sprite.shape[1] / 2
    else:
        assert columns[-1] > sprite.shape[1] - 10 and columns[0] > sprite.shape[1] / 2


# --- placement and cards -------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    frame=st.tuples(st.integers(64, 4000), st.integers(64, 4000)),
    safe_area=st.floats(0.5, 1.0),
    fraction=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
    position=st.sampled_from(list(TextPosition)),
)
def test_place_text_keeps_sprites_in_the_safe_area(
    frame: tuple[int, int],
    safe_area: float,
    fraction: tuple[float, float],
    position: TextPosition,
) -> None:
    frame_w, frame_h = frame
    _, _, safe_w, safe_h = safe_rect(frame_w, frame_h, safe_area)
    sprite_w, sprite_h = max(1, int(safe_w * fraction[0])), max(1, int(safe_h * fraction[1]))
    x, y = place_text(sprite_w, sprite_h, position, frame_w, frame_h, safe_area)
    margin_x, margin_y = frame_w * (1 - safe_area) / 2, frame_h * (1 - safe_area) / 2
    assert margin_x - 1e-6 <= x and x + sprite_w <= frame_w - margin_x + 1e-6
    assert margin_y - 1e-6 <= y and y + sprite_h <= frame_h - margin_y + 1e-6
    if position.value.endswith("left"):
        assert x < margin_x + 1
    if position.value.startswith("bottom"):
        assert y + sprite_h > frame_h - margin_y - 1


def test_render_card_draws_background_logo_and_centred_text() -> None:
    template = get_template("tech_clean")
    assert template.intro is not None and template.intro.background is not None
    logo = np.zeros((100, 300, 4), np.uint8)
    logo[..., :3] = (0, 200, 80)
    logo[20:80, 20:280, 3] = 255
    card = CardConfig(title="{name}", subtitle="新品上市", background=template.intro.background)
    frame = render_card(card, template, (1920, 1080), logo=logo, name="Aurora", role="intro")
    assert frame.shape == (1080, 1920, 3) and frame.dtype == np.uint8
    background = [int(template.intro.background[i : i + 2], 16) for i in (1, 3, 5)]
    for corner in (frame[0, 0], frame[0, -1], frame[-1, 0], frame[-1, -1]):
        assert list(corner) == background
    middle = frame[270:810, 480:1440]
    assert (np.abs(middle.astype(int) - background).sum(axis=2) > 60).sum() > 2000
    assert ((frame[..., 1] > 180) & (frame[..., 0] < 30)).sum() > 1000  # the green logo
    other = render_card(card, template, (1920, 1080), logo=logo, name="Borealis", role="intro")
    assert not np.array_equal(frame, other)  # {name} really is the name


def test_an_empty_name_leaves_a_plain_card_and_portrait_cards_fit() -> None:
    template = get_template("social_bold")
    empty = render_card(CardConfig(title="{name}"), template, (1080, 1920))
    assert (empty == empty[0, 0]).all()  # nothing drawn for a blank title
    card = CardConfig(title="Shop now", subtitle="Aurora insulated bottle")
    frame = render_card(card, template, (1080, 1920), name="Aurora")
    x0, y0, safe_w, safe_h = safe_rect(1080, 1920, template.safe_area)
    ink = np.argwhere((frame != frame[0, 0]).any(axis=2))
    assert ink.size and ink[:, 1].min() >= x0 and ink[:, 1].max() < x0 + safe_w
    assert ink[:, 0].min() >= y0 and ink[:, 0].max() < y0 + safe_h
