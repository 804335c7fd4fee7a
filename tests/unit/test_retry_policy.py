"""RetryPolicy: retries what the classification calls retryable, waits as Retry-After says or
with bounded exponential backoff, re-raises the original error, never sleeps for real."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest
import tenacity
from hypothesis import given
from hypothesis import strategies as st

from video_studio.config import VideoStudioConfig
from video_studio.error_types import (
    CancelledByUser,
    ErrorInfo,
    VideoStudioError,
    VideoStudioErrorType,
)
from video_studio.retry_policy import ErrorClassifier, JitterMode, RetryEvent, RetryPolicy

URL = "https://api.dev.runwayml.com/v1/image_to_video"


def http_error(status: int, headers: dict[str, str] | None = None) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", URL, headers={"Authorization": "Bearer key_" + "ab" * 64})
    response = httpx.Response(status, json={"error": "x"}, headers=headers, request=request)
    return httpx.HTTPStatusError(f"HTTP {status}", request=request, response=response)


class Flaky:
    """Fails with the given errors in turn, then returns "done"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def policy(
    sleeps: list[float],
    max_attempts: int = 4,
    *,
    max_retry_after: float = 60.0,
    before_sleep: Callable[[RetryEvent], None] | None = None,
    classifier: ErrorClassifier | None = None,
) -> RetryPolicy:
    """Un-jittered 1, 2, 4, 8 s waits, recorded in `sleeps` instead of slept."""
    return RetryPolicy(
        max_attempts,
        base_delay=1.0,
        max_delay=8.0,
        max_retry_after=max_retry_after,
        jitter=False,
        sleep=sleeps.append,
        before_sleep=before_sleep,
        classifier=classifier,
    )


def test_retries_a_503_then_succeeds() -> None:
    sleeps: list[float] = []
    work = Flaky(http_error(503), http_error(503))
    assert policy(sleeps).call(work) == "done"
    assert work.calls == 3
    assert sleeps == [1.0, 2.0]


def test_never_retries_a_401() -> None:
    sleeps: list[float] = []
    error = http_error(401)
    work = Flaky(error)
    with pytest.raises(httpx.HTTPStatusError) as caught:
        policy(sleeps).call(work)
    assert caught.value is error
    assert work.calls == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "error",
    [
        http_error(400),
        http_error(402),
        http_error(422),
        CancelledByUser(),
        ValueError("bug"),
        VideoStudioError(VideoStudioErrorType.CONTENT_POLICY, "no"),
    ],
    ids=["400", "402", "422", "cancel", "bug", "policy"],
)
def test_does_not_retry_what_is_not_retryable(error: BaseException) -> None:
    sleeps: list[float] = []
    work = Flaky(error)
    with pytest.raises(type(error)):
        policy(sleeps).call(work)
    assert work.calls == 1


def test_honours_retry_after_seconds() -> None:
    sleeps: list[float] = []
    work = Flaky(http_error(429, {"Retry-After": "7"}), http_error(429, {"retry-after-ms": "250"}))
    assert policy(sleeps).call(work) == "done"
    assert sleeps == [7.0, 0.25]


def test_retry_after_is_capped() -> None:
    sleeps: list[float] = []
    work = Flaky(http_error(503, {"Retry-After": "3600"}))
    policy(sleeps).call(work)
    assert sleeps == [60.0]
    sleeps.clear()
    policy(sleeps, max_retry_after=20.0).call(Flaky(http_error(429, {"Retry-After": "45"})))
    assert sleeps == [20.0]


def test_reraises_the_original_exception_after_the_last_attempt() -> None:
    sleeps: list[float] = []
    errors = [http_error(503) for _ in range(3)]
    work = Flaky(*errors)
    with pytest.raises(httpx.HTTPStatusError) as caught:
        policy(sleeps, max_attempts=3).call(work)
    assert caught.value is errors[-1]  # not tenacity.RetryError
    assert work.calls == 3
    assert sleeps == [1.0, 2.0]


def test_network_errors_are_retried() -> None:
    sleeps: list[float] = []
    request = httpx.Request("GET", URL)
    work = Flaky(httpx.ConnectError("refused", request=request), TimeoutError())
    assert policy(sleeps).call(work) == "done"
    assert work.calls == 3


def test_a_cancelling_sleep_stops_the_retries() -> None:
    def cancelled_sleep(seconds: float) -> None:
        raise CancelledByUser()

    work = Flaky(http_error(503), http_error(503))
    with pytest.raises(CancelledByUser):
        RetryPolicy(max_attempts=5, sleep=cancelled_sleep).call(work)
    assert work.calls == 1


def test_before_sleep_reports_progress() -> None:
    sleeps: list[float] = []
    events: list[RetryEvent] = []
    work = Flaky(http_error(503), http_error(429, {"Retry-After": "3"}))
    policy(sleeps, max_attempts=3, before_sleep=events.append).call(work)
    assert [event.describe() for event in events] == [
        "Retrying in 1 second (attempt 2 of 3)",
        "Retrying in 3 seconds (attempt 3 of 3)",
    ]
    assert events[1].error_info.error_type is VideoStudioErrorType.RATE_LIMIT
    assert [event.wait for event in events] == sleeps


def test_passes_arguments_through() -> None:
    def add(a: int, b: int = 0) -> int:
        return a + b

    assert RetryPolicy(sleep=lambda _: None).call(add, 2, b=3) == 5


def test_retrying_object_can_drive_a_loop() -> None:
    sleeps: list[float] = []
    work = Flaky(http_error(502))
    result = None
    retrying = policy(sleeps).retrying()
    assert isinstance(retrying, tenacity.Retrying)
    for attempt in retrying:
        with attempt:
            result = work()
    assert result == "done"
    assert sleeps == [1.0]


def test_a_custom_classifier_decides() -> None:
    class EverythingTransient:
        def classify(
            self, exc: BaseException, context: Mapping[str, Any] | None = None
        ) -> ErrorInfo:
            return ErrorInfo(VideoStudioErrorType.NETWORK, "x", retryable=True, retry_after=0.5)

    sleeps: list[float] = []
    work = Flaky(ValueError(), ValueError())
    assert policy(sleeps, classifier=EverythingTransient()).call(work) == "done"
    assert sleeps == [0.5, 0.5]


def test_from_config() -> None:
    config = VideoStudioConfig.from_dict(
        {
            "models": {"pika": {"max_retries": 2}},
            "workflow": {"retry_base_delay_seconds": 0.5, "retry_max_delay_seconds": 4},
        },
        environment=False,
    )
    made = RetryPolicy.from_config(config, "pika", jitter=False)
    assert (made.max_attempts, made.base_delay, made.max_delay) == (3, 0.5, 4.0)
    assert [made.backoff_delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert RetryPolicy.from_config(None, "luma").max_attempts == 4  # default max_retries 3


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-1)


def test_jitter_modes_stay_in_their_ranges() -> None:
    rng = random.Random(7)
    full = RetryPolicy(base_delay=2, max_delay=100, jitter="full", rng=rng)
    equal = RetryPolicy(base_delay=2, max_delay=100, jitter="equal", rng=rng)
    for attempt in range(1, 8):
        delay = full.backoff_delay(attempt)
        assert 0 <= full.compute_wait(attempt) <= delay
        assert delay / 2 <= equal.compute_wait(attempt) <= delay
    assert RetryPolicy(jitter=True).jitter == "equal"
    assert RetryPolicy(jitter=False).jitter is None


# --- properties ---------------------------------------------------------------------------

delays = st.floats(min_value=0.0, max_value=120.0, allow_nan=False)
jitters: st.SearchStrategy[bool | JitterMode] = st.sampled_from([True, False, "full", "equal"])


@given(
    attempt=st.integers(min_value=1, max_value=10_000),
    base=delays,
    extra=delays,
    jitter=jitters,
    seed=st.integers(0, 2**32 - 1),
)
def test_backoff_stays_within_zero_and_max_delay(
    attempt: int, base: float, extra: float, jitter: bool | JitterMode, seed: int
) -> None:
    made = RetryPolicy(
        base_delay=base,
        max_delay=base + extra,
        jitter=jitter,
        rng=random.Random(seed),
    )
    wait = made.compute_wait(attempt, http_error(503))
    assert 0.0 <= wait <= made.max_delay


@given(
    attempt=st.integers(min_value=1, max_value=50),
    retry_after=st.floats(min_value=0.0, max_value=100_000.0, allow_nan=False),
    jitter=jitters,
    in_milliseconds=st.booleans(),
)
def test_retry_after_is_obeyed_up_to_a_minute(
    attempt: int, retry_after: float, jitter: bool | JitterMode, in_milliseconds: bool
) -> None:
    made = RetryPolicy(base_delay=1, max_delay=5, jitter=jitter)
    if in_milliseconds:
        error = http_error(429, {"retry-after-ms": repr(retry_after * 1000)})
    else:
        error = http_error(429, {"Retry-After": repr(retry_after)})
    assert made.compute_wait(attempt, error) == pytest.approx(min(retry_after, 60.0))


@given(
    retry_after=st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
    cap=st.floats(min_value=0.0, max_value=600.0, allow_nan=False),
)
def test_engine_errors_retry_after_is_obeyed_up_to_the_cap(retry_after: float, cap: float) -> None:
    made = RetryPolicy(max_retry_after=cap)
    error = VideoStudioError(VideoStudioErrorType.RATE_LIMIT, "busy", retry_after=retry_after)
    assert made.compute_wait(1, error) == min(retry_after, cap)


@given(base=delays, extra=delays, attempts=st.integers(min_value=1, max_value=200))
def test_unjittered_backoff_never_decreases(base: float, extra: float, attempts: int) -> None:
    made = RetryPolicy(base_delay=base, max_delay=base + extra, jitter=False)
    sequence = [made.compute_wait(n) for n in range(1, attempts + 1)]
    assert sequence == [made.backoff_delay(n) for n in range(1, attempts + 1)]
    assert all(a <= b for a, b in itertools.pairwise(sequence))
    assert sequence[0] == min(base, base + extra)
