"""Properties of the scene script: any storyboard survives a JSON or YAML script file exactly,
and any mapping at all is either a storyboard or a ConfigError whose every field path points
into the data that was given."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from video_studio.config_errors import ConfigError
from video_studio.media_formats import AspectRatio, VideoQuality
from video_studio.models import (
    AudioConfig,
    Easing,
    FitMode,
    MotionSpec,
    MotionType,
    Scene,
    TextOverlay,
    TextPosition,
    Transition,
    TransitionType,
)
from video_studio.script import load_script, parse_script, save_script
from video_studio.storyboard import CardConfig, Storyboard, WatermarkConfig
from video_studio.templates import list_templates

TEMPLATE_IDS = [template.id for template in list_templates()]

unit = st.floats(0, 1, allow_nan=False)
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
content = st.text(st.one_of(cjk, st.characters(exclude_categories=["Cs"])), min_size=1).filter(
    lambda text: bool(text.strip())
)
colors = st.from_regex(r"#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?", fullmatch=True)
paths = st.one_of(
    st.from_regex(r"[a-z0-9_]{1,8}(/[a-z0-9_ 图]{1,8}){0,2}\.(jpg|png|mp4|mp3)", fullmatch=True),
    st.from_regex(r"/[a-z]{1,8}/[a-z0-9]{1,8}\.jpg", fullmatch=True),
)


@st.composite
def rects(draw: st.DrawFn) -> tuple[float, float, float, float]:
    x, y = draw(st.floats(0, 0.95)), draw(st.floats(0, 0.95))
    w = draw(st.floats(0.01, 1 - x, exclude_min=False))
    h = draw(st.floats(0.01, 1 - y))
    return (x, y, w, h)


@st.composite
def motions(draw: st.DrawFn) -> MotionSpec:
    kind = draw(st.sampled_from(list(MotionType)))
    needs = kind is MotionType.KEN_BURNS
    start = draw(rects()) if needs or draw(st.booleans()) else None
    end = draw(rects()) if needs or draw(st.booleans()) else None
    easing = draw(st.sampled_from(list(Easing)))
    return MotionSpec(type=kind, start=start, end=end, easing=easing, amount=draw(unit))


texts = st.builds(
    TextOverlay,
    content=content,
    position=st.sampled_from(list(TextPosition)),
    start=st.floats(0, 60),
    duration=st.none() | st.floats(0.01, 60),
    style=st.none() | st.sampled_from(["title", "caption", "cta"]),
    font_size=st.none() | st.floats(1, 1000),
    color=st.none() | colors,
    background=st.none() | colors,
    fade_in=st.floats(0, 10),
    fade_out=st.floats(0, 10),
)


def transition_shorter_than(limit: float) -> st.SearchStrategy[Transition]:
    return st.builds(
        Transition,
        type=st.sampled_from(list(TransitionType)),
        duration=st.floats(0, min(limit, 10), exclude_max=limit <= 10),
        color=colors,
    )


@st.composite
def scene_lists(draw: st.DrawFn) -> list[Scene]:
    durations = draw(st.lists(st.floats(0.05, 600), min_size=1, max_size=6))
    scenes: list[Scene] = []
    for index, duration in enumerate(durations):
        following = durations[index + 1] if index + 1 < len(durations) else duration
        transition = draw(st.none() | transition_shorter_than(min(duration, following)))
        scenes.append(
            Scene(
                image=draw(paths),
                duration=duration,
                motion=draw(st.none() | motions()),
                transition=transition,
                text=draw(st.none() | texts),
                model=draw(st.sampled_from(["local", "luma", "runway", "pika"])),
                prompt=draw(any_text),
                clip=draw(st.none() | paths),
                fit=draw(st.none() | st.sampled_from(list(FitMode))),
                background=draw(st.none() | colors),
            )
        )
    return scenes


audio = st.builds(
    AudioConfig,
    path=paths,
    volume=st.floats(0, 2),
    fade_in=st.floats(0, 60),
    fade_out=st.floats(0, 60),
    start=st.floats(0, 1e4),
    loop=st.booleans(),
)
cards = st.builds(
    CardConfig,
    duration=st.floats(0.1, 30),
    title=any_text,
    subtitle=any_text,
    logo=st.none() | paths,
    background=st.none() | colors,
)
storyboards = st.builds(
    Storyboard,
    name=any_text,
    template_id=st.sampled_from(TEMPLATE_IDS),
    aspect_ratio=st.sampled_from(list(AspectRatio)),
    quality=st.sampled_from(list(VideoQuality)),
    fps=st.integers(1, 120),
    scenes=scene_lists(),
    audio=st.none() | audio,
    watermark=st.none() | st.builds(WatermarkConfig, path=paths, opacity=unit),
    intro=st.none() | cards,
    outro=st.none() | cards,
)


@settings(max_examples=80, deadline=None)
@given(storyboard=storyboards, suffix=st.sampled_from([".json", ".yaml", ".yml"]))
def test_any_storyboard_round_trips_through_a_script_file(
    storyboard: Storyboard, suffix: str
) -> None:
    assert storyboard.problems() == []  # the strategy makes valid storyboards only
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        storyboard.with_base_dir(base)
        save_script(storyboard, base / f"video{suffix}")
        assert load_script(base / f"video{suffix}") == storyboard


# --- garbage in -----------------------------------------------------------------------------

FIELD_NAMES = [
    *Storyboard.model_fields,
    *Scene.model_fields,
    *MotionSpec.model_fields,
    "input_images",
    "style",
    "text_overlays",
    "transition",
]
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.from_regex(r"[a-z_]{1,8}", fullmatch=True))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 700),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([*TEMPLATE_IDS, "ken_burns", "crossfade", "16:9", "#FFFFFF", "luxury"]),
    any_text,
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)
video_configs = st.fixed_dictionaries(
    {
        "input_images": st.lists(paths, min_size=1, max_size=5),
        "duration": st.floats(0.1, 3000) | st.sampled_from([1e-300, 1e308, float("inf")]),
    },
    optional={
        "template_id": st.sampled_from(TEMPLATE_IDS),
        "style": st.sampled_from(["luxury", "科技风", "tiktok", "unknown style", ""]),
        "name": any_text,
        "fps": st.integers(1, 120),
        "aspect_ratio": st.sampled_from([ratio.value for ratio in AspectRatio]),
        "text_overlays": st.lists(st.fixed_dictionaries({"content": content}), max_size=3),
        "version": st.just(1),
    },
)
valid_scripts = st.one_of(
    storyboards.map(lambda storyboard: storyboard.model_dump(mode="json", exclude_none=True)),
    video_configs,
)


def containers(data: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every mapping and list inside `data`, `data` itself first."""
    found = [at] if isinstance(data, dict | list) else []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else []
    )
    for key, value in items:
        found += containers(value, (*at, key))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid script with a few values replaced, removed or added: near misses are where
    the interesting errors are."""
    data: dict[str, Any] = draw(valid_scripts)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.sampled_from(containers(data)))
        target: Any = data
        for part in at:
            target = target[part]
        if isinstance(target, dict):
            key = draw(st.sampled_from(sorted(target)) | keys) if target else draw(keys)
            if draw(st.booleans()) and key in target:
                del target[key]
            else:
                target[key] = draw(values)
        elif target:
            target[draw(st.integers(0, len(target) - 1))] = draw(values)
    return data


garbage = st.dictionaries(keys, values, max_size=8) | mutated()

_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def points_into(data: Any, path: str) -> bool:
    """The field path names a value in `data`, or a missing field of a mapping in it."""
    tokens = [(int(index) if index else name) for index, name in _TOKEN.findall(path)]
    current = data
    for position, token in enumerate(tokens):
        in_list = isinstance(current, list) and isinstance(token, int) and token < len(current)
        if in_list or (isinstance(current, dict) and token in current):
            current = current[token]
            continue
        # Only a mapping's last field may be absent: a required field left out, or a default
        # that the rest of the scene contradicts.
        last = position == len(tokens) - 1
        return last and isinstance(current, dict) and isinstance(token, str)
    return True


@settings(max_examples=300, deadline=None)
@given(data=garbage)
def test_any_mapping_is_a_storyboard_or_a_config_error_pointing_into_it(
    data: dict[str, Any],
) -> None:
    try:
        storyboard = parse_script(data, source="garbage.yaml", base_dir=Path("/b"))
    except ConfigError as error:
        assert error.issues
        for issue in error.issues:
            assert issue.source == "garbage.yaml"
            assert issue.field, issue
            assert points_into(data, issue.field), (issue, data)
            assert "pydantic" not in issue.reason
    else:
        assert isinstance(storyboard, Storyboard)
        assert storyboard.scenes
