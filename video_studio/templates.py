"""Video templates: the look of a video (background, fit, motions, transitions, text styles,
intro/outro cards) as data in resources/templates/*.yaml, validated here.

A template fills in what a scene leaves unset (`scene_defaults`) and lays out the seed's
VideoConfig form (images + total duration) as a Storyboard (`layout`).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from video_studio.config_errors import ConfigError, ConfigIssue, issues_from_validation_error
from video_studio.data_files import read_mapping
from video_studio.models import (
    HEX_COLOR_PATTERN,
    MAX_SCENE_SECONDS,
    FitMode,
    MotionSpec,
    Scene,
    TextOverlay,
    TextPosition,
    Transition,
    VideoConfig,
)
from video_studio.resources import template_dir
from video_studio.storyboard import CardConfig, Storyboard, WatermarkConfig

# Every template defines these, so a scene's style name survives switching templates.
REQUIRED_TEXT_STYLES = ("title", "caption", "cta")
MIN_SCENE_WITH_CARDS = 1.5  # seconds; below this the intro/outro cards are dropped
_TRANSITION_SHARE = 0.4  # a transition takes at most this share of the scenes it joins
# Durations are multiples of 2**-20 s, so (for videos under ~136 years) every partial sum
# is exact in binary floating point and intro + scenes + outro == duration holds exactly.
_QUANTUM = 2.0**-20


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextBox(_Model):
    """A rounded box behind the text. Sizes are in em (fractions of the font size)."""

    color: str = Field(pattern=HEX_COLOR_PATTERN)
    opacity: float = Field(default=1.0, ge=0, le=1)
    padding: tuple[float, float] = Field(default=(0.6, 0.35), description="x, y in em")
    radius: float = Field(default=0.25, ge=0, le=2, description="corner radius in em")


class TextShadow(_Model):
    color: str = Field(default="#000000", pattern=HEX_COLOR_PATTERN)
    opacity: float = Field(default=0.5, ge=0, le=1)
    offset: tuple[float, float] = Field(default=(0.03, 0.05), description="x, y in em")
    blur: float = Field(default=0.08, ge=0, le=1, description="blur radius in em")


class TextOutline(_Model):
    color: str = Field(pattern=HEX_COLOR_PATTERN)
    width: float = Field(default=0.05, gt=0, le=0.3, description="stroke width in em")


class TextStyle(_Model):
    """How a piece of text looks. `size` is in pixels at a 1080-pixel-high frame."""

    font: Literal["sans", "serif"] = "sans"
    weight: Literal["light", "regular", "bold"] = "regular"
    size: float = Field(gt=0, le=400)
    color: str = Field(default="#FFFFFF", pattern=HEX_COLOR_PATTERN)
    align: Literal["left", "center", "right"] = "center"
    uppercase: bool = False
    letter_spacing: float = Field(default=0.0, ge=-0.1, le=1, description="em")
    line_spacing: float = Field(default=1.25, ge=0.8, le=3, description="times the size")
    box: TextBox | None = None
    shadow: TextShadow | None = None
    outline: TextOutline | None = None


class CardStyle(_Model):
    """An intro or outro card of a template. `{name}` in the texts is the video's name."""

    duration: float = Field(default=2.0, gt=0, le=30)
    title: str = "{name}"
    subtitle: str = ""
    title_style: str = "title"
    subtitle_style: str = "caption"
    background: str | None = Field(default=None, pattern=HEX_COLOR_PATTERN)
    logo_position: Literal["above_title", "top", "bottom"] = "above_title"
    logo_height: float = Field(default=0.16, gt=0, le=0.6, description="of the shorter side")


class WatermarkStyle(_Model):
    """Where a template puts the user's logo; the logo file itself comes from the project."""

    position: TextPosition = TextPosition.BOTTOM_RIGHT
    opacity: float = Field(default=0.85, ge=0, le=1)
    scale: float = Field(default=0.12, gt=0, le=1)
    margin: float = Field(default=0.04, ge=0, le=0.4)


@dataclass(frozen=True)
class SceneDefaults:
    """What a template gives a scene that leaves these unset."""

    motion: MotionSpec
    transition: Transition | None  # None for the last scene
    fit: FitMode
    background: str


class Template(_Model):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1)
    description: str = ""
    styles: tuple[str, ...] = ()
    accent: str = Field(default="#808080", pattern=HEX_COLOR_PATTERN, description="UI swatch")
    scene_duration: float = Field(default=4.0, gt=0, le=MAX_SCENE_SECONDS)
    fit: FitMode = FitMode.COVER
    background: str = Field(default="#000000", pattern=HEX_COLOR_PATTERN)
    motions: tuple[MotionSpec, ...] = Field(min_length=1)
    transitions: tuple[Transition, ...] = Field(min_length=1)
    text_styles: dict[str, TextStyle]
    default_text_style: str = "caption"
    default_text_position: TextPosition = TextPosition.BOTTOM
    safe_area: float = Field(default=0.9, ge=0.5, le=1)
    intro: CardStyle | None = None
    outro: CardStyle | None = None
    watermark: WatermarkStyle | None = None

    @model_validator(mode="after")
    def _styles_exist(self) -> Self:
        missing = [name for name in REQUIRED_TEXT_STYLES if name not in self.text_styles]
        if missing:
            raise ValueError(f"text_styles must define {', '.join(missing)}")
        names: list[tuple[str, str]] = [("default_text_style", self.default_text_style)]
        for label, card in (("intro", self.intro), ("outro", self.outro)):
            if card is not None:
                names += [(f"{label}.title_style", card.title_style)]
                names += [(f"{label}.subtitle_style", card.subtitle_style)]
        for where, name in names:
            if name not in self.text_styles:
                raise ValueError(f"{where} names '{name}', which text_styles does not define")
        return self

    # --- what scenes get -----------------------------------------------------------------

    def scene_defaults(self, index: int, total: int) -> SceneDefaults:
        """Motions and transitions cycle over the scenes; the last scene has no transition."""
        motion = self.motions[index % len(self.motions)].model_copy(deep=True)
        transition = None
        if index < total - 1:
            transition = self.transitions[index % len(self.transitions)].model_copy(deep=True)
        return SceneDefaults(motion, transition, self.fit, self.background)

    def text_style(self, name: str | None) -> TextStyle:
        """A named style (None: the template's default one); unknown names are refused."""
        key = self.default_text_style if name is None else name
        try:
            return self.text_styles[key]
        except KeyError:
            known = ", ".join(sorted(self.text_styles))
            reason = f"unknown text style '{key}' in template '{self.id}': use one of {known}"
            raise ConfigError([ConfigIssue("", "style", reason)]) from None

    def overlay_style(self, overlay: TextOverlay) -> TextStyle:
        """The overlay's style with its own size, colour and background applied."""
        style = self.text_style(overlay.style)
        update: dict[str, object] = {}
        if overlay.font_size is not None:
            update["size"] = overlay.font_size
        if overlay.color is not None:
            update["color"] = overlay.color
        if overlay.background is not None:
            box = style.box or TextBox(color=overlay.background)
            update["box"] = box.model_copy(update={"color": overlay.background, "opacity": 1.0})
        return style.model_copy(update=update) if update else style

    def watermark_config(self, path: str) -> WatermarkConfig:
        """A watermark of the given logo file placed the template's way."""
        placement = self.watermark or WatermarkStyle()
        return WatermarkConfig(path=path, **placement.model_dump())

    # --- the seed's VideoConfig form ---------------------------------------------------------

    def layout(self, video_config: VideoConfig, *, name: str = "") -> Storyboard:
        """A storyboard for `video_config` in this template's look.

        One scene per input image, durations chosen so that intro + scenes + outro equals
        `video_config.duration` exactly; the cards are dropped when they would leave a scene
        less than 1.5 s. (When the request already has `scenes`, those are used as given,
        without cards, and only their unset motion and transition are filled in.)

        Text overlays go to the scenes in order: the first overlay on the first scene, the
        second on the second, and so on; an overlay without a style or an explicit position
        gets the template's default ones. More overlays than scenes is refused, since a scene
        shows one overlay and dropping text silently would lose the user's words.
        """
        intro, outro = self.intro, self.outro
        if video_config.scenes:
            scenes = [scene.model_copy(deep=True) for scene in video_config.scenes]
            intro = outro = None
        else:
            scenes, intro, outro = self._scenes_for_images(video_config)
        self._fill_scenes(scenes)
        self._place_overlays(scenes, video_config.text_overlays)
        return Storyboard(
            name=name or "Untitled",
            template_id=self.id,
            aspect_ratio=video_config.aspect_ratio,
            quality=video_config.quality,
            fps=video_config.fps,
            scenes=scenes,
            audio=video_config.audio.model_copy() if video_config.audio else None,
            intro=_card(intro, name),
            outro=_card(outro, name),
        )

    def _scenes_for_images(
        self, video_config: VideoConfig
    ) -> tuple[list[Scene], CardStyle | None, CardStyle | None]:
        total, count = video_config.duration, len(video_config.input_images)
        intro, outro = self.intro, self.outro
        if not math.isfinite(total) or total / count > MAX_SCENE_SECONDS + 60:
            # Checked before any arithmetic on durations, which overflows on huge values.
            raise ConfigError([ConfigIssue("", "duration", _too_long(total, count))])
        cards = sum(_quantise(card.duration) for card in (intro, outro) if card is not None)
        if (total - cards) / count < MIN_SCENE_WITH_CARDS:
            intro = outro = None
            cards = 0.0
        share = (total - cards) / count
        if share < 1.0 / video_config.fps:
            reason = (
                f"{total:g} s is too short for {count} images: each scene needs at least "
                f"one frame (1/{video_config.fps} s)"
            )
            raise ConfigError([ConfigIssue("", "duration", reason)])
        durations = [_quantise(share)] * (count - 1)
        durations.append(total - cards - sum(durations))
        if max(durations) > MAX_SCENE_SECONDS:
            raise ConfigError([ConfigIssue("", "duration", _too_long(total, count))])
        scenes = [
            Scene(image=image, duration=duration)
            for image, duration in zip(video_config.input_images, durations, strict=True)
        ]
        return scenes, intro, outro

    def _fill_scenes(self, scenes: list[Scene]) -> None:
        for index, scene in enumerate(scenes):
            defaults = self.scene_defaults(index, len(scenes))
            if scene.motion is None:
                scene.motion = defaults.motion
            if scene.transition is None and defaults.transition is not None:
                # Shorter than both scenes it overlaps, as the storyboard requires.
                shortest = min(scene.duration, scenes[index + 1].duration)
                limit = _quantise(shortest * _TRANSITION_SHARE)
                defaults.transition.duration = min(defaults.transition.duration, limit)
                scene.transition = defaults.transition

    def _place_overlays(self, scenes: list[Scene], overlays: list[TextOverlay]) -> None:
        if len(overlays) > len(scenes):
            reason = (
                f"{len(overlays)} text overlays but only {len(scenes)} scenes: each scene "
                "shows one overlay, so add images or merge texts"
            )
            raise ConfigError([ConfigIssue("", "text_overlays", reason)])
        for index, overlay in enumerate(overlays):
            if scenes[index].text is not None:
                reason = f"scene {index + 1} already has text"
                raise ConfigError([ConfigIssue("", f"text_overlays[{index}]", reason)])
            update: dict[str, object] = {}
            if overlay.style is None:
                update["style"] = self.default_text_style
            if "position" not in overlay.model_fields_set:
                update["position"] = self.default_text_position
            scenes[index].text = overlay.model_copy(update=update, deep=True)


def _too_long(total: float, count: int) -> str:
    return (
        f"{total:g} s over {count} images makes scenes longer than the maximum of "
        f"{MAX_SCENE_SECONDS:g} s: add images or shorten the video"
    )


def _quantise(seconds: float) -> float:
    return round(seconds / _QUANTUM) * _QUANTUM


def _card(style: CardStyle | None, name: str) -> CardConfig | None:
    if style is None:
        return None
    return CardConfig(
        duration=_quantise(style.duration),
        title=style.title.replace("{name}", name),
        subtitle=style.subtitle.replace("{name}", name),
        background=style.background,
    )


# --- loading and the registry ------------------------------------------------------------------


def load_template(path: Path) -> Template:
    """One template file; errors name the file and the field."""
    data = read_mapping(path)
    try:
        template = Template.model_validate(data)
    except ValidationError as error:
        raise ConfigError(issues_from_validation_error(error, str(path))) from None
    if template.id != path.stem:
        reason = f"'{template.id}' must match the file name '{path.stem}'"
        raise ConfigError([ConfigIssue(str(path), "id", reason)])
    return template


def load_templates(folder: Path) -> list[Template]:
    """Every *.yaml template in `folder`, sorted by id. Two templates may not claim the same
    style name, since template_for_style could not choose between them."""
    templates = [load_template(path) for path in sorted(folder.glob("*.yaml"))]
    if not templates:
        raise ConfigError([ConfigIssue(str(folder), "", "no template files (*.yaml) found")])
    claimed: dict[str, str] = {}
    for template in templates:
        for label in (template.id, template.name, *template.styles):
            key = _normalise(label)
            owner = claimed.setdefault(key, template.id)
            if owner != template.id:
                path = str(folder / f"{template.id}.yaml")
                reason = f"'{label}' is already a style of template '{owner}'"
                raise ConfigError([ConfigIssue(path, "styles", reason)])
    return sorted(templates, key=lambda template: template.id)


@functools.cache
def _registry() -> dict[str, Template]:
    return {template.id: template for template in load_templates(template_dir())}


def reload_templates() -> None:
    """Forget the loaded templates (after the files changed)."""
    _registry.cache_clear()


def list_templates() -> list[Template]:
    return list(_registry().values())


def get_template(template_id: str) -> Template:
    registry = _registry()
    try:
        return registry[template_id]
    except KeyError:
        reason = f"unknown template '{template_id}': use one of {', '.join(registry)}"
        raise ConfigError([ConfigIssue("", "template_id", reason)]) from None


def _normalise(label: str) -> str:
    # "Amazon_Minimal", "amazon-minimal" and " amazon  minimal " are the same style.
    return re.sub(r"[\s_\-]+", " ", label).strip().casefold()


def template_for_style(style: str) -> Template | None:
    """The template whose id, name or one of whose styles matches (ignoring case)."""
    wanted = _normalise(style)
    if not wanted:
        return None
    for template in list_templates():
        labels = (template.id, template.name, *template.styles)
        if any(_normalise(label) == wanted for label in labels):
            return template
    return None
