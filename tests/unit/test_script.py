"""The scene script v1: the design's example loads from JSON and YAML files, round trips,
the seed's VideoConfig form is laid out by a template, errors name the file and the exact
field (every problem at once), and referenced files are checked."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from video_studio.config_errors import ConfigError
from video_studio.models import MotionType, TransitionType
from video_studio.script import (
    check_script_files,
    dump_script,
    load_script,
    parse_script,
    save_script,
)
from video_studio.storyboard import CardConfig, Storyboard, WatermarkConfig


def design_example() -> dict[str, Any]:
    """The scene script of design.md "Stable interfaces", verbatim."""
    return {
        "version": 1,
        "name": "Bottle launch",
        "template_id": "amazon_minimal",
        "aspect_ratio": "16:9",
        "quality": "1080p",
        "fps": 30,
        "scenes": [
            {
                "image": "images/front.jpg",
                "duration": 5.0,
                "motion": {
                    "type": "ken_burns",
                    "start": [0, 0, 1, 1],
                    "end": [0.2, 0.2, 0.6, 0.6],
                    "easing": "ease_in_out",
                },
                "transition": {"type": "crossfade", "duration": 0.5},
                "text": {"content": "新品上市", "position": "bottom"},
                "model": "local",
                "prompt": "slow push-in on the bottle",
            }
        ],
        "audio": {"path": "music.mp3", "volume": 0.8, "fade_in": 1.0, "fade_out": 1.0},
    }


def three_scenes(**changes: Any) -> dict[str, Any]:
    scenes: list[dict[str, Any]] = [
        {"image": "a.jpg", "duration": 4.0, "transition": {"duration": 0.5}},
        {"image": "b.jpg", "duration": 4.0, "transition": {"duration": 0.5}},
        {"image": "c.jpg", "duration": 3.0, "transition": {"duration": 0.5}},
        {"image": "d.jpg", "duration": 3.0},
    ]
    return {"version": 1, "scenes": scenes, **changes}


def make_files(folder: Path, *names: str) -> None:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not checked here")


def write(path: Path, data: dict[str, Any]) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def errors_of(data: dict[str, Any], source: str = "video.yaml") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_script(data, source=source, base_dir=Path("/nowhere"))
    return [str(issue) for issue in caught.value.issues]


def without_ids(storyboard: Storyboard) -> dict[str, Any]:
    data = storyboard.model_dump(mode="json")
    for scene in data["scenes"]:
        del scene["id"]
    return data


# --- loading --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_the_design_example_loads_from_a_file(tmp_path: Path, suffix: str) -> None:
    make_files(tmp_path, "images/front.jpg", "music.mp3")
    storyboard = load_script(write(tmp_path / f"launch{suffix}", design_example()))

    assert storyboard.name == "Bottle launch"
    assert storyboard.frame_size == (1920, 1080)
    scene = storyboard.scenes[0]
    assert scene.motion is not None and scene.motion.type is MotionType.KEN_BURNS
    assert scene.motion.end == (0.2, 0.2, 0.6, 0.6)
    assert scene.transition is not None and scene.transition.type is TransitionType.CROSSFADE
    assert scene.text is not None and scene.text.content == "新品上市"
    assert storyboard.audio is not None and storyboard.audio.volume == 0.8
    assert storyboard.base_dir == tmp_path
    assert check_script_files(storyboard) == []


def test_relative_paths_resolve_against_the_script_folder_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_files(tmp_path / "project", "images/front.jpg", "music.mp3")
    script = write(tmp_path / "project" / "launch.json", design_example())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    storyboard = load_script(Path(os.path.relpath(script, elsewhere)))

    image = storyboard.resolve_path(storyboard.scenes[0].image)
    assert image == tmp_path / "project" / "images" / "front.jpg"
    assert image.is_file()


def test_json_and_yaml_scripts_describe_the_same_storyboard(tmp_path: Path) -> None:
    from_json = load_script(write(tmp_path / "a.json", design_example()))
    from_yaml = load_script(write(tmp_path / "a.yaml", design_example()))
    assert without_ids(from_json) == without_ids(from_yaml)


# --- dumping and saving ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_dump_then_parse_gives_the_same_storyboard(fmt: str) -> None:
    original = parse_script(design_example(), source="x", base_dir=Path("/base"))
    original.watermark = WatermarkConfig(path="logo.png")
    original.intro = CardConfig(title="新品", logo="brand/logo.png", background="#FFFFFF")
    text = dump_script(original, "json" if fmt == "json" else "yaml")
    data = json.loads(text) if fmt == "json" else yaml.safe_load(text)

    assert data["version"] == 1
    assert parse_script(data, source="x", base_dir=Path("/base")) == original


def test_save_in_the_same_folder_writes_paths_as_they_are(tmp_path: Path) -> None:
    make_files(tmp_path, "images/front.jpg", "music.mp3")
    storyboard = load_script(write(tmp_path / "in.json", design_example()))

    save_script(storyboard, tmp_path / "out.yaml")

    data = yaml.safe_load((tmp_path / "out.yaml").read_text(encoding="utf-8"))
    assert data["scenes"][0]["image"] == "images/front.jpg"
    assert data["audio"]["path"] == "music.mp3"
    assert load_script(tmp_path / "out.yaml") == storyboard


def test_save_elsewhere_keeps_relative_paths_relative_and_pointing_at_the_same_files(
    tmp_path: Path,
) -> None:
    make_files(tmp_path / "src", "images/front.jpg", "music.mp3")
    storyboard = load_script(write(tmp_path / "src" / "in.json", design_example()))
    outside = tmp_path / "logo.png"
    make_files(tmp_path, "logo.png")
    storyboard.watermark = WatermarkConfig(path=str(outside))

    target = tmp_path / "exports" / "deep" / "copy.json"
    save_script(storyboard, target)

    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["scenes"][0]["image"] == "../../src/images/front.jpg"
    assert data["audio"]["path"] == "../../src/music.mp3"
    assert data["watermark"]["path"] == str(outside)  # absolute stays absolute
    reloaded = load_script(target)
    assert check_script_files(reloaded) == []
    assert reloaded.resolve_path(reloaded.scenes[0].image).resolve() == (
        tmp_path / "src" / "images" / "front.jpg"
    )


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    storyboard = parse_script(design_example(), source="x", base_dir=tmp_path)
    target = tmp_path / "video.json"
    target.write_text("old", encoding="utf-8")

    save_script(storyboard, target)

    assert sorted(path.name for path in tmp_path.iterdir()) == ["video.json"]
    assert json.loads(target.read_text(encoding="utf-8"))["name"] == "Bottle launch"


def test_save_refuses_an_unknown_suffix(tmp_path: Path) -> None:
    storyboard = parse_script(design_example(), source="x", base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"unsupported file type '\.txt'"):
        save_script(storyboard, tmp_path / "video.txt")
    assert not (tmp_path / "video.txt").exists()


# --- the seed's VideoConfig form ------------------------------------------------------------


def test_the_video_config_form_is_laid_out_by_its_template(tmp_path: Path) -> None:
    data = {
        "template_id": "social_bold",
        "input_images": ["a.jpg", "b.jpg", "c.jpg"],
        "duration": 12,
        "aspect_ratio": "9:16",
        "quality": "720p",
        "name": "Sneakers",
    }
    storyboard = load_script(write(tmp_path / "request.yaml", data))

    assert storyboard.template_id == "social_bold"
    assert [scene.image for scene in storyboard.scenes] == ["a.jpg", "b.jpg", "c.jpg"]
    assert storyboard.duration == 12
    assert storyboard.frame_size == (720, 1280)
    assert storyboard.name == "Sneakers"
    assert storyboard.base_dir == tmp_path
    assert storyboard.problems() == []


@pytest.mark.parametrize(
    ("style", "template_id"),
    [("luxury", "luxury_dark"), ("科技风", "tech_clean"), ("no such style", "amazon_minimal")],
)
def test_without_a_template_id_the_style_chooses_the_template(style: str, template_id: str) -> None:
    data = {"input_images": ["a.jpg", "b.jpg"], "duration": 10, "style": style}
    storyboard = parse_script(data, source="x", base_dir=Path("/b"))
    assert storyboard.template_id == template_id


def test_an_explicit_template_id_wins_over_the_style() -> None:
    data = {"template_id": "social_bold", "style": "luxury", "input_images": ["a"], "duration": 4}
    assert parse_script(data, source="x", base_dir=Path("/b")).template_id == "social_bold"


def test_the_seed_usage_example_is_a_valid_script() -> None:
    data = {
        "template_id": "amazon_minimal",
        "input_images": ["asset_123", "asset_456"],
        "duration": 30,
        "aspect_ratio": "16:9",
        "style": "Amazon 极简风",
        "quality": "1080p",
    }
    storyboard = parse_script(data, source="x", base_dir=Path("/b"))
    assert storyboard.duration == 30
    assert len(storyboard.scenes) == 2


def test_video_config_form_errors_are_reported_together() -> None:
    data = {"version": 1, "template_id": "nope", "input_images": ["a", " "], "duration": -3}
    assert errors_of(data, "req.json") == [
        "req.json: template_id: unknown template 'nope': use one of amazon_minimal, "
        "lifestyle_warm, luxury_dark, social_bold, tech_clean",
        "req.json: input_images: item 1 is empty: give an asset id or an image path",
        "req.json: duration: Input should be greater than 0",
    ]


def test_layout_errors_name_the_file() -> None:
    data = {"input_images": ["a", "b", "c"], "duration": 0.01, "name": 5}
    issues = errors_of(data, "req.yaml")
    assert issues[0] == "req.yaml: name: must be text"
    assert issues[1].startswith("req.yaml: duration: 0.01 s is too short for 3 images")


# --- version ---------------------------------------------------------------------------------


def test_a_future_version_asks_for_an_update() -> None:
    assert errors_of({"version": 2, "scenes": "whatever v2 has"}, "next.json") == [
        "next.json: version: this script is version 2; this Video Studio reads version 1 — "
        "update the app"
    ]


@pytest.mark.parametrize("version", ["1", 0, 1.5, True, None])
def test_a_version_other_than_1_is_refused(version: object) -> None:
    issues = errors_of(three_scenes(version=version))
    assert issues == [f"video.yaml: version: must be 1, got {version!r}"]


def test_version_may_be_left_out() -> None:
    data = three_scenes()
    del data["version"]
    assert len(parse_script(data, source="x", base_dir=Path("/b")).scenes) == 4


# --- errors name the file and the exact field ---------------------------------------------


def test_a_transition_longer_than_the_next_scene_names_its_field() -> None:
    data = three_scenes()
    data["scenes"][2]["duration"] = 5.0
    data["scenes"][2]["transition"]["duration"] = 3.0
    assert errors_of(data, "launch.yaml") == [
        "launch.yaml: scenes[2].transition.duration: must be less than the next scene (3 s), "
        "which it overlaps"
    ]


def test_every_problem_in_the_file_is_reported_at_once() -> None:
    data = three_scenes(fps=0, colour="red")
    data["scenes"][0]["motion"] = {"type": "ken_burns", "start": [0.5, 0, 0.8, 1], "end": [0] * 4}
    data["scenes"][1]["image"] = ""
    data["scenes"][2]["duration"] = 5.0
    data["scenes"][2]["transition"]["duration"] = 3.0  # d.jpg lasts 3 s

    issues = errors_of(data)

    assert issues == [
        "video.yaml: fps: Input should be greater than or equal to 1",
        "video.yaml: scenes[0].motion.start: must lie inside the image: [x, y, w, h] as "
        "fractions from 0 to 1",
        "video.yaml: scenes[0].motion.end: width and height must be greater than 0",
        "video.yaml: scenes[1].image: String should have at least 1 character",
        "video.yaml: colour: unknown field: remove it or check its spelling",
        "video.yaml: scenes[2].transition.duration: must be less than the next scene (3 s), "
        "which it overlaps",
    ]


def test_a_transition_longer_than_its_own_scene_points_at_the_duration() -> None:
    data = three_scenes()
    data["scenes"][1]["transition"]["duration"] = 6.0
    assert errors_of(data) == [
        "video.yaml: scenes[1].transition.duration: 6 s must be less than the scene (4 s)"
    ]


@pytest.mark.parametrize(("given", "missing"), [("start", "end"), ("end", "start")])
def test_ken_burns_without_a_rectangle_names_the_missing_one(given: str, missing: str) -> None:
    data = three_scenes()
    data["scenes"][3]["motion"] = {given: [0, 0, 1, 1]}
    assert errors_of(data) == [
        f"video.yaml: scenes[3].motion.{missing}: ken_burns needs both start and end rectangles"
    ]


def test_errors_are_plain_words_not_a_pydantic_dump() -> None:
    data = three_scenes(aspect_ratio="3:2")
    data["scenes"][0]["transition"]["type"] = "spin"
    with pytest.raises(ConfigError) as caught:
        parse_script(data, source="v.json", base_dir=Path("/b"))
    text = str(caught.value)
    assert "aspect_ratio" in text and "scenes[0].transition.type" in text
    for noise in ("validation error", "pydantic", "type=", "input_value", "For further"):
        assert noise not in text


@pytest.mark.parametrize(
    ("suffix", "text", "where"),
    [
        (".json", '{"version": 1,\n  "scenes": [,]}', "line 2, column 14"),
        (".yaml", "version: 1\nscenes:\n  - image: a.jpg\n   duration: 3\n", "line 4, column 4"),
    ],
)
def test_syntax_errors_name_the_file_line_and_column(
    tmp_path: Path, suffix: str, text: str, where: str
) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_script(path)
    issue = caught.value.issues[0]
    assert (issue.source, issue.field) == (str(path), where)


def test_a_script_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a.jpg\n- b.jpg\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="the top level must be a mapping"):
        load_script(path)


def test_a_short_rectangle_is_one_issue_on_the_rectangle() -> None:
    data = three_scenes()
    data["scenes"][0]["motion"] = {"start": [0, 0, 1, 1], "end": [0.1]}
    assert errors_of(data) == ["video.yaml: scenes[0].motion.end: has too few items"]


@pytest.mark.parametrize("duration", [float("inf"), 1e308])
def test_an_absurd_duration_is_an_error_not_a_crash(duration: float) -> None:
    data = {"input_images": ["a.jpg", "b.jpg"], "duration": duration}
    assert errors_of(data) == [
        f"video.yaml: duration: {duration:g} s over 2 images makes scenes longer than the "
        "maximum of 600 s: add images or shorten the video"
    ]


def test_text_with_a_next_line_character_survives_yaml() -> None:
    # PyYAML writes U+0085 raw and reads it back as a line break unless it is quoted.
    original = parse_script(design_example(), source="x", base_dir=Path("/b"))
    original.name = "新品\x85上市"
    text = dump_script(original, "yaml")
    assert parse_script(yaml.safe_load(text), source="x", base_dir=Path("/b")) == original
