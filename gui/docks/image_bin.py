"""The Image Bin: the project's images as thumbnails.

Files and folders dropped from the file manager (or chosen with File > Import Images...)
are imported by a background job (video_studio.importing) with a progress bar, an ETA and
Cancel; the images that made it join the bin as one undoable step (edits.add_assets), and
the files that failed are listed with their reasons in a panel under the bin (never a
dialog per file). Thumbnails are made on a worker thread (gui.widgets.bin_model).

Images are filtered by name, multi-selected, dragged onto the timeline (ASSETS_MIME), added
to the timeline after the selected scene (Scene > Add Selected Images to Timeline) and
removed from the bin (refused while a scene shows them).
"""

from __future__ import annotations

import functools
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import qtawesome
from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.actions import ActionSpec
from gui.services import Services
from gui.widgets.bin_model import ASSET_ID_ROLE, ImageBinModel, ThumbnailLoader, icon_grid
from gui.workers import JobHandle, ProgressReport, error_text
from video_studio import edits
from video_studio.asset_cache import AssetCache
from video_studio.error_types import ErrorInfo
from video_studio.image_io import SUPPORTED_SUFFIXES
from video_studio.importing import ImportFailure, ImportResult, import_into_store
from video_studio.jobs import CancelToken, Progress
from video_studio.project import Project
from video_studio.storyboard_paths import ASSET_PREFIX

__all__ = ["ICON_SIDE", "ImageBinPanel"]

_log = logging.getLogger("video_studio.gui.image_bin")

ICON_SIDE = 112  # logical pixels of a thumbnail in the bin
_PROGRESS_STEPS = 1000
_FAILURE_LIST_HEIGHT = 130
_IMAGE_FILTER = "Images ({});;All files (*)".format(
    " ".join(f"*{suffix}" for suffix in sorted(SUPPORTED_SUFFIXES))
)
_NO_PROJECT = "Open or create a project first (File menu), then add its images here."
_DROP_HINT = "Drop product photos or folders here,\nor use File > Import Images... (Ctrl+I)."

ACTION_IMPORT = "file.import_images"
ACTION_IMPORT_FOLDER = "file.import_folder"
ACTION_ADD_TO_TIMELINE = "scene.add_images"
ACTION_REMOVE = "edit.remove_images"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def eta_text(seconds: float | None) -> str:
    """'about 12 s left' for a progress label; empty while unknown."""
    if seconds is None:
        return ""
    if seconds < 1.5:
        return "almost done"
    if seconds < 90:
        return f"about {round(seconds)} s left"
    return f"about {round(seconds / 60)} min left"


def _dropped_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class _BinView(QListView):
    """The icon view; says what to do when it has nothing to show."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = ""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        model = self.model()
        if not self.hint or (model is not None and model.rowCount() > 0):
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().placeholderText().color())
        area = self.viewport().rect().adjusted(16, 16, -16, -16)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), self.hint)
        painter.end()


class ImageBinPanel(QWidget):
    """The Image Bin dock's panel. See the module docstring."""

    import_started = Signal()
    import_finished = Signal(object)  # ImportResult, after its images joined the bin
    import_cancelled = Signal()
    import_failed = Signal(str)  # the whole job failed: the plain message

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.session = services.session
        self._handle: JobHandle | None = None
        self._import_project: Project | None = None
        self._queue: list[list[Path]] = []
        self._failures: list[ImportFailure] = []
        self._file_dialog: QFileDialog | None = None
        self._last_progress: Progress | None = None
        self._outcome: Callable[[], object] | None = None  # the signal to send when it ends
        self._shut_down = False

        ratio = self.devicePixelRatioF() if self.devicePixelRatioF() > 0 else 1.0
        self.loader = ThumbnailLoader(ICON_SIDE, ratio, self)
        self.model = ImageBinModel(self.loader, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterRole(Qt.ItemDataRole.DisplayRole)

        self._build()
        self._add_actions()
        self.setAcceptDrops(True)
        self.setFocusProxy(self.view)

        self.session.project_changed.connect(self._project_changed)
        self.session.document_changed.connect(self._refresh)
        self.session.selection_changed.connect(self._update_actions)
        self._project_changed()

    # --- building -------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(self._build_top())
        layout.addWidget(self._build_view(), 1)
        layout.addWidget(self._build_progress())
        layout.addWidget(self._build_message())
        layout.addWidget(self._build_failures())

    def _build_top(self) -> QHBoxLayout:
        top = QHBoxLayout()
        self.import_button = QToolButton(self)
        self.import_button.setObjectName("import_button")
        self.import_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        top.addWidget(self.import_button)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("bin_filter")
        self.filter_edit.setPlaceholderText("Filter by name")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.addAction(
            qtawesome.icon("mdi6.magnify"), QLineEdit.ActionPosition.LeadingPosition
        )
        self.filter_edit.textChanged.connect(self._filter_changed)
        top.addWidget(self.filter_edit, 1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("bin_count")
        top.addWidget(self.count_label)
        return top

    def _build_view(self) -> QListView:
        self.view = _BinView(self)
        self.view.setObjectName("bin_view")
        self.view.setModel(self.proxy)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(True)
        self.view.setUniformItemSizes(True)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(200)
        icon_size, grid = icon_grid(ICON_SIDE)
        self.view.setIconSize(icon_size)
        self.view.setGridSize(grid)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setDragEnabled(True)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        # Files dropped on the list are imported: the panel takes the list's drag events.
        self.view.setAcceptDrops(True)
        self.view.viewport().setAcceptDrops(True)
        self.view.viewport().installEventFilter(self)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        selection = self.view.selectionModel()
        selection.selectionChanged.connect(lambda *_: self._update_actions())
        return self.view

    def _build_progress(self) -> QWidget:
        # The import's progress: bar, what is happening with the ETA, and Cancel.
        self.progress_row = QWidget(self)
        self.progress_row.setObjectName("import_progress_row")
        row = QHBoxLayout(self.progress_row)
        row.setContentsMargins(0, 0, 0, 0)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.progress_bar = QProgressBar(self.progress_row)
        self.progress_bar.setObjectName("import_progress")
        self.progress_bar.setRange(0, _PROGRESS_STEPS)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(10)
        column.addWidget(self.progress_bar)
        self.progress_label = QLabel(self.progress_row)
        self.progress_label.setObjectName("import_progress_label")
        self.progress_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        column.addWidget(self.progress_label)
        row.addLayout(column, 1)
        self.cancel_button = QToolButton(self.progress_row)
        self.cancel_button.setObjectName("cancel_import")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the import: nothing is added to the bin")
        self.cancel_button.clicked.connect(self.cancel_import)
        row.addWidget(self.cancel_button)
        self.progress_row.hide()
        return self.progress_row

    def _build_message(self) -> QFrame:
        # A one-line note (an action refused, an import summary), closed by the user.
        self.message_row = QFrame(self)
        self.message_row.setObjectName("bin_message_row")
        self.message_row.setFrameShape(QFrame.Shape.StyledPanel)
        message_layout = QHBoxLayout(self.message_row)
        message_layout.setContentsMargins(6, 2, 2, 2)
        self.message_label = QLabel(self.message_row)
        self.message_label.setObjectName("bin_message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        message_layout.addWidget(self.message_label, 1)
        close_message = QToolButton(self.message_row)
        close_message.setIcon(qtawesome.icon("mdi6.close"))
        close_message.setToolTip("Close this message")
        close_message.setAutoRaise(True)
        close_message.clicked.connect(self.message_row.hide)
        message_layout.addWidget(close_message, 0, Qt.AlignmentFlag.AlignTop)
        self.message_row.hide()
        return self.message_row

    def _build_failures(self) -> QFrame:
        # Files that could not be imported, with the reasons: a list, never a dialog.
        self.failure_panel = QFrame(self)
        self.failure_panel.setObjectName("import_failures")
        self.failure_panel.setFrameShape(QFrame.Shape.StyledPanel)
        failure_layout = QVBoxLayout(self.failure_panel)
        failure_layout.setContentsMargins(6, 4, 4, 4)
        failure_layout.setSpacing(2)
        header = QHBoxLayout()
        warning = QLabel(self.failure_panel)
        warning.setPixmap(qtawesome.icon("mdi6.alert-circle-outline", color="#d08a3c").pixmap(16))
        header.addWidget(warning)
        self.failure_title = QLabel(self.failure_panel)
        self.failure_title.setObjectName("import_failures_title")
        header.addWidget(self.failure_title, 1)
        clear = QToolButton(self.failure_panel)
        clear.setObjectName("clear_failures")
        clear.setText("Clear")
        clear.setToolTip("Clear this list")
        clear.setAutoRaise(True)
        clear.clicked.connect(self.clear_failures)
        header.addWidget(clear)
        failure_layout.addLayout(header)
        self.failure_list = QListWidget(self.failure_panel)
        self.failure_list.setObjectName("import_failure_list")
        self.failure_list.setWordWrap(True)
        self.failure_list.setMaximumHeight(_FAILURE_LIST_HEIGHT)
        self.failure_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        failure_layout.addWidget(self.failure_list)
        self._failure_icon: QIcon = qtawesome.icon("mdi6.image-broken-variant")
        self.failure_panel.hide()
        return self.failure_panel

    def _add_actions(self) -> None:
        actions = self.services.actions
        self.import_action = actions.add(
            ActionSpec(
                ACTION_IMPORT,
                "&Import Images...",
                "File",
                "Ctrl+I",
                tip="Copy photos into the project's image bin",
                icon="mdi6.image-plus",
                toolbar=True,
                section=2,
            ),
            self.open_import_dialog,
        )
        self.import_folder_action = actions.add(
            ActionSpec(
                ACTION_IMPORT_FOLDER,
                "Import Image &Folder...",
                "File",
                tip="Import every image in a folder and its subfolders",
                icon="mdi6.folder-image",
                section=2,
            ),
            self.open_import_folder_dialog,
        )
        in_bin = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.add_action = actions.add(
            ActionSpec(
                ACTION_ADD_TO_TIMELINE,
                "Add Selected &Images to Timeline",
                "Scene",
                ("Return", "Enter"),
                tip="New scenes for the images selected in the bin, after the selected scene",
                icon="mdi6.timeline-plus",
                context=in_bin,
            ),
            self.add_selected_to_timeline,
            widget=self.view,
        )
        self.remove_action = actions.add(
            ActionSpec(
                ACTION_REMOVE,
                "Remove Images from &Bin",
                "Edit",
                QKeySequence.StandardKey.Delete,
                tip="Take the selected images out of the bin (not those the timeline uses)",
                icon="mdi6.image-remove",
                section=2,
                context=in_bin,
            ),
            self.remove_selected,
            widget=self.view,
        )
        self.import_button.setDefaultAction(self.import_action)

    # --- the project and its assets ---------------------------------------------------

    def _project_changed(self) -> None:
        self._queue.clear()
        if self._handle is not None:
            self._handle.cancel()
        project = self.session.project
        if project is None:
            self.loader.set_source(None, None)
        else:
            self.loader.set_source(project.store, AssetCache(project.cache_dir))
        self.model.forget_thumbnails()
        self.model.set_assets({}, {})  # all rows new: each asks for its thumbnail again
        self.clear_failures()
        self.message_row.hide()
        self._refresh()

    def _refresh(self) -> None:
        project = self.session.project
        if project is None:
            self.model.set_assets({}, {})
        else:
            document = project.document
            uses = Counter(
                scene.image.removeprefix(ASSET_PREFIX)
                for scene in document.storyboard.scenes
                if scene.image.startswith(ASSET_PREFIX)
            )
            selected = self.selected_asset_ids()
            if self.model.set_assets(document.assets, uses):
                self.select_assets(selected, scroll=False)
                self.model.prefetch_all()
        self._update_view_state()

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_view_state()

    def _update_view_state(self) -> None:
        """The hint an empty view shows, the count, and which commands apply."""
        if not self.session.has_project:
            self.view.hint = _NO_PROJECT
        elif self.model.rowCount() and not self.proxy.rowCount():
            self.view.hint = f"No image name contains “{self.filter_edit.text().strip()}”."
        else:
            self.view.hint = _DROP_HINT
        self.view.viewport().update()
        self._update_count()
        self._update_actions()

    def _update_count(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if total == shown:
            self.count_label.setText(_plural(total, "image") if total else "")
        else:
            self.count_label.setText(f"{shown} of {total}")

    def _update_actions(self) -> None:
        has_project = self.session.has_project
        chosen = self.view.selectionModel().hasSelection() and has_project
        self.import_action.setEnabled(has_project)
        self.import_folder_action.setEnabled(has_project)
        self.add_action.setEnabled(chosen)
        self.remove_action.setEnabled(chosen)

    # --- selection ------------------------------------------------------------------------

    def selected_asset_ids(self) -> list[str]:
        """The selected images, in the bin's order (as shown, filtered)."""
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [str(self.proxy.index(row, 0).data(ASSET_ID_ROLE)) for row in rows]

    def selected_refs(self) -> list[str]:
        return [ASSET_PREFIX + asset_id for asset_id in self.selected_asset_ids()]

    def select_assets(self, asset_ids: Iterable[str], *, scroll: bool = True) -> None:
        """Select these images (those the filter shows), replacing the selection."""
        selection = QItemSelection()
        first: QModelIndex | None = None
        for asset_id in asset_ids:
            row = self.model.row_of(asset_id)
            if row is None:
                continue
            index = self.proxy.mapFromSource(self.model.index(row))
            if not index.isValid():
                continue
            selection.select(index, index)
            if first is None:
                first = index
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.view.selectionModel().select(selection, flags)
        if first is not None:
            self.view.selectionModel().setCurrentIndex(
                first, QItemSelectionModel.SelectionFlag.NoUpdate
            )
            if scroll:
                self.view.scrollTo(first)

    # --- importing ------------------------------------------------------------------------

    @property
    def importing(self) -> bool:
        return self._handle is not None

    def failures(self) -> list[ImportFailure]:
        """The files listed in the failure panel."""
        return list(self._failures)

    def import_paths(self, paths: Sequence[Path]) -> bool:
        """Import files and folders in the background (queued behind a running import).
        False (and a message) when there is no project or nothing to import."""
        chosen = [Path(path) for path in paths]
        if not chosen:
            return False
        if self.session.project is None:
            self.show_message(_NO_PROJECT)
            return False
        if self._handle is not None:
            self._queue.append(chosen)
            self._update_progress_text(None)
            return True
        self._start_import(chosen)
        return True

    def _start_import(self, paths: list[Path]) -> None:
        project = self.session.project
        assert project is not None
        store = project.store
        on_stored = functools.partial(self.loader.prefetch_stored, self.loader.generation)

        def work(cancel: CancelToken, progress: ProgressReport) -> ImportResult:
            return import_into_store(
                store, paths, cancel=cancel, progress=progress, on_stored=on_stored
            )

        self._import_project = project
        self.progress_bar.setValue(0)
        self.progress_label.setText("Looking for images…")
        self.progress_row.show()
        self._handle = self.services.jobs.start(
            "Import images",
            work,
            on_progress=self._import_progress,
            on_success=self._import_succeeded,
            on_failure=self._import_job_failed,
            on_cancel=self._import_cancelled,
            on_finish=self._import_finished,
        )
        self.import_started.emit()

    def cancel_import(self) -> None:
        """Stop the running import and drop the waiting ones: nothing joins the bin."""
        self._queue.clear()
        if self._handle is not None:
            self._handle.cancel()
            self.progress_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def _import_progress(self, progress: Progress) -> None:
        self._update_progress_text(progress)
        self.progress_bar.setValue(round(progress.fraction * _PROGRESS_STEPS))
        self.loader.kick()  # thumbnails of the images stored so far

    def _update_progress_text(self, progress: Progress | None) -> None:
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
            parts.append(f"{_plural(len(self._queue), 'more import')} waiting")
        self.progress_label.setText(" — ".join(parts))

    # The job's outcome is handled at once; the panel's signal about it is sent from
    # _import_finished, once the job is over (so `importing` is False for listeners).

    def _import_succeeded(self, result: object) -> None:
        assert isinstance(result, ImportResult)
        project = self.session.project
        if project is None or project is not self._import_project:
            return  # the project was closed meanwhile: its store keeps the files, harmless
        new = result.new_entries(project.document.assets)
        if new and not self.session.edit(lambda p: edits.add_assets(p, new)):
            return  # refused: the session reported why
        self._add_failures(result.failures)
        present = [key for key in result.asset_ids if self.model.row_of(key) is not None]
        if present:
            self.select_assets(present)
        self.show_message(_summary(result, len(new)), status=True)
        self._outcome = functools.partial(self.import_finished.emit, result)

    def _import_job_failed(self, info: ErrorInfo) -> None:
        text = error_text(info)
        self._add_failures([ImportFailure(Path(""), text)])
        self.services.status(f"The import failed: {text}")
        self._outcome = functools.partial(self.import_failed.emit, text)

    def _import_cancelled(self) -> None:
        self.loader.drop_queued(set(self.model.asset_ids()))
        self.show_message("Import cancelled: nothing was added to the bin.", status=True)
        self._outcome = self.import_cancelled.emit

    def _import_finished(self) -> None:
        self._handle = None
        self._import_project = None
        self._last_progress = None
        self.cancel_button.setEnabled(True)
        self.progress_row.hide()
        self.loader.kick()
        outcome, self._outcome = self._outcome, None
        if outcome is not None:
            outcome()
        if self._handle is not None:
            return  # a listener started another import; the waiting ones follow it
        if self._queue and not self._shut_down and self.session.project is not None:
            self._start_import(self._queue.pop(0))
        else:
            self._queue.clear()

    def _add_failures(self, failures: Sequence[ImportFailure]) -> None:
        if not failures:
            return
        self._failures.extend(failures)
        for failure in failures:
            text = failure.reason
            if failure.path.name and failure.path.name not in text:
                text = f"{failure.name}: {text}"
            item = QListWidgetItem(self._failure_icon, text)
            item.setToolTip(f"{failure.path}\n{failure.reason}" if failure.path.name else text)
            item.setData(Qt.ItemDataRole.UserRole, str(failure.path))
            self.failure_list.addItem(item)
        count = len(self._failures)
        self.failure_title.setText(f"{_plural(count, 'file')} could not be imported")
        self.failure_panel.show()
        self.failure_list.scrollToBottom()

    def clear_failures(self) -> None:
        self._failures.clear()
        self.failure_list.clear()
        self.failure_panel.hide()

    # --- file dialogs -----------------------------------------------------------------

    def _start_folder(self) -> str:
        folder = self.services.state.last_import_folder
        return folder if folder and os.path.isdir(folder) else str(Path.home())

    def open_import_dialog(self) -> QFileDialog | None:
        """File > Import Images...: a file dialog (not blocking); the chosen files import."""
        return self._open_dialog(folders=False)

    def open_import_folder_dialog(self) -> QFileDialog | None:
        return self._open_dialog(folders=True)

    def _open_dialog(self, *, folders: bool) -> QFileDialog | None:
        if self.session.project is None:
            self.show_message(_NO_PROJECT)
            return None
        if self._file_dialog is not None:
            self._file_dialog.raise_()
            self._file_dialog.activateWindow()
            return self._file_dialog
        title = "Import Image Folder" if folders else "Import Images"
        dialog = QFileDialog(self.services.window, title, self._start_folder(), _IMAGE_FILTER)
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
        dialog.finished.connect(self._dialog_closed)
        self._file_dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, _result: int) -> None:
        self._file_dialog = None

    def _files_chosen(self, files: list[str], *, folders: bool = False) -> None:
        paths = [Path(file) for file in files if file]
        if not paths:
            return
        # A folder chosen in the folder dialog is remembered itself, a file by its folder.
        self.services.state.last_import_folder = str(paths[0] if folders else paths[0].parent)
        self.import_paths(paths)

    # --- dropping files ---------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.view.viewport():
            kind = event.type()
            if kind == QEvent.Type.DragEnter:
                self.dragEnterEvent(event)  # type: ignore[arg-type]
                return True
            if kind == QEvent.Type.DragMove:
                self.dragMoveEvent(event)  # type: ignore[arg-type]
                return True
            if kind == QEvent.Type.DragLeave:
                self.dragLeaveEvent(event)  # type: ignore[arg-type]
                return True
            if kind == QEvent.Type.Drop:
                self.dropEvent(event)  # type: ignore[arg-type]
                return True
        return super().eventFilter(watched, event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if _dropped_paths(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self._show_drop_target(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt's name
        if _dropped_paths(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 - Qt's name
        self._show_drop_target(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        self._show_drop_target(False)
        paths = _dropped_paths(event)
        if not paths:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.import_paths(paths)

    def _show_drop_target(self, on: bool) -> None:
        self.view.setStyleSheet(
            "QListView#bin_view { border: 2px dashed palette(highlight); }" if on else ""
        )

    # --- commands -------------------------------------------------------------------------

    def add_selected_to_timeline(self) -> bool:
        """New scenes for the selected images (in the bin's order), after the selected
        scene if there is one, else at the end; one undo step. The new scenes are
        selected."""
        refs = self.selected_refs()
        project = self.session.project
        if project is None or not refs:
            self.show_message("Select images in the bin first.")
            return False
        scenes = project.document.storyboard.scenes
        positions = {scene.id: index for index, scene in enumerate(scenes)}
        chosen = [positions[i] for i in self.session.selected_scene_ids if i in positions]
        at = max(chosen) + 1 if chosen else None
        before = set(positions)
        if not self.session.edit(lambda p: edits.add_scenes(p, refs, at=at)):
            return False
        added = [s.id for s in self.session.document.storyboard.scenes if s.id not in before]
        self.session.select_scenes(added)
        self.services.status(f"Added {_plural(len(added), 'scene')} to the timeline")
        return True

    def remove_selected(self) -> bool:
        """Take the selected images out of the bin (one undo step). Refused, with a plain
        message naming them, when a scene shows any of them."""
        chosen = self.selected_asset_ids()
        project = self.session.project
        if project is None or not chosen:
            self.show_message("Select images in the bin first.")
            return False
        used = {
            scene.image.removeprefix(ASSET_PREFIX) for scene in project.document.storyboard.scenes
        }
        busy = [asset_id for asset_id in chosen if asset_id in used]
        if busy:
            assets = project.document.assets
            names = [assets[key].original_name if key in assets else key[:12] for key in busy]
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            verb = "is" if len(busy) == 1 else "are"
            self.show_message(
                f"Nothing was removed: {shown} {verb} used by scenes on the timeline. "
                "Delete those scenes first.",
                status=True,
            )
            return False
        if not self.session.edit(lambda p: edits.remove_assets(p, chosen)):
            return False
        self.services.status(f"Removed {_plural(len(chosen), 'image')} from the bin")
        return True

    def show_message(self, text: str, *, status: bool = False) -> None:
        """A note under the bin (non-modal); `status`: also in the status bar."""
        self.message_label.setText(text)
        self.message_row.show()
        if status:
            self.services.status(text)

    def message_text(self) -> str:
        return self.message_label.text() if not self.message_row.isHidden() else ""

    def _context_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        actions: list[QAction] = [self.add_action, self.remove_action]
        menu.addActions(actions)
        menu.addSeparator()
        menu.addAction(self.import_action)
        menu.addAction(self.import_folder_action)
        menu.popup(self.view.viewport().mapToGlobal(position))

    # --- closing --------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel the import (its files stay in the store, unused) and stop the thumbnail
        worker; idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        self._queue.clear()
        handle = self._handle
        if handle is not None:
            handle.cancel()
            if not handle.wait(10.0):
                _log.error("the import did not stop in time")
        self.loader.shutdown()
        if self._file_dialog is not None:
            self._file_dialog.close()


def _summary(result: ImportResult, added: int) -> str:
    parts = [f"Imported {_plural(added, 'image')}"]
    already = len(result.entries) - added
    if already:
        parts.append(f"{already} already in the bin")
    if result.duplicates:
        parts.append(f"{_plural(len(result.duplicates), 'duplicate')} skipped")
    if result.failures:
        parts.append(
            f"{_plural(len(result.failures), 'file')} could not be imported (listed below)"
        )
    if not result.files_found and not result.failures:
        return "No images were found in what was dropped."
    return "; ".join(parts) + "."
