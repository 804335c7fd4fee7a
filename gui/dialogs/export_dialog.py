"""File > Export Video...: a non-modal dialog that renders the project to a video file.

Presets (platform, aspect, resolution, look, codec) fill the fields; Export snapshots the
storyboard and runs `export_video` through the job runner, so the rest of the app stays
usable and later edits do not change the running export. Progress shows frames per second
and the time left; Cancel leaves nothing at the target; failures are shown in the dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.actions import ActionSpec
from gui.dialogs.export_choices import progress_text
from gui.dialogs.export_form import ExportForm
from gui.services import Services
from gui.workers import JobHandle, error_text
from video_studio.config_errors import ConfigError
from video_studio.error_types import ErrorInfo
from video_studio.jobs import CancelToken, Progress
from video_studio.render.export import ExportResult, export_video

UrlOpener = Callable[[QUrl], object]
_PROGRESS_STEPS = 1000
_SHUTDOWN_WAIT = 10.0  # seconds shutdown() waits for a cancelled export to clean up
_ERROR_STYLE = "color: palette(bright-text);"


class ExportDialog(QDialog):
    """The export form, its running job and its result."""

    def __init__(
        self, services: Services, open_url: UrlOpener, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.open_url = open_url
        self.handle: JobHandle | None = None
        self.exported: ExportResult | None = None
        self.error: ErrorInfo | None = None
        self._confirmed: set[str] = set()  # targets the user agreed to replace
        self._asking: str | None = None  # the target whose replacement is being asked
        self.setObjectName("export_dialog")
        self.setWindowTitle("Export Video")
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self._build()
        self.reset_from_project()

    # --- building -------------------------------------------------------------------------

    def _build(self) -> None:
        self.form = ExportForm(self.services, self)
        self._build_footer()
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.message_label)
        layout.addLayout(self.button_row)
        self._connect()
        self._show_state(running=False)

    def _build_footer(self) -> None:
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("progress_bar")
        self.progress_bar.setRange(0, _PROGRESS_STEPS)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progress_label")
        self.message_label = QLabel(self)
        self.message_label.setObjectName("message_label")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.export_button = self._button("export_button", "&Export")
        self.export_button.setDefault(True)
        self.cancel_button = self._button("cancel_button", "&Cancel Export")
        self.show_folder_button = self._button("show_folder_button", "Show in &Folder")
        self.open_button = self._button("open_button", "&Open")
        self.close_button = self._button("close_button", "Close")
        self.button_row = QHBoxLayout()
        self.button_row.addWidget(self.show_folder_button)
        self.button_row.addWidget(self.open_button)
        self.button_row.addStretch(1)
        for button in (self.cancel_button, self.export_button, self.close_button):
            self.button_row.addWidget(button)

    def _connect(self) -> None:
        self.form.target_edited.connect(self._target_edited)
        self.form.target_chosen.connect(self._confirmed.add)  # the save dialog asked
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.show_folder_button.clicked.connect(self.show_in_folder)
        self.open_button.clicked.connect(self.open_video)
        self.close_button.clicked.connect(self.close)

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        return button

    def reset_from_project(self) -> None:
        """Fields from the open project; the last result and messages cleared."""
        self.form.reset()
        self.exported = None
        self.error = None
        self.message_label.clear()
        self.progress_bar.setValue(0)
        self.progress_label.clear()
        self._show_state(running=False)

    def _target_edited(self) -> None:
        if self._asking is not None:
            self._asking = None
            self.export_button.setText("&Export")
            if self.handle is None:
                self.message_label.clear()

    # --- exporting ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.handle is not None

    def start_export(self) -> None:
        """Export the storyboard as it is now; explain instead when it cannot be."""
        if self.handle is not None:
            return
        session = self.services.session
        storyboard = session.storyboard()
        if storyboard is None:
            self._show_error(self._storyboard_problem())
            return
        target = self.form.target()
        if target is None:
            self._show_error("Choose where to save the video (Browse...).")
            return
        key = str(target)
        if target.exists() and key not in self._confirmed:
            if self._asking != key:
                self._asking = key
                self.export_button.setText("&Replace")
                self._show_message(
                    f"{target.name} already exists in {target.parent}. "
                    "Click Replace to overwrite it, or choose another name."
                )
                return
            self._confirmed.add(key)
        self._asking = None
        self.export_button.setText("&Export")
        choices = self.form.choices()
        board = choices.storyboard(storyboard)  # a snapshot: later edits do not reach it
        options = choices.options()
        self.services.state.last_export_folder = str(target.parent)
        self.exported = None
        self.error = None

        def work(cancel: CancelToken, progress: Callable[[Progress], None]) -> ExportResult:
            return export_video(board, target, options, cancel=cancel, progress=progress)

        self.handle = self.services.jobs.start(
            f"Export {target.name}",
            work,
            on_progress=self._progress,
            on_success=self._succeeded,
            on_failure=self._failed,
            on_cancel=self._cancelled,
            on_finish=self._finished,
        )
        self.progress_bar.setValue(0)
        self.progress_label.setText("Starting…")
        self.message_label.clear()
        self._show_state(running=True)

    def cancel_export(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling…")

    def _storyboard_problem(self) -> str:
        project = self.services.session.project
        if project is None:
            return "Open a project first."
        if not project.document.storyboard.scenes:
            return "Nothing to export yet: the project has no scenes. Add images to the timeline."
        try:
            project.storyboard()
        except ConfigError as error:
            reasons = "; ".join(issue.reason for issue in error.issues) or str(error)
            return f"The project cannot be exported: {reasons}."
        return "The project cannot be exported right now."

    def _progress(self, progress: Progress) -> None:
        self.progress_bar.setValue(round(progress.fraction * _PROGRESS_STEPS))
        self.progress_label.setText(progress_text(progress))

    def _succeeded(self, result: ExportResult) -> None:
        self.exported = result
        self._confirmed.add(str(result.path))
        width, height = result.size
        self.progress_bar.setValue(_PROGRESS_STEPS)
        self.progress_label.setText(f"{result.render_fps:.0f} fps · done in {result.elapsed:.1f} s")
        text = (
            f"Exported {result.path.name}: {width} × {height}, {result.duration:.1f} s, "
            f"{result.bytes / 1_000_000:.1f} MB."
        )
        self._show_message(text)
        self.services.status(text)

    def _failed(self, info: ErrorInfo) -> None:
        self.error = info
        self.progress_label.clear()
        self._show_error(error_text(info))
        self.services.status(f"Export failed: {info.message}")

    def _cancelled(self) -> None:
        self.progress_bar.setValue(0)
        self.progress_label.clear()
        self._show_message("Export cancelled; no video was written.")

    def _finished(self) -> None:
        self.handle = None
        self._show_state(running=False)

    def _show_state(self, *, running: bool) -> None:
        self.form.setEnabled(not running)
        self.export_button.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setVisible(running or self.exported is not None)
        done = not running and self.exported is not None
        self.show_folder_button.setVisible(done)
        self.open_button.setVisible(done)

    def _show_message(self, text: str) -> None:
        self.message_label.setStyleSheet("")
        self.message_label.setText(text)

    def _show_error(self, text: str) -> None:
        self.message_label.setStyleSheet(_ERROR_STYLE)
        self.message_label.setText(text)

    # --- the result -----------------------------------------------------------------------

    def show_in_folder(self) -> None:
        if self.exported is not None:
            self.open_url(QUrl.fromLocalFile(str(self.exported.path.parent)))

    def open_video(self) -> None:
        if self.exported is not None:
            self.open_url(QUrl.fromLocalFile(str(self.exported.path)))

    def shutdown(self) -> None:
        """Cancel a running export and wait for it to remove its partial file."""
        self.form.close_chooser()
        handle = self.handle
        if handle is not None:
            handle.cancel()
            handle.wait(_SHUTDOWN_WAIT)


class ExportController(QObject):
    """File > Export Video... (Ctrl+E) and its dialog. `open_url` opens folders and files
    (QDesktopServices.openUrl; tests pass a recorder)."""

    def __init__(self, services: Services, *, open_url: UrlOpener | None = None) -> None:
        super().__init__(services.window)
        self.services = services
        self.open_url: UrlOpener = open_url or QDesktopServices.openUrl
        self.dialog: ExportDialog | None = None
        self.action = services.actions.add(
            ActionSpec(
                "file.export",
                "&Export Video...",
                "File",
                "Ctrl+E",
                tip="Render the project to a video file",
                icon="mdi6.export",
                toolbar=True,
                section=5,
            ),
            self.open_dialog,
        )
        self.action.setEnabled(services.session.has_project)
        services.session.project_changed.connect(self._project_changed)

    def open_dialog(self) -> ExportDialog:
        """Show the dialog (non-modal); it keeps its fields and any running export."""
        if self.dialog is None:
            self.dialog = ExportDialog(self.services, self._open, self.services.window)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def _open(self, url: QUrl) -> object:
        return self.open_url(url)

    def _project_changed(self) -> None:
        self.action.setEnabled(self.services.session.has_project)
        if self.dialog is not None and not self.dialog.running:
            self.dialog.reset_from_project()

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.shutdown()
