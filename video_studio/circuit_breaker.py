"""A circuit breaker per cloud adapter: after repeated service failures, stop calling the
service for a cool-down, then let a few trial calls through to see whether it recovered.

Transitions (the property tests check exactly these):
- CLOSED: every request is allowed. A failure adds to the run of consecutive failures; at
  `failure_threshold` the breaker opens. A success ends the run.
- OPEN: requests are refused until `recovery_timeout` seconds have passed since it opened;
  then the breaker is HALF_OPEN (any method that looks at the state notices the time).
  Outcomes recorded while OPEN belong to calls started earlier and change nothing.
- HALF_OPEN: up to `half_open_max_calls` trial requests are allowed. A failure opens the
  breaker again; `half_open_max_calls` successes close it. If the trials allowed never report
  back for another `recovery_timeout`, new trials are allowed (a caller may have crashed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

from video_studio.error_classifier import classify_exception
from video_studio.error_types import CircuitOpenError, VideoStudioErrorType

_log = logging.getLogger("video_studio.errors")
_P = ParamSpec("_P")
_R = TypeVar("_R")

Listener = Callable[[str, "CircuitState", "CircuitState"], None]
FailureFilter = Callable[[BaseException], bool]

# Failures that say something about the service's health. Bad input, a refused key or a
# cancelled task do not: they must not pause a healthy service for everyone.
_SERVICE_FAILURES = frozenset(
    {
        VideoStudioErrorType.NETWORK,
        VideoStudioErrorType.TIMEOUT,
        VideoStudioErrorType.RATE_LIMIT,
        VideoStudioErrorType.SERVICE_UNAVAILABLE,
        VideoStudioErrorType.MODEL_FAILURE,
    }
)


def is_service_failure(exc: BaseException) -> bool:
    """Whether `exc` should count against a service's circuit breaker."""
    if isinstance(exc, CircuitOpenError):
        return False  # another breaker's refusal is not a new failure of the service
    info = classify_exception(exc)
    return info.error_type in _SERVICE_FAILURES or (
        info.retryable and info.error_type is not VideoStudioErrorType.CANCELLED
    )


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Thread-safe; `clock` (monotonic seconds) is injectable so tests need not sleep."""

    def __init__(
        self,
        name: str,
        failure_threshold: int,
        recovery_timeout: float,
        half_open_max_calls: int = 1,
        clock: Callable[[], float] = time.monotonic,
        *,
        is_failure: FailureFilter = is_service_failure,
    ) -> None:
        if failure_threshold < 1 or half_open_max_calls < 1:
            raise ValueError("failure_threshold and half_open_max_calls must be at least 1")
        if recovery_timeout < 0:
            raise ValueError("recovery_timeout must not be negative")
        self.name = name
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self.half_open_max_calls = half_open_max_calls
        self._clock = clock
        self._is_failure = is_failure
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._state = CircuitState.CLOSED
        self._consecutive_failures = 0
        self._opened_at = 0.0
        self._half_open_since = 0.0
        self._trials_allowed = 0
        self._trial_successes = 0
        self._successes = 0
        self._failures = 0
        self._ignored = 0
        self._rejections = 0
        self._times_opened = 0

    # --- state changes (callers hold the lock; they return transitions to announce) ----

    def _move(
        self, new: CircuitState, now: float, changes: list[tuple[CircuitState, CircuitState]]
    ) -> None:
        old, self._state = self._state, new
        if new is CircuitState.OPEN:
            self._opened_at = now
            self._times_opened += 1
        elif new is CircuitState.HALF_OPEN:
            self._half_open_since = now
            self._trials_allowed = self._trial_successes = 0
        else:
            self._consecutive_failures = 0
        changes.append((old, new))

    def _notice_time(self, now: float, changes: list[tuple[CircuitState, CircuitState]]) -> None:
        if self._state is CircuitState.OPEN and now - self._opened_at >= self.recovery_timeout:
            self._move(CircuitState.HALF_OPEN, now, changes)

    def _announce(self, changes: list[tuple[CircuitState, CircuitState]]) -> None:
        # Outside the lock: a listener may look at the breaker, or be slow.
        for old, new in changes:
            _log.log(
                logging.WARNING if new is CircuitState.OPEN else logging.INFO,
                "circuit breaker %s: %s -> %s",
                self.name,
                old.value,
                new.value,
            )
            for listener in list(self._listeners):
                try:
                    listener(self.name, old, new)
                except Exception:
                    _log.exception("circuit breaker listener failed for %s", self.name)

    # --- public interface -------------------------------------------------------------

    @property
    def state(self) -> CircuitState:
        changes: list[tuple[CircuitState, CircuitState]] = []
        with self._lock:
            self._notice_time(self._clock(), changes)
            state = self._state
        self._announce(changes)
        return state

    def allow_request(self) -> bool:
        """Whether a call may go to the service now. In HALF_OPEN an allowed call is a trial:
        report its outcome with record_success, record_failure or record_ignored."""
        changes: list[tuple[CircuitState, CircuitState]] = []
        with self._lock:
            now = self._clock()
            self._notice_time(now, changes)
            allowed = self._state is CircuitState.CLOSED
            if self._state is CircuitState.HALF_OPEN:
                stale = now - self._half_open_since >= self.recovery_timeout
                if self._trials_allowed >= self.half_open_max_calls and stale:
                    self._half_open_since = now
                    self._trials_allowed = self._trial_successes = 0
                if self._trials_allowed < self.half_open_max_calls:
                    self._trials_allowed += 1
                    allowed = True
            if not allowed:
                self._rejections += 1
        self._announce(changes)
        return allowed

    def record_success(self) -> None:
        changes: list[tuple[CircuitState, CircuitState]] = []
        with self._lock:
            now = self._clock()
            self._notice_time(now, changes)
            self._successes += 1
            if self._state is CircuitState.CLOSED:
                self._consecutive_failures = 0
            elif self._state is CircuitState.HALF_OPEN:
                self._trial_successes += 1
                if self._trial_successes >= self.half_open_max_calls:
                    self._move(CircuitState.CLOSED, now, changes)
        self._announce(changes)

    def record_failure(self) -> None:
        changes: list[tuple[CircuitState, CircuitState]] = []
        with self._lock:
            now = self._clock()
            self._notice_time(now, changes)
            self._failures += 1
            if self._state is CircuitState.CLOSED:
                self._consecutive_failures += 1
                if self._consecutive_failures >= self.failure_threshold:
                    self._move(CircuitState.OPEN, now, changes)
            elif self._state is CircuitState.HALF_OPEN:
                self._move(CircuitState.OPEN, now, changes)
        self._announce(changes)

    def record_ignored(self) -> None:
        """An allowed call ended in a way that says nothing about the service (bad input,
        cancelled): it frees its trial slot and changes nothing else."""
        with self._lock:
            self._ignored += 1
            if self._state is CircuitState.HALF_OPEN and self._trials_allowed > 0:
                self._trials_allowed -= 1

    def call(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run `fn` through the breaker; raises CircuitOpenError while it is open."""
        if not self.allow_request():
            raise CircuitOpenError(self.name, self.remaining_cooldown())
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            if self._is_failure(exc):
                self.record_failure()
            else:
                self.record_ignored()
            raise
        self.record_success()
        return result

    def remaining_cooldown(self) -> float:
        """Seconds until an open breaker lets a trial call through (0 when not open)."""
        with self._lock:
            if self._state is not CircuitState.OPEN:
                return 0.0
            return max(0.0, self.recovery_timeout - (self._clock() - self._opened_at))

    def reset(self) -> None:
        """Back to CLOSED with no failures counted (e.g. after the user changed the key)."""
        changes: list[tuple[CircuitState, CircuitState]] = []
        with self._lock:
            if self._state is not CircuitState.CLOSED:
                self._move(CircuitState.CLOSED, self._clock(), changes)
            self._consecutive_failures = 0
        self._announce(changes)

    def add_listener(self, callback: Listener) -> None:
        """`callback(name, old_state, new_state)` on every transition, e.g. for alerts."""
        with self._lock:
            self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        with self._lock:
            if callback in self._listeners:
                self._listeners.remove(callback)

    def snapshot(self) -> dict[str, Any]:
        """The breaker's numbers, for monitoring and the diagnostics view."""
        state = self.state  # notices an elapsed cool-down first
        with self._lock:
            return {
                "name": self.name,
                "state": state.value,
                "consecutive_failures": self._consecutive_failures,
                "failure_threshold": self.failure_threshold,
                "recovery_timeout": self.recovery_timeout,
                "half_open_max_calls": self.half_open_max_calls,
                "remaining_cooldown": (
                    max(0.0, self.recovery_timeout - (self._clock() - self._opened_at))
                    if self._state is CircuitState.OPEN
                    else 0.0
                ),
                "successes": self._successes,
                "failures": self._failures,
                "ignored": self._ignored,
                "rejections": self._rejections,
                "times_opened": self._times_opened,
            }

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, state={self._state.value})"
