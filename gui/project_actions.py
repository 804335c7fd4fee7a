"""Projects in the app: File > New, Open, Open Recent, Save, Save As, Close; the offer to
restore unsaved work after a crash; and the Missing Media panel.

    actions = ProjectActions(services)     # made by the main window (CONTROLLERS)
    actions.open_project(Path("Launch.vsproj"))
    actions.save()

Nothing here blocks or loops: a project that cannot be opened is explained in the status
bar and a non-modal message (with "Open the backup" when project.json is damaged and a
backup exists); unsaved work found after a crash is offered by a banner the user may
ignore; missing files are listed in a panel. The one modal question is about unsaved
changes before another project replaces the open one.

This module opens, creates, saves and closes projects; the other parts live in
`gui.projects`: the dialogs (`folder_dialogs`), Open Recent (`recent_menu`), Save As
(`save_as`), crash recovery (`recovery`), relinking (`missing_media`) and the messages
(`messages`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import platformdirs
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from gui.projects.file_menu import add_file_actions, update_file_actions
from gui.projects.folder_dialogs import (
    OpenProjectDialog,
    ProjectFolderDialog,
    absolute_path,
    folder_name,
)
from gui.projects.messages import ProjectMessages, issues_text, plain_reason
from gui.projects.missing_media import MissingMediaRelinker
from gui.projects.recent_menu import RecentProjectsMenu
from gui.projects.recovery import RecoveryOffers
from gui.projects.save_as import ProjectSaveAs
from gui.services import Services
from gui.workers import JobHandle
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.error_types import VideoStudioError
from video_studio.project import PROJECT_FILE, Project, ProjectOpenError, RecoveryCopy
from video_studio.relink import MissingMedia

__all__ = ["OpenProjectDialog", "ProjectActions", "ProjectFolderDialog", "folder_name"]

_log = logging.getLogger("video_studio.gui.projects")

_Button = QMessageBox.StandardButton


class ProjectActions(QObject):
    """The File menu's project commands, crash recovery and relinking, for the window."""

    project_opened = Signal(str)  # the folder of a project opened, created or restored
    saved_as = Signal(str)  # the folder Save As finished copying to
    recovery_offered = Signal()  # the banner offers unsaved work
    relinked = Signal(int)  # how many missing files were relinked

    def __init__(self, services: Services) -> None:
        super().__init__(services.window)
        self._services = services
        self._window = services.window
        self._session = services.session
        self._messages = ProjectMessages(services)
        self.dialog: QWidget | None = None  # the open New/Open/Save As dialog, if any

        self._recovery = RecoveryOffers(services, self._messages, self)
        self._recovery.offered.connect(self.recovery_offered)
        self._recovery.restored.connect(self.project_opened)
        self.banner = self._recovery.banner
        self._relinker = MissingMediaRelinker(services, self._messages, self)
        self._relinker.relinked.connect(self.relinked)
        self.relink_panel = self._relinker.panel
        self.recent_menu = RecentProjectsMenu(services.state, self._window)
        self.recent_menu.open_requested.connect(self.open_project)
        self._save_as = ProjectSaveAs(
            services,
            self._messages,
            self._recovery,
            remember=self.recent_menu.remember,
            opened=lambda project: self._opened(project, check_recovery=False),
            parent=self,
        )
        self._save_as.saved_as.connect(self.saved_as)
        add_file_actions(services.actions, self, self.recent_menu)
        self.recent_menu.refresh()

        self._session.project_changed.connect(self._project_changed)
        self._session.document_changed.connect(self._document_changed)
        app = QGuiApplication.instance()
        self._app = app if isinstance(app, QGuiApplication) else None
        if self._app is not None:
            self._app.applicationStateChanged.connect(self._application_state_changed)
        self._project_changed()

    @property
    def message_box(self) -> QMessageBox | None:
        """The last non-modal message, while open."""
        return self._messages.box

    # --- Open Recent ----------------------------------------------------------------------------

    def refresh_recent_menu(self) -> None:
        """Rebuild Open Recent: projects that are gone are greyed, with a tooltip, and the
        "Remove Missing Projects" entry takes them out of the list."""
        self.recent_menu.refresh()

    def remove_missing_recent(self) -> None:
        self.recent_menu.remove_missing()

    def clear_recent(self) -> None:
        self.recent_menu.clear_list()

    # --- dialogs (non-blocking) ---------------------------------------------------------------

    def _start_folder(self) -> Path:
        if self._session.project is not None:
            return self._session.project.folder.parent
        for text in self._services.state.recent_projects:
            parent = Path(text).parent
            if parent.is_dir():
                return parent
        return Path(platformdirs.user_documents_dir())

    def _show_dialog(self, dialog: QWidget) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.destroyed.connect(self._dialog_gone)
        if isinstance(dialog, QDialog):
            dialog.open()

    def _dialog_gone(self) -> None:
        self.dialog = None

    def show_new_project_dialog(self) -> ProjectFolderDialog:
        dialog = ProjectFolderDialog(
            self._window, "New Project", "Untitled", self._start_folder(), "Create"
        )
        dialog.chosen.connect(self.new_project)
        self._show_dialog(dialog)
        return dialog

    def show_open_dialog(self) -> OpenProjectDialog:
        """Choose a project.json, or a project folder (choosing or entering one opens it)."""
        dialog = OpenProjectDialog(self._window, self._start_folder())
        dialog.project_chosen.connect(lambda path: self.open_project(Path(path)))
        self._show_dialog(dialog)
        return dialog

    def show_save_as_dialog(self) -> ProjectFolderDialog | None:
        project = self._session.project
        if project is None:
            return None
        dialog = ProjectFolderDialog(
            self._window,
            "Save Project As",
            f"{project.document.name} copy",
            project.folder.parent,
            "Save",
        )
        dialog.chosen.connect(self.save_as)
        self._show_dialog(dialog)
        return dialog

    # --- new, open, save, close ---------------------------------------------------------------

    def new_project(self, folder: Path, name: str) -> bool:
        """Create a project folder and open it (after asking about unsaved changes)."""
        folder = absolute_path(folder)
        answer = self._ask_unsaved("creating a new project")
        if answer is None:
            return False
        try:
            project = Project.create(folder, name.strip())
        except ConfigError as error:
            self._messages.report("Could not create the project", issues_text(error.issues))
            return False
        except (OSError, VideoStudioError) as error:
            self._messages.report("Could not create the project", plain_reason(error, folder))
            return False
        self._switch_to(project, dirty=False, discard_old=answer == _Button.Discard)
        self._opened(project, check_recovery=False)
        self._services.status(f"Created {project.document.name} in {project.folder}")
        return True

    def open_project(self, path: Path) -> bool:
        """Open a project folder or its project.json. A project that cannot be opened is
        explained (status bar and a non-modal message); the open one stays open."""
        path = absolute_path(path)
        current = self._session.project
        folder = path.parent if path.name == PROJECT_FILE else path
        if current is not None and current.folder == folder and not self._session.dirty:
            self._services.status(f"{current.document.name} is already open")
            return True
        project = self._read_project(path)
        if project is None:
            return False
        answer = self._ask_unsaved("opening another project")
        if answer is None:
            return False
        self._switch_to(project, dirty=project.dirty, discard_old=answer == _Button.Discard)
        self._opened(project, check_recovery=True)
        upgraded = " (upgraded from an older format: save to keep it)" if project.dirty else ""
        self._services.status(f"Opened {project.document.name}{upgraded}")
        return True

    def _read_project(self, path: Path) -> Project | None:
        """The project at `path`, or None after explaining why it cannot be opened."""
        try:
            return Project.open(path)
        except ProjectOpenError as error:
            self._open_failed(path, error.issues, error.backup)
        except ConfigError as error:
            self._open_failed(path, error.issues)
        except (OSError, VideoStudioError) as error:
            self._open_failed(path, [ConfigIssue(str(path), "", plain_reason(error, path))])
        except Exception as error:  # never a crash for a file someone handed us
            _log.exception("opening %s failed", path)
            reason = f"could not be read ({type(error).__name__}); see the log"
            self._open_failed(path, [ConfigIssue(str(path), "", reason)])
        return None

    def _open_failed(
        self,
        path: Path,
        issues: tuple[ConfigIssue, ...] | list[ConfigIssue],
        backup: Path | None = None,
    ) -> None:
        self._messages.open_failure(path, issues, backup, self.open_backup)

    def open_backup(self, folder: Path) -> bool:
        """Open the project as its previous save left it (project.json.bak); saving makes
        it project.json again."""
        folder = absolute_path(folder)
        try:
            project = Project.open_backup(folder)
        except ConfigError as error:
            self._messages.report("Could not open the backup", issues_text(error.issues))
            return False
        except (OSError, VideoStudioError) as error:
            self._messages.report("Could not open the backup", plain_reason(error, folder))
            return False
        answer = self._ask_unsaved("opening the backup")
        if answer is None:
            return False
        self._switch_to(project, dirty=True, discard_old=answer == _Button.Discard)
        self._opened(project, check_recovery=True)
        self._services.status(
            f"Opened the backup of {project.document.name}: save to make it the project again"
        )
        return True

    def save(self) -> bool:
        project = self._session.project
        if project is None:
            self._services.status("No project is open")
            return False
        try:
            self._session.save()
        except Exception as error:
            if not isinstance(error, OSError | VideoStudioError | ConfigError):
                _log.exception("saving %s failed", project.folder)
            self._messages.report(
                "Could not save the project", plain_reason(error, project.json_path)
            )
            return False
        self._recovery.saved(project.folder)  # the save removed the recovery copies
        self.recent_menu.remember(project.folder)
        self._services.status(f"Saved {project.document.name}")
        return True

    def save_as(self, folder: Path, name: str | None = None) -> bool:
        """Copy the project folder to `folder` (new or empty) as a job and continue there
        when it is done (`saved_as` is emitted). False if refused at once; a failure later
        is reported, and the project stays where it was."""
        return self._save_as.start(folder, name)

    def close_project(self) -> bool:
        """Close the open project (after asking about unsaved changes)."""
        project = self._session.project
        if project is None:
            return True
        answer = self._ask_unsaved("closing it")
        if answer is None:
            return False
        self._switch_to(None, dirty=False, discard_old=answer == _Button.Discard)
        self._services.status(f"Closed {project.document.name}")
        return True

    # --- switching ----------------------------------------------------------------------------

    def _ask_unsaved(self, doing: str) -> _Button | None:
        """Save, Discard or Cancel the open project's unsaved changes; None: cancelled
        (or the save failed). Save and Discard are the answers given."""
        session = self._session
        if not session.dirty:
            return _Button.Save
        answer = QMessageBox.question(
            self._window,
            "Unsaved changes",
            f"Save the changes to {session.document.name} before {doing}?",
            _Button.Save | _Button.Discard | _Button.Cancel,
            _Button.Save,
        )
        if answer == _Button.Save:
            return _Button.Save if self.save() else None
        if answer == _Button.Discard:
            return _Button.Discard
        return None

    def _switch_to(self, project: Project | None, *, dirty: bool, discard_old: bool) -> None:
        old = self._session.project
        if discard_old and old is not None:
            self._session.set_project(None)  # writes a pending autosave copy first...
            Project.discard_recovery(old.folder)  # ...that the discard then removes
        if project is not None or self._session.project is not None:
            self._session.set_project(project, dirty=dirty)

    def _opened(self, project: Project, *, check_recovery: bool) -> None:
        self._recovery.mark_opened()
        self.recent_menu.remember(project.folder)
        self.project_opened.emit(str(project.folder))
        if check_recovery:
            self._recovery.check(project)

    def _project_changed(self) -> None:
        project = self._session.project
        update_file_actions(self._services.actions, has_project=self._session.has_project)
        self._recovery.project_changed(project)
        self.refresh_missing(force=True)

    def _document_changed(self) -> None:
        self.refresh_missing()

    def _application_state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.refresh_missing(force=True)  # files may have come back, or gone

    # --- crash recovery (gui.projects.recovery) -----------------------------------------------

    @property
    def offered_copy(self) -> RecoveryCopy | None:
        return self._recovery.offered_copy

    def restore_recovery(self) -> bool:
        """Open the offered copy in place of the saved project (unsaved until saved). A
        copy that cannot be read is set aside (renamed *.damaged) and the next is offered."""
        return self._recovery.restore()

    def discard_recovery(self) -> None:
        """Delete the autosaved copies; the saved project stays open."""
        self._recovery.discard()

    def skip_recovery(self) -> None:
        """Not now: the copies stay for the next time the project opens."""
        self._recovery.skip()

    # --- missing media (gui.projects.missing_media) -------------------------------------------

    @property
    def missing(self) -> list[MissingMedia]:
        return self._relinker.missing

    def refresh_missing(self, *, force: bool = False) -> list[MissingMedia]:
        """Check the project's files (cheap: a few exists() calls; skipped when no file
        reference changed since the last check, unless `force`)."""
        return self._relinker.refresh(force=force)

    def show_missing_media(self) -> None:
        self._relinker.show_missing()

    def relink_file(self, item: MissingMedia, file: Path) -> JobHandle | None:
        """Replace one missing file by `file` (checked, and a photo copied into the store,
        on a worker thread); the change is one undo step."""
        return self._relinker.relink_file(item, file)

    def search_folder(self, folder: Path) -> JobHandle | None:
        """Look for every missing file in `folder` (by name; photos also by content) and
        relink what is found, as one undo step."""
        return self._relinker.search_folder(folder)

    # --- ending -------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel our jobs and close our dialogs (the window's JobRunner waits for them)."""
        for job in (self._recovery.job, self._save_as.job, self._relinker.job):
            if job is not None:  # a job forgets itself when it finishes
                job.cancel()
        if self._app is not None:
            self._app.applicationStateChanged.disconnect(self._application_state_changed)
            self._app = None
        for widget in (self.dialog, self._messages.box, self.relink_panel.dialog):
            if widget is not None:
                widget.close()
