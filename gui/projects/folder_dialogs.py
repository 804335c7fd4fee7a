"""The project dialogs of the File menu: `ProjectFolderDialog` (a name and a location:
New Project, Save As) and `OpenProjectDialog` (a project folder or its project.json).
Neither blocks: `open()` them and listen to their signals. Also how a project's folder is
named (`folder_name`) and written down (`absolute_path`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.form_rows import add_layout_row
from video_studio.project import PROJECT_FILE, PROJECT_SUFFIX

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def folder_name(name: str) -> str:
    """A project name as a folder name: `Bottle launch` -> `Bottle launch.vsproj`."""
    safe = _UNSAFE_NAME.sub("-", name).strip().strip(".").strip() or "Untitled"
    return f"{safe}{PROJECT_SUFFIX}"


def absolute_path(path: Path) -> Path:
    """`path` made absolute (and `~` expanded), without resolving links."""
    return Path(os.path.abspath(Path(path).expanduser()))


class ProjectFolderDialog(QDialog):
    """Asks a project name and the folder to put it in (New Project, Save As). Not
    blocking: `open()` it; `chosen(folder, name)` is emitted when accepted."""

    chosen = Signal(object, str)  # (Path of the project folder, name)

    def __init__(
        self, parent: QWidget, title: str, name: str, location: Path, accept_text: str
    ) -> None:
        super().__init__(parent)
        self.setObjectName("project_folder_dialog")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.name_edit = QLineEdit(name, self)
        self.name_edit.setObjectName("project_name")
        self.location_edit = QLineEdit(str(location), self)
        self.location_edit.setObjectName("project_location")
        browse = QPushButton("Browse...", self)
        browse.clicked.connect(self._browse)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("project_folder_result")
        self.result_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(accept_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        where = QHBoxLayout()
        where.addWidget(self.location_edit, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        add_layout_row(form, "&Location:", where, self.location_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._update)
        self.location_edit.textChanged.connect(self._update)
        self.resize(520, self.sizeHint().height())
        self._update()

    def folder(self) -> Path:
        location = Path(self.location_edit.text().strip()).expanduser()
        return location / folder_name(self.name_edit.text())

    def problem(self) -> str | None:
        """Why the answer cannot be used yet, or None."""
        if not self.name_edit.text().strip():
            return "Give the project a name."
        location = Path(self.location_edit.text().strip()).expanduser()
        if not self.location_edit.text().strip() or not location.is_dir():
            return "Choose an existing folder to put the project in."
        folder = self.folder()
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            return f"{folder} already exists: choose another name."
        return None

    def _update(self) -> None:
        problem = self.problem()
        self.result_label.setText(problem or f"The project folder will be {self.folder()}")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Choose a Location", self.location_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.location_edit.setText)
        dialog.open()

    def accept(self) -> None:
        if self.problem() is None:
            self.chosen.emit(self.folder(), self.name_edit.text().strip())
            super().accept()


class OpenProjectDialog(QFileDialog):
    """Open Project: a project.json, or a project folder, chosen or entered (a project
    folder is opened, not browsed). Not blocking: `open()` it."""

    project_chosen = Signal(str)

    def __init__(self, parent: QWidget, folder: Path) -> None:
        super().__init__(parent, "Open Project", str(folder))
        self.setObjectName("open_project_dialog")
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # folders open too
        self.setFileMode(QFileDialog.FileMode.ExistingFile)
        self.setNameFilters([f"Video Studio projects ({PROJECT_FILE})", "All files (*)"])
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.directoryEntered.connect(self._entered)
        self.fileSelected.connect(self.project_chosen)

    def _entered(self, folder: str) -> None:
        if (Path(folder) / PROJECT_FILE).is_file():
            self._choose(folder)

    def accept(self) -> None:
        selected = self.selectedFiles()
        if selected and (Path(selected[0]) / PROJECT_FILE).is_file():
            self._choose(selected[0])
            return
        super().accept()

    def _choose(self, folder: str) -> None:
        self.done(QDialog.DialogCode.Accepted.value)
        self.project_chosen.emit(folder)
