"""One job abstraction for every slow thing (thumbnails, proxies, generation, export): an id,
progress with ETA, a cancel token, and a result or a typed error. Plain Python: the GUI runs
jobs in QThread workers and relays their progress by signal."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from video_studio.error_types import CancelledByUser


class CancelToken:
    """Set once by whoever wants the work to stop; checked by the work at safe points.

    `cancel(keep_remote=True)` stops the work the same way (every check raises
    CancelledByUser at once) but detaches it from work that runs elsewhere instead of ending
    that too: a cloud adapter stops polling without cancelling the paid job the service
    accepted, so that it can be followed again later (closing the app). A plain cancel()
    made afterwards still turns it into a full stop, as long as the work has not yet acted
    on it."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._keep_remote = False

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    @property
    def keeps_remote(self) -> bool:
        """Cancelled with `keep_remote=True` (and never plainly): leave remote work alive."""
        return self._event.is_set() and self._keep_remote

    def cancel(self, *, keep_remote: bool = False) -> None:
        """Ask the work to stop; callbacks run on the first call only. `keep_remote`: stop
        following work that runs elsewhere (a cloud job) without cancelling it there."""
        with self._lock:
            if self._event.is_set():
                if not keep_remote:
                    self._keep_remote = False  # a later plain cancel is a full stop
                return
            self._keep_remote = keep_remote
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Run `callback` when cancelled (at once if already cancelled)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise CancelledByUser("Cancelled.")

    def sleep(self, seconds: float) -> None:
        """Wait up to `seconds`, raising CancelledByUser as soon as the token is cancelled
        (a drop-in for time.sleep in retry loops)."""
        if self._event.wait(max(0.0, seconds)):
            raise CancelledByUser("Cancelled.")


@dataclass(frozen=True)
class Progress:
    """A snapshot of a job's progress; `fraction` in 0..1, `eta_seconds` None when unknown."""

    fraction: float
    message: str = ""
    done: int | None = None  # units done (frames, files) when the work counts units
    total: int | None = None
    rate: float | None = None  # units per second
    eta_seconds: float | None = None
    elapsed_seconds: float = 0.0


ProgressCallback = Callable[[Progress], None]


@dataclass
class ProgressMeter:
    """Turns counts into Progress snapshots with a rate and an ETA, and rate-limits how
    often it reports (a callback per frame would flood a GUI)."""

    total: int
    callback: ProgressCallback | None = None
    min_interval: float = 0.1
    unit_message: str = ""
    _started: float = field(default_factory=time.monotonic)
    _last_report: float = field(default=-1.0)

    def update(self, done: int, message: str | None = None, *, force: bool = False) -> Progress:
        now = time.monotonic()
        elapsed = now - self._started
        rate = done / elapsed if elapsed > 0 and done > 0 else None
        remaining = max(0, self.total - done)
        eta = remaining / rate if rate else None
        fraction = min(1.0, done / self.total) if self.total > 0 else 1.0
        progress = Progress(
            fraction=fraction,
            message=message if message is not None else self.unit_message,
            done=done,
            total=self.total,
            rate=rate,
            eta_seconds=eta,
            elapsed_seconds=elapsed,
        )
        due = force or done >= self.total or now - self._last_report >= self.min_interval
        if self.callback is not None and due:
            self._last_report = now
            self.callback(progress)
        return progress


def new_job_id() -> str:
    return uuid.uuid4().hex[:12]
