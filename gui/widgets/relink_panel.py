"""The Missing Media panel: the files the project uses that are gone, the scenes that use
them, and two ways to find them again, "Locate..." (one file) and "Search Folder..." (all
of them, by name, and store images by content). A dock that never blocks the window and is
hidden whenever nothing is missing; closing it hides it until the list changes.

The panel only shows and asks; the controller (ProjectActions) runs the searches as jobs
and makes the edits.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from video_studio.relink import MissingMedia

_ITEM_ROLE = Qt.ItemDataRole.UserRole
_IMAGE_FILTER = "Images (*.jpg *.jpeg *.jpe *.jfif *.png *.webp *.tif *.tiff *.bmp *.dib)"


class RelinkPanel(QDockWidget):
    locate_requested = Signal(object, str)  # (MissingMedia, the chosen file)
    search_requested = Signal(str)  # the folder to search
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Missing Media", parent)
        self.setObjectName("dock_relink")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self._items: list[MissingMedia] = []
        self._dismissed: frozenset[str] | None = None  # the list the user closed the panel on
        self._start_folder = Path.home()
        self._busy = False
        self.dialog: QFileDialog | None = None  # the open file dialog, if any
        self._build()
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(lambda _item, _column: self.choose_file())
        self.locate_button.clicked.connect(self.choose_file)
        self.search_button.clicked.connect(self.choose_folder)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self._update_buttons()
        self.setVisible(False)

    def _build(self) -> None:
        body = QWidget(self)
        body.setObjectName("panel_relink")
        self.summary = QLabel(body)
        self.summary.setObjectName("relink_summary")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget(body)
        self.tree.setObjectName("relink_list")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["File", "Used by", "Was at"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setMinimumHeight(self.tree.fontMetrics().height() * 6)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.busy_label = QLabel(body)
        self.busy_label.setObjectName("relink_busy")
        self.busy_label.setWordWrap(True)
        self.busy_label.hide()
        self.locate_button = QPushButton("Locate...", body)
        self.locate_button.setObjectName("relink_locate")
        self.locate_button.setToolTip("Choose the file that replaces the selected one")
        self.search_button = QPushButton("Search Folder...", body)
        self.search_button.setObjectName("relink_search")
        self.search_button.setToolTip(
            "Look for every missing file in a folder and its subfolders (photos are also "
            "recognised by their content, whatever their name)"
        )
        self.cancel_button = QPushButton("Cancel", body)
        self.cancel_button.setObjectName("relink_cancel")
        self.cancel_button.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.locate_button)
        buttons.addWidget(self.search_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(body)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.busy_label)
        layout.addLayout(buttons)
        self.setWidget(body)

    # --- the list -----------------------------------------------------------------------------

    @property
    def items(self) -> list[MissingMedia]:
        return list(self._items)

    def set_missing(self, items: Sequence[MissingMedia], start_folder: Path | None = None) -> None:
        """Show `items`; hidden when empty. A list the user closed the panel on stays
        hidden until it changes."""
        selected = self.selected_item()
        self._items = list(items)
        if start_folder is not None:
            self._start_folder = start_folder
        self.tree.clear()
        for item in self._items:
            row = QTreeWidgetItem([item.name, item.used_by, str(item.expected)])
            row.setData(0, _ITEM_ROLE, item)
            row.setToolTip(0, item.reference)
            row.setToolTip(2, str(item.expected))
            self.tree.addTopLevelItem(row)
            if selected is not None and item.reference == selected.reference:
                row.setSelected(True)
        if self._items and not self.tree.selectedItems():
            first = self.tree.topLevelItem(0)
            if first is not None:
                first.setSelected(True)
        count = len(self._items)
        noun = "file" if count == 1 else "files"
        self.summary.setText(
            f"{count} {noun} this project uses cannot be found. Locate each one, or search "
            "a folder for all of them."
        )
        self._update_buttons()
        if not self._items:
            self._dismissed = None
            self.setVisible(False)
        elif self._dismissed != self._references():
            self._dismissed = None
            self.setVisible(True)
            self.raise_()  # the front tab when it shares a place with other panels

    def selected_item(self) -> MissingMedia | None:
        for row in self.tree.selectedItems():
            item = row.data(0, _ITEM_ROLE)
            if isinstance(item, MissingMedia):
                return item
        return None

    def select(self, reference: str) -> None:
        for index in range(self.tree.topLevelItemCount()):
            row = self.tree.topLevelItem(index)
            if row is not None:
                item = row.data(0, _ITEM_ROLE)
                row.setSelected(isinstance(item, MissingMedia) and item.reference == reference)

    def reveal(self) -> None:
        """Show the panel (File > Find Missing Media), even after it was closed."""
        self._dismissed = None
        self.setVisible(True)
        self.raise_()

    def set_busy(self, text: str | None) -> None:
        """A search or relink is running (`text` says what), or None when it ended."""
        self._busy = text is not None
        self.busy_label.setText(text or "")
        self.busy_label.setVisible(self._busy)
        self.cancel_button.setVisible(self._busy)
        self._update_buttons()

    def _references(self) -> frozenset[str]:
        return frozenset(item.reference for item in self._items)

    def _update_buttons(self) -> None:
        self.locate_button.setEnabled(not self._busy and self.selected_item() is not None)
        self.search_button.setEnabled(not self._busy and bool(self._items))

    # --- asking for files (non-blocking dialogs) ---------------------------------------------

    def choose_file(self) -> QFileDialog | None:
        item = self.selected_item()
        if item is None or self._busy:
            return None
        folder = item.expected.parent if item.expected.parent.is_dir() else self._start_folder
        dialog = self._dialog(f"Locate {item.name}", folder)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        if item.is_image:
            dialog.setNameFilters([_IMAGE_FILTER, "All files (*)"])
        dialog.fileSelected.connect(lambda path: self.locate_requested.emit(item, path))
        dialog.open()
        return dialog

    def choose_folder(self) -> QFileDialog | None:
        if not self._items or self._busy:
            return None
        dialog = self._dialog("Search a Folder for the Missing Files", self._start_folder)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.search_requested)
        dialog.open()
        return dialog

    def _dialog(self, title: str, folder: Path) -> QFileDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog = QFileDialog(self.window(), title, str(folder))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog
        return dialog

    def _dialog_closed(self) -> None:
        self.dialog = None

    # --- showing ------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._dismissed = self._references()
        super().closeEvent(event)

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt's name
        # Nothing missing: stay hidden (a restored window layout may ask to show it).
        super().setVisible(visible and bool(self._items))
