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

Skipping the restore banner (its close button) keeps the autosaved copies on disk: they
are offered again the next time the project opens. They last until the project is saved
(a save means the open state is the one to keep) or until newer autosaves of continued
editing take their places (three are kept).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

import platformdirs
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.actions import ActionSpec
from gui.services import Services
from gui.widgets.relink_panel import RelinkPanel
from gui.widgets.restore_banner import RestoreBanner, clock_text
from gui.workers import JobHandle, error_text
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.error_types import ErrorInfo, VideoStudioError
from video_studio.image_io import file_access_error
from video_studio.jobs import Progress
from video_studio.project import (
    PROJECT_FILE,
    PROJECT_SUFFIX,
    Project,
    ProjectOpenError,
    RecoveryCopy,
)
from video_studio.project_copy import (
    check_copy_target,
    copy_late_files,
    copy_project,
    rebase_document,
)
from video_studio.project_document import ProjectDocument, document_modified, utc_now
from video_studio.relink import (
    MissingMedia,
    Replacement,
    SearchResult,
    find_missing,
    prepare_replacement,
    relink_edit,
    search_folder,
)
from video_studio.storyboard_paths import referenced_paths

_log = logging.getLogger("video_studio.gui.projects")

_ERROR_MS = 15_000
_Button = QMessageBox.StandardButton
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_BACKUP_OFFER = "a backup of the previous save exists"


def folder_name(name: str) -> str:
    """A project name as a folder name: `Bottle launch` -> `Bottle launch.vsproj`."""
    safe = _UNSAFE_NAME.sub("-", name).strip().strip(".").strip() or "Untitled"
    return f"{safe}{PROJECT_SUFFIX}"


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
        form.addRow("&Location:", where)
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
        self.message_box: QMessageBox | None = None  # the last non-modal message, while open
        self.dialog: QWidget | None = None  # the open New/Open/Save As dialog, if any
        self._opened_at = utc_now()
        self._offered: RecoveryCopy | None = None
        self._offered_folder: Path | None = None
        self._skipped_folder: Path | None = None  # restore was skipped for this project
        self._recovery_job: JobHandle | None = None
        self._save_as_job: JobHandle | None = None
        self._relink_job: JobHandle | None = None
        self._missing: list[MissingMedia] = []
        self._checked: tuple[int, tuple[str, ...]] | None = None

        self.banner = RestoreBanner(self._window)
        self._banner_placed = False
        self.banner.restore_requested.connect(self.restore_recovery)
        self.banner.discard_requested.connect(self.discard_recovery)
        self.banner.dismissed.connect(self.skip_recovery)
        self.relink_panel = RelinkPanel(self._window)
        self._panel_placed = False
        self.relink_panel.locate_requested.connect(
            lambda item, path: self.relink_file(item, Path(path))
        )
        self.relink_panel.search_requested.connect(lambda path: self.search_folder(Path(path)))
        self.relink_panel.cancel_requested.connect(self._cancel_relink)

        self.recent_menu = QMenu("Open &Recent", self._window)
        self.recent_menu.setObjectName("menu_recent")
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self.refresh_recent_menu)
        self._add_actions()
        self.refresh_recent_menu()

        self._session.project_changed.connect(self._project_changed)
        self._session.document_changed.connect(self._document_changed)
        app = QGuiApplication.instance()
        self._app = app if isinstance(app, QGuiApplication) else None
        if self._app is not None:
            self._app.applicationStateChanged.connect(self._application_state_changed)
        self._project_changed()

    # --- the menu -------------------------------------------------------------------------------

    def _add_actions(self) -> None:
        add = self._services.actions.add
        add(
            ActionSpec("file.new", "&New Project...", "File", "Ctrl+N",
                       tip="Create a new project folder", icon="mdi6.folder-plus-outline"),
            self.show_new_project_dialog,
        )  # fmt: skip
        add(
            ActionSpec("file.open", "&Open Project...", "File", "Ctrl+O",
                       tip="Open a project folder or its project.json",
                       icon="mdi6.folder-open-outline", toolbar=True),
            self.show_open_dialog,
        )  # fmt: skip
        recent = add(ActionSpec("file.open_recent", "Open &Recent", "File"))
        recent.setMenu(self.recent_menu)
        add(
            ActionSpec("file.save", "&Save", "File", "Ctrl+S", tip="Save the project",
                       icon="mdi6.content-save-outline", toolbar=True, section=1),
            self.save,
        )  # fmt: skip
        add(
            ActionSpec("file.save_as", "Save &As...", "File", "Ctrl+Shift+S",
                       tip="Copy the project to a new folder and continue there", section=1),
            self.show_save_as_dialog,
        )  # fmt: skip
        add(
            ActionSpec("file.relink", "Find &Missing Media...", "File",
                       tip="List the files the project uses that cannot be found", section=2),
            self.show_missing_media,
        )  # fmt: skip
        add(
            ActionSpec("file.close", "&Close Project", "File", "Ctrl+W", section=2),
            self.close_project,
        )

    def _update_actions(self) -> None:
        has_project = self._session.has_project
        actions = self._services.actions
        for action_id in ("file.save", "file.save_as", "file.relink", "file.close"):
            actions.action(action_id).setEnabled(has_project)

    def refresh_recent_menu(self) -> None:
        """Rebuild Open Recent: projects that are gone are greyed, with a tooltip, and the
        "Remove Missing Projects" entry takes them out of the list."""
        menu = self.recent_menu
        menu.clear()
        missing = 0
        for index, text in enumerate(self._services.state.recent_projects):
            folder = Path(text)
            label = folder.name.replace("&", "&&")
            if index < 9:
                label = f"&{index + 1} {label}"
            action = menu.addAction(label)
            action.setData(text)
            if (folder / PROJECT_FILE).is_file():
                action.setToolTip(text)
                action.triggered.connect(
                    lambda _checked=False, path=folder: self.open_project(path)
                )
            else:
                missing += 1
                action.setEnabled(False)
                action.setToolTip(f"Not found: {text}")
        if menu.isEmpty():
            menu.addAction("No Recent Projects").setEnabled(False)
            return
        menu.addSeparator()
        remove = menu.addAction("Remove Missing Projects")
        remove.setObjectName("action_recent_remove_missing")
        remove.setEnabled(missing > 0)
        remove.triggered.connect(self.remove_missing_recent)
        clear = menu.addAction("Clear List")
        clear.setObjectName("action_recent_clear")
        clear.triggered.connect(self.clear_recent)

    def remove_missing_recent(self) -> None:
        state = self._services.state
        state.recent_projects = [
            text for text in state.recent_projects if (Path(text) / PROJECT_FILE).is_file()
        ]
        state.save()
        self.refresh_recent_menu()

    def clear_recent(self) -> None:
        self._services.state.recent_projects = []
        self._services.state.save()
        self.refresh_recent_menu()

    def _remember(self, folder: Path) -> None:
        self._services.state.add_recent(folder)
        self._services.state.save()  # now, so that a crash does not forget it
        self.refresh_recent_menu()

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
        folder = _absolute(folder)
        answer = self._ask_unsaved("creating a new project")
        if answer is None:
            return False
        try:
            project = Project.create(folder, name.strip())
        except ConfigError as error:
            self._report("Could not create the project", _issues_text(error.issues))
            return False
        except (OSError, VideoStudioError) as error:
            self._report("Could not create the project", _plain(error, folder))
            return False
        self._switch_to(project, dirty=False, discard_old=answer == _Button.Discard)
        self._opened(project, check_recovery=False)
        self._services.status(f"Created {project.document.name} in {project.folder}")
        return True

    def open_project(self, path: Path) -> bool:
        """Open a project folder or its project.json. A project that cannot be opened is
        explained (status bar and a non-modal message); the open one stays open."""
        path = _absolute(path)
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
            self._report_open_failure(path, error.issues, error.backup)
        except ConfigError as error:
            self._report_open_failure(path, error.issues)
        except (OSError, VideoStudioError) as error:
            self._report_open_failure(path, [ConfigIssue(str(path), "", _plain(error, path))])
        except Exception as error:  # never a crash for a file someone handed us
            _log.exception("opening %s failed", path)
            reason = f"could not be read ({type(error).__name__}); see the log"
            self._report_open_failure(path, [ConfigIssue(str(path), "", reason)])
        return None

    def open_backup(self, folder: Path) -> bool:
        """Open the project as its previous save left it (project.json.bak); saving makes
        it project.json again."""
        folder = _absolute(folder)
        try:
            project = Project.open_backup(folder)
        except ConfigError as error:
            self._report("Could not open the backup", _issues_text(error.issues))
            return False
        except (OSError, VideoStudioError) as error:
            self._report("Could not open the backup", _plain(error, folder))
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
            self._report("Could not save the project", _plain(error, project.json_path))
            return False
        if self._offered_folder == project.folder:  # the save removed the recovery copies
            self._withdraw_offer()
        if self._skipped_folder == project.folder:
            self._skipped_folder = None
        self._remember(project.folder)
        self._services.status(f"Saved {project.document.name}")
        return True

    def save_as(self, folder: Path, name: str | None = None) -> bool:
        """Copy the project folder to `folder` (new or empty) as a job and continue there
        when it is done (`saved_as` is emitted). False if refused at once; a failure later
        is reported, and the project stays where it was."""
        project = self._session.project
        if project is None:
            self._services.status("No project is open")
            return False
        if self._save_as_job is not None:
            self._services.status("A Save As is already copying the project")
            return False
        target = _absolute(folder)
        try:
            check_copy_target(project.folder, target)
        except ConfigError as error:
            self._report("Could not save the project there", _issues_text(error.issues))
            return False
        base = project.document  # edits replace it: `is` tells if any came meanwhile
        snapshot = _renamed(base, name)
        source = project.folder
        self._save_as_job = self._services.jobs.start(
            f"Save As {target.name}",
            lambda cancel, progress: copy_project(
                source, snapshot, target, cancel=cancel, progress=progress
            ),
            on_progress=lambda progress: self._copy_progress(target, progress),
            on_success=lambda copied: self._saved_as(project, base, copied, name),
            on_failure=lambda info: self._save_as_failed(project, target, info),
            on_cancel=self._save_as_cancelled,
        )
        self._services.status(f"Copying the project to {target}...")
        return True

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
        self._opened_at = utc_now()
        self._remember(project.folder)
        self.project_opened.emit(str(project.folder))
        if check_recovery:
            self._check_recovery(project)

    def _project_changed(self) -> None:
        project = self._session.project
        self._update_actions()
        if project is None or project.folder != self._offered_folder:
            self._withdraw_offer()
        self.refresh_missing(force=True)

    def _document_changed(self) -> None:
        self.refresh_missing()

    def _application_state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.refresh_missing(force=True)  # files may have come back, or gone

    # --- errors -------------------------------------------------------------------------------

    def _report_open_failure(
        self,
        path: Path,
        issues: tuple[ConfigIssue, ...] | list[ConfigIssue],
        backup: Path | None = None,
    ) -> None:
        problems = [i for i in issues if not i.reason.startswith(_BACKUP_OFFER)] or list(issues)
        self._services.status(f"Could not open the project: {problems[0]}", _ERROR_MS)
        box = self._message(
            "Could not open the project",
            f"The project {path} could not be opened.",
            _issues_text(problems),
            status=False,
        )
        if backup is not None:
            box.setInformativeText(
                f"{box.informativeText()}\n\nThe previous save is kept as {backup.name}."
            )
            button = box.addButton("Open the backup", QMessageBox.ButtonRole.AcceptRole)
            button.setObjectName("open_backup_button")
            button.clicked.connect(lambda: self.open_backup(backup.parent))

    def _report(self, title: str, text: str) -> None:
        self._message(title, text)

    def _message(
        self, title: str, text: str, details: str = "", *, status: bool = True
    ) -> QMessageBox:
        """A non-modal message (one at a time), and the gist in the status bar."""
        if status:
            self._services.status(f"{title}: {text}", _ERROR_MS)
        if self.message_box is not None:
            self.message_box.close()
        box = QMessageBox(self._window)
        box.setObjectName("project_message")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        if details:
            box.setInformativeText(details)
        box.addButton(_Button.Close)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._message_closed(box))
        self.message_box = box
        box.show()
        return box

    def _message_closed(self, box: QMessageBox) -> None:
        if self.message_box is box:
            self.message_box = None

    # --- Save As ------------------------------------------------------------------------------

    def _copy_progress(self, target: Path, progress: Progress) -> None:
        self._services.status(f"Copying the project to {target}: {progress.fraction:.0%}", 2000)

    def _saved_as(
        self, old: Project, base: ProjectDocument, copied: Project, name: str | None
    ) -> None:
        self._save_as_job = None
        self._remember(copied.folder)
        if self._session.project is not old:  # closed or replaced meanwhile: a copy is made
            self._services.status(f"Saved a copy of the project in {copied.folder}")
            self.saved_as.emit(str(copied.folder))
            return
        dirty = False
        current = self._session.document
        if current is not base:  # edits while copying: they come along, unsaved
            copied.document = rebase_document(_renamed(current, name), old.folder, copied.folder)
            try:
                copy_late_files(old, copied, copied.document)
            except (OSError, VideoStudioError) as error:
                self._services.status(
                    f"Some new files were not copied: {_plain(error, copied.folder)}"
                )
            dirty = True
        keep_old_copies = self._skipped_folder == old.folder
        self._session.set_project(copied, dirty=dirty)
        if not keep_old_copies:  # the work they held is in the new project now
            Project.discard_recovery(old.folder)
        self._opened(copied, check_recovery=False)
        self._services.status(f"Saved as {copied.folder}; {old.folder.name} is unchanged")
        self.saved_as.emit(str(copied.folder))

    def _save_as_failed(self, project: Project, target: Path, info: ErrorInfo) -> None:
        self._save_as_job = None
        self._report(
            "Could not save the project as a copy",
            f"{error_text(info)} Nothing was created at {target}; {project.folder} is unchanged.",
        )

    def _save_as_cancelled(self) -> None:
        self._save_as_job = None
        self._services.status("Save As cancelled: nothing was copied")

    # --- crash recovery -----------------------------------------------------------------------

    def _check_recovery(self, project: Project) -> None:
        """Look for autosaved copies newer than project.json, on a worker thread."""
        folder, opened_at = project.folder, self._opened_at

        def found(copies: list[RecoveryCopy]) -> None:
            self._recovery_job = None
            if self._session.project is not project:
                return  # another project by now
            older = [copy for copy in copies if copy.saved_at < opened_at]  # not ours
            if older:
                self._offer(folder, older)

        self._recovery_job = self._services.jobs.start(
            "Look for unsaved changes",
            lambda _cancel, _progress: Project.recovery_candidates(folder),
            on_success=found,
            on_failure=self._recovery_failed,
            on_cancel=self._recovery_failed,
        )

    def _recovery_failed(self, info: ErrorInfo | None = None) -> None:
        self._recovery_job = None
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
            _ERROR_MS,
        )
        self.recovery_offered.emit()

    @property
    def offered_copy(self) -> RecoveryCopy | None:
        return self._offered

    def restore_recovery(self) -> bool:
        """Open the offered copy in place of the saved project (unsaved until saved). A
        copy that cannot be read is set aside (renamed *.damaged) and the next is offered."""
        copy, folder = self._offered, self._offered_folder
        project = self._session.project
        if copy is None or folder is None or project is None or project.folder != folder:
            self._withdraw_offer()
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
            self._withdraw_offer()
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
        self.project_opened.emit(str(folder))
        self._services.status(f"Restored the unsaved changes from {when}: save to keep them")
        return True

    def discard_recovery(self) -> None:
        """Delete the autosaved copies; the saved project stays open."""
        copy, folder = self._offered, self._offered_folder
        self._withdraw_offer()
        if copy is None or folder is None:
            return
        try:
            Project.discard_recovery(folder)
        except OSError as error:
            self._report("Could not discard the unsaved changes", _plain(error, folder))
            return
        self._services.status(f"Discarded the unsaved changes from {clock_text(copy.saved_at)}")

    def skip_recovery(self) -> None:
        """Not now: the copies stay for the next time the project opens."""
        copy, folder = self._offered, self._offered_folder
        self._withdraw_offer()
        if copy is not None and folder is not None:
            self._skipped_folder = folder
            self._services.status(
                f"The unsaved changes from {clock_text(copy.saved_at)} are kept: they are "
                "offered again the next time this project opens"
            )

    def _withdraw_offer(self) -> None:
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
        reason = _issues_text(error.issues) if isinstance(error, ConfigError) else str(error)
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
        self._services.status(text, _ERROR_MS)
        others = [c for c in Project.recovery_candidates(folder) if c.saved_at < self._opened_at]
        if others:
            self._offer(folder, others, note=text)
        else:
            self._offered = None
            self._offered_folder = None
            self.banner.notice(text)

    # --- missing media --------------------------------------------------------------------------

    @property
    def missing(self) -> list[MissingMedia]:
        return list(self._missing)

    def refresh_missing(self, *, force: bool = False) -> list[MissingMedia]:
        """Check the project's files (cheap: a few exists() calls; skipped when no file
        reference changed since the last check, unless `force`)."""
        project = self._session.project
        if project is None:
            self._missing = []
            self._checked = None
            self.relink_panel.set_missing([])
            return []
        document = project.document
        key = (
            id(project),
            tuple(value for _field, value in referenced_paths(document.storyboard))
            + tuple(document.assets),
        )
        if not force and key == self._checked:
            return list(self._missing)
        self._checked = key
        self._missing = find_missing(project)
        if self._missing and not self._panel_placed:
            self._place_relink_panel()
        self.relink_panel.set_missing(self._missing, project.folder.parent)
        return list(self._missing)

    def _place_relink_panel(self) -> None:
        """Beside the inspector (a tab) when the window has one, else on the right."""
        window = self._window
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.relink_panel)
        neighbour = window.findChild(QDockWidget, "dock_inspector")
        if neighbour is not None and not neighbour.isFloating():
            window.tabifyDockWidget(neighbour, self.relink_panel)
        self._panel_placed = True

    def show_missing_media(self) -> None:
        missing = self.refresh_missing(force=True)
        if missing:
            self.relink_panel.reveal()
        else:
            self._services.status("Every file the project uses is in place")

    def relink_file(self, item: MissingMedia, file: Path) -> JobHandle | None:
        """Replace one missing file by `file` (checked, and a photo copied into the store,
        on a worker thread); the change is one undo step."""
        project = self._session.project
        if project is None or self._relink_job is not None:
            return None
        return self._start_relink(
            f"Relink {item.name}",
            lambda _cancel, _progress: SearchResult(
                replacements=[prepare_replacement(project, item, file)]
            ),
            project,
            f"Checking {file.name}...",
        )

    def search_folder(self, folder: Path) -> JobHandle | None:
        """Look for every missing file in `folder` (by name; photos also by content) and
        relink what is found, as one undo step."""
        project = self._session.project
        items = list(self._missing)
        if project is None or not items or self._relink_job is not None:
            return None
        return self._start_relink(
            "Search for missing files",
            lambda cancel, progress: search_folder(
                project, items, folder, cancel=cancel, progress=progress
            ),
            project,
            f"Searching {folder}...",
        )

    def _start_relink(
        self,
        name: str,
        work: Callable[..., SearchResult],
        project: Project,
        busy: str,
    ) -> JobHandle:
        self.relink_panel.set_busy(busy)
        self._relink_job = self._services.jobs.start(
            name,
            work,
            on_progress=lambda progress: self.relink_panel.set_busy(
                f"{busy} {progress.message}".strip()
            ),
            on_success=lambda result: self._relink_found(project, result),
            on_failure=self._relink_failed,
            on_cancel=self._relink_cancelled,
        )
        return self._relink_job

    def _cancel_relink(self) -> None:
        if self._relink_job is not None:
            self._relink_job.cancel()

    def _relink_done(self) -> None:
        self._relink_job = None
        self.relink_panel.set_busy(None)
        self.refresh_missing(force=True)

    def _relink_failed(self, info: ErrorInfo) -> None:
        self._relink_done()
        self._report("Could not relink", error_text(info))

    def _relink_cancelled(self) -> None:
        self._relink_done()
        self._services.status("Relink cancelled")

    def _relink_found(self, project: Project, result: SearchResult) -> None:
        self._relink_done()
        if self._session.project is not project:
            return  # another project by now
        done: list[Replacement] = list(result.replacements)
        if done:
            try:
                edit = relink_edit(project, done)
            except ConfigError as error:
                self._report("Could not relink", _issues_text(error.issues))
                return
            self._session.perform(edit)  # nothing to perform when only the store changed
        self.refresh_missing(force=True)  # a photo put back in the store changes no text
        self._services.status(_relink_summary(result), _ERROR_MS)
        self.relinked.emit(len(done))

    # --- ending -------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel our jobs and close our dialogs (the window's JobRunner waits for them)."""
        for job in (self._recovery_job, self._save_as_job, self._relink_job):
            if job is not None:  # a job forgets itself when it finishes
                job.cancel()
        if self._app is not None:
            self._app.applicationStateChanged.disconnect(self._application_state_changed)
            self._app = None
        for widget in (self.dialog, self.message_box, self.relink_panel.dialog):
            if widget is not None:
                widget.close()


# --- helpers ------------------------------------------------------------------------------------


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(Path(path).expanduser()))


def _renamed(document: ProjectDocument, name: str | None) -> ProjectDocument:
    if not name or name == document.name:
        return document
    storyboard = document.storyboard.model_copy(update={"name": name})
    return document.model_copy(update={"name": name, "storyboard": storyboard})


def _issues_text(issues: tuple[ConfigIssue, ...] | list[ConfigIssue]) -> str:
    return "\n".join(str(issue) for issue in issues)


def _plain(error: BaseException, path: Path) -> str:
    if isinstance(error, VideoStudioError):
        return error.message
    if isinstance(error, ConfigError):
        return _issues_text(error.issues)
    if isinstance(error, OSError):
        return file_access_error(path, error, writing=True).message
    return f"an unexpected problem ({type(error).__name__}); see the log"


def _relink_summary(result: SearchResult) -> str:
    parts: list[str] = []
    count = len(result.replacements)
    if count:
        parts.append(f"Relinked {count} file{'s' if count != 1 else ''}")
    by_name = [r.item.name for r in result.replacements if not r.exact and r.item.asset_id]
    if by_name:
        parts.append(f"matched by name, not content: {', '.join(by_name)}")
    if result.not_found:
        parts.append(f"not found: {', '.join(item.name for item in result.not_found)}")
    for item, path, reason in result.failed:
        parts.append(f"{path.name} cannot replace {item.name}: {reason}")
    return "; ".join(parts) or "Nothing was relinked"
