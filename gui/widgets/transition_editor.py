"""The small popup that edits the join from one scene into the next: its type ("Cut" is no
transition), its duration (always shorter than the scene) and, for moving transitions, the
direction. Changes apply at once (edits.set_transition), and everything changed while the
popup is open is one undo step. Non-modal: a click elsewhere closes it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QLabel,
    QWidget,
)

from gui.session import ProjectSession
from video_studio import edits
from video_studio.models import Direction, Scene, Transition, TransitionType
from video_studio.project import Project

CUT_TEXT = "Cut"
DEFAULT_SECONDS = 0.5
_MIN_GAP = 0.01  # the transition stays at least this much shorter than its scene
_MOVING = frozenset({TransitionType.SLIDE, TransitionType.PUSH, TransitionType.WIPE})
# Short labels for the markers on the timeline.
SHORT_LABELS: dict[TransitionType, str] = {
    TransitionType.CUT: "|",
    TransitionType.CROSSFADE: "XF",
    TransitionType.FADE_COLOR: "FD",
    TransitionType.SLIDE: "SL",
    TransitionType.PUSH: "PU",
    TransitionType.WIPE: "WI",
    TransitionType.ZOOM: "ZM",
}


def type_text(kind: TransitionType) -> str:
    return CUT_TEXT if kind is TransitionType.CUT else kind.value.replace("_", " ").title()


def short_label(transition: Transition | None) -> str:
    return SHORT_LABELS[TransitionType.CUT if transition is None else transition.type]


def describe(transition: Transition | None) -> str:
    """The marker's tooltip: "Crossfade, 0.5 s" or "Cut"."""
    if transition is None or transition.type is TransitionType.CUT:
        return CUT_TEXT
    return f"{type_text(transition.type)}, {transition.duration:g} s"


def max_seconds(scene: Scene, following: Scene | None = None) -> float:
    """The longest transition the join allows: shorter than the scene, and than the next
    scene, which it overlaps (Storyboard.problems)."""
    limit = scene.duration if following is None else min(scene.duration, following.duration)
    return max(0.0, math.floor(round((limit - _MIN_GAP) * 100, 6)) / 100)


class TransitionEditor(QFrame):
    applied = Signal(str)  # the scene id whose transition changed

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("transition_editor")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._session = session
        self._scene_id: str | None = None
        self._opened = 0
        self._refreshing = False

        self.title = QLabel(self)
        self.type_combo = QComboBox(self)
        self.type_combo.setObjectName("transition_type")
        for kind in TransitionType:
            self.type_combo.addItem(type_text(kind), kind.value)
        self.duration_spin = QDoubleSpinBox(self)
        self.duration_spin.setObjectName("transition_duration")
        self.duration_spin.setDecimals(2)
        self.duration_spin.setSingleStep(0.1)
        self.duration_spin.setSuffix(" s")
        self.duration_spin.setKeyboardTracking(False)  # typed values apply on Enter
        self.direction_combo = QComboBox(self)
        self.direction_combo.setObjectName("transition_direction")
        for direction in Direction:
            self.direction_combo.addItem(direction.value.title(), direction.value)

        form = QFormLayout(self)
        form.addRow(self.title)
        form.addRow("&Type", self.type_combo)
        form.addRow("&Duration", self.duration_spin)
        form.addRow("D&irection", self.direction_combo)

        self.type_combo.currentIndexChanged.connect(self._changed)
        self.duration_spin.valueChanged.connect(self._changed)
        self.direction_combo.currentIndexChanged.connect(self._changed)
        session.document_changed.connect(self._document_changed)

    @property
    def scene_id(self) -> str | None:
        return self._scene_id if self.isVisible() else None

    def open_for(self, scene_id: str, at: QPoint) -> None:
        """Show the editor for the join after scene `scene_id`, its top left at `at`
        (global coordinates)."""
        self._scene_id = scene_id
        self._opened += 1
        if not self._refresh():
            return
        self.adjustSize()
        self.move(at)
        self.show()
        self.type_combo.setFocus()

    def _scene(self) -> Scene | None:
        if self._scene_id is None or not self._session.has_project:
            return None
        for scene in self._session.document.storyboard.scenes:
            if scene.id == self._scene_id:
                return scene
        return None

    def _refresh(self) -> bool:
        """Show the scene's transition; False (and closed) when the scene is gone."""
        scene = self._scene()
        if scene is None:
            self.close()
            return False
        transition = scene.transition
        kind = TransitionType.CUT if transition is None else transition.type
        self._refreshing = True
        try:
            scenes = self._session.document.storyboard.scenes
            index = next(i for i, s in enumerate(scenes) if s.id == scene.id)
            following = scenes[index + 1] if index + 1 < len(scenes) else None
            self.title.setText(f"<b>Scene {index + 1} → {index + 2}</b>")
            self.type_combo.setCurrentIndex(self.type_combo.findData(kind.value))
            limit = max_seconds(scene, following)
            self.duration_spin.setRange(0.0, limit)
            seconds = DEFAULT_SECONDS if transition is None else transition.duration
            self.duration_spin.setValue(min(seconds, limit))
            direction = Direction.LEFT if transition is None else transition.direction
            self.direction_combo.setCurrentIndex(self.direction_combo.findData(direction.value))
            self._enable(kind)
        finally:
            self._refreshing = False
        return True

    def _enable(self, kind: TransitionType) -> None:
        self.duration_spin.setEnabled(kind is not TransitionType.CUT)
        self.direction_combo.setEnabled(kind in _MOVING)

    def chosen_type(self) -> TransitionType:
        return TransitionType(self.type_combo.currentData() or TransitionType.CUT.value)

    def chosen(self) -> Transition | None:
        """The transition the controls describe (None: a cut)."""
        kind = self.chosen_type()
        if kind is TransitionType.CUT:
            return None
        scene = self._scene()
        kept = scene.transition if scene is not None else None
        return Transition(
            type=kind,
            duration=round(self.duration_spin.value(), 2),
            direction=Direction(self.direction_combo.currentData() or Direction.LEFT.value),
            color=kept.color if kept is not None else Transition().color,
        )

    def _changed(self) -> None:
        if self._refreshing or self._scene_id is None:
            return
        self._enable(self.chosen_type())
        scene_id, transition = self._scene_id, self.chosen()
        key = f"transition-{id(self)}-{self._opened}-{scene_id}"

        def make(project: Project) -> edits.Edit:
            return edits.set_transition(project, scene_id, transition, merge_key=key)

        if self._session.edit(make):
            self.applied.emit(scene_id)

    def _document_changed(self) -> None:
        if self.isVisible():
            self._refresh()
