"""A fake public image host: PUT/GET/HEAD under `/images/<name>` on its own loopback server.

Stands in for the CDN a desktop app must put product photos on before Luma can read them.
Bytes are served with the Content-Type they were stored with, so a wrong type can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote, unquote

from tests.emulators.server import RecordedRequest, Response, json_response
from tests.emulators.service import LoopbackService, Route


@dataclass(frozen=True)
class StoredImage:
    data: bytes
    content_type: str


class ImageHost(LoopbackService):
    name: ClassVar[str] = "images"
    endpoints: ClassVar[frozenset[str]] = frozenset({"upload", "download"})

    def __init__(self) -> None:
        super().__init__()
        self.images: dict[str, StoredImage] = {}
        self.redirects: dict[str, str] = {}

    def url_for(self, name: str) -> str:
        return f"{self.root_url}/images/{quote(name)}"

    def put(self, name: str, data: bytes, content_type: str = "image/png") -> str:
        """Store an image directly (no HTTP) and return its public URL."""
        with self._lock:
            self.images[name] = StoredImage(data, content_type)
        return self.url_for(name)

    def redirect(self, name: str, location: str) -> str:
        """Make `/images/<name>` answer 302 to `location`; returns the redirecting URL."""
        with self._lock:
            self.redirects[name] = location
        return self.url_for(name)

    def fetches_of(self, name: str) -> list[RecordedRequest]:
        """GET and HEAD requests for one image (who fetched it, with which headers)."""
        return [r for r in self.requests_to("download") if _name(r) == name and r.method != "PUT"]

    def _route(self, request: RecordedRequest) -> Route | None:
        if not request.url_path.startswith("/images/") or not _name(request):
            return None
        if request.method == "PUT":
            return Route("upload", self._upload)
        if request.method in ("GET", "HEAD"):
            return Route("download", self._download)
        return Route("other", self._not_allowed)

    def _upload(self, request: RecordedRequest) -> Response:
        name = _name(request)
        content_type = request.header("content-type") or "application/octet-stream"
        created = name not in self.images
        self.images[name] = StoredImage(request.body, content_type)
        url = self.url_for(name)
        response = json_response(201 if created else 200, {"url": url})
        response.headers["Location"] = url
        return response

    def _download(self, request: RecordedRequest) -> Response:
        name = _name(request)
        if name in self.redirects:
            return Response(302, b"", {"Location": self.redirects[name]})
        image = self.images.get(name)
        if image is None:
            return self._not_found(request)
        return Response(200, image.data, {"Content-Type": image.content_type})

    def _not_allowed(self, request: RecordedRequest) -> Response:
        response = self._error_body(405, "Method Not Allowed")
        response.headers["Allow"] = "GET, HEAD, PUT"
        return response


def _name(request: RecordedRequest) -> str:
    return unquote(request.url_path[len("/images/") :])
