"""Retries with exponential backoff on tenacity. The error's classification decides whether
to retry at all; a Retry-After (or retry-after-ms) from the service decides how long to wait."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, Protocol, TypeVar

import tenacity

from video_studio.error_classifier import ExceptionClassifier
from video_studio.error_messages import seconds_text
from video_studio.error_types import ErrorInfo, VideoStudioErrorType

if TYPE_CHECKING:
    from video_studio.config import VideoStudioConfig

_log = logging.getLogger("video_studio.errors")
_P = ParamSpec("_P")
_R = TypeVar("_R")
_MAX_EXPONENT = 60  # 2**60 times any sane base delay is far past every max_delay

JitterMode = Literal["full", "equal"]


class ErrorClassifier(Protocol):
    def classify(
        self, exc: BaseException, context: Mapping[str, Any] | None = None
    ) -> ErrorInfo: ...


@dataclass(frozen=True)
class RetryEvent:
    """Reported before each wait, so the user sees that the app is still trying."""

    attempt: int  # the attempt that just failed, from 1
    max_attempts: int
    wait: float
    error: BaseException
    error_info: ErrorInfo

    def describe(self) -> str:
        attempt = f"attempt {self.attempt + 1} of {self.max_attempts}"
        return f"Retrying in {seconds_text(self.wait)} ({attempt})"


class RetryPolicy:
    """`jitter`: True or "equal" spreads a wait d over [d/2, d] (the service still gets a
    pause), "full" over [0, d]; False waits exactly d. `sleep` may raise (a cancel token's
    wait does) to abandon the retries."""

    def __init__(
        self,
        max_attempts: int = 3,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        max_retry_after: float = 60.0,
        jitter: bool | JitterMode = True,
        *,
        sleep: Callable[[float], None] = time.sleep,
        classifier: ErrorClassifier | None = None,
        before_sleep: Callable[[RetryEvent], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if base_delay < 0 or max_delay < 0 or max_retry_after < 0:
            raise ValueError("delays must not be negative")
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.jitter: JitterMode | None = "equal" if jitter is True else (jitter or None)
        self._sleep = sleep
        self._classifier: ErrorClassifier = classifier or ExceptionClassifier()
        self._before_sleep = before_sleep
        self._rng = rng or random.Random()

    @classmethod
    def from_config(
        cls, config: VideoStudioConfig | None, model_name: str, **overrides: Any
    ) -> RetryPolicy:
        """Attempts from the model's max_retries (+1 for the first try), delays from the
        workflow section. `config` None means the application's config."""
        if config is None:
            from video_studio.config import get_config  # noqa: PLC0415 - pydantic only if needed

            config = get_config()
        workflow = config.workflow
        settings: dict[str, Any] = {
            "max_attempts": config.get_model_config(model_name).max_retries + 1,
            "base_delay": workflow.retry_base_delay_seconds,
            "max_delay": workflow.retry_max_delay_seconds,
        }
        settings.update(overrides)
        return cls(**settings)

    # --- decisions ----------------------------------------------------------------------

    def should_retry(self, error: BaseException) -> bool:
        info = self._classifier.classify(error)
        return info.retryable and info.error_type is not VideoStudioErrorType.CANCELLED

    def backoff_delay(self, attempt_number: int) -> float:
        """The un-jittered wait after failed attempt `attempt_number` (from 1)."""
        exponent = min(max(attempt_number - 1, 0), _MAX_EXPONENT)
        return min(self.max_delay, self.base_delay * 2.0**exponent)

    def compute_wait(self, attempt_number: int, error: BaseException | None = None) -> float:
        """Seconds to wait after failed attempt `attempt_number`: the service's Retry-After
        (capped at max_retry_after) when it sent one, else jittered exponential backoff."""
        if error is not None:
            retry_after = self._classifier.classify(error).retry_after
            if retry_after is not None:
                return min(max(retry_after, 0.0), self.max_retry_after)
        delay = self.backoff_delay(attempt_number)
        if self.jitter == "full":
            return self._rng.uniform(0.0, delay)
        if self.jitter == "equal":
            return delay / 2 + self._rng.uniform(0.0, delay / 2)
        return delay

    # --- running ------------------------------------------------------------------------

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        return self.compute_wait(state.attempt_number, error)

    def _report(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        if error is None:
            return
        wait = state.upcoming_sleep
        info = self._classifier.classify(error)
        event = RetryEvent(state.attempt_number, self.max_attempts, wait, error, info)
        _log.info("%s after %s: %s", event.describe(), info.error_type.value, info.technical_detail)
        if self._before_sleep is not None:
            self._before_sleep(event)

    def retrying(self) -> tenacity.Retrying:
        """A tenacity.Retrying that re-raises the last error itself (never RetryError)."""
        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception(self.should_retry),
            sleep=self._sleep,
            before_sleep=self._report,
            reraise=True,
        )

    def call(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        result: _R = self.retrying()(fn, *args, **kwargs)
        return result

    def __repr__(self) -> str:
        return (
            f"RetryPolicy(max_attempts={self.max_attempts}, base_delay={self.base_delay}, "
            f"max_delay={self.max_delay}, jitter={self.jitter})"
        )
