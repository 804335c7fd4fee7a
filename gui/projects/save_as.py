"""File > Save As: the open project's folder copied to a new one by a job, and the work
continued there once the copy is done (edits made while copying come along, unsaved). A
failure leaves the project where it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from gui.projects.folder_dialogs import absolute_path
from gui.projects.messages import ProjectMessages, issues_text, plain_reason
from gui.projects.recovery import RecoveryOffers
from gui.services import Services
from gui.workers import JobHandle, error_text
from video_studio.config_errors import ConfigError
from video_studio.error_types import ErrorInfo, VideoStudioError
from video_studio.jobs import Progress
from video_studio.project import Project
from video_studio.project_copy import (
    check_copy_target,
    copy_late_files,
    copy_project,
    rebase_document,
)
from video_studio.project_document import ProjectDocument


def renamed(document: ProjectDocument, name: str | None) -> ProjectDocument:
    """The document with its (and its storyboard's) name set to `name`, if one is given."""
    if not name or name == document.name:
        return document
    storyboard = document.storyboard.model_copy(update={"name": name})
    return document.model_copy(update={"name": name, "storyboard": storyboard})


class ProjectSaveAs(QObject):
    """Save As for the open project. `remember(folder)` records a project folder among
    the recent ones; `opened(project)` is told when the copy replaces the open project."""

    saved_as = Signal(str)  # the folder Save As finished copying to

    def __init__(
        self,
        services: Services,
        messages: ProjectMessages,
        recovery: RecoveryOffers,
        *,
        remember: Callable[[Path], None],
        opened: Callable[[Project], None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._session = services.session
        self._messages = messages
        self._recovery = recovery
        self._remember = remember
        self._opened = opened
        self.job: JobHandle | None = None  # the copy, while it runs

    def start(self, folder: Path, name: str | None = None) -> bool:
        """Copy the project folder to `folder` (new or empty) as a job and continue there
        when it is done (`saved_as` is emitted). False if refused at once; a failure later
        is reported, and the project stays where it was."""
        project = self._session.project
        if project is None:
            self._services.status("No project is open")
            return False
        if self.job is not None:
            self._services.status("A Save As is already copying the project")
            return False
        target = absolute_path(folder)
        try:
            check_copy_target(project.folder, target)
        except ConfigError as error:
            self._messages.report("Could not save the project there", issues_text(error.issues))
            return False
        base = project.document  # edits replace it: `is` tells if any came meanwhile
        snapshot = renamed(base, name)
        source = project.folder
        self.job = self._services.jobs.start(
            f"Save As {target.name}",
            lambda cancel, progress: copy_project(
                source, snapshot, target, cancel=cancel, progress=progress
            ),
            on_progress=lambda progress: self._progress(target, progress),
            on_success=lambda copied: self._copied(project, base, copied, name),
            on_failure=lambda info: self._failed(project, target, info),
            on_cancel=self._cancelled,
        )
        self._services.status(f"Copying the project to {target}...")
        return True

    def _progress(self, target: Path, progress: Progress) -> None:
        self._services.status(f"Copying the project to {target}: {progress.fraction:.0%}", 2000)

    def _copied(
        self, old: Project, base: ProjectDocument, copied: Project, name: str | None
    ) -> None:
        self.job = None
        self._remember(copied.folder)
        if self._session.project is not old:  # closed or replaced meanwhile: a copy is made
            self._services.status(f"Saved a copy of the project in {copied.folder}")
            self.saved_as.emit(str(copied.folder))
            return
        dirty = False
        current = self._session.document
        if current is not base:  # edits while copying: they come along, unsaved
            copied.document = rebase_document(renamed(current, name), old.folder, copied.folder)
            try:
                copy_late_files(old, copied, copied.document)
            except (OSError, VideoStudioError) as error:
                self._services.status(
                    f"Some new files were not copied: {plain_reason(error, copied.folder)}"
                )
            dirty = True
        keep_old_copies = self._recovery.skipped(old.folder)
        self._session.set_project(copied, dirty=dirty)
        if not keep_old_copies:  # the work they held is in the new project now
            Project.discard_recovery(old.folder)
        self._opened(copied)
        self._services.status(f"Saved as {copied.folder}; {old.folder.name} is unchanged")
        self.saved_as.emit(str(copied.folder))

    def _failed(self, project: Project, target: Path, info: ErrorInfo) -> None:
        self.job = None
        self._messages.report(
            "Could not save the project as a copy",
            f"{error_text(info)} Nothing was created at {target}; {project.folder} is unchanged.",
        )

    def _cancelled(self) -> None:
        self.job = None
        self._services.status("Save As cancelled: nothing was copied")
