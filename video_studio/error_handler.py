"""The error handling system: classify any failure into an ErrorInfo for the user, log the
technical detail, count failures per type, and keep one circuit breaker per service.

    from video_studio import handle_generation_error, VideoStudioErrorType
    try:
        result = generate_video(config)
    except Exception as e:
        error_info = handle_generation_error(e, context={"task_id": "task_123"})

The pieces live in small modules (error_types, error_classifier, circuit_breaker,
retry_policy, ...); everything public is re-exported here.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from video_studio.circuit_breaker import CircuitBreaker, CircuitState, is_service_failure
from video_studio.error_classifier import ExceptionClassifier, classify_exception
from video_studio.error_messages import MODEL_DISPLAY_NAMES, model_display_name
from video_studio.error_types import (
    TRANSIENT_ERROR_TYPES,
    CancelledByUser,
    CircuitOpenError,
    ContentPolicyError,
    ErrorInfo,
    RecoveryAction,
    VideoStudioError,
    VideoStudioErrorType,
)
from video_studio.retry_policy import ErrorClassifier, RetryEvent, RetryPolicy
from video_studio.secrets import redact
from video_studio.service_failures import job_failure_error, parse_retry_after

if TYPE_CHECKING:
    from video_studio.config import VideoStudioConfig, WorkflowConfig

__all__ = [
    "MODEL_DISPLAY_NAMES",
    "TRANSIENT_ERROR_TYPES",
    "CancelledByUser",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "ContentPolicyError",
    "ErrorClassifier",
    "ErrorInfo",
    "ExceptionClassifier",
    "RecoveryAction",
    "RetryEvent",
    "RetryPolicy",
    "VideoStudioError",
    "VideoStudioErrorHandler",
    "VideoStudioErrorType",
    "classify_exception",
    "get_error_handler",
    "handle_generation_error",
    "is_service_failure",
    "job_failure_error",
    "model_display_name",
    "parse_retry_after",
    "set_error_handler",
]

ErrorListener = Callable[[ErrorInfo], None]
BreakerListener = Callable[[str, CircuitState, CircuitState], None]

# How loud each kind of failure is in the log: the user's own cancel is not a problem, and
# an unexplained failure needs the traceback.
_LOG_LEVELS: dict[VideoStudioErrorType, int] = {
    VideoStudioErrorType.CANCELLED: logging.INFO,
    VideoStudioErrorType.UNKNOWN: logging.ERROR,
    VideoStudioErrorType.ENCODING: logging.ERROR,
    VideoStudioErrorType.STORAGE: logging.ERROR,
    VideoStudioErrorType.DISK_FULL: logging.ERROR,
    VideoStudioErrorType.CONFIGURATION: logging.ERROR,
}
_TRACEBACK_TYPES = frozenset({VideoStudioErrorType.UNKNOWN, VideoStudioErrorType.ENCODING})


class VideoStudioErrorHandler:
    """Thread-safe. Breakers are built from the workflow section of `config` (the
    application's config when None, read on first use)."""

    def __init__(
        self,
        config: VideoStudioConfig | None = None,
        *,
        logger: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._logger = logger or logging.getLogger("video_studio.errors")
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: Counter[VideoStudioErrorType] = Counter()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._error_listeners: list[ErrorListener] = []
        self._breaker_listeners: list[BreakerListener] = []

    # --- classification -----------------------------------------------------------------

    def classify(self, exc: BaseException, context: Mapping[str, Any] | None = None) -> ErrorInfo:
        """What `exc` means for the user; no logging, no counting."""
        return classify_exception(exc, context)

    def handle(self, exc: BaseException, context: Mapping[str, Any] | None = None) -> ErrorInfo:
        """Classify, log the technical detail, count, and tell the error listeners."""
        info = self.classify(exc, context)
        with self._lock:
            self._counts[info.error_type] += 1
            listeners = list(self._error_listeners)
        self._log(exc, info)
        for listener in listeners:
            try:
                listener(info)
            except Exception:
                self._logger.exception("error listener failed")
        return info

    def _log(self, exc: BaseException, info: ErrorInfo) -> None:
        level = _LOG_LEVELS.get(info.error_type, logging.WARNING)
        if not self._logger.isEnabledFor(level):
            return
        text = f"[{info.error_id}] {info.error_type.value}: {info.technical_detail}"
        wants_traceback = info.error_type in _TRACEBACK_TYPES or self._logger.isEnabledFor(
            logging.DEBUG
        )
        if wants_traceback and exc.__traceback__ is not None:
            # Formatted here so it can be redacted: exception texts may quote a key.
            text += "\n" + redact("".join(traceback.format_exception(exc)).rstrip())
        extra = {
            "error_id": info.error_id,
            "error_type": info.error_type.value,
            "error_context": dict(info.context),
        }
        self._logger.log(level, "%s", text, extra=extra)

    def add_error_listener(self, callback: ErrorListener) -> None:
        """`callback(error_info)` after each handled error (e.g. the GUI's error panel)."""
        with self._lock:
            self._error_listeners.append(callback)

    def stats(self) -> dict[str, int]:
        """Handled errors per type (every type listed, zeros included)."""
        with self._lock:
            return {kind.value: self._counts[kind] for kind in VideoStudioErrorType}

    def reset_stats(self) -> None:
        with self._lock:
            self._counts.clear()

    # --- circuit breakers ---------------------------------------------------------------

    def _workflow(self) -> WorkflowConfig:
        if self._config is not None:
            return self._config.workflow
        # Imported here: classifying and logging errors must not load pydantic.
        from video_studio.config import WorkflowConfig, get_config  # noqa: PLC0415
        from video_studio.config_errors import ConfigError  # noqa: PLC0415

        try:
            return get_config().workflow
        except ConfigError:
            # A broken config file is reported elsewhere; errors must still be handled.
            return WorkflowConfig()

    def get_circuit_breaker(self, name: str) -> CircuitBreaker:
        """The breaker of service `name` (e.g. "luma"), made on first use."""
        with self._lock:
            breaker = self._breakers.get(name)
            if breaker is not None:
                return breaker
        workflow = self._workflow()  # outside the lock: may load the config file
        with self._lock:
            breaker = self._breakers.get(name)
            if breaker is None:
                breaker = CircuitBreaker(
                    name,
                    failure_threshold=workflow.circuit_breaker_failure_threshold,
                    recovery_timeout=workflow.circuit_breaker_cooldown_seconds,
                    half_open_max_calls=workflow.circuit_breaker_half_open_max_calls,
                    clock=self._clock,
                )
                for listener in self._breaker_listeners:
                    breaker.add_listener(listener)
                self._breakers[name] = breaker
            return breaker

    def add_breaker_listener(self, callback: BreakerListener) -> None:
        """Listen to state changes of every breaker, present and future."""
        with self._lock:
            self._breaker_listeners.append(callback)
            breakers = list(self._breakers.values())
        for breaker in breakers:
            breaker.add_listener(callback)

    def circuit_breakers(self) -> dict[str, CircuitBreaker]:
        with self._lock:
            return dict(self._breakers)

    def breaker_snapshots(self) -> list[dict[str, Any]]:
        return [breaker.snapshot() for breaker in self.circuit_breakers().values()]

    def retry_policy(self, model_name: str, **overrides: Any) -> RetryPolicy:
        """The retry policy of a model, from the config, classifying with this handler."""
        overrides.setdefault("classifier", self)
        return RetryPolicy.from_config(self._config, model_name, **overrides)


# --- the application's handler ------------------------------------------------------------

_default_lock = threading.Lock()
_default_handler: VideoStudioErrorHandler | None = None


def get_error_handler() -> VideoStudioErrorHandler:
    global _default_handler  # noqa: PLW0603 - one handler per process, made on first use
    with _default_lock:
        if _default_handler is None:
            _default_handler = VideoStudioErrorHandler()
        return _default_handler


def set_error_handler(handler: VideoStudioErrorHandler | None) -> None:
    """Replace the application's handler (None: make a fresh one on next use)."""
    global _default_handler  # noqa: PLW0603
    with _default_lock:
        _default_handler = handler


def handle_generation_error(
    e: BaseException, context: Mapping[str, Any] | None = None
) -> ErrorInfo:
    """Classify, log and count `e` with the application's handler; show the result."""
    return get_error_handler().handle(e, context)
