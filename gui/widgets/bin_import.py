"""The Image Bin's imports: files and folders copied into the open project's store by a
background job (video_studio.importing), one job at a time with the others waiting in
line, shown by a progress row (bar, what is happening with an ETA, Cancel)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.services import Services
from gui.widgets.bin_notes import plural
from gui.widgets.bin_thumbnails import ThumbnailLoader
from gui.workers import JobHandle, ProgressReport, error_text
from video_studio.error_types import ErrorInfo
from video_studio.importing import ImportResult, import_into_store
from video_studio.jobs import CancelToken, Progress
from video_studio.project import Project

_log = logging.getLogger("video_studio.gui.image_bin")

_PROGRESS_STEPS = 1000

Outcome = Callable[[], object]  # what to announce once the job is over


def eta_text(seconds: float | None) -> str:
    """'about 12 s left' for a progress label; empty while unknown."""
    if seconds is None:
        return ""
    if seconds < 1.5:
        return "almost done"
    if seconds < 90:
        return f"about {round(seconds)} s left"
    return f"about {round(seconds / 60)} min left"


def import_summary(result: ImportResult, added: int) -> str:
    """What an import did, for the note under the bin (`added`: images new to the bin)."""
    parts = [f"Imported {plural(added, 'image')}"]
    already = len(result.entries) - added
    if already:
        parts.append(f"{already} already in the bin")
    if result.duplicates:
        parts.append(f"{plural(len(result.duplicates), 'duplicate')} skipped")
    if result.failures:
        parts.append(f"{plural(len(result.failures), 'file')} could not be imported (listed below)")
    if not result.files_found and not result.failures:
        return "No images were found in what was dropped."
    return "; ".join(parts) + "."


class ImportProgressRow(QWidget):
    """The import's progress: bar, what is happening with the ETA, and Cancel. Hidden
    while no import runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_progress_row")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("import_progress")
        self.bar.setRange(0, _PROGRESS_STEPS)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        column.addWidget(self.bar)
        self.label = QLabel(self)
        self.label.setObjectName("import_progress_label")
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        column.addWidget(self.label)
        row.addLayout(column, 1)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setObjectName("cancel_import")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the import: nothing is added to the bin")
        row.addWidget(self.cancel_button)
        self.hide()

    def begin(self) -> None:
        self.bar.setValue(0)
        self.label.setText("Looking for images…")
        self.show()

    def set_fraction(self, fraction: float) -> None:
        self.bar.setValue(round(fraction * _PROGRESS_STEPS))

    def cancelling(self) -> None:
        self.label.setText("Cancelling…")
        self.cancel_button.setEnabled(False)

    def end(self) -> None:
        self.cancel_button.setEnabled(True)
        self.hide()


class ImageImports(QObject):
    """The bin's import jobs into the open project's store, shown in `row`.

    A job's outcome is handled at once by the handler given for it (`on_result`,
    `on_failure` with the plain message, `on_cancel`), which returns what to announce, or
    None; the announcement is made once the job is over (so `importing` is False for its
    listeners), then the next waiting import starts."""

    started = Signal()

    def __init__(
        self,
        services: Services,
        loader: ThumbnailLoader,
        row: ImportProgressRow,
        *,
        on_result: Callable[[ImportResult], Outcome | None],
        on_failure: Callable[[str], Outcome | None],
        on_cancel: Callable[[], Outcome | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._session = services.session
        self._loader = loader
        self._row = row
        self._on_result = on_result
        self._on_failure = on_failure
        self._on_cancel = on_cancel
        self._handle: JobHandle | None = None
        self.project: Project | None = None  # the project the running job imports into
        self._queue: list[list[Path]] = []
        self._last_progress: Progress | None = None
        self._outcome: Outcome | None = None  # what to announce when the job ends
        self._shut_down = False

    @property
    def importing(self) -> bool:
        return self._handle is not None

    def submit(self, paths: list[Path]) -> None:
        """Import `paths` into the open project now, or after the running import."""
        if self._handle is not None:
            self._queue.append(paths)
            self._update_text(None)
            return
        self._start(paths)

    def _start(self, paths: list[Path]) -> None:
        project = self._session.project
        assert project is not None
        store = project.store
        on_stored = functools.partial(self._loader.prefetch_stored, self._loader.generation)

        def work(cancel: CancelToken, progress: ProgressReport) -> ImportResult:
            return import_into_store(
                store, paths, cancel=cancel, progress=progress, on_stored=on_stored
            )

        self.project = project
        self._row.begin()
        self._handle = self._services.jobs.start(
            "Import images",
            work,
            on_progress=self._progress,
            on_success=self._succeeded,
            on_failure=self._failed,
            on_cancel=self._cancelled,
            on_finish=self._finished,
        )
        self.started.emit()

    def cancel(self) -> None:
        """Stop the running import and drop the waiting ones: nothing joins the bin."""
        self._queue.clear()
        if self._handle is not None:
            self._handle.cancel()
            self._row.cancelling()

    def stop(self) -> None:
        """Another project: drop the waiting imports and cancel the running one."""
        self._queue.clear()
        if self._handle is not None:
            self._handle.cancel()

    def shutdown(self) -> None:
        """Cancel the import (its files stay in the store, unused) and wait for it."""
        self._shut_down = True
        self._queue.clear()
        handle = self._handle
        if handle is not None:
            handle.cancel()
            if not handle.wait(10.0):
                _log.error("the import did not stop in time")

    def _progress(self, progress: Progress) -> None:
        self._update_text(progress)
        self._row.set_fraction(progress.fraction)
        self._loader.kick()  # thumbnails of the images stored so far

    def _update_text(self, progress: Progress | None) -> None:
        if self._handle is None:
            return
        if progress is not None:
            self._last_progress = progress
        last = self._last_progress
        parts = [last.message if last is not None else "Importing images…"]
        eta = eta_text(last.eta_seconds if last is not None else None)
        if eta:
            parts.append(eta)
        if self._queue:
            parts.append(f"{plural(len(self._queue), 'more import')} waiting")
        self._row.label.setText(" — ".join(parts))

    def _succeeded(self, result: object) -> None:
        assert isinstance(result, ImportResult)
        self._outcome = self._on_result(result)

    def _failed(self, info: ErrorInfo) -> None:
        self._outcome = self._on_failure(error_text(info))

    def _cancelled(self) -> None:
        self._outcome = self._on_cancel()

    def _finished(self) -> None:
        self._handle = None
        self.project = None
        self._last_progress = None
        self._row.end()
        self._loader.kick()
        outcome, self._outcome = self._outcome, None
        if outcome is not None:
            outcome()
        if self._handle is not None:
            return  # a listener started another import; the waiting ones follow it
        if self._queue and not self._shut_down and self._session.project is not None:
            self._start(self._queue.pop(0))
        else:
            self._queue.clear()
