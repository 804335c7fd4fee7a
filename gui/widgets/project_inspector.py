"""The inspector's page when no scene is selected: the project's template, aspect ratio,
quality, frame rate and music track; and `Templates`, the installed templates both pages
use. (The form fields are gui.widgets.inspector_fields; they are also importable from here.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.services import Services
from gui.widgets.inspector_fields import (
    MIXED,
    FieldCombo,
    FieldSlider,
    Mixed,
    MixedSpin,
    ValueSlider,
    combo,
    combo_key,
    common,
    set_combo,
    set_text,
)
from video_studio import edits
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.media_formats import AspectRatio, VideoQuality, frame_size
from video_studio.project import Project
from video_studio.templates import Template, list_templates

__all__ = [  # the form fields are re-exported for the modules that import them from here
    "ASPECT_NAMES",
    "AUDIO_FILTER",
    "MIXED",
    "FieldCombo",
    "FieldSlider",
    "Mixed",
    "MixedSpin",
    "ProjectInspector",
    "Templates",
    "ValueSlider",
    "combo",
    "combo_key",
    "common",
    "set_combo",
    "set_text",
]

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
