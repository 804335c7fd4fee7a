"""What the mouse does on the timeline, apart from the events: the gesture a press starts
(`Gesture`), the selection a Ctrl+ or Shift+click makes, where moved scenes land, and the
cursor and tooltip over each part (gui.widgets.timeline_view does the event handling)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import Enum

from PySide6.QtCore import QPointF, Qt

from gui.widgets.timeline_geometry import Hit, HitKind
from gui.widgets.transition_editor import describe
from video_studio.models import Scene


class GestureKind(Enum):
    SCRUB = "scrub"
    RESIZE = "resize"
    MOVE = "move"
    MARKER = "marker"


@dataclass
class Gesture:
    """A press of the left button until its release."""

    kind: GestureKind
    index: int
    press: QPointF
    ids: list[str] = field(default_factory=list)
    start: float = 0.0  # RESIZE: the scene's start time at the press
    last: float | None = None  # RESIZE: the duration applied last
    moved: bool = False
    select_on_release: str | None = None  # MOVE: a plain click on a selected scene
    key: str = ""


def toggled(chosen: list[str], scene_id: str) -> list[str]:
    """Ctrl+click: the selection without `scene_id`, or with it added last."""
    kept = [i for i in chosen if i != scene_id]
    if scene_id not in chosen:
        kept.append(scene_id)
    return kept


def id_range(ids: list[str], anchor: str | None, index: int) -> list[str]:
    """Shift+click on scene `index`: the scenes from the anchor (else that one) to it."""
    start = ids.index(anchor) if anchor in ids else index
    low, high = sorted((start, index))
    return ids[low : high + 1]


def move_destination(scenes: Sequence[Scene], gap: int, moving: Collection[str]) -> int:
    """Where the scenes `moving`, dropped in `gap`, go: the index among the others."""
    return sum(1 for scene in scenes[:gap] if scene.id not in moving)


def hover_cursor(kind: HitKind) -> Qt.CursorShape:
    cursors = {
        HitKind.EDGE: Qt.CursorShape.SizeHorCursor,
        HitKind.MARKER: Qt.CursorShape.PointingHandCursor,
    }
    return cursors.get(kind, Qt.CursorShape.ArrowCursor)


def hover_text(hit: Hit, scenes: Sequence[Scene]) -> str:
    """The tooltip over what was hit ("" for none)."""
    if hit.kind is HitKind.MARKER:
        return f"Transition: {describe(scenes[hit.index].transition)} (click to edit)"
    if hit.kind in (HitKind.SCENE, HitKind.EDGE):
        scene = scenes[hit.index]
        clip = " (generated clip)" if scene.clip else ""
        return f"Scene {hit.index + 1}: {scene.duration:g} s{clip}"
    return ""
