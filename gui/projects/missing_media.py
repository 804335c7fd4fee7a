"""File > Find Missing Media: the files the open project uses that cannot be found, listed
in the Missing Media panel, and relinked (one file chosen by the user, or a folder searched)
on a worker thread as one undo step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDockWidget

from gui.projects.messages import ERROR_MS, ProjectMessages, issues_text
from gui.services import Services
from gui.widgets.relink_panel import RelinkPanel
from gui.workers import JobHandle, error_text
from video_studio.config_errors import ConfigError
from video_studio.error_types import ErrorInfo
from video_studio.project import Project
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


class MissingMediaRelinker(QObject):
    """The Missing Media panel and the relink jobs, for the open project."""

    relinked = Signal(int)  # how many missing files were relinked

    def __init__(self, services: Services, messages: ProjectMessages, parent: QObject) -> None:
        super().__init__(parent)
        self._services = services
        self._window = services.window
        self._session = services.session
        self._messages = messages
        self.job: JobHandle | None = None  # the relink, while it runs
        self._missing: list[MissingMedia] = []
        self._checked: tuple[int, tuple[str, ...]] | None = None

        self.panel = RelinkPanel(self._window)
        self._panel_placed = False
        self.panel.locate_requested.connect(lambda item, path: self.relink_file(item, Path(path)))
        self.panel.search_requested.connect(lambda path: self.search_folder(Path(path)))
        self.panel.cancel_requested.connect(self._cancel)

    @property
    def missing(self) -> list[MissingMedia]:
        return list(self._missing)

    def refresh(self, *, force: bool = False) -> list[MissingMedia]:
        """Check the project's files (cheap: a few exists() calls; skipped when no file
        reference changed since the last check, unless `force`)."""
        project = self._session.project
        if project is None:
            self._missing = []
            self._checked = None
            self.panel.set_missing([])
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
            self._place_panel()
        self.panel.set_missing(self._missing, project.folder.parent)
        return list(self._missing)

    def _place_panel(self) -> None:
        """Beside the inspector (a tab) when the window has one, else on the right."""
        window = self._window
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
        neighbour = window.findChild(QDockWidget, "dock_inspector")
        if neighbour is not None and not neighbour.isFloating():
            window.tabifyDockWidget(neighbour, self.panel)
        self._panel_placed = True

    def show_missing(self) -> None:
        missing = self.refresh(force=True)
        if missing:
            self.panel.reveal()
        else:
            self._services.status("Every file the project uses is in place")

    # --- relinking -------------------------------------------------------------------------

    def relink_file(self, item: MissingMedia, file: Path) -> JobHandle | None:
        """Replace one missing file by `file` (checked, and a photo copied into the store,
        on a worker thread); the change is one undo step."""
        project = self._session.project
        if project is None or self.job is not None:
            return None
        return self._start(
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
        if project is None or not items or self.job is not None:
            return None
        return self._start(
            "Search for missing files",
            lambda cancel, progress: search_folder(
                project, items, folder, cancel=cancel, progress=progress
            ),
            project,
            f"Searching {folder}...",
        )

    def _start(
        self,
        name: str,
        work: Callable[..., SearchResult],
        project: Project,
        busy: str,
    ) -> JobHandle:
        self.panel.set_busy(busy)
        self.job = self._services.jobs.start(
            name,
            work,
            on_progress=lambda progress: self.panel.set_busy(f"{busy} {progress.message}".strip()),
            on_success=lambda result: self._found(project, result),
            on_failure=self._failed,
            on_cancel=self._cancelled,
        )
        return self.job

    def _cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _done(self) -> None:
        self.job = None
        self.panel.set_busy(None)
        self.refresh(force=True)

    def _failed(self, info: ErrorInfo) -> None:
        self._done()
        self._messages.report("Could not relink", error_text(info))

    def _cancelled(self) -> None:
        self._done()
        self._services.status("Relink cancelled")

    def _found(self, project: Project, result: SearchResult) -> None:
        self._done()
        if self._session.project is not project:
            return  # another project by now
        done: list[Replacement] = list(result.replacements)
        if done:
            try:
                edit = relink_edit(project, done)
            except ConfigError as error:
                self._messages.report("Could not relink", issues_text(error.issues))
                return
            self._session.perform(edit)  # nothing to perform when only the store changed
        self.refresh(force=True)  # a photo put back in the store changes no text
        self._services.status(relink_summary(result), ERROR_MS)
        self.relinked.emit(len(done))


def relink_summary(result: SearchResult) -> str:
    """What a relink did, in one line for the status bar."""
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
