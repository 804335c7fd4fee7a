"""VideoStudioConfig: loading JSON/YAML, environment precedence, errors that name the file and
the field, secrets kept out of repr and saved files, and the process-wide config."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml

from video_studio.config import (
    BUILTIN_MODELS,
    CONFIG_FILE_ENV,
    ModelConfig,
    VideoStudioConfig,
    default_config_path,
    environment_variable_map,
    get_config,
    get_model_config,
    temporary_config,
)
from video_studio.config_errors import ConfigError
from video_studio.media_formats import AspectRatio, VideoQuality

# The configuration file example of the seed design document, verbatim.
SEED_CONFIG_EXAMPLE: dict[str, Any] = {
    "models": {
        "luma": {
            "name": "luma",
            "api_key": "your_luma_api_key",
            "base_url": "https://api.lumalabs.ai/dream-machine/v1",
            "timeout": 300,
            "max_retries": 3,
            "enabled": True,
        }
    },
    "storage": {
        "base_path": "./video_studio_assets",
        "temp_path": "./video_studio_temp",
        "max_file_size_mb": 100,
        "cleanup_interval_hours": 24,
    },
    "workflow": {
        "max_concurrent_tasks": 5,
        "task_timeout_minutes": 30,
        "enable_progress_notifications": True,
    },
    "rendering": {
        "default_quality": "1080p",
        "default_aspect_ratio": "16:9",
        "max_duration_seconds": 300,
    },
}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        VideoStudioConfig.from_file(path)
    return caught.value


class TestLoading:
    def test_seed_example_loads_from_json_and_yaml(self, tmp_path: Path) -> None:
        for name, text in (
            ("config.json", json.dumps(SEED_CONFIG_EXAMPLE)),
            ("config.yaml", yaml.safe_dump(SEED_CONFIG_EXAMPLE)),
        ):
            config = VideoStudioConfig.from_file(write(tmp_path / name, text))
            luma = config.models["luma"]
            assert luma.api_key is not None
            assert luma.api_key.get_secret_value() == "your_luma_api_key"
            assert luma.base_url == "https://api.lumalabs.ai/dream-machine/v1"
            assert (luma.timeout, luma.max_retries, luma.enabled) == (300, 3, True)
            assert config.storage.base_path == Path("video_studio_assets")
            assert config.storage.max_file_size_mb == 100
            assert config.workflow.max_concurrent_tasks == 5
            assert config.workflow.task_timeout_minutes == 30
            assert config.rendering.default_quality is VideoQuality.FULL_HD_1080P
            assert config.rendering.default_aspect_ratio is AspectRatio.LANDSCAPE
            assert config.rendering.max_duration_seconds == 300

    def test_every_builtin_model_has_its_service_defaults(self) -> None:
        config = VideoStudioConfig.defaults(environment=False)
        assert set(config.models) == set(BUILTIN_MODELS)
        assert config.models["luma"].base_url == "https://api.lumalabs.ai/dream-machine/v1"
        assert config.models["runway"].base_url == "https://api.dev.runwayml.com"
        assert config.models["pika"].base_url == "https://queue.fal.run"
        assert config.models["pika"].model_id == "fal-ai/pika/v2.2/image-to-video"
        assert all(model.api_key is None for model in config.models.values())

    def test_a_file_naming_one_model_keeps_the_others(self, tmp_path: Path) -> None:
        path = write(tmp_path / "c.yaml", "models:\n  runway:\n    timeout: 99\n")
        config = VideoStudioConfig.from_file(path, environment=False)
        assert config.models["runway"].timeout == 99
        assert config.models["runway"].base_url == "https://api.dev.runwayml.com"
        assert set(config.models) == set(BUILTIN_MODELS)

    def test_empty_yaml_file_means_defaults(self, tmp_path: Path) -> None:
        config = VideoStudioConfig.from_file(write(tmp_path / "c.yaml", ""), environment=False)
        assert config == VideoStudioConfig.defaults(environment=False)


class TestBrokenFiles:
    def test_bad_json_names_file_line_and_column(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "broken.json", '{\n  "workflow": {\n    "max_concurrent_tasks": 5,\n  }\n}'
        )
        error = error_of(path)
        assert str(path) in str(error)
        assert "line 4" in str(error)
        assert "invalid JSON" in str(error)

    def test_bad_yaml_names_file_and_line(self, tmp_path: Path) -> None:
        path = write(tmp_path / "broken.yaml", "workflow:\n  max_concurrent_tasks: [1, 2\n")
        error = error_of(path)
        assert str(path) in str(error)
        assert "invalid YAML" in str(error)
        assert "line" in error.field

    def test_wrong_type_names_file_and_field(self, tmp_path: Path) -> None:
        path = write(tmp_path / "c.yaml", "workflow:\n  max_concurrent_tasks: many\n")
        error = error_of(path)
        assert error.source == str(path)
        assert error.field == "workflow.max_concurrent_tasks"
        assert "integer" in str(error)

    def test_negative_value_names_field(self, tmp_path: Path) -> None:
        path = write(tmp_path / "c.json", json.dumps({"models": {"luma": {"timeout": -5}}}))
        error = error_of(path)
        assert error.field == "models.luma.timeout"
        assert "greater than 0" in str(error)

    def test_unknown_model_names_it_and_lists_known_ones(self, tmp_path: Path) -> None:
        path = write(tmp_path / "c.yaml", "models:\n  sora:\n    timeout: 10\n")
        error = error_of(path)
        assert str(path) in str(error)
        assert "unknown model 'sora'" in str(error)
        assert "luma" in str(error)

    def test_unknown_field_is_refused(self, tmp_path: Path) -> None:
        error = error_of(write(tmp_path / "c.yaml", "rendering:\n  max_duraton_seconds: 10\n"))
        assert error.field == "rendering.max_duraton_seconds"

    def test_mismatched_model_name(self, tmp_path: Path) -> None:
        error = error_of(write(tmp_path / "c.yaml", "models:\n  luma:\n    name: runway\n"))
        assert "must match its key" in str(error)

    def test_every_problem_is_reported_at_once(self, tmp_path: Path) -> None:
        text = "workflow:\n  max_concurrent_tasks: 0\nrendering:\n  default_fps: 0\n"
        error = error_of(write(tmp_path / "c.yaml", text))
        fields = {issue.field for issue in error.issues}
        assert fields == {"workflow.max_concurrent_tasks", "rendering.default_fps"}

    @pytest.mark.parametrize(
        ("name", "text", "reason"),
        [
            ("c.toml", "x = 1", "unsupported file type"),
            ("c.yaml", "- a\n- b\n", "top level must be a mapping"),
            ("missing.json", None, "does not exist"),
        ],
    )
    def test_other_unusable_files(
        self, tmp_path: Path, name: str, text: str | None, reason: str
    ) -> None:
        path = tmp_path / name
        if text is not None:
            write(path, text)
        error = error_of(path)
        assert reason in str(error)
        assert str(path) in str(error)

    def test_invalid_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "c.yaml"
        path.write_bytes(b"workflow:\n  x: \xff\xfe\n")
        assert "not UTF-8" in str(error_of(path))


class TestEnvironment:
    def test_seed_variables_override_the_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write(tmp_path / "c.json", json.dumps(SEED_CONFIG_EXAMPLE))
        monkeypatch.setenv("VIDEO_STUDIO_LUMA_API_KEY", "luma-from-env-0001")
        monkeypatch.setenv("VIDEO_STUDIO_RUNWAY_API_KEY", "key_runwayfromenv")
        monkeypatch.setenv("VIDEO_STUDIO_PIKA_API_KEY", "pika-from-env")
        monkeypatch.setenv("VIDEO_STUDIO_DEBUG_MODE", "true")
        monkeypatch.setenv("VIDEO_STUDIO_LOG_LEVEL", "debug")
        monkeypatch.setenv("VIDEO_STUDIO_MAX_CONCURRENT_TASKS", "2")
        monkeypatch.setenv("VIDEO_STUDIO_STORAGE_BASE_PATH", str(tmp_path / "assets"))
        monkeypatch.setenv("VIDEO_STUDIO_RUNWAY_BASE_URL", "http://127.0.0.1:9999/")
        config = VideoStudioConfig.from_file(path)
        keys = {
            name: m.api_key.get_secret_value() for name, m in config.models.items() if m.api_key
        }
        assert keys == {
            "luma": "luma-from-env-0001",
            "runway": "key_runwayfromenv",
            "pika": "pika-from-env",
        }
        assert config.debug_mode is True
        assert config.log_level == "DEBUG"
        assert config.workflow.max_concurrent_tasks == 2
        assert config.storage.base_path == tmp_path / "assets"
        assert config.models["runway"].base_url == "http://127.0.0.1:9999"
        # What the environment does not set still comes from the file.
        assert config.workflow.task_timeout_minutes == 30

    def test_every_model_has_a_base_url_variable(self) -> None:
        mapping = environment_variable_map()
        for model in BUILTIN_MODELS:
            assert mapping[f"VIDEO_STUDIO_{model.upper()}_BASE_URL"] == (
                "models",
                model,
                "base_url",
            )

    def test_nested_variables_reach_any_field(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("VIDEO_STUDIO_WORKFLOW__TASK_TIMEOUT_MINUTES", "7")
        assert VideoStudioConfig.defaults().workflow.task_timeout_minutes == 7

    def test_bad_environment_value_names_the_variable(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("VIDEO_STUDIO_MAX_CONCURRENT_TASKS", "-1")
        with pytest.raises(ConfigError) as caught:
            VideoStudioConfig.defaults()
        issue = caught.value.issues[0]
        assert issue.source == "environment variable VIDEO_STUDIO_MAX_CONCURRENT_TASKS"
        assert issue.field == "workflow.max_concurrent_tasks"

    def test_environment_can_be_ignored(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("VIDEO_STUDIO_MAX_CONCURRENT_TASKS", "3")
        assert VideoStudioConfig.defaults(environment=False).workflow.max_concurrent_tasks == 5


class TestSecrets:
    KEY = "luma-0f3c2a9e-secret-value-77"

    def config_with_key(self, monkeypatch: pytest.MonkeyPatch) -> VideoStudioConfig:
        monkeypatch.setenv("VIDEO_STUDIO_LUMA_API_KEY", self.KEY)
        return VideoStudioConfig.defaults()

    def test_key_is_in_no_repr_or_str(self, monkeypatch: pytest.MonkeyPatch) -> None:
        config = self.config_with_key(monkeypatch)
        luma = config.get_model_config("luma")
        for text in (repr(config), str(config), repr(luma), str(luma), repr(luma.api_key)):
            assert self.KEY not in text
        assert luma.has_api_key
        assert config.secret_values() == [self.KEY]

    def test_saved_file_holds_no_key_by_default(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config = self.config_with_key(monkeypatch)
        for name in ("c.json", "c.yaml"):
            config.save(tmp_path / name)
            assert self.KEY not in (tmp_path / name).read_text()
            assert "api_key" not in (tmp_path / name).read_text()
        assert self.KEY not in json.dumps(config.to_dict())

    def test_key_saved_on_purpose_is_owner_only(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config = self.config_with_key(monkeypatch)
        path = tmp_path / "c.yaml"
        config.save(path, include_secrets=True)
        assert self.KEY in path.read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        monkeypatch.delenv("VIDEO_STUDIO_LUMA_API_KEY")
        reloaded = VideoStudioConfig.from_file(path)
        assert reloaded.secret_values() == [self.KEY]

    def test_validation_errors_never_echo_the_value(self, tmp_path: Path) -> None:
        path = write(tmp_path / "c.yaml", f"models:\n  luma:\n    api_key: [{self.KEY}]\n")
        error = error_of(path)
        assert error.field == "models.luma.api_key"
        assert self.KEY not in str(error)


class TestProcessConfig:
    def test_get_config_reads_the_file_named_by_the_environment(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write(tmp_path / "mine.yaml", "workflow:\n  max_concurrent_tasks: 9\n")
        monkeypatch.setenv(CONFIG_FILE_ENV, str(path))
        assert default_config_path() == path
        assert get_config().workflow.max_concurrent_tasks == 9
        assert get_config() is get_config()
        assert get_model_config("luma").name == "luma"

    def test_default_location_is_the_user_config_folder(self, user_dirs: Path) -> None:
        assert default_config_path() == user_dirs / "xdg_config_home/video-studio/config.yaml"
        assert get_config().workflow.max_concurrent_tasks == 5

    def test_missing_file_named_by_environment_is_an_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(CONFIG_FILE_ENV, str(tmp_path / "nope.yaml"))
        with pytest.raises(ConfigError, match=CONFIG_FILE_ENV):
            get_config()

    def test_unknown_model_lookup(self) -> None:
        with pytest.raises(ConfigError, match="known models"):
            get_model_config("sora")

    def test_temporary_config(self) -> None:
        special = VideoStudioConfig.from_dict({"debug_mode": True}, environment=False)
        with temporary_config(special):
            assert get_config() is special
        assert get_config() is not special

    def test_model_config_is_validated_on_assignment(self) -> None:
        model = ModelConfig(name="luma")
        with pytest.raises(ValueError, match="greater than 0"):
            model.timeout = 0
        with pytest.raises(ValueError, match="http"):
            model.base_url = "ftp://example.com"


def test_environment_is_restored_between_tests() -> None:
    assert not [name for name in os.environ if name.startswith("VIDEO_STUDIO_")]
    with mock.patch.dict(os.environ, {"VIDEO_STUDIO_DEBUG_MODE": "1"}):
        assert VideoStudioConfig.defaults().debug_mode is True
