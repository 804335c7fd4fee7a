"""Application configuration: defaults < config file (JSON or YAML) < environment.

`VideoStudioConfig.from_file(path)` loads a file, `get_config()` the user's default one
(under platformdirs' config folder, or `VIDEO_STUDIO_CONFIG_FILE`). API keys are SecretStr:
they never appear in repr/str, and a saved file holds them only when asked to.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Literal, Self

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from video_studio import secrets
from video_studio.config_errors import ConfigError, ConfigIssue, issues_from_validation_error
from video_studio.data_files import read_mapping, write_mapping
from video_studio.media_formats import AspectRatio, VideoQuality

APP_NAME = "video-studio"
ENV_PREFIX = "VIDEO_STUDIO_"
CONFIG_FILE_ENV = "VIDEO_STUDIO_CONFIG_FILE"
ADAPTER_ENTRY_POINT_GROUP = "video_studio.adapters"
BUILTIN_MODELS: tuple[str, ...] = ("local", "luma", "runway", "pika")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# Per-model defaults: service roots from design.md, the service's model id, poll interval.
_MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "local": {"base_url": "", "model_id": "local-motion", "poll_interval_seconds": 0.5},
    "luma": {
        "base_url": "https://api.lumalabs.ai/dream-machine/v1",
        "model_id": "ray-2",
        "poll_interval_seconds": 3.0,
    },
    "runway": {
        "base_url": "https://api.dev.runwayml.com",
        "model_id": "gen4_turbo",
        "poll_interval_seconds": 5.0,
    },
    "pika": {
        "base_url": "https://queue.fal.run",
        "model_id": "fal-ai/pika/v2.2/image-to-video",
        "poll_interval_seconds": 2.0,
    },
}


def known_model_names() -> tuple[str, ...]:
    """The built-in models plus those of installed adapter plugins (read, not imported)."""
    plugins = sorted(ep.name for ep in entry_points(group=ADAPTER_ENTRY_POINT_GROUP))
    return BUILTIN_MODELS + tuple(name for name in plugins if name not in BUILTIN_MODELS)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelConfig(_Section):
    """One model adapter: where it lives, how to authenticate, how patient to be."""

    name: str = Field(min_length=1)
    api_key: SecretStr | None = None
    base_url: str = ""
    timeout: float = Field(default=300.0, gt=0, description="seconds a whole generation may take")
    max_retries: int = Field(default=3, ge=0, le=20)
    enabled: bool = True
    model_id: str = ""
    poll_interval_seconds: float = Field(default=3.0, gt=0, le=600)
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    image_host_url: str | None = Field(
        default=None, description="Luma only takes image URLs: where to upload images first"
    )

    @model_validator(mode="before")
    @classmethod
    def _fill_model_defaults(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "name" in data:
            defaults = _MODEL_DEFAULTS.get(str(data["name"]), {})
            return {**defaults, **{k: v for k, v in data.items() if v is not None}}
        return data

    @field_validator("base_url", "image_host_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _remember_secret(self) -> Self:
        if self.api_key is not None:
            secrets.register_secret(self.api_key.get_secret_value())
        return self

    @property
    def has_api_key(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())


class StorageConfig(_Section):
    base_path: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    )
    temp_path: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "tmp"
    )
    max_file_size_mb: float = Field(default=100.0, gt=0)
    cleanup_interval_hours: float = Field(default=24.0, gt=0)

    @property
    def generation_cache_path(self) -> Path:
        """Generated clips kept by what made them, for work outside a project (the CLI)."""
        return self.base_path / "generation-cache"

    @field_validator("base_path", "temp_path", mode="before")
    @classmethod
    def _expand_user(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("must not be empty")
            return Path(os.path.expandvars(value)).expanduser()
        return value


class WorkflowConfig(_Section):
    max_concurrent_tasks: int = Field(default=5, ge=1, le=64)
    task_timeout_minutes: float = Field(default=30.0, gt=0)
    enable_progress_notifications: bool = True
    circuit_breaker_failure_threshold: int = Field(default=5, ge=1, le=1000)
    circuit_breaker_cooldown_seconds: float = Field(default=60.0, gt=0, le=86400)
    circuit_breaker_half_open_max_calls: int = Field(default=1, ge=1, le=100)
    retry_base_delay_seconds: float = Field(default=1.0, gt=0, le=60)
    retry_max_delay_seconds: float = Field(default=30.0, gt=0, le=600)
    when_breaker_open: Literal["wait", "use_local"] = Field(
        default="wait", description="a scene whose cloud model is failing waits, or uses local"
    )

    @model_validator(mode="after")
    def _check_delays(self) -> Self:
        if self.retry_max_delay_seconds < self.retry_base_delay_seconds:
            raise ValueError(
                "retry_max_delay_seconds must not be less than retry_base_delay_seconds"
            )
        return self


class RenderingConfig(_Section):
    default_quality: VideoQuality = VideoQuality.FULL_HD_1080P
    default_aspect_ratio: AspectRatio = AspectRatio.LANDSCAPE
    max_duration_seconds: float = Field(default=300.0, gt=0, le=86400)
    default_fps: int = Field(default=30, ge=1, le=120)
    default_codec: Literal["h264", "h265", "vp9", "prores", "gif"] = "h264"
    default_crf: int = Field(default=20, ge=0, le=51)
    default_preset: str = "veryfast"


class LoggingConfig(_Section):
    directory: Path = Field(
        default_factory=lambda: Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    )
    file_name: str = "video_studio.log"
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=10_000)
    backup_count: int = Field(default=5, ge=0, le=100)
    console: bool = True
    file: bool = True
    levels: dict[str, LogLevel] = Field(
        default_factory=dict, description="per-logger levels, e.g. video_studio.models: DEBUG"
    )

    @field_validator("directory", mode="before")
    @classmethod
    def _expand_user(cls, value: Any) -> Any:
        return Path(os.path.expandvars(value)).expanduser() if isinstance(value, str) else value


# Environment variables of the seed design document that do not follow the nested
# VIDEO_STUDIO_<SECTION>__<FIELD> form, mapped to their place in the config.
_SEED_ENV: dict[str, tuple[str, ...]] = {
    "VIDEO_STUDIO_DEBUG_MODE": ("debug_mode",),
    "VIDEO_STUDIO_LOG_LEVEL": ("log_level",),
    "VIDEO_STUDIO_MAX_CONCURRENT_TASKS": ("workflow", "max_concurrent_tasks"),
    "VIDEO_STUDIO_STORAGE_BASE_PATH": ("storage", "base_path"),
    "VIDEO_STUDIO_STORAGE_TEMP_PATH": ("storage", "temp_path"),
    "VIDEO_STUDIO_LOG_DIR": ("logging", "directory"),
}


def environment_variable_map() -> dict[str, tuple[str, ...]]:
    """Every flat environment variable the config reads, with the field it sets."""
    mapping = dict(_SEED_ENV)
    for model in known_model_names():
        prefix = f"{ENV_PREFIX}{model.upper()}_"
        mapping[f"{prefix}API_KEY"] = ("models", model, "api_key")
        mapping[f"{prefix}BASE_URL"] = ("models", model, "base_url")
    return mapping


class _SeedEnvironmentSource(PydanticBaseSettingsSource):
    """Reads the seed's flat variables (VIDEO_STUDIO_LUMA_API_KEY, ...) into nested data."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # all the work happens in __call__

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for variable, path in environment_variable_map().items():
            value = os.environ.get(variable)
            if value is None or value == "":
                continue
            node = data
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = value
        return data


_USE_ENVIRONMENT: ContextVar[bool] = ContextVar("video_studio_use_environment", default=True)


class VideoStudioConfig(BaseSettings):
    """The whole configuration. Construct through `from_file`/`from_dict` or `get_config()`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_assignment=True,
        validate_default=True,
    )

    models: dict[str, ModelConfig] = Field(default_factory=dict)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    workflow: WorkflowConfig = Field(default_factory=WorkflowConfig)
    rendering: RenderingConfig = Field(default_factory=RenderingConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    debug_mode: bool = False
    log_level: LogLevel = "INFO"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: the environment overrides the file's data, which arrives as init data.
        if not _USE_ENVIRONMENT.get():
            return (init_settings,)
        return (_SeedEnvironmentSource(settings_cls), env_settings, init_settings)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("models", mode="before")
    @classmethod
    def _complete_models(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        known = known_model_names()
        models: dict[str, Any] = {}
        for key, entry in value.items():
            if key not in known:
                raise ValueError(f"unknown model '{key}' (known models: {', '.join(known)})")
            if isinstance(entry, Mapping):
                name = entry.get("name", key)
                if name != key:
                    raise ValueError(
                        f"models.{key}.name is '{name}' but must match its key '{key}'"
                    )
                models[key] = {**entry, "name": key}
            else:
                models[key] = entry
        # Every built-in model is always configured, with its defaults where the file is silent.
        for key in BUILTIN_MODELS:
            models.setdefault(key, {"name": key})
        return models

    # --- construction -------------------------------------------------------------------

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, environment: bool = True, source: str = "<data>"
    ) -> VideoStudioConfig:
        """Validated config from plain data; with `environment`, env variables override it."""
        if not isinstance(data, Mapping):
            raise ConfigError([ConfigIssue(source, "", "the top level must be a mapping")])
        token = _USE_ENVIRONMENT.set(environment)
        try:
            return cls(**dict(data))
        except ValidationError as error:
            raise ConfigError(
                issues_from_validation_error(error, source, _environment_origin(environment))
            ) from None
        finally:
            _USE_ENVIRONMENT.reset(token)

    @classmethod
    def from_file(cls, path: Path | str, *, environment: bool = True) -> VideoStudioConfig:
        """Load a JSON or YAML file (by its suffix); errors name the file and the field."""
        file_path = Path(path)
        data = read_mapping(file_path)
        return cls.from_dict(data, environment=environment, source=str(file_path))

    @classmethod
    def defaults(cls, *, environment: bool = True) -> VideoStudioConfig:
        return cls.from_dict({}, environment=environment)

    # --- use ----------------------------------------------------------------------------

    def get_model_config(self, name: str) -> ModelConfig:
        try:
            return self.models[name]
        except KeyError:
            known = ", ".join(self.models)
            raise ConfigError(
                [
                    ConfigIssue(
                        "<config>", f"models.{name}", f"unknown model (known models: {known})"
                    )
                ]
            ) from None

    def secret_values(self) -> list[str]:
        return [
            model.api_key.get_secret_value()
            for model in self.models.values()
            if model.api_key is not None and model.api_key.get_secret_value()
        ]

    # --- serialisation ------------------------------------------------------------------

    def to_dict(self, *, include_secrets: bool = False) -> dict[str, Any]:
        """Plain JSON-compatible data. API keys are left out unless `include_secrets`."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        for name, model in self.models.items():
            entry = data["models"][name]
            entry.pop("api_key", None)
            if include_secrets and model.has_api_key:
                assert model.api_key is not None
                entry["api_key"] = model.api_key.get_secret_value()
        return data

    def save(self, path: Path | str, *, include_secrets: bool = False) -> None:
        """Write atomically as JSON or YAML (by suffix); owner-only when it holds secrets."""
        holds_secrets = include_secrets and bool(self.secret_values())
        write_mapping(
            Path(path),
            self.to_dict(include_secrets=include_secrets),
            mode=0o600 if holds_secrets else None,
        )


def _environment_origin(environment: bool) -> Callable[[tuple[str | int, ...]], str | None]:
    """Finds the environment variable that set a field, so errors can name it."""

    def origin(location: tuple[str | int, ...]) -> str | None:
        if not environment:
            return None
        path = tuple(str(part) for part in location)
        for variable, target in environment_variable_map().items():
            if path[: len(target)] == target and os.environ.get(variable):
                return variable
        # The nested form: VIDEO_STUDIO_WORKFLOW__TASK_TIMEOUT_MINUTES, or a whole section.
        for length in range(len(path), 0, -1):
            candidate = ENV_PREFIX + "__".join(path[:length]).upper()
            if os.environ.get(candidate):
                return candidate
        return None

    return origin


# --- the application's current config ---------------------------------------------------


def default_config_path() -> Path:
    """`VIDEO_STUDIO_CONFIG_FILE`, else config.yaml (or .yml/.json if that exists) in the
    user's config folder."""
    override = os.environ.get(CONFIG_FILE_ENV)
    if override:
        return Path(override).expanduser()
    folder = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    for name in ("config.yaml", "config.yml", "config.json"):
        if (folder / name).exists():
            return folder / name
    return folder / "config.yaml"


_current_lock = threading.Lock()
_current: VideoStudioConfig | None = None


def load_default_config() -> VideoStudioConfig:
    path = default_config_path()
    if path.exists():
        return VideoStudioConfig.from_file(path)
    if os.environ.get(CONFIG_FILE_ENV):
        raise ConfigError(
            [ConfigIssue(str(path), "", f"the file named by {CONFIG_FILE_ENV} does not exist")]
        )
    return VideoStudioConfig.defaults()


def get_config(*, reload: bool = False) -> VideoStudioConfig:
    """The application's config, loaded on first use from `default_config_path()`."""
    global _current  # noqa: PLW0603 - one config per process, replaced whole on reload
    with _current_lock:
        if _current is None or reload:
            _current = load_default_config()
        return _current


def set_config(config: VideoStudioConfig | None) -> None:
    """Replace the application's config (None: load it again on next use)."""
    global _current  # noqa: PLW0603
    with _current_lock:
        _current = config


def get_model_config(name: str) -> ModelConfig:
    return get_config().get_model_config(name)


@contextlib.contextmanager
def temporary_config(config: VideoStudioConfig) -> Iterator[VideoStudioConfig]:
    """Use `config` as the application's config inside the block (tests, one-off runs)."""
    with _current_lock:
        previous = _current
    set_config(config)
    try:
        yield config
    finally:
        set_config(previous)
