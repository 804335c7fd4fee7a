"""File > Import Images... and Import Image Folder...: a non-blocking file dialog (one at a
time), starting in the folder imported from last (UiState.last_import_folder)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog

from gui.services import Services
from video_studio.image_io import SUPPORTED_SUFFIXES

_IMAGE_FILTER = "Images ({});;All files (*)".format(
    " ".join(f"*{suffix}" for suffix in sorted(SUPPORTED_SUFFIXES))
)


class ImportDialogs(QObject):
    """Opens the import dialogs; the files or folder chosen come as `chosen(paths)`."""

    chosen = Signal(list)  # list[Path]

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.dialog: QFileDialog | None = None  # the open dialog, if any

    def _start_folder(self) -> str:
        folder = self._services.state.last_import_folder
        return folder if folder and os.path.isdir(folder) else str(Path.home())

    def open(self, *, folders: bool) -> QFileDialog:
        """Show the dialog for image files (or a folder); an open one is raised instead."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        title = "Import Image Folder" if folders else "Import Images"
        window = self._services.window
        dialog = QFileDialog(window, title, self._start_folder(), _IMAGE_FILTER)
        dialog.setObjectName("import_folder_dialog" if folders else "import_images_dialog")
        if folders:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Import")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(functools.partial(self._files_chosen, folders=folders))
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()

    def _closed(self, _result: int) -> None:
        self.dialog = None

    def _files_chosen(self, files: list[str], *, folders: bool = False) -> None:
        paths = [Path(file) for file in files if file]
        if not paths:
            return
        # A folder chosen in the folder dialog is remembered itself, a file by its folder.
        self._services.state.last_import_folder = str(paths[0] if folders else paths[0].parent)
        self.chosen.emit(paths)
