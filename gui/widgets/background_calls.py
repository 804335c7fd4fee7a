"""`BackgroundCalls`: a panel's small calls (decoding an image, reading a file) on their
own QThreads, with the callbacks on the GUI thread; failures come back as plain messages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from video_studio.error_types import VideoStudioError
from video_studio.thread_priority import lower_current_thread_priority

_log = logging.getLogger("video_studio.gui.inspector")


class _CallThread(QThread):
    completed = Signal(object)  # the thread itself, once `work` has returned or raised

    def __init__(self, name: str, work: Callable[[], Any]) -> None:
        super().__init__()
        self.setObjectName(name)
        self._work = work
        self.result: Any = None
        self.error: str | None = None

    def run(self) -> None:
        lower_current_thread_priority()
        try:
            self.result = self._work()
        except VideoStudioError as error:
            self.error = error.message
        except Exception as error:  # any failure becomes a message in the panel
            _log.warning("%s failed: %r", self.objectName(), error)
            self.error = str(error) or type(error).__name__
        self.completed.emit(self)


class BackgroundCalls(QObject):
    """Small calls of a panel on their own threads; the callbacks run on the GUI thread.
    `shutdown()` waits for the running ones, whose callbacks are then dropped."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[_CallThread, tuple[Callable[[Any], None], Callable[[str], None]]] = {}
        self._closed = False

    def run(
        self,
        name: str,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_failed: Callable[[str], None],
    ) -> None:
        if self._closed:
            return
        thread = _CallThread(name, work)
        thread.completed.connect(self._completed)
        self._running[thread] = (on_done, on_failed)
        thread.start()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def _completed(self, thread: _CallThread) -> None:
        callbacks = self._running.pop(thread, None)
        thread.wait()  # it has only to return from run()
        thread.deleteLater()
        if callbacks is None or self._closed:
            return
        on_done, on_failed = callbacks
        if thread.error is None:
            on_done(thread.result)
        else:
            on_failed(thread.error)

    def shutdown(self) -> None:
        self._closed = True
        for thread in list(self._running):
            thread.wait()
        self._running.clear()
