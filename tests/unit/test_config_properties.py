"""Properties of the config: any valid config survives a save and load in JSON and YAML, and
the environment always wins over the file, which always wins over the defaults."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from video_studio.config import BUILTIN_MODELS, VideoStudioConfig
from video_studio.media_formats import AspectRatio, VideoQuality

positive = st.floats(min_value=0.001, max_value=1e6, allow_nan=False, allow_infinity=False)
safe_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=6, max_size=40
)
hosts = st.from_regex(r"[a-z][a-z0-9\-]{0,20}(\.[a-z]{2,6}){1,2}", fullmatch=True)
urls = st.builds(
    lambda scheme, host: f"{scheme}://{host}", st.sampled_from(["http", "https"]), hosts
)
folder_names = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_\- .]{0,30}", fullmatch=True).filter(
    lambda name: name.strip() == name
)


@st.composite
def model_sections(draw: st.DrawFn, name: str) -> dict[str, Any]:
    section: dict[str, Any] = {
        "timeout": draw(positive),
        "max_retries": draw(st.integers(0, 20)),
        "enabled": draw(st.booleans()),
        "poll_interval_seconds": draw(st.floats(0.01, 600)),
    }
    if draw(st.booleans()):
        section["api_key"] = draw(safe_text)
    if draw(st.booleans()):
        section["base_url"] = draw(urls)
    return section


@st.composite
def config_data(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(BUILTIN_MODELS), unique=True))
    base_delay = draw(st.floats(0.01, 60))
    return {
        "models": {name: draw(model_sections(name)) for name in names},
        "storage": {
            "base_path": "/" + draw(folder_names),
            "temp_path": draw(folder_names),
            "max_file_size_mb": draw(positive),
            "cleanup_interval_hours": draw(positive),
        },
        "workflow": {
            "max_concurrent_tasks": draw(st.integers(1, 64)),
            "task_timeout_minutes": draw(positive),
            "enable_progress_notifications": draw(st.booleans()),
            "circuit_breaker_failure_threshold": draw(st.integers(1, 1000)),
            "retry_base_delay_seconds": base_delay,
            "retry_max_delay_seconds": draw(st.floats(base_delay, 600)),
            "when_breaker_open": draw(st.sampled_from(["wait", "use_local"])),
        },
        "rendering": {
            "default_quality": draw(st.sampled_from(list(VideoQuality))).value,
            "default_aspect_ratio": draw(st.sampled_from(list(AspectRatio))).value,
            "max_duration_seconds": draw(st.floats(0.5, 86400)),
            "default_fps": draw(st.integers(1, 120)),
        },
        "debug_mode": draw(st.booleans()),
        "log_level": draw(st.sampled_from(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])),
    }


@settings(max_examples=60, deadline=None)
@given(data=config_data(), suffix=st.sampled_from([".json", ".yaml", ".yml"]))
def test_any_valid_config_round_trips_through_a_file(data: dict[str, Any], suffix: str) -> None:
    original = VideoStudioConfig.from_dict(data, environment=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"config{suffix}"
        original.save(path, include_secrets=True)
        loaded = VideoStudioConfig.from_file(path, environment=False)
    assert loaded == original
    assert loaded.to_dict(include_secrets=True) == original.to_dict(include_secrets=True)


@settings(max_examples=60, deadline=None)
@given(data=config_data(), suffix=st.sampled_from([".json", ".yaml"]))
def test_saving_without_secrets_drops_only_the_keys(data: dict[str, Any], suffix: str) -> None:
    original = VideoStudioConfig.from_dict(data, environment=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"config{suffix}"
        original.save(path)
        text = path.read_text(encoding="utf-8")
        loaded = VideoStudioConfig.from_file(path, environment=False)
    # (keys themselves may be short strings like "000000" that occur in numbers too)
    assert "api_key" not in text
    assert loaded.secret_values() == []
    assert loaded.to_dict() == original.to_dict()


@settings(max_examples=80, deadline=None)
@given(
    file_value=st.one_of(st.none(), st.integers(1, 64)),
    env_value=st.one_of(st.none(), st.integers(1, 64)),
    file_key=st.one_of(st.none(), safe_text),
    env_key=st.one_of(st.none(), safe_text.filter(lambda key: "\x00" not in key)),
    suffix=st.sampled_from([".json", ".yaml"]),
)
def test_environment_over_file_over_defaults(
    file_value: int | None,
    env_value: int | None,
    file_key: str | None,
    env_key: str | None,
    suffix: str,
) -> None:
    data: dict[str, Any] = {"models": {}, "workflow": {}}
    if file_value is not None:
        data["workflow"]["max_concurrent_tasks"] = file_value
    if file_key is not None:
        data["models"]["runway"] = {"api_key": file_key}
    environment: dict[str, str] = {}
    if env_value is not None:
        environment["VIDEO_STUDIO_MAX_CONCURRENT_TASKS"] = str(env_value)
    if env_key is not None and env_key.strip():
        environment["VIDEO_STUDIO_RUNWAY_API_KEY"] = env_key
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"config{suffix}"
        VideoStudioConfig.from_dict(data, environment=False).save(path, include_secrets=True)
        with mock.patch.dict(os.environ, environment):
            config = VideoStudioConfig.from_file(path)

    expected_tasks = env_value if env_value is not None else file_value
    assert config.workflow.max_concurrent_tasks == (expected_tasks or 5)
    runway_key = config.models["runway"].api_key
    expected_key = environment.get("VIDEO_STUDIO_RUNWAY_API_KEY", file_key)
    assert (runway_key.get_secret_value() if runway_key else None) == expected_key
