"""Restoring unsaved work after a crash: when a project opens, its autosaved copies newer
than project.json are looked for on a worker thread and offered by a banner the user may
ignore (Restore, Discard, or not now).

Skipping the banner (its close button) keeps the autosaved copies on disk: they are
offered again the next time the project opens. They last until the project is saved (a
save means the open state is the one to keep) or until newer autosaves of continued
editing take their places (three are kept).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

from gui.projects.messages import ERROR_MS, ProjectMessages, issues_text, plain_reason
from gui.services import Services
from gui.widgets.restore_banner import RestoreBanner, clock_text
from gui.workers import JobHandle
from video_studio.config_errors import ConfigError
from video_studio.error_types import ErrorInfo
from video_studio.project import Project, RecoveryCopy
from video_studio.project_document import document_modified, utc_now

_log = logging.getLogger("video_studio.gui.projects")
_Button = QMessageBox.StandardButton


class RecoveryOffers(QObject):
    """The restore banner and what it offers, for the open project."""

    offered = Signal()  # the banner offers unsaved work
    restored = Signal(str)  # the folder of the project whose unsaved work was opened

    def __init__(self, services: Services, messages: ProjectMessages, parent: QObject) -> None:
        super().__init__(parent)
        self._services = services
        self._window = services.window
        self._session = services.session
        self._messages = messages
        self._opened_at = utc_now()
        self._offered: RecoveryCopy | None = None
        self._offered_folder: Path | None = None
        self._skipped_folder: Path | None = None  # restore was skipped for this project
        self.job: JobHandle | None = None  # the look for copies, while it runs

        self.banner = RestoreBanner(self._window)
        self._banner_placed = False
        self.banner.restore_requested.connect(self.restore)
        self.banner.discard_requested.connect(self.discard)
        self.banner.dismissed.connect(self.skip)

    @property
    def offered_copy(self) -> RecoveryCopy | None:
        return self._offered

    # --- what the project commands tell --------------------------------------------------

    def mark_opened(self) -> None:
        """A project was opened now: autosaves from now on are its own, not offered."""
        self._opened_at = utc_now()

    def project_changed(self, project: Project | None) -> None:
        if project is None or project.folder != self._offered_folder:
            self.withdraw()

    def saved(self, folder: Path) -> None:
        """The project in `folder` was saved: the save removed its recovery copies."""
        if self._offered_folder == folder:
            self.withdraw()
        if self._skipped_folder == folder:
            self._skipped_folder = None

    def skipped(self, folder: Path) -> bool:
        """Whether restoring was skipped (not now) for the project in `folder`."""
        return self._skipped_folder == folder

    # --- looking and offering ------------------------------------------------------------

    def check(self, project: Project) -> None:
        """Look for autosaved copies newer than project.json, on a worker thread."""
        folder, opened_at = project.folder, self._opened_at

        def found(copies: list[RecoveryCopy]) -> None:
            self.job = None
            if self._session.project is not project:
                return  # another project by now
            older = [copy for copy in copies if copy.saved_at < opened_at]  # not ours
            if older:
                self._offer(folder, older)

        self.job = self._services.jobs.start(
            "Look for unsaved changes",
            lambda _cancel, _progress: Project.recovery_candidates(folder),
            on_success=found,
            on_failure=self._check_failed,
            on_cancel=self._check_failed,
        )

    def _check_failed(self, info: ErrorInfo | None = None) -> None:
        self.job = None
        if info is not None:
            _log.warning("looking for recovery copies failed: %s", info.message)

    def _offer(self, folder: Path, copies: list[RecoveryCopy], note: str = "") -> None:
        self._offered = copies[0]
        self._offered_folder = folder
        if not self._banner_placed:
            self._window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
            self._window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner)
            self._banner_placed = True
        self.banner.offer(copies[0].saved_at, len(copies), note)
        self._services.status(
            f"Unsaved changes from {clock_text(copies[0].saved_at)} were found: "
            "Restore or Discard them (top of the window)",
            ERROR_MS,
        )
        self.offered.emit()

    # --- the answers ---------------------------------------------------------------------

    def restore(self) -> bool:
        """Open the offered copy in place of the saved project (unsaved until saved). A
        copy that cannot be read is set aside (renamed *.damaged) and the next is offered."""
        copy, folder = self._offered, self._offered_folder
        project = self._session.project
        if copy is None or folder is None or project is None or project.folder != folder:
            self.withdraw()
            return False
        if self._session.dirty:
            answer = QMessageBox.question(
                self._window,
                "Restore unsaved changes",
                "Restoring replaces the changes made since the project was opened. Restore anyway?",
                _Button.Yes | _Button.Cancel,
                _Button.Cancel,
            )
            if answer != _Button.Yes:
                return False
        when = clock_text(copy.saved_at)
        copy = self._current_copy(folder, copy)
        if copy is None:
            self.withdraw()
            self.banner.notice(
                f"The unsaved changes from {when} are no longer there: newer autosaves "
                "replaced them."
            )
            return False
        try:
            restored = Project.restore(folder, copy)
        except Exception as error:  # a damaged copy must not stop the app, or come back
            self._set_aside(folder, copy, error)
            return False
        self._offered = None
        self._session.set_project(restored, dirty=True)
        self.banner.withdraw()
        self._offered_folder = None
        self._opened_at = utc_now()
        self.restored.emit(str(folder))
        self._services.status(f"Restored the unsaved changes from {when}: save to keep them")
        return True

    def discard(self) -> None:
        """Delete the autosaved copies; the saved project stays open."""
        copy, folder = self._offered, self._offered_folder
        self.withdraw()
        if copy is None or folder is None:
            return
        try:
            Project.discard_recovery(folder)
        except OSError as error:
            self._messages.report(
                "Could not discard the unsaved changes", plain_reason(error, folder)
            )
            return
        self._services.status(f"Discarded the unsaved changes from {clock_text(copy.saved_at)}")

    def skip(self) -> None:
        """Not now: the copies stay for the next time the project opens."""
        copy, folder = self._offered, self._offered_folder
        self.withdraw()
        if copy is not None and folder is not None:
            self._skipped_folder = folder
            self._services.status(
                f"The unsaved changes from {clock_text(copy.saved_at)} are kept: they are "
                "offered again the next time this project opens"
            )

    def withdraw(self) -> None:
        self._offered = None
        self._offered_folder = None
        self.banner.withdraw()

    def _current_copy(self, folder: Path, offered: RecoveryCopy) -> RecoveryCopy | None:
        """The offered copy as it is now: autosaves since may have rotated it to another
        file (found by its time), or pushed it out."""
        if offered.path.exists():
            stamp = document_modified(offered.path)
            if stamp is None or stamp == offered.saved_at:
                return offered  # the same copy (or unreadable: restore says so)
        for copy in Project.recovery_candidates(folder):
            if copy.saved_at == offered.saved_at:
                return copy
        return None

    def _set_aside(self, folder: Path, copy: RecoveryCopy, error: Exception) -> None:
        reason = issues_text(error.issues) if isinstance(error, ConfigError) else str(error)
        _log.warning("recovery copy %s cannot be restored: %s", copy.path, reason)
        aside = copy.path.with_name(copy.path.name + ".damaged")
        number = 1
        while aside.exists():
            number += 1
            aside = copy.path.with_name(f"{copy.path.name}.damaged-{number}")
        try:
            copy.path.replace(aside)
            where = f"it was set aside as {aside.name}"
        except OSError:
            try:
                copy.path.unlink(missing_ok=True)
                where = "it was removed"
            except OSError:
                where = f"{copy.path} could not be moved aside"
        text = (
            f"The unsaved changes from {clock_text(copy.saved_at)} could not be read "
            f"({reason}); {where}."
        )
        self._services.status(text, ERROR_MS)
        others = [c for c in Project.recovery_candidates(folder) if c.saved_at < self._opened_at]
        if others:
            self._offer(folder, others, note=text)
        else:
            self._offered = None
            self._offered_folder = None
            self.banner.notice(text)
