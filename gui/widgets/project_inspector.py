"""The inspector's page when no scene is selected: the project's template, aspect ratio,
quality, frame rate and music track. Also the form fields both inspector pages use
(values shown without re-committing them, "Mixed" for differing values, commit on
finished editing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from gui.services import Services
from video_studio import edits
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.media_formats import AspectRatio, VideoQuality, frame_size
from video_studio.project import Project
from video_studio.templates import Template, list_templates

T = TypeVar("T")
AUDIO_FILTER = "Audio (*.mp3 *.wav *.m4a *.aac *.flac *.ogg *.opus);;All files (*)"
ASPECT_NAMES = {"16:9": "Landscape", "9:16": "Vertical", "1:1": "Square", "4:5": "Portrait"}


class Templates:
    """The installed templates, read once (parsing their YAML takes ~100 ms: the panel
    reads them on a worker thread before it shows anything that needs them)."""

    known: ClassVar[dict[str, Template] | None] = None  # None: not read yet
    problem: ClassVar[str] = ""

    @classmethod
    def read(cls) -> dict[str, Template]:
        try:
            found = {template.id: template for template in list_templates()}
        except ConfigError as error:
            found, cls.problem = {}, str(error)
        cls.known = found
        return found

    @classmethod
    def get(cls, template_id: str) -> Template | None:
        return (cls.known or {}).get(template_id)


# --- form fields ------------------------------------------------------------------------


class Mixed(Enum):
    MIXED = "mixed"


MIXED = Mixed.MIXED  # the selected scenes differ in this value


def common(values: Iterable[T]) -> T | Mixed:
    """The value all items share, else MIXED."""
    items = list(values)
    return items[0] if items and all(v == items[0] for v in items[1:]) else MIXED


class FieldCombo(QComboBox):
    """A combo the mouse wheel changes only once it has focus: scrolling the inspector
    over it scrolls the inspector."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


def combo(name: str, items: Iterable[tuple[str, str]]) -> QComboBox:
    """A combo of (key, text) items; -1 (no item) reads "Mixed"."""
    box = FieldCombo()
    box.setObjectName(name)
    box.setPlaceholderText("Mixed")
    for key, text in items:
        box.addItem(text, key)
    return box


def set_combo(box: QComboBox, key: str | Mixed) -> None:
    with QSignalBlocker(box):
        box.setCurrentIndex(-1 if isinstance(key, Mixed) else box.findData(key))


def combo_key(box: QComboBox) -> str | None:
    """The chosen item's key; None while nothing (or "Mixed") is chosen."""
    data = box.currentData() if box.currentIndex() >= 0 else None
    return str(data) if data is not None else None


def set_text(edit: QLineEdit, value: str | Mixed) -> None:
    """Show a value, unless the user is typing a new one there."""
    if edit.hasFocus() and edit.isModified():
        return
    with QSignalBlocker(edit):
        edit.setText("" if isinstance(value, Mixed) else value)
        edit.setPlaceholderText("Mixed" if isinstance(value, Mixed) else "No text")
        edit.setModified(False)


class MixedSpin(QDoubleSpinBox):
    """Commits when editing is finished or a step button is pressed, not per keystroke;
    can read "Mixed" (one step below its range) until the user sets a value."""

    committed = Signal(float)

    def __init__(
        self, name: str, low: float, high: float, *, step: float, decimals: int, suffix: str
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self._low = low
        self.setDecimals(decimals)
        self.setRange(low, high)
        self.setSingleStep(step)
        self.setSuffix(suffix)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.valueChanged.connect(self._changed)

    @property
    def mixed(self) -> bool:
        return self.value() < self._low

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        if not self.mixed:  # a step from "Mixed" would set every scene to the minimum
            super().stepBy(steps)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # the inspector scrolls

    def show_value(self, value: float | Mixed) -> None:
        with QSignalBlocker(self):
            if isinstance(value, Mixed):
                self.setMinimum(self._low - self.singleStep())
                self.setSpecialValueText("Mixed")
                self.setValue(self.minimum())
            else:
                self.setSpecialValueText("")
                self.setMinimum(self._low)
                self.setValue(value)

    def _changed(self, value: float) -> None:
        if not self.mixed:
            self.committed.emit(value)


class FieldSlider(QSlider):
    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class ValueSlider(QWidget):
    """A slider with its value as text; commits once when released (or on a key press or
    a click beside the handle), never during a drag."""

    committed = Signal(int)

    def __init__(self, name: str, low: int, high: int, unit: str) -> None:
        super().__init__()
        self._unit = unit
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.slider = FieldSlider()
        self.slider.setObjectName(name)
        self.slider.setRange(low, high)
        self.slider.setPageStep(max(1, (high - low) // 10))
        self.label = QLabel()
        self.label.setMinimumWidth(48)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._changed)
        self.slider.sliderReleased.connect(lambda: self.committed.emit(self.slider.value()))

    def show_value(self, value: int | Mixed) -> None:
        with QSignalBlocker(self.slider):
            if not isinstance(value, Mixed):
                self.slider.setValue(value)
        self.label.setText("Mixed" if isinstance(value, Mixed) else f"{value} {self._unit}")

    def _changed(self, value: int) -> None:
        self.label.setText(f"{value} {self._unit}")
        if not self.slider.isSliderDown():
            self.committed.emit(value)


# --- the project page -----------------------------------------------------------------------


class ProjectInspector(QWidget):
    refused = Signal()  # an edit made here was refused (session.error_raised says why)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("project_inspector")
        self._services = services
        self.music_dialog: QFileDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addWidget(self._video_box())
        layout.addWidget(self._music_box())
        layout.addStretch(1)

    def _video_box(self) -> QGroupBox:
        box = QGroupBox("Video")
        form = QFormLayout(box)
        self.name = QLineEdit()
        self.name.setObjectName("project_name")
        self.name.editingFinished.connect(self._commit_name)
        form.addRow("Name", self.name)
        self.template = combo("template", [])
        self.template.currentIndexChanged.connect(lambda _i: self._commit_key("template_id"))
        form.addRow("Template", self.template)
        aspects = [(a.value, f"{a.value} {ASPECT_NAMES[a.value]}") for a in AspectRatio]
        self.aspect_ratio = combo("aspect_ratio", aspects)
        self.aspect_ratio.currentIndexChanged.connect(lambda _i: self._commit_key("aspect_ratio"))
        form.addRow("Aspect ratio", self.aspect_ratio)
        self.quality = combo("quality", [(q.value, q.value) for q in VideoQuality])
        self.quality.currentIndexChanged.connect(lambda _i: self._commit_key("quality"))
        form.addRow("Quality", self.quality)
        self.fps = MixedSpin("fps", 1, 120, step=1, decimals=0, suffix=" fps")
        self.fps.committed.connect(lambda value: self._update({"fps": round(value)}))
        form.addRow("Frame rate", self.fps)
        return box

    def _music_box(self) -> QGroupBox:
        box = QGroupBox("Music")
        form = QFormLayout(box)
        self.music_file = QLabel()
        self.music_file.setObjectName("music_file")
        self.music_file.setWordWrap(True)
        self.music_file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Track", self.music_file)
        row = QHBoxLayout()
        self.choose_music_button = QPushButton("Choose Music...")
        self.choose_music_button.clicked.connect(self.choose_music)
        self.remove_music_button = QPushButton("Remove")
        self.remove_music_button.setToolTip("The video has no music")
        self.remove_music_button.clicked.connect(lambda: self._update({"audio": None}))
        row.addWidget(self.choose_music_button)
        row.addWidget(self.remove_music_button)
        row.addStretch(1)
        form.addRow(row)
        self.volume = ValueSlider("volume", 0, 200, "%")
        self.volume.committed.connect(lambda percent: self._set_audio("volume", percent / 100))
        form.addRow("Volume", self.volume)
        self.fade_in = MixedSpin("fade_in", 0.0, 60.0, step=0.5, decimals=1, suffix=" s")
        self.fade_in.committed.connect(lambda seconds: self._set_audio("fade_in", seconds))
        form.addRow("Fade in", self.fade_in)
        self.fade_out = MixedSpin("fade_out", 0.0, 60.0, step=0.5, decimals=1, suffix=" s")
        self.fade_out.committed.connect(lambda seconds: self._set_audio("fade_out", seconds))
        form.addRow("Fade out", self.fade_out)
        self.loop = QCheckBox("Loop when shorter than the video")
        self.loop.setObjectName("loop")
        self.loop.toggled.connect(lambda on: self._set_audio("loop", on))
        form.addRow(self.loop)
        return box

    # --- showing ----------------------------------------------------------------------------

    def refresh(self) -> None:
        session = self._services.session
        if session.project is None:
            return
        board = session.document.storyboard
        width, height = frame_size(board.aspect_ratio, board.quality)
        count = len(board.scenes)
        self.summary.setText(
            f"{count} scene{'s' * (count != 1)}, {board.duration:g} s, "
            f"{width}×{height} at {board.fps} fps. Select scenes to edit them."
        )
        if not (self.name.hasFocus() and self.name.isModified()):
            with QSignalBlocker(self.name):
                self.name.setText(board.name)
        self._fill_templates(board.template_id)
        set_combo(self.template, board.template_id)
        set_combo(self.aspect_ratio, board.aspect_ratio.value)
        set_combo(self.quality, board.quality.value)
        self.fps.show_value(board.fps)
        audio = board.audio
        if audio is None:
            self.music_file.setText("None")
            self.music_file.setToolTip("")
        else:
            resolved = session.project.resolved_path(audio.path)
            missing = "" if resolved.is_file() else " (file not found)"
            self.music_file.setText(Path(audio.path).name + missing)
            self.music_file.setToolTip(str(resolved))
        for widget in (self.remove_music_button, self.volume, self.fade_in, self.fade_out):
            widget.setEnabled(audio is not None)
        self.loop.setEnabled(audio is not None)
        self.volume.show_value(round((audio.volume if audio else 1.0) * 100))
        self.fade_in.show_value(audio.fade_in if audio else 0.0)
        self.fade_out.show_value(audio.fade_out if audio else 0.0)
        with QSignalBlocker(self.loop):
            self.loop.setChecked(audio.loop if audio else True)

    def _fill_templates(self, current: str) -> None:
        known = (Templates.known or {}).values()
        items = [(t.id, t.name, t.description) for t in known]
        if current not in {key for key, _, _ in items}:
            items.append((current, f"{current} (not installed)", ""))
        if [self.template.itemData(i) for i in range(self.template.count())] == [
            key for key, _, _ in items
        ]:
            return
        with QSignalBlocker(self.template):
            self.template.clear()
            for key, text, description in items:
                self.template.addItem(text, key)
                self.template.setItemData(
                    self.template.count() - 1, description, Qt.ItemDataRole.ToolTipRole
                )

    # --- committing -------------------------------------------------------------------------

    def _edit(self, make: Callable[[Project], edits.Edit]) -> bool:
        done = self._services.session.edit(make)
        if not done and self._services.session.project is not None:
            self.refresh()  # refused: show the document's values again
            self.refused.emit()
        return done

    def _update(self, values: dict[str, Any]) -> bool:
        return self._edit(lambda project: edits.update_project(project, values))

    def _commit_key(self, field: str) -> None:
        box = {"template_id": self.template, "aspect_ratio": self.aspect_ratio}.get(
            field, self.quality
        )
        key = combo_key(box)
        if key is not None:
            self._update({field: key})

    def _commit_name(self) -> None:
        if self.name.isModified():
            self.name.setModified(False)
            self._update({"name": self.name.text().strip() or "Untitled"})

    def _set_audio(self, field: str, value: object) -> None:
        def make(project: Project) -> edits.Edit:
            audio = project.document.storyboard.audio
            if audio is None:
                raise ConfigError([ConfigIssue("", "audio", "choose a music track first")])
            return edits.update_project(project, {"audio": {**audio.model_dump(), field: value}})

        self._edit(make)

    def choose_music(self) -> None:
        """Ask for a music file (a non-blocking dialog; `set_music` gets the answer)."""
        project = self._services.session.project
        if project is None:
            return
        audio = project.document.storyboard.audio
        folder = project.resolved_path(audio.path).parent if audio else project.folder
        dialog = QFileDialog(self, "Choose Music", str(folder), AUDIO_FILTER)
        dialog.setObjectName("music_dialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda chosen: self.set_music(Path(chosen)))
        dialog.destroyed.connect(self._dialog_gone)
        self.music_dialog = dialog
        dialog.open()

    def _dialog_gone(self) -> None:
        self.music_dialog = None

    def shutdown(self) -> None:
        if self.music_dialog is not None:
            self.music_dialog.close()

    def set_music(self, path: Path) -> bool:
        """Use `path` as the music track, keeping the volume and fades: relative to the
        project folder when inside it, else absolute."""

        def make(project: Project) -> edits.Edit:
            if not path.is_file():
                raise ConfigError([ConfigIssue("", "audio", f"{path} is not a file")])
            audio = project.document.storyboard.audio
            current = audio.model_dump() if audio is not None else {}
            stored = project.portable_path(path)
            return edits.update_project(project, {"audio": {**current, "path": stored}})

        return self._edit(make)
