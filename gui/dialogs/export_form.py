"""The export dialog's fields: platform preset, aspect ratio, resolution, frame rate, codec,
look, size, and the target file with a (non-blocking) Browse... dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from gui.dialogs.export_choices import (
    ASPECT_LABELS,
    CODEC_LABELS,
    LOOKS,
    QUALITY_LABELS,
    SCALES,
    ExportChoices,
    file_name_for,
)
from gui.services import Services
from gui.widgets.form_rows import add_layout_row
from video_studio.media_formats import AspectRatio, VideoQuality
from video_studio.render.codecs import CODECS, Codec
from video_studio.render.presets import PLATFORMS


class ExportForm(QWidget):
    """Platform presets fill aspect, resolution, frame rate and codec; each can then be
    overridden. The target's suffix follows the codec."""

    target_edited = Signal()  # the user typed in the target field
    target_chosen = Signal(str)  # picked in the save dialog (which asked about replacing)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._file_dialog: QFileDialog | None = None
        form = QFormLayout(self)
        self.platform_combo = self._combo("platform_combo", [(None, "Project settings")])
        for key, platform in PLATFORMS.items():
            self.platform_combo.addItem(platform.label, key)
        self.aspect_combo = self._combo(
            "aspect_combo", [(aspect.value, label) for aspect, label in ASPECT_LABELS.items()]
        )
        self.quality_combo = self._combo(
            "quality_combo", [(quality.value, label) for quality, label in QUALITY_LABELS.items()]
        )
        self.fps_spin = QSpinBox(self)
        self.fps_spin.setObjectName("fps_spin")
        self.fps_spin.setRange(1, 120)
        self.fps_spin.setSuffix(" fps")
        self.codec_combo = self._combo(
            "codec_combo", [(codec.value, label) for codec, label in CODEC_LABELS.items()]
        )
        self.look_combo = self._combo("look_combo", list(LOOKS))
        self.scale_combo = self._combo("scale_combo", list(SCALES))
        self.size_label = QLabel(self)
        self.size_label.setObjectName("size_label")
        size_row = QHBoxLayout()
        size_row.addWidget(self.scale_combo, 1)
        size_row.addWidget(self.size_label)
        self.target_edit = QLineEdit(self)
        self.target_edit.setObjectName("target_edit")
        self.target_edit.setPlaceholderText("Where to save the video")
        self.browse_button = QPushButton("Browse...", self)
        self.browse_button.setObjectName("browse_button")
        self.browse_button.setAutoDefault(False)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_edit, 1)
        target_row.addWidget(self.browse_button)
        form.addRow("&Platform:", self.platform_combo)
        form.addRow("&Aspect ratio:", self.aspect_combo)
        form.addRow("&Resolution:", self.quality_combo)
        form.addRow("&Frame rate:", self.fps_spin)
        form.addRow("&Codec:", self.codec_combo)
        form.addRow("&Look:", self.look_combo)
        add_layout_row(form, "&Size:", size_row, self.scale_combo)
        add_layout_row(form, "Save &to:", target_row, self.target_edit)

        self.platform_combo.currentIndexChanged.connect(self._platform_changed)
        self.codec_combo.currentIndexChanged.connect(self._codec_changed)
        for combo in (self.aspect_combo, self.quality_combo, self.scale_combo):
            combo.currentIndexChanged.connect(self._update_size)
        self.fps_spin.valueChanged.connect(self._update_size)
        self.target_edit.textChanged.connect(self.target_edited)
        self.browse_button.clicked.connect(self.browse)

    def _combo(self, name: str, items: list[tuple[object, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        for data, label in items:
            combo.addItem(label, data)
        return combo

    # --- the choices ----------------------------------------------------------------------

    def choices(self) -> ExportChoices:
        look: str | None = self.look_combo.currentData()
        return ExportChoices(
            platform=self.platform_combo.currentData(),
            aspect=AspectRatio(self.aspect_combo.currentData()),
            quality=VideoQuality(self.quality_combo.currentData()),
            fps=self.fps_spin.value(),
            codec=Codec(self.codec_combo.currentData()),
            look=look,
            scale=float(self.scale_combo.currentData()),
        )

    @staticmethod
    def set_choice(combo: QComboBox, value: str) -> None:
        """Select the item whose data is `value` (an enum's value)."""
        index = combo.findData(str(value))
        if index >= 0:
            combo.setCurrentIndex(index)

    def reset(self) -> None:
        """Fields from the open project's settings and the config's codec; a fresh target."""
        project = self.services.session.project
        rendering = self.services.config().rendering
        if project is not None:
            board = project.document.storyboard
            aspect, quality, fps = board.aspect_ratio, board.quality, board.fps
        else:
            aspect, quality = rendering.default_aspect_ratio, rendering.default_quality
            fps = rendering.default_fps
        self.platform_combo.setCurrentIndex(0)
        self.set_choice(self.aspect_combo, aspect)
        self.set_choice(self.quality_combo, quality)
        self.fps_spin.setValue(fps)
        self.set_choice(self.codec_combo, Codec(rendering.default_codec))
        name = project.document.name if project is not None else "video"
        codec = self.choices().codec
        self.target_edit.setText(str(self.default_folder() / file_name_for(name, codec)))
        self._update_size()

    def default_folder(self) -> Path:
        """The last export folder, else the user's videos folder, else beside the project."""
        remembered = self.services.state.last_export_folder
        if remembered and Path(remembered).is_dir():
            return Path(remembered)
        movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
        if movies and Path(movies).is_dir():
            return Path(movies)
        project = self.services.session.project
        return project.folder.parent if project is not None else Path.home()

    def _platform_changed(self) -> None:
        key: str | None = self.platform_combo.currentData()
        if key is None:
            project = self.services.session.project
            if project is not None:
                board = project.document.storyboard
                self.set_choice(self.aspect_combo, board.aspect_ratio)
                self.set_choice(self.quality_combo, board.quality)
                self.fps_spin.setValue(board.fps)
            return
        platform = PLATFORMS[key]
        self.set_choice(self.aspect_combo, platform.aspect_ratio)
        self.set_choice(self.quality_combo, platform.quality)
        self.fps_spin.setValue(platform.fps)
        self.set_choice(self.codec_combo, platform.codec)
        self.look_combo.setCurrentIndex(0)  # the platform's own encoding

    def _codec_changed(self) -> None:
        text = self.target_edit.text().strip()
        if text:
            target = Path(text)
            known = {spec.suffix for spec in CODECS.values()}
            if not target.suffix or target.suffix.lower() in known:
                self.target_edit.setText(str(target.with_suffix(self.choices().suffix)))
        self._update_size()

    def _update_size(self) -> None:
        width, height = self.choices().output_size()
        self.size_label.setText(f"{width} × {height} px")

    # --- the target -----------------------------------------------------------------------

    def target(self) -> Path | None:
        text = self.target_edit.text().strip()
        return Path(text).expanduser() if text else None

    def browse(self) -> None:
        """A save dialog (non-blocking) in the target's folder, else the last export folder."""
        if self._file_dialog is not None:
            self._file_dialog.raise_()
            return
        choices = self.choices()
        target = self.target()
        folder = target.parent if target is not None and target.parent.is_dir() else None
        start = folder or self.default_folder()
        name = target.name if target is not None else file_name_for("video", choices.codec)
        dialog = QFileDialog(self, "Export Video", str(start))
        dialog.setObjectName("export_file_dialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilter(f"{CODEC_LABELS[choices.codec]} (*{choices.suffix})")
        dialog.setDefaultSuffix(choices.suffix.lstrip("."))
        dialog.selectFile(name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self._file_chosen)
        dialog.finished.connect(self._file_dialog_closed)
        self._file_dialog = dialog
        dialog.open()

    def _file_chosen(self, path: str) -> None:
        chosen = Path(path)
        self.target_edit.setText(str(chosen))
        self.services.state.last_export_folder = str(chosen.parent)
        self.target_chosen.emit(str(chosen))

    def _file_dialog_closed(self) -> None:
        self._file_dialog = None

    def close_chooser(self) -> None:
        if self._file_dialog is not None:
            self._file_dialog.close()
