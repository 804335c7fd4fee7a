"""How the emulated clouds fetch input images from URLs (loopback only, never the internet)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_ip_host(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Fetched:
    """The outcome of fetching an image: `error` is None on success."""

    status: int | None = None
    content_type: str | None = None
    content_length: int | None = None
    data: bytes = b""
    error: str | None = None  # "timeout" | "connect" | "redirect" | "status" | "transport"

    @property
    def ok(self) -> bool:
        return self.error is None


def fetch(url: str, *, timeout: float, head_first: bool, user_agent: str) -> Fetched:
    """GET (after a HEAD when `head_first`) without following redirects."""
    headers = {"User-Agent": user_agent}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, headers=headers) as client:
            if head_first:
                head = client.head(url)
                problem = _problem(head)
                if problem is not None:
                    return problem
            response = client.get(url)
    except httpx.TimeoutException:
        return Fetched(error="timeout")
    except httpx.ConnectError:
        return Fetched(error="connect")
    except httpx.HTTPError:
        return Fetched(error="transport")
    problem = _problem(response)
    if problem is not None:
        return problem
    length = response.headers.get("content-length")
    return Fetched(
        status=response.status_code,
        content_type=response.headers.get("content-type"),
        content_length=int(length) if length and length.isdigit() else None,
        data=response.content,
    )


def _problem(response: httpx.Response) -> Fetched | None:
    if 300 <= response.status_code < 400:
        return Fetched(status=response.status_code, error="redirect")
    if response.status_code != 200:
        return Fetched(status=response.status_code, error="status")
    return None
