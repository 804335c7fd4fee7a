"""Per-adapter numbers of the generation workflow: calls, outcomes, latency and the state
of the adapter's circuit breaker, for the diagnostics view and the benchmarks."""

from __future__ import annotations

import statistics
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

_LATENCY_WINDOW = 500  # the most recent successful calls the percentiles look at


@dataclass(frozen=True)
class AdapterMetrics:
    """One adapter's record since the workflow started.

    `calls` counts adapter calls (a first attempt, a retry, a resume), `successes` and
    `failures` their outcomes; calls stopped by a cancel or a timeout are `cancelled`.
    Latencies (seconds) are of successful calls. `breaker_opened_at` is the wall-clock time
    the breaker last opened, None if it never did.
    """

    name: str
    calls: int = 0
    successes: int = 0
    failures: int = 0
    cancelled: int = 0
    retries: int = 0
    cache_hits: int = 0
    fallbacks_to_local: int = 0
    latency_median: float | None = None
    latency_p95: float | None = None
    breaker_state: str = "closed"
    breaker_opened_at: datetime | None = None
    breaker_times_opened: int = 0

    @property
    def success_rate(self) -> float | None:
        """Successes among finished calls (0..1), None before the first one finished."""
        finished = self.successes + self.failures
        return self.successes / finished if finished else None


@dataclass
class _Counters:
    calls: int = 0
    successes: int = 0
    failures: int = 0
    cancelled: int = 0
    retries: int = 0
    cache_hits: int = 0
    fallbacks_to_local: int = 0
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=_LATENCY_WINDOW))
    breaker_opened_at: datetime | None = None
    breaker_times_opened: int = 0


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` quantile (0..1) by linear interpolation between the sorted values."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    weight = position - lower
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


class MetricsRecorder:
    """Thread-safe counters per adapter name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, _Counters] = {}

    def _of(self, name: str) -> _Counters:
        counters = self._counters.get(name)
        if counters is None:
            counters = self._counters[name] = _Counters()
        return counters

    def call_started(self, name: str) -> None:
        with self._lock:
            self._of(name).calls += 1

    def call_succeeded(self, name: str, seconds: float) -> None:
        with self._lock:
            counters = self._of(name)
            counters.successes += 1
            counters.latencies.append(max(0.0, seconds))

    def call_failed(self, name: str) -> None:
        with self._lock:
            self._of(name).failures += 1

    def call_cancelled(self, name: str) -> None:
        with self._lock:
            self._of(name).cancelled += 1

    def retried(self, name: str) -> None:
        with self._lock:
            self._of(name).retries += 1

    def cache_hit(self, name: str) -> None:
        with self._lock:
            self._of(name).cache_hits += 1

    def fell_back_to_local(self, name: str) -> None:
        with self._lock:
            self._of(name).fallbacks_to_local += 1

    def breaker_opened(self, name: str, when: datetime) -> None:
        with self._lock:
            counters = self._of(name)
            counters.breaker_opened_at = when
            counters.breaker_times_opened += 1

    def names(self) -> list[str]:
        with self._lock:
            return list(self._counters)

    def snapshot(self, name: str, breaker_state: str) -> AdapterMetrics:
        with self._lock:
            counters = self._of(name)
            latencies = list(counters.latencies)
            return AdapterMetrics(
                name=name,
                calls=counters.calls,
                successes=counters.successes,
                failures=counters.failures,
                cancelled=counters.cancelled,
                retries=counters.retries,
                cache_hits=counters.cache_hits,
                fallbacks_to_local=counters.fallbacks_to_local,
                latency_median=statistics.median(latencies) if latencies else None,
                latency_p95=percentile(latencies, 0.95) if latencies else None,
                breaker_state=breaker_state,
                breaker_opened_at=counters.breaker_opened_at,
                breaker_times_opened=counters.breaker_times_opened,
            )
