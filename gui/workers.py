"""Engine jobs on QThreads, so the GUI thread never waits for anything slow.

    handle = runner.start(
        "Import",
        lambda cancel, progress: import_images(paths, cancel, progress),
        on_progress=bar.show_progress,  # jobs.Progress, on the GUI thread
        on_success=on_result,  # the work's return value
        on_failure=on_error,  # ErrorInfo: plain message and recovery actions
    )
    handle.cancel()  # the work sees it through its CancelToken

Signals are delivered on the GUI thread (the handle lives there; the thread only emits).
Pass the callbacks to `start`: they are connected before the thread starts, so a quick job
cannot finish before anyone listens.
`JobRunner.shutdown()` cancels everything and waits for the threads, so none outlives the
window.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from video_studio.error_handler import VideoStudioErrorHandler
from video_studio.error_types import CancelledByUser, ErrorInfo, RecoveryAction
from video_studio.jobs import CancelToken, Progress
from video_studio.thread_priority import lower_current_thread_priority

_log = logging.getLogger("video_studio.gui.jobs")

ProgressReport = Callable[[Progress], None]
Work = Callable[[CancelToken, ProgressReport], Any]

_PROGRESS_INTERVAL = 0.05  # seconds: more frequent reports are dropped (the last is kept)


class _JobThread(QThread):
    def __init__(self, handle: JobHandle, work: Work) -> None:
        super().__init__()
        self._handle = handle
        self._work = work
        self.setObjectName(f"job: {handle.name}")

    def run(self) -> None:
        lower_current_thread_priority()
        handle = self._handle
        last = 0.0

        def report(progress: Progress) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= _PROGRESS_INTERVAL or progress.fraction >= 1.0:
                last = now
                handle.progress.emit(progress)

        try:
            result = self._work(handle.token, report)
        except CancelledByUser:
            handle.cancelled.emit()
        except Exception as error:  # every failure becomes a plain message for the user
            if handle.token.cancelled:
                handle.cancelled.emit()
            else:
                handle.failed.emit(handle.error_handler.handle(error, {"job": handle.name}))
        else:
            if handle.token.cancelled:
                handle.cancelled.emit()
            else:
                handle.succeeded.emit(result)


class JobHandle(QObject):
    """One running job. Exactly one of succeeded / failed / cancelled is emitted, then
    finished."""

    progress = Signal(object)  # Progress
    succeeded = Signal(object)  # the work's result
    failed = Signal(object)  # ErrorInfo
    cancelled = Signal()
    finished = Signal()

    def __init__(
        self, name: str, work: Work, error_handler: VideoStudioErrorHandler, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.token = CancelToken()
        self.error_handler = error_handler
        self.started_at = time.monotonic()
        self.worker_thread = _JobThread(self, work)
        self.worker_thread.finished.connect(self._thread_done)

    @property
    def running(self) -> bool:
        return self.worker_thread.isRunning()

    def cancel(self) -> None:
        self.token.cancel()

    def wait(self, seconds: float) -> bool:
        """Block until the thread ends (tests and shutdown only); False on timeout."""
        return self.worker_thread.wait(int(seconds * 1000))

    def _thread_done(self) -> None:
        self.finished.emit()


class JobRunner(QObject):
    """Starts and tracks the app's background jobs."""

    jobs_changed = Signal()  # a job started or ended

    def __init__(
        self, error_handler: VideoStudioErrorHandler | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._handler = error_handler or VideoStudioErrorHandler()
        self._jobs: list[JobHandle] = []

    def start(
        self,
        name: str,
        work: Work,
        *,
        on_progress: Callable[[Progress], object] | None = None,
        on_success: Callable[[Any], object] | None = None,
        on_failure: Callable[[ErrorInfo], object] | None = None,
        on_cancel: Callable[[], object] | None = None,
        on_finish: Callable[[], object] | None = None,
    ) -> JobHandle:
        handle = JobHandle(name, work, self._handler, self)
        for signal, callback in (
            (handle.progress, on_progress),
            (handle.succeeded, on_success),
            (handle.failed, on_failure),
            (handle.cancelled, on_cancel),
            (handle.finished, on_finish),
        ):
            if callback is not None:
                signal.connect(callback)
        self._jobs.append(handle)
        handle.finished.connect(lambda: self._forget(handle))
        handle.worker_thread.start()
        self.jobs_changed.emit()
        return handle

    def jobs(self) -> list[JobHandle]:
        return list(self._jobs)

    def _forget(self, handle: JobHandle) -> None:
        if handle in self._jobs:
            self._jobs.remove(handle)
            handle.worker_thread.deleteLater()
            handle.deleteLater()
            self.jobs_changed.emit()

    def shutdown(self, seconds: float = 10.0) -> bool:
        """Cancel every job and wait for its thread; False if one did not stop in time."""
        jobs = list(self._jobs)
        for handle in jobs:
            handle.cancel()
        deadline = time.monotonic() + seconds
        stopped = True
        for handle in jobs:
            remaining = max(0.0, deadline - time.monotonic())
            if not handle.wait(remaining):
                _log.error("job %s did not stop within %.0f s", handle.name, seconds)
                stopped = False
        return stopped


def error_text(info: ErrorInfo) -> str:
    """The message and what the user can do, for a status line or a panel."""
    actions = [a.label for a in info.recovery_actions if a is not RecoveryAction.NONE]
    return f"{info.message} ({'; '.join(actions)})" if actions else info.message
