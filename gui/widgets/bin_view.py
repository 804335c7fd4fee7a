"""The Image Bin's icon view: thumbnails in a wrapping grid, multi-selection, dragged out
to the timeline (the model gives ASSETS_MIME), a hint painted when it has nothing to show,
and a dashed frame while files are dragged over it (files dropped on it are the panel's to
import)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from gui.widgets.bin_model import ASSET_ID_ROLE, icon_grid


class BinView(QListView):
    """The icon view; says what to do when it has nothing to show (`hint`)."""

    def __init__(
        self, model: QAbstractItemModel, icon_side: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.hint = ""
        self.setObjectName("bin_view")
        self.setModel(model)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        icon_size, grid = icon_grid(icon_side)
        self.setIconSize(icon_size)
        self.setGridSize(grid)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDragEnabled(True)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        # Files dropped on the list are imported: the panel takes the list's drag events.
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)

    def selected_asset_ids(self) -> list[str]:
        """The selected images, in the view's order."""
        model = self.model()
        rows = sorted(index.row() for index in self.selectionModel().selectedRows())
        return [str(model.index(row, 0).data(ASSET_ID_ROLE)) for row in rows]

    def select_indexes(self, indexes: Sequence[QModelIndex], *, scroll: bool) -> None:
        """Select these rows (of the view's model), replacing the selection; the first
        becomes the current one (scrolled to when `scroll`)."""
        selection = QItemSelection()
        for index in indexes:
            selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.selectionModel().select(selection, flags)
        if indexes:
            first = indexes[0]
            self.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
            if scroll:
                self.scrollTo(first)

    def show_drop_target(self, on: bool) -> None:
        """Frame the view while files are dragged over it."""
        self.setStyleSheet(
            "QListView#bin_view { border: 2px dashed palette(highlight); }" if on else ""
        )

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
