"""What the generation workflow tells its listener (the GUI relays it by signal): a task
changed, or an adapter's circuit breaker opened or closed. Events are delivered from the
workflow's threads, one at a time and in the order they happened."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from video_studio.models import TaskInfo

_log = logging.getLogger("video_studio.workflow")


class WorkflowEventKind(StrEnum):
    TASK_UPDATED = "task_updated"
    BREAKER_OPENED = "breaker_opened"
    BREAKER_CLOSED = "breaker_closed"


@dataclass(frozen=True)
class WorkflowEvent:
    """`task` is a copy of the task's state (TASK_UPDATED); breaker events name the
    `adapter`, and an opened breaker says when requests will be tried again (`retry_at`,
    wall clock, and `retry_in_seconds`). `message` is a plain sentence for a status bar."""

    kind: WorkflowEventKind
    task: TaskInfo | None = None
    adapter: str | None = None
    retry_at: datetime | None = None
    retry_in_seconds: float | None = None
    message: str = ""


EventListener = Callable[[WorkflowEvent], None]


class EventOutbox:
    """Events are queued under the caller's lock (so their order is the order of the
    changes) and delivered outside it by whichever thread flushes first; a listener that
    calls back into the workflow does not deadlock, its events follow in order."""

    def __init__(self, listener: EventListener | None) -> None:
        self._listener = listener
        self._queue: deque[WorkflowEvent] = deque()
        self._queue_lock = threading.Lock()
        self._delivering = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._listener is not None

    def put(self, event: WorkflowEvent) -> None:
        if self._listener is not None:
            with self._queue_lock:
                self._queue.append(event)

    def flush(self) -> None:
        listener = self._listener
        if listener is None:
            return
        while True:
            if not self._delivering.acquire(blocking=False):
                return  # the thread delivering now will also deliver ours
            try:
                while True:
                    with self._queue_lock:
                        if not self._queue:
                            break
                        event = self._queue.popleft()
                    try:
                        listener(event)
                    except Exception:
                        _log.exception("workflow event listener failed")
            finally:
                self._delivering.release()
            with self._queue_lock:
                if not self._queue:
                    return
