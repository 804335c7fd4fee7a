"""A loopback HTTP service: lifecycle, request log, routing, auth hook and fault injection.

Subclasses (the cloud emulators and the image host) give the routes, the auth rule and the
shape of their error bodies; everything about recording and misbehaving lives here.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import TracebackType
from typing import ClassVar, Self

from tests.emulators.faults import Fault, FaultBook
from tests.emulators.server import (
    LoopbackHTTPServer,
    RecordedRequest,
    Response,
    json_response,
    reason_phrase,
)

Handler = Callable[[RecordedRequest], Response]


@dataclass(frozen=True)
class Route:
    endpoint: str
    handler: Handler
    auth: bool = True


class LoopbackService:
    """Base of every emulator: a real server on 127.0.0.1 with an ephemeral port."""

    name: ClassVar[str] = "service"
    endpoints: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._faults = FaultBook(self.endpoints)
        self._server: LoopbackHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError(f"{self.name} emulator already started")
        self._server = LoopbackHTTPServer(f"emu-{self.name}", self._dispatch)
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop the server and join its threads (raises if one does not stop)."""
        server = self._server
        if server is not None:
            server.stop()

    @property
    def running(self) -> bool:
        return self._server is not None and not self._server.stop_event.is_set()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self.name} emulator is not started")
        return self._server.port

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised inside the emulator's own handlers: each one is an emulator bug."""
        return list(self._server.errors) if self._server is not None else []

    def clear_errors(self) -> None:
        if self._server is not None:
            self._server.errors.clear()

    # -- request log ----------------------------------------------------------------------

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> None:
        """Block until at least `count` requests have arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{r.method} {r.path}" for r in self.requests]
                    raise TimeoutError(f"{self.name}: wanted {count} requests, got {seen}")
                self._changed.wait(remaining)

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        """The recorded requests that hit `endpoint` ("create", "poll", ...), in order."""
        return [r for r in list(self.requests) if r.endpoint == endpoint]

    def count(self, endpoint: str) -> int:
        return len(self.requests_to(endpoint))

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- fault injection ------------------------------------------------------------------

    def fail(
        self,
        endpoint: str,
        *,
        status: int | None = None,
        times: int = 1,
        retry_after: str | None = None,
        retry_after_ms: str | None = None,
        body: object | None = None,
        headers: dict[str, str] | None = None,
        reset: bool = False,
        delay: float = 0.0,
        lose_response: bool = False,
        truncate: bool = False,
    ) -> None:
        """Make the next `times` calls to `endpoint` misbehave, then behave again.

        status: answer with it (a JSON error body in the service's own shape unless `body`
        is given: a str or bytes body is sent verbatim, anything else as JSON).
        retry_after / retry_after_ms / headers: extra response headers.
        reset: close the connection with a TCP reset, no response.
        delay: sleep that long first (slow response), then do the rest.
        lose_response: do the work (a create creates the job), then reset the connection,
        or answer `status` if given.
        truncate: announce the full Content-Length but send half the body, then close.
        With no status and no other effect the answer is a 500.
        """
        self._faults.arm(
            Fault(
                endpoint=endpoint,
                status=status,
                times=times,
                retry_after=retry_after,
                retry_after_ms=retry_after_ms,
                body=body,
                headers=headers,
                reset=reset,
                delay=delay,
                lose_response=lose_response,
                truncate=truncate,
            )
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        return self._faults.pending()

    # -- hooks for subclasses -------------------------------------------------------------

    def _route(self, request: RecordedRequest) -> Route | None:
        return None

    def _check_auth(self, request: RecordedRequest) -> Response | None:
        return None

    def _error_body(self, status: int, message: str) -> Response:
        """The service's own error shape for an injected failure."""
        return json_response(status, {"detail": message})

    def _not_found(self, request: RecordedRequest) -> Response:
        return self._error_body(404, "Not Found")

    def _decorate(self, request: RecordedRequest, response: Response) -> Response:
        """Add the headers the service puts on every answer."""
        return response

    # -- dispatch -------------------------------------------------------------------------

    def _dispatch(self, raw: RecordedRequest, stop: threading.Event) -> Response:
        route = self._route(raw)
        request = replace(raw, endpoint=route.endpoint if route else None)
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()
        fault = self._faults.take(route.endpoint if route else "")
        if fault is None:
            return self._serve(route, request)
        return self._misbehave(fault, route, request, stop)

    def _misbehave(
        self, fault: Fault, route: Route | None, request: RecordedRequest, stop: threading.Event
    ) -> Response:
        if fault.delay > 0 and stop.wait(fault.delay):
            return Response(drop=True)
        if fault.reset:
            return Response(drop=True)
        if fault.lose_response:
            self._serve(route, request)
            if fault.status is None:
                return Response(drop=True)
            return self._fault_response(fault.status, fault, request)
        status = fault.error_status
        if status is not None:
            return self._fault_response(status, fault, request)
        response = self._serve(route, request)
        if fault.truncate and len(response.body) > 1:
            response.declared_length = len(response.body)
            response.body = response.body[: len(response.body) // 2]
        return response

    def _serve(self, route: Route | None, request: RecordedRequest) -> Response:
        with self._lock:
            if route is None:
                response = self._not_found(request)
            else:
                denied = self._check_auth(request) if route.auth else None
                response = denied if denied is not None else route.handler(request)
            return response if response.raw else self._decorate(request, response)

    def _fault_response(self, status: int, fault: Fault, request: RecordedRequest) -> Response:
        if fault.body is None:
            response = self._error_body(status, reason_phrase(status))
        elif isinstance(fault.body, bytes):
            response = Response(status, fault.body, {"Content-Type": "application/octet-stream"})
        elif isinstance(fault.body, str):
            response = Response(status, fault.body.encode(), {"Content-Type": "text/html"})
        else:
            response = Response(
                status, json.dumps(fault.body).encode(), {"Content-Type": "application/json"}
            )
        response = self._decorate_fault(request, response, fault)
        for name, value in fault.response_headers().items():
            _set_header(response.headers, name, value)
        return response

    def _decorate_fault(
        self, request: RecordedRequest, response: Response, fault: Fault
    ) -> Response:
        return self._decorate(request, response)


def _set_header(headers: dict[str, str], name: str, value: str) -> None:
    for existing in [key for key in headers if key.lower() == name.lower()]:
        del headers[existing]
    headers[name] = value
