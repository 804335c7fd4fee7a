"""Fault injection: "the next N calls to endpoint E fail this way, then behave"."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    """One armed failure. `status` None with no other effect means a plain 500."""

    endpoint: str
    status: int | None = None
    times: int = 1
    retry_after: str | None = None
    retry_after_ms: str | None = None
    body: object | None = None
    headers: dict[str, str] | None = None
    reset: bool = False
    delay: float = 0.0
    lose_response: bool = False
    truncate: bool = False

    @property
    def error_status(self) -> int | None:
        """The status to answer with, or None when the fault is not an error status."""
        if self.status is not None:
            return self.status
        if self.reset or self.lose_response or self.truncate or self.delay > 0:
            return None
        return 500

    def response_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["Retry-After"] = self.retry_after
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = self.retry_after_ms
        headers.update(self.headers or {})
        return headers


class FaultBook:
    """Armed faults per endpoint, consumed in the order they were armed (thread-safe)."""

    def __init__(self, endpoints: frozenset[str]) -> None:
        self._endpoints = endpoints | {"any"}
        self._lock = threading.Lock()
        self._armed: list[Fault] = []

    def arm(self, fault: Fault) -> None:
        if fault.endpoint not in self._endpoints:
            known = ", ".join(sorted(self._endpoints))
            raise ValueError(f"unknown endpoint {fault.endpoint!r}; this emulator has: {known}")
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        if fault.delay < 0:
            raise ValueError("delay must not be negative")
        with self._lock:
            self._armed.append(fault)

    def take(self, endpoint: str) -> Fault | None:
        """Use up one call of the first fault armed for `endpoint` (else for "any")."""
        with self._lock:
            for wanted in (endpoint, "any"):
                for fault in self._armed:
                    if fault.endpoint == wanted:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._armed.remove(fault)
                        return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._armed)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
