"""Files and folders dragged from the file manager onto a panel: `FileDropTarget` watches
widgets (an event filter), accepts such drags as a copy and hands over the dropped paths."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget


def dropped_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    """The local files and folders a drag carries."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class FileDropTarget(QObject):
    """Takes the drag events of the widgets it `watch`es: a drag of local files is
    accepted (`hovering(True)` when it enters, `hovering(False)` when it leaves or drops),
    anything else ignored; a drop emits `dropped(paths)`."""

    dropped = Signal(list)  # list[Path]
    hovering = Signal(bool)

    def watch(self, widget: QWidget) -> None:
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragMoveEvent)  # a QDragEnterEvent is one too
            if dropped_paths(event):
                event.setDropAction(Qt.DropAction.CopyAction)
                event.accept()
                if kind == QEvent.Type.DragEnter:
                    self.hovering.emit(True)
            else:
                event.ignore()
            return True
        if kind == QEvent.Type.DragLeave:
            self.hovering.emit(False)
            event.accept()
            return True
        if kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            self.hovering.emit(False)
            paths = dropped_paths(event)
            if not paths:
                event.ignore()
                return True
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.dropped.emit(paths)
            return True
        return super().eventFilter(watched, event)
