"""HTTP plumbing for the loopback emulators: a real HTTP/1.1 server on 127.0.0.1.

The server is stdlib `http.server` with one named thread per connection, so keep-alive,
connection resets, truncated bodies and slow answers all happen on a real socket the way a
client library meets them. `stop()` closes every open connection and joins every thread.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (also what the service handlers get)."""

    method: str
    path: str  # with the query string, as sent
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    json: Any | None  # the body parsed as JSON, or None
    time: float  # time.monotonic() when the request was complete
    endpoint: str | None = None  # the emulator's name for it ("create", "poll", ...)

    @property
    def url_path(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    """What to send back. The delivery fields imitate bad networks and servers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection with a TCP reset, send nothing
    declared_length: int | None = None  # announce this Content-Length, send `body`, close
    bytes_per_second: float | None = None  # trickle the body out slowly
    close: bool = False  # "Connection: close" after this response
    raw: bool = False  # send as-is, without the headers the service adds to every answer


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload).encode()
    merged = {"Content-Type": "application/json"}
    merged.update(headers or {})
    return Response(status=status, body=body, headers=merged)


def text_response(
    status: int, text: str, content_type: str = "text/plain; charset=utf-8"
) -> Response:
    return Response(status=status, body=text.encode(), headers={"Content-Type": content_type})


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


Dispatcher = Callable[[RecordedRequest, "threading.Event"], Response]


class LoopbackHTTPServer(socketserver.TCPServer):
    """TCP server with tracked per-connection threads, so it can be stopped without leaks."""

    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128  # many adapters polling in parallel must not wait for a SYN retry

    def __init__(self, name: str, dispatcher: Dispatcher) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.name = name
        self.dispatcher = dispatcher
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._counter = 0
        self._serve_thread: threading.Thread | None = None
        self.errors: list[BaseException] = []  # exceptions raised inside handlers (bugs)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._counter += 1
            thread = threading.Thread(
                target=self._serve_connection,
                args=(request, client_address),
                name=f"{self.name}-conn-{self._counter}",
                daemon=True,
            )
            self._connections.add(request)
            self._threads.add(thread)
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except _CLIENT_GONE:
            pass
        except OSError as exc:
            if not self.stop_event.is_set():
                self.errors.append(exc)
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._connections.discard(request)
                self._threads.discard(threading.current_thread())

    def start(self) -> None:
        self._serve_thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"{self.name}-server",
            daemon=True,
        )
        self._serve_thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection, join every thread, close the socket."""
        if self.stop_event.is_set():
            return
        self.stop_event.set()
        if self._serve_thread is not None:
            self.shutdown()
            self._serve_thread.join(timeout)
        with self._lock:
            connections = list(self._connections)
            threads = list(self._threads)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.server_close()
        alive = [t.name for t in threads if t.is_alive()]
        if self._serve_thread is not None and self._serve_thread.is_alive():
            alive.append(self._serve_thread.name)
        if alive:
            raise RuntimeError(f"emulator threads did not stop: {alive}")


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "loopback-emulator"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        parsed: Any | None = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers=headers,
            body=body,
            json=parsed,
            time=time.monotonic(),
        )
        try:
            response = self.server.dispatcher(request, self.server.stop_event)
        except Exception as exc:  # a bug in the emulator: answer 500 and remember it
            self.server.errors.append(exc)
            response = json_response(500, {"emulator_error": repr(exc)})
        self._write(response)

    def _write(self, response: Response) -> None:
        if response.drop:
            self._reset()
            return
        self.send_response(response.status)
        sent = {name.lower() for name in response.headers}
        for name, value in response.headers.items():
            self.send_header(name, value)
        full = len(response.body)
        length = response.declared_length if response.declared_length is not None else full
        no_body_status = response.status in (204, 304) or response.status < 200
        if "content-length" not in sent and not no_body_status:
            self.send_header("Content-Length", str(length))
        truncated = response.declared_length is not None and response.declared_length > full
        if response.close or truncated:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD" or no_body_status:
            return
        self._send_body(response.body, response.bytes_per_second)

    def _send_body(self, body: bytes, bytes_per_second: float | None) -> None:
        if not bytes_per_second:
            self.wfile.write(body)
            return
        chunk = max(1, int(bytes_per_second / 20))
        for start in range(0, len(body), chunk):
            self.wfile.write(body[start : start + chunk])
            if self.server.stop_event.wait(chunk / bytes_per_second):
                return

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER 0 makes close() send a TCP RST."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
