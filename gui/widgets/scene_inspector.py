"""The inspector's page for the selected scenes: motion (preset, start/end rectangles,
easing, strength), duration, fit, the transition to the next scene, text, and the model
and prompt with a Generate button.

With several scenes selected every field shows their common value ("Mixed" where they
differ) and a change applies to all of them as one undo step. Values commit when editing
is finished (Enter, focus leaving, a combo choice, a slider released); a refused edit puts
the document's value back.

What a scene renders with where it leaves a setting to the template is
gui.widgets.scene_defaults; the edit the page commits is gui.widgets.scene_edit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gui.services import Services
from gui.widgets import rect_geometry as geo
from gui.widgets import scene_defaults
from gui.widgets.inspector_fields import (
    MixedSpin,
    ValueSlider,
    combo,
    combo_key,
    common,
    set_combo,
    set_text,
)
from gui.widgets.project_inspector import Templates
from gui.widgets.rect_editor import RectEditor
from gui.widgets.scene_edit import Values, scene_edit
from video_studio import edits
from video_studio.asset_cache import AssetCache
from video_studio.models import (
    Direction,
    FitMode,
    MotionSpec,
    MotionType,
    Scene,
    TextPosition,
    Transition,
    TransitionType,
)
from video_studio.project import Project
from video_studio.templates import Template

__all__ = ["EASINGS", "PRESETS", "SceneInspector", "Values", "scene_edit"]

PRESETS = (
    ("", "Template default"),
    ("ken_burns", "Custom (start → end)"),
    ("zoom_in", "Zoom in"),
    ("zoom_out", "Zoom out"),
    ("pan_left", "Pan left"),
    ("pan_right", "Pan right"),
    ("auto", "Auto (toward the product)"),
    ("parallax", "Parallax"),
    ("static", "Still"),
)
EASINGS = (
    ("linear", "Linear"),
    ("ease_in", "Ease in"),
    ("ease_out", "Ease out"),
    ("ease_in_out", "Ease in and out"),
)
_WITH_STRENGTH = {"zoom_in", "zoom_out", "pan_left", "pan_right", "auto", "parallax"}
_DIRECTED = {"slide", "push", "wipe"}
_RECT_TIP = (
    "Drag a rectangle to move it, a corner handle to resize it.\n"
    "Green: where the camera starts; orange: where it ends."
)
_DEFAULT = [("", "Template default")]


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _form(title: str) -> tuple[QGroupBox, QFormLayout]:
    box = QGroupBox(title)
    return box, QFormLayout(box)


class SceneInspector(QWidget):
    refused = Signal()  # an edit made here was refused (session.error_raised says why)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scene_inspector")
        self._services = services
        self._ids: list[str] = []
        self._scenes: list[tuple[int, Scene]] = []  # (timeline index, scene) selected
        self._template: Template | None = None
        self._cache: AssetCache | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        for build in (self._motion_box, self._transition_box, self._text_box):
            layout.addWidget(build())
        layout.addStretch(1)

    # --- building ---------------------------------------------------------------------------

    def _motion_box(self) -> QGroupBox:
        box, form = _form("Motion")
        self.preset = combo("preset", PRESETS)
        self.preset.currentIndexChanged.connect(lambda _i: self._commit_preset())
        form.addRow("Preset", self.preset)
        self.rect_editor = RectEditor()
        self.rect_editor.rects_edited.connect(self._commit_rects)
        form.addRow(self.rect_editor)
        self.easing = combo("easing", EASINGS)
        self.easing.currentIndexChanged.connect(
            lambda _i: self._set_motion_field("easing", combo_key(self.easing))
        )
        form.addRow("Easing", self.easing)
        self.strength = ValueSlider("strength", 0, 100, "%")
        self.strength.setToolTip("How far the preset zooms or pans")
        self.strength.committed.connect(lambda p: self._set_motion_field("amount", p / 100))
        form.addRow("Strength", self.strength)
        self.duration = MixedSpin("duration", 0.1, 600.0, step=0.1, decimals=2, suffix=" s")
        self.duration.committed.connect(self._commit_duration)
        form.addRow("Duration", self.duration)
        self.fit = combo("fit", _DEFAULT + [(f.value, _label(f.value)) for f in FitMode])
        self.fit.currentIndexChanged.connect(lambda _i: self._commit_simple("fit", self.fit))
        form.addRow("Fit", self.fit)
        return box

    def _transition_box(self) -> QGroupBox:
        box, form = _form("Transition to the next scene")
        self.transition_box = box
        types = _DEFAULT + [(t.value, _label(t.value)) for t in TransitionType]
        self.transition_type = combo("transition_type", types)
        self.transition_type.currentIndexChanged.connect(lambda _i: self._commit_transition())
        form.addRow("Type", self.transition_type)
        self.transition_duration = MixedSpin(
            "transition_duration", 0.0, 10.0, step=0.1, decimals=2, suffix=" s"
        )
        self.transition_duration.committed.connect(
            lambda seconds: self._set_transition_field("duration", seconds)
        )
        form.addRow("Duration", self.transition_duration)
        directions = [(d.value, _label(d.value)) for d in Direction]
        self.transition_direction = combo("transition_direction", directions)
        self.transition_direction.currentIndexChanged.connect(
            lambda _i: self._set_transition_field("direction", combo_key(self.transition_direction))
        )
        form.addRow("Direction", self.transition_direction)
        return box

    def _text_box(self) -> QGroupBox:
        box, form = _form("Text")
        self.text_content = QLineEdit()
        self.text_content.setObjectName("text_content")
        self.text_content.setMaxLength(500)
        self.text_content.editingFinished.connect(self._commit_text_content)
        form.addRow("Text", self.text_content)
        positions = [(p.value, _label(p.value)) for p in TextPosition]
        self.text_position = combo("text_position", positions)
        self.text_position.currentIndexChanged.connect(
            lambda _i: self._commit_text("position", self.text_position)
        )
        form.addRow("Position", self.text_position)
        self.text_style = combo("text_style", _DEFAULT)
        self.text_style.currentIndexChanged.connect(
            lambda _i: self._commit_text("style", self.text_style)
        )
        form.addRow("Style", self.text_style)
        return box

    # --- showing ----------------------------------------------------------------------------

    def show_scenes(self, ids: list[str]) -> None:
        self._ids = list(ids)
        self.refresh()

    def refresh(self) -> None:
        """Show the document's values for the selected scenes."""
        session = self._services.session
        if session.project is None:
            return
        board = session.document.storyboard
        self._scenes = [(i, s) for i, s in enumerate(board.scenes) if s.id in self._ids]
        if not self._scenes:
            return
        self._template = Templates.get(board.template_id)
        index, scene = self._scenes[0]
        if len(self._scenes) == 1:
            entry = session.document.assets.get(scene.image.removeprefix("asset:"))
            name = entry.original_name if entry else Path(scene.image).name
            self.heading.setText(f"Scene {index + 1} of {len(board.scenes)} · {name}")
        else:
            self.heading.setText(f"{len(self._scenes)} scenes selected")
        self._show_motion()
        self._show_transition()
        self._show_text()

    def _show_motion(self) -> None:
        scenes = [s for _, s in self._scenes]
        motions = [self.effective_motion(s, i) for i, s in self._scenes]
        set_combo(self.preset, common(s.motion.type.value if s.motion else "" for s in scenes))
        set_combo(self.easing, common(m.easing.value for m in motions))
        self.strength.show_value(common(round(m.amount * 100) for m in motions))
        self.strength.setEnabled(all(m.type.value in _WITH_STRENGTH for m in motions))
        self.duration.show_value(common(s.duration for s in scenes))
        set_combo(self.fit, common(s.fit.value if s.fit else "" for s in scenes))
        index, scene = self._scenes[0]
        project = self._services.session.project
        assert project is not None
        board = project.document.storyboard
        image_size = scene_defaults.image_size(project.document, scene)
        self.rect_editor.set_frame(image_size, board.aspect_ratio.ratio)
        start, end = self.rects_of(scene, index)
        self.rect_editor.set_rects(start, end, custom=motions[0].type is MotionType.KEN_BURNS)
        if self._cache is None or self._cache.root != project.cache_dir.absolute():
            self._cache = AssetCache(project.cache_dir)
        image = scene.image
        self.rect_editor.load(
            f"{project.folder}|{image}", lambda: project.resolved_path(image), self._cache
        )
        single = len(scenes) == 1
        self.rect_editor.setEnabled(single)
        self.rect_editor.setToolTip(_RECT_TIP if single else "Select one scene to reframe it.")
        self.rect_editor.disabled_text = "" if single else "Select one scene to reframe it."

    def _show_transition(self) -> None:
        total = len(self._services.session.document.storyboard.scenes)
        last = all(index == total - 1 for index, _ in self._scenes)
        self.transition_box.setEnabled(not last)
        self.transition_box.setToolTip("The last scene has no next scene." if last else "")
        current = common(s.transition.type.value if s.transition else "" for _, s in self._scenes)
        set_combo(self.transition_type, current)
        transitions = [self.effective_transition(s, i) for i, s in self._scenes]
        self.transition_duration.show_value(common(t.duration for t in transitions))
        cut = all(t.type is TransitionType.CUT for t in transitions)
        self.transition_duration.setEnabled(not cut)
        set_combo(self.transition_direction, common(t.direction.value for t in transitions))
        self.transition_direction.setEnabled(any(t.type.value in _DIRECTED for t in transitions))

    def _show_text(self) -> None:
        texts = [s.text for _, s in self._scenes]
        styles = list(self._template.text_styles) if self._template is not None else []
        known = [self.text_style.itemData(i) for i in range(1, self.text_style.count())]
        if known != styles:
            with QSignalBlocker(self.text_style):
                self.text_style.clear()
                for key, text in _DEFAULT + [(s, _label(s)) for s in styles]:
                    self.text_style.addItem(text, key)
        set_text(self.text_content, common(t.content if t else "" for t in texts))
        present = [t for t in texts if t is not None]
        self.text_position.setEnabled(bool(present))
        self.text_style.setEnabled(bool(present))
        default = self._template.default_text_position.value if self._template else "bottom"
        set_combo(
            self.text_position, common(t.position.value for t in present) if present else default
        )
        set_combo(self.text_style, common(t.style or "" for t in present) if present else "")

    # --- what the renderer will use ---------------------------------------------------------

    def effective_motion(self, scene: Scene, index: int) -> MotionSpec:
        total = len(self._services.session.document.storyboard.scenes)
        return scene_defaults.effective_motion(self._template, total, scene, index)

    def effective_transition(self, scene: Scene, index: int) -> Transition:
        total = len(self._services.session.document.storyboard.scenes)
        return scene_defaults.effective_transition(self._template, total, scene, index)

    def rects_of(self, scene: Scene, index: int) -> tuple[geo.Rect, geo.Rect]:
        """The start and end windows (fractions of the image) of the scene's motion."""
        document = self._services.session.document
        return scene_defaults.motion_rects(document, self._template, scene, index)

    # --- committing -------------------------------------------------------------------------

    def _edit(self, make: Callable[[Project], edits.Edit]) -> bool:
        done = self._services.session.edit(make)
        if not done and self._services.session.project is not None:
            self.refresh()  # refused: show the document's values again
            self.refused.emit()
        return done

    def _patch(self, label: str, values_for: Values) -> bool:
        ids = list(self._ids)
        return self._edit(lambda project: scene_edit(project, ids, label, values_for))

    def _commit_simple(self, field: str, box: QComboBox) -> None:
        """A field with the same value for every selected scene ("" for None)."""
        key = combo_key(box)
        if key is not None:
            ids = list(self._ids)
            value = {field: key or None}
            self._edit(lambda project: edits.update_scenes(project, ids, value))

    def _commit_preset(self) -> None:
        key = combo_key(self.preset)
        if key is None:
            return

        def values(scene: Scene, index: int) -> dict[str, Any]:
            if not key:
                return {"motion": None}
            motion = self.effective_motion(scene, index)
            data: dict[str, Any] = {"type": key, "easing": motion.easing, "amount": motion.amount}
            if key == MotionType.KEN_BURNS.value:
                data["start"], data["end"] = self.rects_of(scene, index)
            return {"motion": data}

        self._patch("Change motion preset", values)

    def _set_motion_field(self, field: str, value: object) -> None:
        if value is None:
            return

        def values(scene: Scene, index: int) -> dict[str, Any]:
            motion = self.effective_motion(scene, index).model_dump()
            return {"motion": {**motion, field: value}}

        self._patch(f"Change motion {field}", values)

    def _commit_rects(self, start: geo.Rect, end: geo.Rect) -> None:
        def values(scene: Scene, index: int) -> dict[str, Any]:
            motion = self.effective_motion(scene, index)
            data = {"type": MotionType.KEN_BURNS, "start": start, "end": end}
            return {"motion": {**data, "easing": motion.easing, "amount": motion.amount}}

        self._patch("Reframe motion", values)

    def _commit_duration(self, seconds: float) -> None:
        ids = list(self._ids)
        self._edit(lambda project: edits.set_durations(project, ids, seconds))

    def _commit_transition(self) -> None:
        key = combo_key(self.transition_type)
        if key == "":
            self._patch("Use the template's transition", lambda _s, _i: {"transition": None})
        elif key is not None:
            self._set_transition_field("type", key)

    def _set_transition_field(self, field: str, value: object) -> None:
        if value is None:
            return

        def values(scene: Scene, index: int) -> dict[str, Any]:
            current = self.effective_transition(scene, index).model_dump()
            return {"transition": {**current, field: value}}

        self._patch(f"Change transition {field}", values)

    def _commit_text_content(self) -> None:
        if not self.text_content.isModified():
            return
        self.text_content.setModified(False)
        content = self.text_content.text()
        position = self._template.default_text_position if self._template else "bottom"

        def values(scene: Scene, _index: int) -> dict[str, Any]:
            if not content.strip():
                return {"text": None}
            current = scene.text.model_dump() if scene.text else {"position": position}
            return {"text": {**current, "content": content}}

        self._patch("Change text", values)

    def _commit_text(self, field: str, box: QComboBox) -> None:
        key = combo_key(box)
        if key is None:
            return

        def values(scene: Scene, _index: int) -> dict[str, Any] | None:
            if scene.text is None:
                return None  # a scene without text keeps none
            return {"text": {**scene.text.model_dump(), field: key or None}}

        self._patch(f"Change text {field}", values)

    def shutdown(self) -> None:
        self.rect_editor.shutdown()
