"""The inspector's page for the selected scenes: motion (preset, start/end rectangles,
easing, strength), duration, fit, the transition to the next scene, text, and the model
and prompt with a Generate button.

With several scenes selected every field shows their common value ("Mixed" where they
differ) and a change applies to all of them as one undo step. Values commit when editing
is finished (Enter, focus leaving, a combo choice, a slider released); a refused edit puts
the document's value back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
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
from gui.widgets.project_inspector import (
    MixedSpin,
    Templates,
    ValueSlider,
    combo,
    combo_key,
    common,
    set_combo,
    set_text,
)
from gui.widgets.rect_editor import RectEditor
from video_studio import edits
from video_studio.asset_cache import AssetCache
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.document_issues import validation_issues
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
from video_studio.motion import Framing, plan_motion
from video_studio.project import Project
from video_studio.project_document import ProjectDocument
from video_studio.templates import Template

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
_ASSUMED_SIZE = (1600, 1200)  # an image whose size the document does not know
_RECT_TIP = (
    "Drag a rectangle to move it, a corner handle to resize it.\n"
    "Green: where the camera starts; orange: where it ends."
)
_DEFAULT = [("", "Template default")]
Values = Callable[[Scene, int], dict[str, Any] | None]


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
        self.rect_editor.set_frame(self._image_size(scene), board.aspect_ratio.ratio)
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

    def _defaults_of(self, index: int) -> tuple[MotionSpec, Transition | None] | None:
        if self._template is None:
            return None
        total = len(self._services.session.document.storyboard.scenes)
        defaults = self._template.scene_defaults(index, total)
        return defaults.motion, defaults.transition

    def effective_motion(self, scene: Scene, index: int) -> MotionSpec:
        if scene.motion is not None:
            return scene.motion
        defaults = self._defaults_of(index)
        return defaults[0] if defaults else MotionSpec(type=MotionType.ZOOM_IN)

    def effective_transition(self, scene: Scene, index: int) -> Transition:
        if scene.transition is not None:
            return scene.transition
        defaults = self._defaults_of(index)
        default = (defaults[1] if defaults else None) or Transition()
        limit = round(scene.duration * 0.4, 3)  # as the template fills scenes in
        return default.model_copy(update={"duration": min(default.duration, limit)})

    def _image_size(self, scene: Scene) -> tuple[int, int] | None:
        entry = self._services.session.document.assets.get(scene.image.removeprefix("asset:"))
        return (entry.width, entry.height) if entry is not None else None

    def rects_of(self, scene: Scene, index: int) -> tuple[geo.Rect, geo.Rect]:
        """The start and end windows (fractions of the image) of the scene's motion."""
        width, height = self._image_size(scene) or _ASSUMED_SIZE
        output = self._services.session.document.storyboard.aspect_ratio.ratio
        motion = self.effective_motion(scene, index)
        if motion.type is MotionType.KEN_BURNS and motion.start and motion.end:
            start, end = motion.start, motion.end
        else:
            fit = scene.fit or (self._template.fit if self._template else FitMode.COVER)
            path = plan_motion(motion, Framing(width, height, output, fit))
            start, end = _fraction(path.start, width, height), _fraction(path.end, width, height)
        aspect = geo.fraction_aspect(output, width, height)
        return geo.conform(start, geo.UNIT, aspect), geo.conform(end, geo.UNIT, aspect)

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


def _fraction(window: tuple[float, float, float, float], width: float, height: float) -> geo.Rect:
    x, y, w, h = window
    return (x / width, y / height, w / width, h / height)


def scene_edit(project: Project, ids: list[str], label: str, values_for: Values) -> edits.Edit:
    """One edit giving each chosen scene its own `values_for(scene, index)` (None: leave
    it), refused when a scene would be invalid or a transition would newly not fit the
    scenes it joins."""
    chosen = set(ids)

    def change(document: ProjectDocument) -> None:
        known = set(document.storyboard.problems())
        scenes = list(document.storyboard.scenes)
        changed: list[int] = []
        for index, scene in enumerate(scenes):
            values = values_for(scene, index) if scene.id in chosen else None
            if values is None:
                continue
            data = {**scene.model_dump(), **values}
            try:
                scenes[index] = Scene.model_validate(data)
            except ValidationError as error:
                raise ConfigError(
                    validation_issues(error, "", data, prefix=("scenes", index))
                ) from None
            changed.append(index)
        document.storyboard.scenes = scenes
        problems = [
            ConfigIssue("", field, reason)
            for field, reason in document.storyboard.problems()
            if (field, reason) not in known
            and any(field.startswith(f"scenes[{index}].") for index in changed)
        ]
        if problems:
            raise ConfigError(problems)

    return edits.make_edit(project, label, change)
