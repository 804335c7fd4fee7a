"""What the Image Bin tells under its images, never in a dialog: `BinMessageRow`, a
one-line note the user closes (an action refused, an import summary), and
`ImportFailurePanel`, the files that could not be imported with their reasons."""

from __future__ import annotations

from collections.abc import Sequence

import qtawesome
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from video_studio.importing import ImportFailure

_FAILURE_LIST_HEIGHT = 130


def plural(count: int, word: str) -> str:
    """`1 image`, `3 images`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class BinMessageRow(QFrame):
    """A one-line note, closed by the user; hidden until `show_text`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bin_message_row")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 2, 2)
        self.label = QLabel(self)
        self.label.setObjectName("bin_message")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QToolButton(self)
        close.setIcon(qtawesome.icon("mdi6.close"))
        close.setToolTip("Close this message")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        """The note shown, or "" when closed."""
        return self.label.text() if not self.isHidden() else ""


class ImportFailurePanel(QFrame):
    """Files that could not be imported, with the reasons: a list, never a dialog. Hidden
    while empty; its Clear button empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_failures")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._failures: list[ImportFailure] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 4, 4)
        layout.setSpacing(2)
        header = QHBoxLayout()
        warning = QLabel(self)
        warning.setPixmap(qtawesome.icon("mdi6.alert-circle-outline", color="#d08a3c").pixmap(16))
        header.addWidget(warning)
        self.title = QLabel(self)
        self.title.setObjectName("import_failures_title")
        header.addWidget(self.title, 1)
        clear = QToolButton(self)
        clear.setObjectName("clear_failures")
        clear.setText("Clear")
        clear.setToolTip("Clear this list")
        clear.setAutoRaise(True)
        clear.clicked.connect(self.clear)
        header.addWidget(clear)
        layout.addLayout(header)
        self.file_list = QListWidget(self)
        self.file_list.setObjectName("import_failure_list")
        self.file_list.setWordWrap(True)
        self.file_list.setMaximumHeight(_FAILURE_LIST_HEIGHT)
        self.file_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        layout.addWidget(self.file_list)
        self._icon: QIcon = qtawesome.icon("mdi6.image-broken-variant")
        self.hide()

    def failures(self) -> list[ImportFailure]:
        return list(self._failures)

    def add(self, failures: Sequence[ImportFailure]) -> None:
        """List these too (and show the panel)."""
        if not failures:
            return
        self._failures.extend(failures)
        for failure in failures:
            text = failure.reason
            if failure.path.name and failure.path.name not in text:
                text = f"{failure.name}: {text}"
            item = QListWidgetItem(self._icon, text)
            item.setToolTip(f"{failure.path}\n{failure.reason}" if failure.path.name else text)
            item.setData(Qt.ItemDataRole.UserRole, str(failure.path))
            self.file_list.addItem(item)
        count = len(self._failures)
        self.title.setText(f"{plural(count, 'file')} could not be imported")
        self.show()
        self.file_list.scrollToBottom()

    def clear(self) -> None:
        self._failures.clear()
        self.file_list.clear()
        self.hide()
