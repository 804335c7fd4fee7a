"""The settings dialog's form: per model its API key (hidden unless shown, with where it will
be kept), base URL and switch; storage folders; concurrency; theme. It shows a config and
turns its fields back into config data; validation is the engine's (pydantic), and each
problem is shown next to its field."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qtawesome
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.theme import Theme
from gui.widgets.form_rows import add_layout_row
from video_studio.config import BUILTIN_MODELS, VideoStudioConfig
from video_studio.config_errors import ConfigIssue
from video_studio.key_store import KeyStorage

_ERROR_STYLE = "color: palette(bright-text);"
_MODEL_TITLES = {"local": "Local (on this computer)", "luma": "Luma", "runway": "Runway"}
_OFFLINE_MODELS = frozenset({"local"})
_IMAGE_HOST_MODELS = frozenset({"luma"})  # reads the photo from a URL, not the request
_TIME_LIMIT_RANGE = (1, 24 * 3600)  # seconds
_FILE_SIZE_RANGE = (1, 100_000)  # MB
_MODELS_TAB, _GENERAL_TAB = 0, 1
# Wider than the config allows, so that a wrong number is explained rather than clamped.
_CONCURRENCY_RANGE = (0, 999)


class _ModelFields:
    def __init__(self, name: str, parent: QWidget) -> None:
        self.name = name
        self.box = QGroupBox(_MODEL_TITLES.get(name, name.capitalize()), parent)
        self.box.setObjectName(f"{name}_group")
        self.api_key = QLineEdit(self.box)
        self.api_key.setObjectName(f"{name}_api_key")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("not set")
        self.show_key = QAction(qtawesome.icon("mdi6.eye"), "Show the key", self.api_key)
        self.show_key.setObjectName(f"{name}_show_key")
        self.show_key.setCheckable(True)
        self.show_key.toggled.connect(self._show_key)
        self.api_key.addAction(self.show_key, QLineEdit.ActionPosition.TrailingPosition)
        self.key_place = QLabel(self.box)
        self.key_place.setObjectName(f"{name}_key_place")
        self.base_url = QLineEdit(self.box)
        self.base_url.setObjectName(f"{name}_base_url")
        self.image_host = QLineEdit(self.box)
        self.image_host.setObjectName(f"{name}_image_host_url")
        self.image_host.setPlaceholderText("not set: scenes for this model need a public photo URL")
        self.time_limit = QSpinBox(self.box)
        self.time_limit.setObjectName(f"{name}_timeout")
        self.time_limit.setRange(*_TIME_LIMIT_RANGE)
        self.time_limit.setSuffix(" s")
        self.time_limit.setToolTip("How long one generation may take before it is cancelled")
        self.enabled = QCheckBox("Use this model", self.box)
        self.enabled.setObjectName(f"{name}_enabled")

    def _show_key(self, shown: bool) -> None:
        self.api_key.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )
        self.show_key.setIcon(qtawesome.icon("mdi6.eye-off" if shown else "mdi6.eye"))
        self.show_key.setText("Hide the key" if shown else "Show the key")


class SettingsDialog(QDialog):
    """Non-modal. `save_requested` when Save is clicked; the controller validates, writes
    and applies."""

    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.setWindowTitle("Settings")
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.models: dict[str, _ModelFields] = {}
        self.errors: dict[str, QLabel] = {}  # field path -> the label under its field
        self._error_tabs: dict[str, int] = {}
        self._folder_dialog: QFileDialog | None = None
        self._populating = False
        self.edited = False  # the user changed a field since the last populate
        self.loaded = False  # fields hold a config (loading happens in the background)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settings_tabs")
        self._models_page = QWidget()
        self._models_layout = QVBoxLayout(self._models_page)
        self._models_layout.addStretch(1)  # model boxes are inserted above it
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._models_page)
        self.tabs.addTab(scroll, "&Models")
        self.tabs.addTab(self._general_page(), "&General")

        self.note_label = QLabel(self)
        self.note_label.setObjectName("note_label")
        self.note_label.setWordWrap(True)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("message_label")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(_ERROR_STYLE)
        self.save_button = QPushButton("&Save", self)
        self.save_button.setObjectName("save_button")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancel_button")
        self.save_button.clicked.connect(self.save_requested)
        self.cancel_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.note_label)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self.set_busy(True)

    # --- building -------------------------------------------------------------------------

    def _general_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.base_path = self._folder_row(form, "storage.base_path", "&Storage folder:", page)
        self.temp_path = self._folder_row(form, "storage.temp_path", "&Temporary files:", page)
        self.concurrency = QSpinBox(page)
        self.concurrency.setObjectName("max_concurrent_tasks")
        self.concurrency.setRange(*_CONCURRENCY_RANGE)
        self.concurrency.setToolTip("How many generations run at the same time (1-64)")
        self.concurrency.valueChanged.connect(self._changed)
        form.addRow("&Parallel generations:", self.concurrency)
        self._error_row(form, "workflow.max_concurrent_tasks", _GENERAL_TAB, page)
        self._error_row(form, "workflow", _GENERAL_TAB, page)
        self.max_file_size = QSpinBox(page)
        self.max_file_size.setObjectName("max_file_size_mb")
        self.max_file_size.setRange(*_FILE_SIZE_RANGE)
        self.max_file_size.setSuffix(" MB")
        self.max_file_size.setToolTip("The largest video a cloud model may send back")
        self.max_file_size.valueChanged.connect(self._changed)
        form.addRow("&Largest download:", self.max_file_size)
        self._error_row(form, "storage.max_file_size_mb", _GENERAL_TAB, page)
        self.theme = QComboBox(page)
        self.theme.setObjectName("theme_combo")
        self.theme.addItem("Dark", Theme.DARK.value)
        self.theme.addItem("Light", Theme.LIGHT.value)
        self.theme.currentIndexChanged.connect(self._changed)
        form.addRow("T&heme:", self.theme)
        return page

    def _folder_row(self, form: QFormLayout, field: str, label: str, page: QWidget) -> QLineEdit:
        edit = QLineEdit(page)
        edit.setObjectName(field.replace(".", "_"))
        edit.textEdited.connect(self._changed)
        browse = QPushButton("Browse...", page)
        browse.setObjectName(f"{edit.objectName()}_browse")
        browse.clicked.connect(lambda: self.browse_folder(edit))
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(browse)
        add_layout_row(form, label, row, edit)
        self._error_row(form, field, _GENERAL_TAB, page)
        return edit

    def _error_row(self, form: QFormLayout, field: str, tab: int, parent: QWidget) -> None:
        label = QLabel(parent)
        label.setObjectName("error_" + field.replace(".", "_"))
        label.setWordWrap(True)
        label.setStyleSheet(_ERROR_STYLE)
        label.hide()
        form.addRow("", label)
        self.errors[field] = label
        self._error_tabs[field] = tab

    def _model_fields(self, name: str) -> _ModelFields:
        fields = self.models.get(name)
        if fields is not None:
            return fields
        fields = _ModelFields(name, self._models_page)
        form = QFormLayout(fields.box)
        form.addRow("API &key:", fields.api_key)
        form.addRow("", fields.key_place)
        self._error_row(form, f"models.{name}.api_key", _MODELS_TAB, fields.box)
        form.addRow("Base &URL:", fields.base_url)
        self._error_row(form, f"models.{name}.base_url", _MODELS_TAB, fields.box)
        form.addRow("&Image host:", fields.image_host)
        self._error_row(form, f"models.{name}.image_host_url", _MODELS_TAB, fields.box)
        form.addRow("&Time limit:", fields.time_limit)
        self._error_row(form, f"models.{name}.timeout", _MODELS_TAB, fields.box)
        form.addRow("", fields.enabled)
        self._error_row(form, f"models.{name}", _MODELS_TAB, fields.box)
        if name in _OFFLINE_MODELS:  # no service behind it: no key, no address to set
            for row in (fields.api_key, fields.key_place, fields.base_url, fields.image_host):
                form.setRowVisible(row, False)
        elif name not in _IMAGE_HOST_MODELS:  # the others take the photo in the request
            form.setRowVisible(fields.image_host, False)
        fields.api_key.textEdited.connect(self._changed)
        fields.base_url.textEdited.connect(self._changed)
        fields.image_host.textEdited.connect(self._changed)
        fields.time_limit.valueChanged.connect(self._changed)
        fields.enabled.toggled.connect(self._changed)
        self._models_layout.insertWidget(self._models_layout.count() - 1, fields.box)
        # Made while the dialog is open (when the settings arrive): a child added to a shown
        # widget stays hidden unless shown itself (the layout's own show is only queued).
        fields.box.show()
        self.models[name] = fields
        return fields

    def _changed(self) -> None:
        if not self._populating:
            self.edited = True

    # --- showing and reading a config -----------------------------------------------------

    def populate(
        self, config: VideoStudioConfig, theme: str, storage: KeyStorage, note: str = ""
    ) -> None:
        """Show `config` (keys included) and the theme; `storage`: where keys will go."""
        self._populating = True
        try:
            names = [*BUILTIN_MODELS, *(n for n in config.models if n not in BUILTIN_MODELS)]
            for name in names:
                model = config.models.get(name)
                if model is None:
                    continue
                fields = self._model_fields(name)
                key = model.api_key.get_secret_value() if model.api_key is not None else ""
                fields.api_key.setText(key)
                fields.show_key.setChecked(False)
                fields.key_place.setText(f"Kept in: {storage.label}")
                fields.base_url.setText(model.base_url)
                fields.base_url.setPlaceholderText("https://")
                fields.image_host.setText(model.image_host_url or "")
                fields.time_limit.setValue(round(model.timeout))
                fields.enabled.setChecked(model.enabled)
            self.base_path.setText(str(config.storage.base_path))
            self.temp_path.setText(str(config.storage.temp_path))
            self.concurrency.setValue(config.workflow.max_concurrent_tasks)
            self.max_file_size.setValue(round(config.storage.max_file_size_mb))
            self.theme.setCurrentIndex(max(0, self.theme.findData(theme)))
        finally:
            self._populating = False
        self.note_label.setText(note)
        self.clear_issues()
        self.edited = False
        self.loaded = True
        self.set_busy(False)

    def collect(self, base: VideoStudioConfig) -> dict[str, Any]:
        """`base` as data (keys included) with the fields' values: for validation."""
        data = base.to_dict(include_secrets=True)
        for name, fields in self.models.items():
            entry = data["models"].setdefault(name, {"name": name})
            key = fields.api_key.text().strip()
            if key:
                entry["api_key"] = key
            else:
                entry.pop("api_key", None)
            entry["base_url"] = fields.base_url.text().strip()
            entry["image_host_url"] = fields.image_host.text().strip() or None
            entry["timeout"] = float(fields.time_limit.value())
            entry["enabled"] = fields.enabled.isChecked()
        data["storage"]["base_path"] = self.base_path.text().strip()
        data["storage"]["temp_path"] = self.temp_path.text().strip()
        data["workflow"]["max_concurrent_tasks"] = self.concurrency.value()
        data["storage"]["max_file_size_mb"] = float(self.max_file_size.value())
        return data

    def chosen_theme(self) -> Theme:
        return Theme(self.theme.currentData())

    # --- problems -------------------------------------------------------------------------

    def clear_issues(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()
        self.message_label.clear()

    def show_issues(self, issues: Sequence[ConfigIssue]) -> None:
        """Each reason next to its field (the nearest one that has a place); the rest below."""
        self.clear_issues()
        unplaced: list[str] = []
        first_tab: int | None = None
        for issue in issues:
            place = self._place_for(issue.field)
            if place is None:
                unplaced.append(f"{issue.field}: {issue.reason}" if issue.field else issue.reason)
                continue
            label = self.errors[place]
            label.setText("; ".join(filter(None, (label.text(), issue.reason))))
            label.show()
            if first_tab is None:
                first_tab = self._error_tabs[place]
        if first_tab is not None:
            self.tabs.setCurrentIndex(first_tab)
        if unplaced:
            self.message_label.setText("; ".join(unplaced))

    def _place_for(self, field: str) -> str | None:
        parts = field.split(".")
        while parts:
            candidate = ".".join(parts)
            if candidate in self.errors:
                return candidate
            parts.pop()
        return None

    def show_error(self, text: str) -> None:
        self.message_label.setText(text)

    def set_busy(self, busy: bool) -> None:
        self.tabs.setEnabled(not busy)
        self.save_button.setEnabled(not busy)

    # --- folders --------------------------------------------------------------------------

    def browse_folder(self, edit: QLineEdit) -> None:
        """A folder chooser (non-blocking) starting at the field's folder."""
        if self._folder_dialog is not None:
            self._folder_dialog.raise_()
            return
        start = Path(edit.text().strip() or Path.home()).expanduser()
        while not start.is_dir() and start != start.parent:
            start = start.parent
        dialog = QFileDialog(self, "Choose a Folder", str(start))
        dialog.setObjectName("settings_folder_dialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self._folder_chosen(edit, path))
        dialog.finished.connect(self._folder_dialog_closed)
        self._folder_dialog = dialog
        dialog.open()

    def _folder_chosen(self, edit: QLineEdit, path: str) -> None:
        edit.setText(path)
        self.edited = True

    def _folder_dialog_closed(self) -> None:
        self._folder_dialog = None

    def close_choosers(self) -> None:
        if self._folder_dialog is not None:
            self._folder_dialog.close()
