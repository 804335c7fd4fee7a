"""What a scene renders with where it leaves a setting to the template: its motion, its
transition to the next scene, and the start and end windows of its camera motion (as
fractions of the image, the way the rectangle editor shows them)."""

from __future__ import annotations

from gui.widgets import rect_geometry as geo
from video_studio.models import FitMode, MotionSpec, MotionType, Scene, Transition
from video_studio.motion import Framing, plan_motion
from video_studio.project_document import ProjectDocument
from video_studio.templates import Template

_ASSUMED_SIZE = (1600, 1200)  # an image whose size the document does not know


def _defaults_of(
    template: Template | None, index: int, total: int
) -> tuple[MotionSpec, Transition | None] | None:
    if template is None:
        return None
    defaults = template.scene_defaults(index, total)
    return defaults.motion, defaults.transition


def effective_motion(template: Template | None, total: int, scene: Scene, index: int) -> MotionSpec:
    """The motion of the scene at `index` of `total` scenes."""
    if scene.motion is not None:
        return scene.motion
    defaults = _defaults_of(template, index, total)
    return defaults[0] if defaults else MotionSpec(type=MotionType.ZOOM_IN)


def effective_transition(
    template: Template | None, total: int, scene: Scene, index: int
) -> Transition:
    """The transition after the scene at `index` of `total` scenes."""
    if scene.transition is not None:
        return scene.transition
    defaults = _defaults_of(template, index, total)
    default = (defaults[1] if defaults else None) or Transition()
    limit = round(scene.duration * 0.4, 3)  # as the template fills scenes in
    return default.model_copy(update={"duration": min(default.duration, limit)})


def image_size(document: ProjectDocument, scene: Scene) -> tuple[int, int] | None:
    """The pixel size of the scene's image, when the document knows it."""
    entry = document.assets.get(scene.image.removeprefix("asset:"))
    return (entry.width, entry.height) if entry is not None else None


def motion_rects(
    document: ProjectDocument, template: Template | None, scene: Scene, index: int
) -> tuple[geo.Rect, geo.Rect]:
    """The start and end windows (fractions of the image) of the scene's motion."""
    width, height = image_size(document, scene) or _ASSUMED_SIZE
    output = document.storyboard.aspect_ratio.ratio
    motion = effective_motion(template, len(document.storyboard.scenes), scene, index)
    if motion.type is MotionType.KEN_BURNS and motion.start and motion.end:
        start, end = motion.start, motion.end
    else:
        fit = scene.fit or (template.fit if template else FitMode.COVER)
        path = plan_motion(motion, Framing(width, height, output, fit))
        start, end = _fraction(path.start, width, height), _fraction(path.end, width, height)
    aspect = geo.fraction_aspect(output, width, height)
    return geo.conform_pair(start, end, geo.UNIT, aspect)


def _fraction(window: tuple[float, float, float, float], width: float, height: float) -> geo.Rect:
    x, y, w, h = window
    return (x / width, y / height, w / width, h / height)
