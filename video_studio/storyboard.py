"""The renderable document: scenes in order with the output settings, music, watermark and
intro/outro cards. A scene script and a project both become a Storyboard for the renderer."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from video_studio.media_formats import AspectRatio, VideoQuality, frame_size
from video_studio.models import (
    HEX_COLOR_PATTERN,
    AudioConfig,
    Scene,
    TextPosition,
    TransitionType,
)

SCRIPT_VERSION: Literal[1] = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class WatermarkConfig(_Model):
    """A logo over the whole video (PNG with alpha), in a corner."""

    path: str = Field(min_length=1)
    position: TextPosition = TextPosition.BOTTOM_RIGHT
    opacity: float = Field(default=0.85, ge=0, le=1)
    scale: float = Field(default=0.12, gt=0, le=1, description="width as a fraction of the frame")
    margin: float = Field(default=0.04, ge=0, le=0.4, description="fraction of the frame height")


class CardConfig(_Model):
    """A text card before or after the scenes: brand, title, call to action."""

    duration: float = Field(default=2.5, gt=0, le=30)
    title: str = ""
    subtitle: str = ""
    logo: str | None = None
    background: str | None = Field(default=None, pattern=HEX_COLOR_PATTERN)
    text_color: str | None = Field(default=None, pattern=HEX_COLOR_PATTERN)


class Storyboard(_Model):
    """Everything the renderer needs, with paths relative to `base_dir`."""

    version: Literal[1] = SCRIPT_VERSION
    name: str = "Untitled"
    template_id: str = Field(default="amazon_minimal", min_length=1)
    aspect_ratio: AspectRatio = AspectRatio.LANDSCAPE
    quality: VideoQuality = VideoQuality.FULL_HD_1080P
    fps: int = Field(default=30, ge=1, le=120)
    scenes: list[Scene] = Field(min_length=1)
    audio: AudioConfig | None = None
    watermark: WatermarkConfig | None = None
    intro: CardConfig | None = None
    outro: CardConfig | None = None

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    def with_base_dir(self, folder: Path) -> Storyboard:
        self._base_dir = folder
        return self

    def resolve_path(self, path: str) -> Path:
        """A path of the document, relative ones against `base_dir`."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self._base_dir / candidate

    @property
    def frame_size(self) -> tuple[int, int]:
        return frame_size(self.aspect_ratio, self.quality)

    @property
    def duration(self) -> float:
        """Seconds of video: the cards plus the sum of the scene durations."""
        cards = sum(card.duration for card in (self.intro, self.outro) if card is not None)
        return cards + sum(scene.duration for scene in self.scenes)

    def problems(self) -> list[tuple[str, str]]:
        """Rules across scenes, as (field path, reason): each transition must be shorter
        than the scene it leads into, since it overlaps that scene's start."""
        found: list[tuple[str, str]] = []
        for index, (scene, following) in enumerate(zip(self.scenes, self.scenes[1:], strict=False)):
            transition = scene.transition
            if transition is None or transition.type is TransitionType.CUT:
                continue
            if transition.duration >= following.duration:
                found.append(
                    (
                        f"scenes[{index}].transition.duration",
                        f"must be less than the next scene ({following.duration:g} s), "
                        "which it overlaps",
                    )
                )
        return found
