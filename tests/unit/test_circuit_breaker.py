"""The circuit breaker: documented transitions (checked against a reference model by a
Hypothesis state machine), which failures count, listeners, snapshots, thread safety."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from video_studio.circuit_breaker import CircuitBreaker, CircuitState, is_service_failure
from video_studio.error_types import CancelledByUser, CircuitOpenError

URL = "https://api.lumalabs.ai/dream-machine/v1/generations/video"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def http_error(status: int, body: object = None) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", URL)
    response = httpx.Response(status, json=body or {"detail": "x"}, request=request)
    return httpx.HTTPStatusError(f"HTTP {status}", request=request, response=response)


def make(
    threshold: int = 3, cooldown: float = 30.0, half_open: int = 1
) -> tuple[CircuitBreaker, FakeClock]:
    clock = FakeClock()
    return CircuitBreaker("luma", threshold, cooldown, half_open, clock), clock


def state(breaker: CircuitBreaker) -> CircuitState:
    # A function, so that mypy does not narrow the property across assertions.
    return breaker.state


def raiser(error: BaseException) -> None:
    raise error


# --- transitions -------------------------------------------------------------------------


def test_opens_after_threshold_consecutive_failures_and_refuses() -> None:
    breaker, _ = make(threshold=3)
    for _ in range(2):
        breaker.record_failure()
    assert state(breaker) is CircuitState.CLOSED
    breaker.record_success()  # ends the run
    for _ in range(2):
        breaker.record_failure()
    assert state(breaker) is CircuitState.CLOSED
    breaker.record_failure()
    assert state(breaker) is CircuitState.OPEN
    assert not breaker.allow_request()


def test_half_open_after_cooldown_then_closes_on_success() -> None:
    breaker, clock = make(threshold=1, cooldown=30)
    breaker.record_failure()
    clock.advance(10)
    assert breaker.remaining_cooldown() == pytest.approx(20.0)
    assert state(breaker) is CircuitState.OPEN
    clock.advance(20)
    assert state(breaker) is CircuitState.HALF_OPEN
    assert breaker.remaining_cooldown() == 0.0
    assert breaker.allow_request()
    assert not breaker.allow_request()  # one trial at a time
    breaker.record_success()
    assert state(breaker) is CircuitState.CLOSED
    assert breaker.allow_request()


def test_failed_trial_reopens_for_a_full_cooldown() -> None:
    breaker, clock = make(threshold=1, cooldown=30)
    breaker.record_failure()
    clock.advance(30)
    assert breaker.allow_request()
    breaker.record_failure()
    assert state(breaker) is CircuitState.OPEN
    assert breaker.remaining_cooldown() == pytest.approx(30.0)


def test_several_trials_must_all_succeed() -> None:
    breaker, clock = make(threshold=1, cooldown=5, half_open=2)
    breaker.record_failure()
    clock.advance(5)
    assert breaker.allow_request()
    assert breaker.allow_request()
    assert not breaker.allow_request()
    breaker.record_success()
    assert state(breaker) is CircuitState.HALF_OPEN
    breaker.record_success()
    assert state(breaker) is CircuitState.CLOSED


def test_trials_that_never_report_back_are_replaced_after_a_cooldown() -> None:
    breaker, clock = make(threshold=1, cooldown=10)
    breaker.record_failure()
    clock.advance(10)
    assert breaker.allow_request()  # this caller crashes and never reports
    clock.advance(9)
    assert not breaker.allow_request()
    clock.advance(1)
    assert breaker.allow_request()


def test_outcomes_while_open_change_nothing() -> None:
    breaker, clock = make(threshold=1, cooldown=10)
    breaker.record_failure()
    clock.advance(4)
    breaker.record_success()
    breaker.record_failure()
    assert state(breaker) is CircuitState.OPEN
    assert breaker.remaining_cooldown() == pytest.approx(6.0)


def test_reset_closes() -> None:
    breaker, _ = make(threshold=1)
    breaker.record_failure()
    breaker.reset()
    assert state(breaker) is CircuitState.CLOSED
    assert breaker.allow_request()
    assert breaker.snapshot()["consecutive_failures"] == 0


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("x", 0, 1.0)
    with pytest.raises(ValueError):
        CircuitBreaker("x", 1, -1.0)
    with pytest.raises(ValueError):
        CircuitBreaker("x", 1, 1.0, half_open_max_calls=0)


# --- call() and what counts as a failure ----------------------------------------------------


def test_call_counts_service_failures_and_then_refuses_with_retry_after() -> None:
    breaker, clock = make(threshold=2, cooldown=20)
    for _ in range(2):
        with pytest.raises(httpx.HTTPStatusError):
            breaker.call(raiser, http_error(503))
    assert state(breaker) is CircuitState.OPEN
    clock.advance(5)
    calls: list[int] = []
    with pytest.raises(CircuitOpenError) as caught:
        breaker.call(calls.append, 1)
    assert calls == []
    assert caught.value.retry_after == pytest.approx(15.0)
    assert caught.value.breaker_name == "luma"
    clock.advance(15)
    assert breaker.call(lambda: "ok") == "ok"
    assert state(breaker) is CircuitState.CLOSED


@pytest.mark.parametrize(
    "error",
    [
        http_error(400, {"detail": "Prompt is too short, minimum length is 3 characters"}),
        http_error(401),
        http_error(422, {"detail": [{"loc": ["body", "prompt"], "msg": "Field required"}]}),
        http_error(400, {"detail": "Frame moderation failed"}),
        CancelledByUser(),
        ValueError("a bug of ours"),
    ],
    ids=["bad-input", "bad-key", "validation", "moderation", "cancelled", "bug"],
)
def test_failures_that_are_not_the_services_fault_do_not_trip(error: BaseException) -> None:
    breaker, _ = make(threshold=1)
    for _ in range(3):
        with pytest.raises(type(error)):
            breaker.call(raiser, error)
    assert state(breaker) is CircuitState.CLOSED
    assert breaker.snapshot()["ignored"] == 3


@pytest.mark.parametrize(
    "error",
    [
        http_error(500),
        http_error(503),
        http_error(429),
        httpx.ConnectError("refused", request=httpx.Request("GET", URL)),
        httpx.ReadTimeout("slow", request=httpx.Request("GET", URL)),
        TimeoutError(),
    ],
    ids=["500", "503", "429", "connect", "read-timeout", "timeout"],
)
def test_service_failures_trip(error: BaseException) -> None:
    assert is_service_failure(error)
    breaker, _ = make(threshold=1)
    with pytest.raises(type(error)):
        breaker.call(raiser, error)
    assert state(breaker) is CircuitState.OPEN


def test_an_ignored_trial_frees_its_slot() -> None:
    breaker, clock = make(threshold=1, cooldown=10)
    breaker.record_failure()
    clock.advance(10)
    with pytest.raises(httpx.HTTPStatusError):
        breaker.call(raiser, http_error(400))
    assert state(breaker) is CircuitState.HALF_OPEN
    assert breaker.allow_request()


def test_custom_failure_filter() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", 1, 10, 1, clock, is_failure=lambda e: isinstance(e, KeyError))
    with pytest.raises(ValueError):
        breaker.call(raiser, ValueError())
    assert state(breaker) is CircuitState.CLOSED
    with pytest.raises(KeyError):
        breaker.call(raiser, KeyError())
    assert state(breaker) is CircuitState.OPEN


# --- listeners and monitoring ---------------------------------------------------------------


def test_listeners_hear_every_transition_and_a_broken_one_is_contained() -> None:
    breaker, clock = make(threshold=1, cooldown=10)
    heard: list[tuple[str, CircuitState, CircuitState]] = []

    def broken(name: str, old: CircuitState, new: CircuitState) -> None:
        raise RuntimeError("alert service down")

    breaker.add_listener(broken)
    breaker.add_listener(lambda *change: heard.append(change))
    breaker.record_failure()
    clock.advance(10)
    breaker.allow_request()
    breaker.record_success()
    assert heard == [
        ("luma", CircuitState.CLOSED, CircuitState.OPEN),
        ("luma", CircuitState.OPEN, CircuitState.HALF_OPEN),
        ("luma", CircuitState.HALF_OPEN, CircuitState.CLOSED),
    ]
    breaker.remove_listener(broken)


def test_a_listener_may_look_at_the_breaker() -> None:
    breaker, _ = make(threshold=1)
    seen: list[dict[str, object]] = []
    breaker.add_listener(lambda *_: seen.append(breaker.snapshot()))
    breaker.record_failure()
    assert seen[0]["state"] == "open"


def test_snapshot() -> None:
    breaker, clock = make(threshold=2, cooldown=30)
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    clock.advance(12)
    breaker.allow_request()
    snap = breaker.snapshot()
    assert snap == {
        "name": "luma",
        "state": "open",
        "consecutive_failures": 2,
        "failure_threshold": 2,
        "recovery_timeout": 30.0,
        "half_open_max_calls": 1,
        "remaining_cooldown": pytest.approx(18.0),
        "successes": 1,
        "failures": 2,
        "ignored": 0,
        "rejections": 1,
        "times_opened": 1,
    }


# --- threads ----------------------------------------------------------------------------------


def test_concurrent_recording_keeps_consistent_counts() -> None:
    breaker = CircuitBreaker("runway", failure_threshold=7, recovery_timeout=0.0)
    threads_count, rounds = 16, 500
    start = threading.Barrier(threads_count)
    allowed = [0] * threads_count

    def work(index: int) -> None:
        start.wait()
        for step in range(rounds):
            if breaker.allow_request():
                allowed[index] += 1
            if (index + step) % 3 == 0:
                breaker.record_success()
            else:
                breaker.record_failure()
            breaker.snapshot()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snap = breaker.snapshot()
    expected_successes = sum(
        1 for i in range(threads_count) for step in range(rounds) if (i + step) % 3 == 0
    )
    assert snap["successes"] == expected_successes
    assert snap["failures"] == threads_count * rounds - expected_successes
    assert snap["rejections"] + sum(allowed) == threads_count * rounds
    assert (
        0 <= snap["consecutive_failures"] < breaker.failure_threshold or snap["state"] != "closed"
    )


def test_concurrent_calls_through_an_open_breaker() -> None:
    breaker = CircuitBreaker("pika", failure_threshold=1, recovery_timeout=3600)
    breaker.record_failure()
    refused: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(200):
            try:
                breaker.call(lambda: None)
            except CircuitOpenError:
                with lock:
                    refused.append(1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(refused) == 1600
    assert breaker.snapshot()["rejections"] == 1600


# --- the state machine against a reference model ---------------------------------------------


@dataclass
class ReferenceBreaker:
    """The documented transitions, written as plainly as possible."""

    threshold: int
    cooldown: float
    trials: int
    state: str = "closed"
    run: int = 0  # consecutive failures while closed
    opened_at: float = 0.0
    half_open_since: float = 0.0
    allowed_trials: int = 0
    good_trials: int = 0

    def tick(self, now: float) -> None:
        if self.state == "open" and now - self.opened_at >= self.cooldown:
            self.state, self.half_open_since = "half_open", now
            self.allowed_trials = self.good_trials = 0

    def open(self, now: float) -> None:
        self.state, self.opened_at = "open", now

    def allow(self, now: float) -> bool:
        self.tick(now)
        if self.state == "closed":
            return True
        if self.state == "open":
            return False
        if self.allowed_trials >= self.trials and now - self.half_open_since >= self.cooldown:
            self.half_open_since, self.allowed_trials, self.good_trials = now, 0, 0
        if self.allowed_trials < self.trials:
            self.allowed_trials += 1
            return True
        return False

    def success(self, now: float) -> None:
        self.tick(now)
        if self.state == "closed":
            self.run = 0
        elif self.state == "half_open":
            self.good_trials += 1
            if self.good_trials >= self.trials:
                self.state, self.run = "closed", 0

    def failure(self, now: float) -> None:
        self.tick(now)
        if self.state == "closed":
            self.run += 1
            if self.run >= self.threshold:
                self.open(now)
        elif self.state == "half_open":
            self.open(now)

    def ignored(self) -> None:
        if self.state == "half_open" and self.allowed_trials > 0:
            self.allowed_trials -= 1

    def remaining(self, now: float) -> float:
        return max(0.0, self.cooldown - (now - self.opened_at)) if self.state == "open" else 0.0


class BreakerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.breaker: CircuitBreaker | None = None
        self.model: ReferenceBreaker | None = None
        self.transitions: list[tuple[CircuitState, CircuitState]] = []

    @initialize(
        threshold=st.integers(1, 5),
        cooldown=st.sampled_from([0.0, 1.0, 5.0, 30.0]),
        trials=st.integers(1, 3),
    )
    def setup(self, threshold: int, cooldown: float, trials: int) -> None:
        self.breaker = CircuitBreaker("m", threshold, cooldown, trials, self.clock)
        self.breaker.add_listener(lambda _, old, new: self.transitions.append((old, new)))
        self.model = ReferenceBreaker(threshold, cooldown, trials)

    def _pair(self) -> tuple[CircuitBreaker, ReferenceBreaker]:
        assert self.breaker is not None and self.model is not None
        return self.breaker, self.model

    @precondition(lambda self: self.breaker is not None)
    @rule()
    def success(self) -> None:
        breaker, model = self._pair()
        breaker.record_success()
        model.success(self.clock.now)

    @precondition(lambda self: self.breaker is not None)
    @rule()
    def failure(self) -> None:
        breaker, model = self._pair()
        breaker.record_failure()
        model.failure(self.clock.now)

    @precondition(lambda self: self.breaker is not None)
    @rule()
    def ignored(self) -> None:
        breaker, model = self._pair()
        breaker.record_ignored()
        model.ignored()

    @precondition(lambda self: self.breaker is not None)
    @rule(seconds=st.sampled_from([0.0, 0.5, 1.0, 4.0, 5.0, 29.0, 30.0, 100.0]))
    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @precondition(lambda self: self.breaker is not None)
    @rule()
    def allow_request(self) -> None:
        breaker, model = self._pair()
        assert breaker.allow_request() == model.allow(self.clock.now)

    @invariant()
    def same_state(self) -> None:
        if self.breaker is None:
            return
        breaker, model = self._pair()
        model.tick(self.clock.now)
        assert breaker.state.value == model.state
        assert breaker.remaining_cooldown() == pytest.approx(model.remaining(self.clock.now))
        snap = breaker.snapshot()
        if model.state == "closed":
            assert snap["consecutive_failures"] == model.run

    @invariant()
    def transitions_chain(self) -> None:
        # Each announced change starts where the previous one ended, and is a real change.
        for (_, end), (start, _) in itertools.pairwise(self.transitions):
            assert end is start
        assert all(old is not new for old, new in self.transitions)


BreakerMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestBreakerStateMachine = BreakerMachine.TestCase
