"""The Image Bin: the project's images as thumbnails.

Files and folders dropped from the file manager (or chosen with File > Import Images...)
are imported by a background job (video_studio.importing) with a progress bar, an ETA and
Cancel; the images that made it join the bin as one undoable step (edits.add_assets), and
the files that failed are listed with their reasons in a panel under the bin (never a
dialog per file). Thumbnails are made on a worker thread (gui.widgets.bin_model).

Images are filtered by name, multi-selected, dragged onto the timeline (ASSETS_MIME), added
to the timeline after the selected scene (Scene > Add Selected Images to Timeline) and
removed from the bin (refused while a scene shows them).

The panel's parts: the view (gui.widgets.bin_view), the import jobs and their progress
(gui.widgets.bin_import), the import dialogs (gui.widgets.bin_import_dialogs), files
dropped (gui.widgets.file_drop), the notes and the failure list (gui.widgets.bin_notes),
and the actions (gui.widgets.bin_actions).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import qtawesome
from PySide6.QtCore import QPoint, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.services import Services
from gui.widgets.bin_actions import (
    ACTION_ADD_TO_TIMELINE,
    ACTION_IMPORT,
    ACTION_IMPORT_FOLDER,
    ACTION_REMOVE,
    add_bin_actions,
    add_scenes_after_selection,
    removal_refusal,
)
from gui.widgets.bin_import import (
    ImageImports,
    ImportProgressRow,
    Outcome,
    eta_text,
    import_summary,
)
from gui.widgets.bin_import_dialogs import ImportDialogs
from gui.widgets.bin_model import ImageBinModel
from gui.widgets.bin_notes import BinMessageRow, ImportFailurePanel, plural
from gui.widgets.bin_thumbnails import ThumbnailLoader
from gui.widgets.bin_view import BinView
from gui.widgets.file_drop import FileDropTarget
from video_studio import edits
from video_studio.asset_cache import AssetCache
from video_studio.importing import ImportFailure, ImportResult
from video_studio.storyboard_paths import ASSET_PREFIX

__all__ = [
    "ACTION_ADD_TO_TIMELINE",
    "ACTION_IMPORT",
    "ACTION_IMPORT_FOLDER",
    "ACTION_REMOVE",
    "ICON_SIDE",
    "ImageBinPanel",
    "eta_text",
]

ICON_SIDE = 112  # logical pixels of a thumbnail in the bin
_NO_PROJECT = "Open or create a project first (File menu), then add its images here."
_DROP_HINT = "Drop product photos or folders here,\nor use File > Import Images... (Ctrl+I)."


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
        self._shut_down = False

        ratio = self.devicePixelRatioF() if self.devicePixelRatioF() > 0 else 1.0
        self.loader = ThumbnailLoader(ICON_SIDE, ratio, self)
        self.model = ImageBinModel(self.loader, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterRole(Qt.ItemDataRole.DisplayRole)

        self._build()
        self._imports = ImageImports(
            services,
            self.loader,
            self.progress_row,
            on_result=self._import_succeeded,
            on_failure=self._import_job_failed,
            on_cancel=self._import_cancelled,
            parent=self,
        )
        self._imports.started.connect(self.import_started)
        actions = add_bin_actions(services.actions, self, self.view)
        self.import_action: QAction = actions.import_images
        self.import_folder_action: QAction = actions.import_folder
        self.add_action: QAction = actions.add_to_timeline
        self.remove_action: QAction = actions.remove
        self.import_button.setDefaultAction(self.import_action)
        self._dialogs = ImportDialogs(services, self)
        self._dialogs.chosen.connect(self.import_paths)
        self._drops = FileDropTarget(self)
        self._drops.hovering.connect(self.view.show_drop_target)
        self._drops.dropped.connect(self.import_paths)
        self._drops.watch(self.view.viewport())  # files dropped on the list are imported
        self._drops.watch(self)
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
        self.view = BinView(self.proxy, ICON_SIDE, self)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        layout.addWidget(self.view, 1)
        self.progress_row = ImportProgressRow(self)
        self.progress_bar = self.progress_row.bar
        self.progress_label = self.progress_row.label
        self.cancel_button = self.progress_row.cancel_button
        self.cancel_button.clicked.connect(self.cancel_import)
        layout.addWidget(self.progress_row)
        self.message_row = BinMessageRow(self)
        self.message_label = self.message_row.label
        layout.addWidget(self.message_row)
        self.failure_panel = ImportFailurePanel(self)
        self.failure_title = self.failure_panel.title
        self.failure_list = self.failure_panel.file_list
        layout.addWidget(self.failure_panel)

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

    # --- the project and its assets ---------------------------------------------------

    def _project_changed(self) -> None:
        self._imports.stop()
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
            self.count_label.setText(plural(total, "image") if total else "")
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
        return self.view.selected_asset_ids()

    def selected_refs(self) -> list[str]:
        return [ASSET_PREFIX + asset_id for asset_id in self.selected_asset_ids()]

    def select_assets(self, asset_ids: Iterable[str], *, scroll: bool = True) -> None:
        """Select these images (those the filter shows), replacing the selection."""
        rows = [self.model.row_of(asset_id) for asset_id in asset_ids]
        shown = [self.proxy.mapFromSource(self.model.index(r)) for r in rows if r is not None]
        self.view.select_indexes([index for index in shown if index.isValid()], scroll=scroll)

    # --- importing (the jobs: gui.widgets.bin_import) --------------------------------------

    @property
    def importing(self) -> bool:
        return self._imports.importing

    def failures(self) -> list[ImportFailure]:
        """The files listed in the failure panel."""
        return self.failure_panel.failures()

    def import_paths(self, paths: Sequence[Path]) -> bool:
        """Import files and folders in the background (queued behind a running import).
        False (and a message) when there is no project or nothing to import."""
        chosen = [Path(path) for path in paths]
        if not chosen:
            return False
        if self.session.project is None:
            self.show_message(_NO_PROJECT)
            return False
        self._imports.submit(chosen)
        return True

    def cancel_import(self) -> None:
        """Stop the running import and drop the waiting ones: nothing joins the bin."""
        self._imports.cancel()

    # The job's outcome is handled at once; the panel's signal about it is returned, to be
    # sent once the job is over (so `importing` is False for listeners).

    def _import_succeeded(self, result: ImportResult) -> Outcome | None:
        project = self.session.project
        if project is None or project is not self._imports.project:
            return None  # the project was closed meanwhile: its store keeps the files, harmless
        new = result.new_entries(project.document.assets)
        if new and not self.session.edit(lambda p: edits.add_assets(p, new)):
            return None  # refused: the session reported why
        self.failure_panel.add(result.failures)
        present = [key for key in result.asset_ids if self.model.row_of(key) is not None]
        if present:
            self.select_assets(present)
        self.show_message(import_summary(result, len(new)), status=True)
        return functools.partial(self.import_finished.emit, result)

    def _import_job_failed(self, text: str) -> Outcome:
        self.failure_panel.add([ImportFailure(Path(""), text)])
        self.services.status(f"The import failed: {text}")
        return functools.partial(self.import_failed.emit, text)

    def _import_cancelled(self) -> Outcome:
        self.loader.drop_queued(set(self.model.asset_ids()))
        self.show_message("Import cancelled: nothing was added to the bin.", status=True)
        return self.import_cancelled.emit

    def clear_failures(self) -> None:
        self.failure_panel.clear()

    # --- file dialogs (gui.widgets.bin_import_dialogs) -----------------------------------

    def open_import_dialog(self) -> QFileDialog | None:
        """File > Import Images...: a file dialog (not blocking); the chosen files import."""
        return self._open_dialog(folders=False)

    def open_import_folder_dialog(self) -> QFileDialog | None:
        return self._open_dialog(folders=True)

    def _open_dialog(self, *, folders: bool) -> QFileDialog | None:
        if self.session.project is None:
            self.show_message(_NO_PROJECT)
            return None
        return self._dialogs.open(folders=folders)

    # --- commands -------------------------------------------------------------------------

    def add_selected_to_timeline(self) -> bool:
        """New scenes for the selected images (in the bin's order), after the selected
        scene if there is one, else at the end; one undo step. The new scenes are
        selected."""
        refs = self.selected_refs()
        if self.session.project is None or not refs:
            self.show_message("Select images in the bin first.")
            return False
        added = add_scenes_after_selection(self.session, refs)
        if added is None:
            return False
        self.services.status(f"Added {plural(len(added), 'scene')} to the timeline")
        return True

    def remove_selected(self) -> bool:
        """Take the selected images out of the bin (one undo step). Refused, with a plain
        message naming them, when a scene shows any of them."""
        chosen = self.selected_asset_ids()
        project = self.session.project
        if project is None or not chosen:
            self.show_message("Select images in the bin first.")
            return False
        refusal = removal_refusal(project.document, chosen)
        if refusal is not None:
            self.show_message(refusal, status=True)
            return False
        if not self.session.edit(lambda p: edits.remove_assets(p, chosen)):
            return False
        self.services.status(f"Removed {plural(len(chosen), 'image')} from the bin")
        return True

    def show_message(self, text: str, *, status: bool = False) -> None:
        """A note under the bin (non-modal); `status`: also in the status bar."""
        self.message_row.show_text(text)
        if status:
            self.services.status(text)

    def message_text(self) -> str:
        return self.message_row.text()

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
        self._imports.shutdown()
        self.loader.shutdown()
        self._dialogs.close()
