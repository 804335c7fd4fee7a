"""Real drag-and-drop from a file manager, as Qt delivers it: enter, move and drop events
carrying file URLs. Shared by the GUI tests and the guide's screenshot script."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget


def file_mime(paths: list[Path]) -> QMimeData:
    """What a file manager puts on a drag of `paths`."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    return mime


def drop(target: QWidget, mime: QMimeData) -> tuple[bool, bool]:
    """A drag entering `target`, moving, and dropping there: (enter accepted, dropped)."""
    where = target.rect().center()
    action = Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where, action, mime, buttons, keys)
    QApplication.sendEvent(target, enter)
    move = QDragMoveEvent(where, action, mime, buttons, keys)
    QApplication.sendEvent(target, move)
    dropped = QDropEvent(QPointF(where), action, mime, buttons, keys)
    QApplication.sendEvent(target, dropped)
    return enter.isAccepted(), dropped.isAccepted()
