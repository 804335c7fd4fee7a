"""How the project commands explain a problem: a non-modal message (one at a time) with
the gist in the status bar, never a modal loop; and the plain text of engine errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gui.services import Services
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.error_types import VideoStudioError
from video_studio.image_io import file_access_error

ERROR_MS = 15_000  # how long a problem stays in the status bar
_BACKUP_OFFER = "a backup of the previous save exists"


def issues_text(issues: tuple[ConfigIssue, ...] | list[ConfigIssue]) -> str:
    return "\n".join(str(issue) for issue in issues)


def plain_reason(error: BaseException, path: Path) -> str:
    """What went wrong with `path`, in words for the user."""
    if isinstance(error, VideoStudioError):
        return error.message
    if isinstance(error, ConfigError):
        return issues_text(error.issues)
    if isinstance(error, OSError):
        return file_access_error(path, error, writing=True).message
    return f"an unexpected problem ({type(error).__name__}); see the log"


class ProjectMessages:
    """The non-modal messages of the project commands (a new one replaces the last)."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self.box: QMessageBox | None = None  # the last message, while open

    def report(self, title: str, text: str) -> None:
        self.show(title, text)

    def show(self, title: str, text: str, details: str = "", *, status: bool = True) -> QMessageBox:
        """A non-modal message (one at a time), and the gist in the status bar."""
        if status:
            self._services.status(f"{title}: {text}", ERROR_MS)
        if self.box is not None:
            self.box.close()
        box = QMessageBox(self._services.window)
        box.setObjectName("project_message")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        if details:
            box.setInformativeText(details)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._closed(box))
        self.box = box
        box.show()
        return box

    def open_failure(
        self,
        path: Path,
        issues: tuple[ConfigIssue, ...] | list[ConfigIssue],
        backup: Path | None,
        open_backup: Callable[[Path], object],
    ) -> None:
        """Why the project at `path` cannot be opened; with "Open the backup" (calling
        `open_backup(folder)`) when project.json is damaged and a backup exists."""
        problems = [i for i in issues if not i.reason.startswith(_BACKUP_OFFER)] or list(issues)
        self._services.status(f"Could not open the project: {problems[0]}", ERROR_MS)
        box = self.show(
            "Could not open the project",
            f"The project {path} could not be opened.",
            issues_text(problems),
            status=False,
        )
        if backup is not None:
            box.setInformativeText(
                f"{box.informativeText()}\n\nThe previous save is kept as {backup.name}."
            )
            button = box.addButton("Open the backup", QMessageBox.ButtonRole.AcceptRole)
            button.setObjectName("open_backup_button")
            button.clicked.connect(lambda: open_backup(backup.parent))

    def _closed(self, box: QMessageBox) -> None:
        if self.box is box:
            self.box = None
