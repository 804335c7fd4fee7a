"""Templates: the five bundled definitions, validation of template files, style lookup, scene
defaults and the layout of the seed's VideoConfig form."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from video_studio.config_errors import ConfigError
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.models import (
    AspectRatio,
    AudioConfig,
    FitMode,
    MotionType,
    TextOverlay,
    TextPosition,
    VideoConfig,
    VideoQuality,
)
from video_studio.resources import RESOURCES_ENV, resources_dir, template_dir
from video_studio.templates import (
    MIN_SCENE_WITH_CARDS,
    Template,
    get_template,
    list_templates,
    load_templates,
    template_for_style,
)

EXPECTED_IDS = ["amazon_minimal", "lifestyle_warm", "luxury_dark", "social_bold", "tech_clean"]


def _write_variant(folder: Path, changes: dict[str, object], stem: str = "amazon_minimal") -> Path:
    data = yaml.safe_load((template_dir() / "amazon_minimal.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the bundled templates ---------------------------------------------------------------------


def test_the_five_templates_load_sorted_by_id() -> None:
    templates = list_templates()
    assert [template.id for template in templates] == EXPECTED_IDS
    assert load_templates(template_dir()) == templates
    for template in templates:
        assert get_template(template.id) is template
        assert template.name and template.description and template.styles


def test_templates_are_pairwise_different() -> None:
    templates = list_templates()
    for first, second in itertools.combinations(templates, 2):
        assert first.background.lower() != second.background.lower(), (first.id, second.id)
        assert first.motions != second.motions, (first.id, second.id)
        assert first.transitions != second.transitions or first.fit != second.fit
        assert first.text_styles["title"] != second.text_styles["title"], (first.id, second.id)
        assert first.text_styles["caption"] != second.text_styles["caption"]
    assert {template.fit for template in templates} == set(FitMode)


def test_template_designs_follow_their_briefs() -> None:
    amazon = get_template("amazon_minimal")
    assert amazon.background.upper() == "#FFFFFF" and amazon.fit is FitMode.CONTAIN
    assert amazon.intro is None and amazon.outro is not None
    assert all(motion.amount <= 0.08 for motion in amazon.motions)
    assert {transition.duration for transition in amazon.transitions} == {0.6}
    social = get_template("social_bold")
    assert social.fit is FitMode.COVER and social.outro is not None
    assert social.outro.title == "Shop now"
    assert social.text_styles["title"].uppercase and social.text_styles["title"].box
    assert max(transition.duration for transition in social.transitions) <= 0.35
    luxury = get_template("luxury_dark")
    assert luxury.fit is FitMode.BLUR and luxury.text_styles["title"].font == "serif"
    tech = get_template("tech_clean")
    assert tech.intro is not None and tech.intro.logo_position == "above_title"
    assert {motion.type for motion in tech.motions} == {MotionType.ZOOM_OUT}


def test_unknown_template_id_names_it_and_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        get_template("vaporwave")
    message = str(caught.value)
    assert "vaporwave" in message and caught.value.field == "template_id"
    assert all(template_id in message for template_id in EXPECTED_IDS)


# --- validation of template files --------------------------------------------------------------


def test_a_bad_field_is_refused_naming_the_file_and_the_field(tmp_path: Path) -> None:
    motions = [{"type": "zoom_in", "amount": 5.0, "easing": "ease_in_out"}]
    path = _write_variant(tmp_path, {"motions": motions})
    with pytest.raises(ConfigError) as caught:
        load_templates(tmp_path)
    assert caught.value.source == str(path)
    assert caught.value.field == "motions[0].amount"


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, {"colour": "red"})
    with pytest.raises(ConfigError) as caught:
        load_templates(tmp_path)
    assert caught.value.source == str(path) and caught.value.field == "colour"


def test_a_missing_standard_text_style_is_refused(tmp_path: Path) -> None:
    styles = {"title": {"size": 60}, "caption": {"size": 40}}
    _write_variant(tmp_path, {"text_styles": styles})
    with pytest.raises(ConfigError, match="cta"):
        load_templates(tmp_path)


def test_the_id_must_match_the_file_name(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, {}, stem="renamed")
    with pytest.raises(ConfigError) as caught:
        load_templates(tmp_path)
    assert caught.value.source == str(path) and caught.value.field == "id"


def test_yaml_syntax_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\nname: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_templates(tmp_path)
    assert caught.value.source == str(path) and "line" in caught.value.field


def test_two_templates_may_not_claim_the_same_style(tmp_path: Path) -> None:
    _write_variant(tmp_path, {})
    _write_variant(tmp_path, {"id": "copy", "name": "Copy"}, stem="copy")
    with pytest.raises(ConfigError) as caught:
        load_templates(tmp_path)
    assert caught.value.field == "styles" and "already" in str(caught.value)


def test_resources_dir_follows_the_environment_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (resources_dir() / "templates" / "amazon_minimal.yaml").is_file()
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    assert resources_dir() == tmp_path
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path / "missing"))
    with pytest.raises(VideoStudioError) as caught:
        resources_dir()
    assert caught.value.error_type is VideoStudioErrorType.CONFIGURATION
    assert RESOURCES_ENV in caught.value.message


# --- style lookup and scene defaults -----------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("Amazon 极简风", "amazon_minimal"),
        ("  amazon-MINIMAL ", "amazon_minimal"),
        ("Luxury Dark", "luxury_dark"),
        ("科技风", "tech_clean"),
        ("TikTok", "social_bold"),
        ("lifestyle_warm", "lifestyle_warm"),
    ],
)
def test_template_for_style_matches_ids_names_and_styles(style: str, expected: str) -> None:
    found = template_for_style(style)
    assert found is not None and found.id == expected


@pytest.mark.parametrize("style", ["", "   ", "vaporwave"])
def test_template_for_style_returns_none_for_unknown_styles(style: str) -> None:
    assert template_for_style(style) is None


@pytest.mark.parametrize("template", list_templates(), ids=lambda template: template.id)
def test_scene_defaults_cycle_motions_and_end_without_transition(template: Template) -> None:
    total = 2 * len(template.motions) + 1
    for index in range(total):
        defaults = template.scene_defaults(index, total)
        assert defaults.motion == template.motions[index % len(template.motions)]
        assert defaults.fit is template.fit and defaults.background == template.background
        if index == total - 1:
            assert defaults.transition is None
        else:
            assert defaults.transition == template.transitions[index % len(template.transitions)]
    # Defaults are copies: changing one must not change the shared template.
    defaults = template.scene_defaults(0, total)
    defaults.motion.amount = 0.99
    assert template.motions[0].amount != 0.99


def test_overlay_style_applies_the_overlays_own_settings() -> None:
    template = get_template("tech_clean")
    overlay = TextOverlay(content="Hi", style="title", font_size=99, color="#FF0000")
    style = template.overlay_style(overlay)
    assert (style.size, style.color) == (99, "#FF0000")
    assert style.font == template.text_styles["title"].font
    boxed = template.overlay_style(TextOverlay(content="Hi", background="#00FF00"))
    assert boxed.box is not None and boxed.box.color == "#00FF00"
    with pytest.raises(ConfigError, match="unknown text style 'nope'"):
        template.text_style("nope")


# --- layout of the seed's VideoConfig ----------------------------------------------------------


def test_layout_of_the_seed_example() -> None:
    config = VideoConfig(
        template_id="amazon_minimal",
        input_images=["asset_123", "asset_456"],
        duration=30,
        aspect_ratio=AspectRatio.LANDSCAPE,
        style="Amazon 极简风",
        quality=VideoQuality.FULL_HD_1080P,
    )
    template = template_for_style(config.style)
    assert template is not None
    board = template.layout(config, name="Bottle")
    assert [scene.image for scene in board.scenes] == ["asset_123", "asset_456"]
    assert board.intro is None and board.outro is not None and board.outro.title == "Bottle"
    assert board.duration == 30
    assert board.scenes[0].duration == board.scenes[1].duration == 14
    assert board.scenes[0].motion == template.motions[0]
    assert board.scenes[1].motion == template.motions[1]
    assert board.scenes[0].transition == template.transitions[0]
    assert board.scenes[1].transition is None
    assert (board.template_id, board.name) == ("amazon_minimal", "Bottle")


@settings(max_examples=150, deadline=None)
@given(
    template_index=st.integers(0, len(EXPECTED_IDS) - 1),
    count=st.integers(1, 40),
    duration=st.floats(0.5, 300.0, allow_nan=False, allow_infinity=False),
    fps=st.sampled_from([24, 25, 30, 60]),
)
def test_layout_durations_add_up_exactly(
    template_index: int, count: int, duration: float, fps: int
) -> None:
    duration = max(duration, count / fps)  # at least a frame per scene
    template = list_templates()[template_index]
    images = [f"images/{index}.jpg" for index in range(count)]
    config = VideoConfig(input_images=images, duration=duration, fps=fps)
    board = template.layout(config)
    assert board.duration == duration
    assert [scene.image for scene in board.scenes] == images
    assert all(scene.duration > 0 and scene.motion is not None for scene in board.scenes)
    if board.intro is not None or board.outro is not None:
        assert min(scene.duration for scene in board.scenes) >= MIN_SCENE_WITH_CARDS - 1e-6
    assert board.problems() == []
    assert board.scenes[-1].transition is None
    for scene, following in itertools.pairwise(board.scenes):
        assert scene.transition is not None
        assert scene.transition.duration < min(scene.duration, following.duration)


def test_layout_drops_the_cards_when_scenes_would_be_too_short() -> None:
    template = get_template("tech_clean")
    assert template.intro is not None and template.outro is not None
    roomy = template.layout(VideoConfig(input_images=["a", "b"], duration=10))
    assert roomy.intro is not None and roomy.outro is not None
    tight = template.layout(VideoConfig(input_images=["a", "b", "c"], duration=6))
    assert tight.intro is None and tight.outro is None
    assert [scene.duration for scene in tight.scenes] == [2, 2, 2]


def test_layout_refuses_impossible_durations() -> None:
    template = get_template("amazon_minimal")
    with pytest.raises(ConfigError) as caught:
        template.layout(VideoConfig(input_images=["a", "b"], duration=0.01, fps=30))
    assert caught.value.field == "duration" and "frame" in str(caught.value)
    with pytest.raises(ConfigError, match="longer than the maximum"):
        template.layout(VideoConfig(input_images=["a"], duration=2000))


def test_layout_gives_overlays_to_scenes_in_order() -> None:
    template = get_template("lifestyle_warm")
    overlays = [
        TextOverlay(content="新品上市"),
        TextOverlay(content="Second", position=TextPosition.TOP, style="cta"),
    ]
    audio = AudioConfig(path="music.mp3", volume=0.7)
    config = VideoConfig(
        input_images=["a", "b", "c"],
        duration=15,
        text_overlays=overlays,
        audio=audio,
        aspect_ratio=AspectRatio.PORTRAIT,
        quality=VideoQuality.HD_720P,
        fps=25,
    )
    board = template.layout(config)
    first, second, third = (scene.text for scene in board.scenes)
    assert first is not None and first.content == "新品上市"
    assert first.style == template.default_text_style
    assert first.position is template.default_text_position  # not set: the template's
    assert second is not None and second.position is TextPosition.TOP and second.style == "cta"
    assert third is None
    assert board.audio == audio
    assert (board.aspect_ratio, board.quality, board.fps) == (
        AspectRatio.PORTRAIT,
        VideoQuality.HD_720P,
        25,
    )


def test_layout_refuses_more_overlays_than_scenes() -> None:
    overlays = [TextOverlay(content=str(index)) for index in range(3)]
    config = VideoConfig(input_images=["a", "b"], duration=10, text_overlays=overlays)
    with pytest.raises(ConfigError) as caught:
        get_template("amazon_minimal").layout(config)
    assert caught.value.field == "text_overlays" and "3 text overlays" in str(caught.value)


def test_layout_keeps_given_scenes_and_fills_what_they_leave_unset() -> None:
    template = get_template("social_bold")
    config = VideoConfig.model_validate(
        {
            "input_images": ["a", "b"],
            "duration": 6,
            "scenes": [
                {"image": "a.jpg", "duration": 4, "motion": {"type": "static"}},
                {"image": "b.jpg", "duration": 2},
            ],
        }
    )
    board = template.layout(config)
    assert [scene.image for scene in board.scenes] == ["a.jpg", "b.jpg"]
    assert board.scenes[0].motion is not None
    assert board.scenes[0].motion.type is MotionType.STATIC
    assert board.scenes[1].motion == template.motions[1]
    assert board.intro is None and board.outro is None and board.duration == 6
