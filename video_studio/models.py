"""Core data models of the seed design: a video request, its scenes, overlays, audio and the
tasks that produce it. Validation errors name the field that is wrong."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from video_studio.config import VideoStudioConfig, get_config
from video_studio.config_errors import ConfigError, ConfigIssue, issues_from_validation_error
from video_studio.data_files import (
    DataFormat,
    dump_mapping,
    parse_mapping,
    read_mapping,
    write_mapping,
)
from video_studio.media_formats import AspectRatio, VideoQuality, frame_size

__all__ = [
    "AspectRatio",
    "AudioConfig",
    "ConfigurationManager",
    "Easing",
    "FitMode",
    "InvalidTaskTransitionError",
    "MotionSpec",
    "MotionType",
    "Rect",
    "Scene",
    "TaskInfo",
    "TaskStatus",
    "TextOverlay",
    "TextPosition",
    "Transition",
    "TransitionType",
    "VideoConfig",
    "VideoQuality",
    "frame_size",
]

_EPSILON = 1e-6  # rectangles computed in floating point may overshoot by rounding
MAX_SCENE_SECONDS = 600.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=False)


# --- motion -----------------------------------------------------------------------------


class MotionType(StrEnum):
    KEN_BURNS = "ken_burns"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    STATIC = "static"
    AUTO = "auto"
    PARALLAX = "parallax"


class Easing(StrEnum):
    LINEAR = "linear"
    EASE_IN = "ease_in"
    EASE_OUT = "ease_out"
    EASE_IN_OUT = "ease_in_out"


def _check_rect(value: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x, y, w, h = value
    if w <= 0 or h <= 0:
        raise ValueError("width and height must be greater than 0")
    if x < -_EPSILON or y < -_EPSILON or x + w > 1 + _EPSILON or y + h > 1 + _EPSILON:
        raise ValueError("must lie inside the image: [x, y, w, h] as fractions from 0 to 1")
    return value


# [x, y, w, h] as fractions of the source image.
Rect = Annotated[tuple[float, float, float, float], AfterValidator(_check_rect)]


class MotionSpec(_Model):
    """How the camera moves over a scene's image. `ken_burns` takes explicit start and end
    rectangles; the presets compute theirs from `amount`."""

    type: MotionType = MotionType.KEN_BURNS
    start: Rect | None = None
    end: Rect | None = None
    easing: Easing = Easing.EASE_IN_OUT
    amount: float = Field(default=0.15, ge=0, le=1, description="zoom or pan strength of presets")

    @model_validator(mode="after")
    def _ken_burns_needs_rects(self) -> Self:
        if self.type is MotionType.KEN_BURNS and (self.start is None or self.end is None):
            raise ValueError("ken_burns needs both start and end rectangles")
        return self


# --- transitions and text ----------------------------------------------------------------


class TransitionType(StrEnum):
    CUT = "cut"
    CROSSFADE = "crossfade"
    FADE_COLOR = "fade_color"
    SLIDE = "slide"
    PUSH = "push"
    WIPE = "wipe"
    ZOOM = "zoom"


class Direction(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    UP = "up"
    DOWN = "down"


HEX_COLOR_PATTERN = r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"


class Transition(_Model):
    """The join from a scene to the next one; it overlaps both by `duration` seconds."""

    type: TransitionType = TransitionType.CROSSFADE
    duration: float = Field(default=0.5, ge=0, le=10)
    color: str = Field(default="#000000", pattern=HEX_COLOR_PATTERN)
    direction: Direction = Direction.LEFT


class TextPosition(StrEnum):
    TOP = "top"
    CENTER = "center"
    BOTTOM = "bottom"
    TOP_LEFT = "top_left"
    TOP_RIGHT = "top_right"
    BOTTOM_LEFT = "bottom_left"
    BOTTOM_RIGHT = "bottom_right"


class TextOverlay(_Model):
    """Text over a scene (times relative to the scene) or over the video (absolute)."""

    content: str = Field(min_length=1, max_length=500)
    position: TextPosition = TextPosition.BOTTOM
    start: float = Field(default=0.0, ge=0)
    duration: float | None = Field(default=None, gt=0)
    style: str | None = Field(default=None, description="a text style of the template")
    font_size: float | None = Field(default=None, gt=0, le=1000, description="pixels at 1080p")
    color: str | None = Field(default=None, pattern=HEX_COLOR_PATTERN)
    background: str | None = Field(default=None, pattern=HEX_COLOR_PATTERN)
    fade_in: float = Field(default=0.3, ge=0, le=10)
    fade_out: float = Field(default=0.3, ge=0, le=10)

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class AudioConfig(_Model):
    """The music track: trimmed or looped to the video, with volume and fades."""

    path: str = Field(min_length=1)
    volume: float = Field(default=1.0, ge=0, le=2)
    fade_in: float = Field(default=0.0, ge=0, le=60)
    fade_out: float = Field(default=0.0, ge=0, le=60)
    start: float = Field(default=0.0, ge=0, description="offset into the file, seconds")
    loop: bool = True


# --- scenes and the video request ----------------------------------------------------------


class FitMode(StrEnum):
    """How an image whose shape differs from the frame fills it."""

    COVER = "cover"  # fills the frame, cropping what sticks out
    CONTAIN = "contain"  # shows all of it on the background colour
    BLUR = "blur"  # shows all of it over a blurred, enlarged copy of itself


class Scene(_Model):
    """One image on the timeline with its motion, text, join to the next scene and model.

    On the timeline a scene starts where the previous one's `duration` ends; its outgoing
    `transition` overlaps the first seconds of the next scene, so the scene is visible for
    `duration` plus that overlap, and the video lasts the sum of the durations.
    """

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    image: str = Field(min_length=1, description="asset id or image path")
    duration: float = Field(default=5.0, gt=0, le=MAX_SCENE_SECONDS)
    motion: MotionSpec | None = None
    transition: Transition | None = None
    text: TextOverlay | None = None
    model: str = Field(default="local", min_length=1)
    prompt: str = Field(default="", max_length=2000)
    clip: str | None = Field(default=None, description="generated clip that replaces the image")
    fit: FitMode | None = Field(default=None, description="None: the template's fit")
    background: str | None = Field(default=None, pattern=HEX_COLOR_PATTERN)

    @model_validator(mode="after")
    def _transition_fits(self) -> Self:
        if self.transition is not None and self.transition.duration >= self.duration:
            raise ValueError(
                f"transition.duration ({self.transition.duration:g} s) must be less than "
                f"the scene ({self.duration:g} s)"
            )
        return self


class VideoConfig(_Model):
    """A request for one video (the seed's main configuration class)."""

    template_id: str = Field(default="amazon_minimal", min_length=1)
    input_images: list[str] = Field(min_length=1)
    duration: float = Field(gt=0, description="seconds")
    aspect_ratio: AspectRatio = AspectRatio.LANDSCAPE
    style: str = ""
    quality: VideoQuality = VideoQuality.FULL_HD_1080P
    fps: int = Field(default=30, ge=1, le=120)
    scenes: list[Scene] = Field(default_factory=list)
    text_overlays: list[TextOverlay] = Field(default_factory=list)
    audio: AudioConfig | None = None

    @field_validator("input_images")
    @classmethod
    def _no_blank_images(cls, value: list[str]) -> list[str]:
        for index, image in enumerate(value):
            if not image.strip():
                raise ValueError(f"item {index} is empty: give an asset id or an image path")
        return value

    @property
    def frame_size(self) -> tuple[int, int]:
        return frame_size(self.aspect_ratio, self.quality)

    def validation_errors(self, config: VideoStudioConfig | None = None) -> list[str]:
        """Problems that depend on the application's limits, each naming its field."""
        settings = config if config is not None else get_config()
        errors: list[str] = []
        limit = settings.rendering.max_duration_seconds
        if self.duration > limit:
            errors.append(
                f"duration: {self.duration:g} s is longer than the maximum of {limit:g} s "
                "(rendering.max_duration_seconds)"
            )
        if self.scenes:
            total = sum(scene.duration for scene in self.scenes)
            if abs(total - self.duration) > 1e-6:
                errors.append(
                    f"duration: {self.duration:g} s, but the scenes add up to {total:g} s"
                )
        return errors

    def validate(  # type: ignore[override]  # pydantic's deprecated classmethod of this name
        self, config: VideoStudioConfig | None = None, *, raise_on_error: bool = False
    ) -> bool:
        """True when the request can be rendered with the current (or given) config.

        With `raise_on_error`, a ValueError lists what is wrong instead of returning False.
        """
        errors = self.validation_errors(config)
        if errors and raise_on_error:
            raise ValueError("; ".join(errors))
        return not errors


# --- tasks --------------------------------------------------------------------------------


class TaskStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)


# Which status may follow which; a failed or cancelled task may be queued again (retry).
_ALLOWED_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.PENDING: frozenset(
        {TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.CANCELLED, TaskStatus.FAILED}
    ),
    TaskStatus.QUEUED: frozenset({TaskStatus.RUNNING, TaskStatus.CANCELLED, TaskStatus.FAILED}),
    TaskStatus.RUNNING: frozenset(
        {TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED, TaskStatus.QUEUED}
    ),
    TaskStatus.COMPLETED: frozenset(),
    TaskStatus.FAILED: frozenset({TaskStatus.QUEUED}),
    TaskStatus.CANCELLED: frozenset({TaskStatus.QUEUED}),
}


class InvalidTaskTransitionError(ValueError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class TaskInfo(_Model):
    """The state of one slow job (a generation, an export) as the user sees it."""

    task_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    task_type: str = "video_generation"
    status: TaskStatus = TaskStatus.PENDING
    progress: float = Field(default=0.0, ge=0, le=1)
    message: str = ""
    model: str | None = None
    scene_index: int | None = Field(default=None, ge=0)
    queue_position: int | None = Field(default=None, ge=0)
    remote_job_id: str | None = None
    result_path: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def elapsed_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.completed_at or _now()
        return (end - self.started_at).total_seconds()

    def transition_to(self, status: TaskStatus, message: str | None = None) -> None:
        """Move to `status`, refusing moves the lifecycle does not allow."""
        if status not in _ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTaskTransitionError(
                f"task {self.task_id}: cannot go from {self.status.value} to {status.value}"
            )
        now = _now()
        self.status = status
        self.updated_at = now
        if message is not None:
            self.message = message
        if status is TaskStatus.RUNNING and self.started_at is None:
            self.started_at = now
        if status is TaskStatus.QUEUED:
            self.progress = 0.0
            self.completed_at = None
            self.error_type = None
            self.error_message = None
        if status.is_terminal:
            self.completed_at = now
            self.queue_position = None
        if status is TaskStatus.COMPLETED:
            self.progress = 1.0

    def update_progress(self, progress: float, message: str | None = None) -> None:
        """Record progress (clamped to 0..1; it never goes backwards within a run)."""
        self.progress = max(self.progress, min(1.0, max(0.0, progress)))
        if message is not None:
            self.message = message
        self.updated_at = _now()


# --- serialisation and validation of video requests -------------------------------------


class ConfigurationManager:
    """Validates VideoConfig requests against the application's limits and converts them to
    and from JSON/YAML text and files. Errors name the file and the field."""

    def __init__(self, config: VideoStudioConfig | None = None) -> None:
        self._config = config

    @property
    def config(self) -> VideoStudioConfig:
        return self._config if self._config is not None else get_config()

    def create_video_config(self, input_images: list[str], **fields: Any) -> VideoConfig:
        """A request with the rendering defaults of the config where `fields` are silent."""
        rendering = self.config.rendering
        values: dict[str, Any] = {
            "aspect_ratio": rendering.default_aspect_ratio,
            "quality": rendering.default_quality,
            "fps": rendering.default_fps,
            "duration": 5.0 * len(input_images),
        }
        values.update(fields)
        return self.from_dict({"input_images": input_images, **values})

    def validate_config(self, video_config: VideoConfig) -> list[str]:
        return video_config.validation_errors(self.config)

    def is_valid(self, video_config: VideoConfig) -> bool:
        return not self.validate_config(video_config)

    def to_dict(self, video_config: VideoConfig) -> dict[str, Any]:
        return video_config.model_dump(mode="json", exclude_none=True)

    def from_dict(self, data: Any, *, source: str = "<data>") -> VideoConfig:
        if not isinstance(data, dict):
            raise ConfigError([ConfigIssue(source, "", "the top level must be a mapping")])
        try:
            return VideoConfig.model_validate(data)
        except ValidationError as error:
            raise ConfigError(issues_from_validation_error(error, source)) from None

    def to_text(self, video_config: VideoConfig, fmt: DataFormat = "json") -> str:
        return dump_mapping(self.to_dict(video_config), fmt)

    def from_text(
        self, text: str, fmt: DataFormat = "json", *, source: str = "<text>"
    ) -> VideoConfig:
        return self.from_dict(parse_mapping(text, fmt, source), source=source)

    def save(self, video_config: VideoConfig, path: Path | str) -> None:
        """Write as JSON or YAML by the suffix, atomically."""
        write_mapping(Path(path), self.to_dict(video_config))

    def load(self, path: Path | str) -> VideoConfig:
        file_path = Path(path)
        return self.from_dict(read_mapping(file_path), source=str(file_path))
