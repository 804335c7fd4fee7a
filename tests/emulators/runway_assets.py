"""Runway input assets: data URIs, `runway://` uploads (with their multipart sink) and URLs.

Messages follow cloud-apis.md §2.5/§2.6 ("Invalid data URI.", "Only HTTPS URLs are allowed.",
"URLs must be hosted on a domain.", "Failed to fetch asset. Received HTTP response code …",
"Timeout while fetching asset.", "Unsupported asset type.", aspect ratio and size checks).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from tests.emulators.fetch import fetch, is_ip_host, is_loopback
from tests.emulators.media import image_size
from tests.emulators.runway_inputs import Issue, issue

DATA_URI_LIMIT = 5 * 1024 * 1024  # length of the whole encoded URI
URL_IMAGE_LIMIT = 16 * 1024 * 1024
UPLOAD_LIMIT = 200 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
TOO_LARGE = "too_large"  # issue code of an oversized data URI (the emulator may answer 413)


@dataclass
class Upload:
    token: str
    filename: str
    fields: dict[str, str]
    runway_uri: str
    data: bytes | None = None  # None until the multipart POST arrived
    content_type: str | None = None


@dataclass
class RunwayAssets:
    """The asset rules, the uploads made so far, and how URLs are fetched."""

    allow_loopback_urls: bool = False  # accept http://127.0.0.1 image-host URLs (and fetch them)
    fetch_timeout: float = 2.0
    check_image_geometry: bool = True
    uploads: dict[str, Upload] = field(default_factory=dict)

    def new_upload(self, filename: str) -> Upload:
        token = secrets.token_hex(12)
        fields = {
            "key": f"uploads/{token}/{filename}",
            "policy": base64.b64encode(f"upload {token}".encode()).decode(),
            "x-amz-algorithm": "AWS4-HMAC-SHA256",
            "x-amz-signature": secrets.token_hex(32),
        }
        upload = Upload(token, filename, fields, f"runway://uploads/{token}/{filename}")
        self.uploads[token] = upload
        return upload

    def receive(self, token: str, body: bytes, content_type: str) -> str | None:
        """Store a multipart upload; returns an S3-style error code or None when stored."""
        upload = self.uploads.get(token)
        if upload is None:
            return "NoSuchUpload"
        parts = parse_multipart(body, content_type)
        for name, value in upload.fields.items():
            if parts.get(name, (None, b""))[1].decode(errors="replace") != value:
                return "AccessDenied"
        if "file" not in parts:
            return "InvalidArgument"
        data = parts["file"][1]
        if len(data) > UPLOAD_LIMIT:
            return "EntityTooLarge"
        upload.data = data
        upload.content_type = parts["file"][0]
        return None

    def check(self, uri: str, path: list[str | int]) -> list[Issue]:
        """Problems with one promptImage uri (empty when Runway could use it)."""
        if uri.startswith("data:"):
            return self._check_data_uri(uri, path)
        if uri.startswith("runway://"):
            return self._check_upload(uri, path)
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", uri):
            return self._check_url(uri, path)
        return [issue(path, "Invalid URL", "invalid_string")]

    def _check_data_uri(self, uri: str, path: list[str | int]) -> list[Issue]:
        match = re.fullmatch(r"data:([\w.+-]+/[\w.+-]+);base64,(.*)", uri, re.DOTALL)
        if match is None:
            return [issue(path, "Invalid data URI.", "invalid_string")]
        if match.group(1) not in IMAGE_TYPES:
            return [issue(path, "Unsupported asset type.")]
        if len(uri) > DATA_URI_LIMIT:
            return [issue(path, "Data URI exceeds the maximum size of 5MB.", TOO_LARGE)]
        try:
            data = base64.b64decode(match.group(2), validate=True)
        except (binascii.Error, ValueError):
            return [issue(path, "Invalid data URI.", "invalid_string")]
        return self._check_image(data, path)

    def _check_upload(self, uri: str, path: list[str | int]) -> list[Issue]:
        found = next((u for u in self.uploads.values() if u.runway_uri == uri), None)
        if found is None or found.data is None:
            return [issue(path, "Invalid runway:// URI: the upload does not exist or expired.")]
        return self._check_image(found.data, path)

    def _check_url(self, url: str, path: list[str | int]) -> list[Issue]:
        if len(url) > 2048:
            return [issue(path, "URL must be at most 2048 characters.", "too_big")]
        loopback_ok = self.allow_loopback_urls and is_loopback(url)
        if not url.startswith("https://") and not loopback_ok:
            return [issue(path, "Only HTTPS URLs are allowed.")]
        if is_ip_host(url) and not loopback_ok:
            return [issue(path, "URLs must be hosted on a domain.")]
        if not loopback_ok:
            return []  # a public https URL: assume Runway could fetch it (tests stay offline)
        return self._check_fetched(url, path)

    def _check_fetched(self, url: str, path: list[str | int]) -> list[Issue]:
        got = fetch(url, timeout=self.fetch_timeout, head_first=True, user_agent="RunwayML API/1.0")
        if got.error == "timeout":
            return [issue(path, "Timeout while fetching asset.")]
        if got.error in ("status", "redirect"):
            return [
                issue(path, f"Failed to fetch asset. Received HTTP response code {got.status}.")
            ]
        if got.error is not None:
            return [issue(path, "Failed to fetch asset.")]
        content_type = (got.content_type or "").split(";")[0].strip().lower()
        if content_type not in IMAGE_TYPES:
            return [issue(path, "Unsupported asset type.")]
        if len(got.data) > URL_IMAGE_LIMIT:
            return [issue(path, "Asset size exceeds the maximum of 16MB.", "too_big")]
        return self._check_image(got.data, path)

    def _check_image(self, data: bytes, path: list[str | int]) -> list[Issue]:
        sniffed = image_size(data)
        if sniffed is None or sniffed[0] not in IMAGE_TYPES:
            return [issue(path, "Unsupported asset type.")]
        if not self.check_image_geometry:
            return []
        _, width, height = sniffed
        if max(width, height) > 8000:
            return [issue(path, f"Invalid asset dimensions. Got {width}x{height}, max 8000px.")]
        ratio = width / height
        if ratio < 0.5:
            message = f"width / height ratio must be at least 0.5. Got {ratio:.3f}."
            return [issue(path, "Invalid asset aspect ratio. " + message)]
        if ratio > 2.0:
            message = f"width / height ratio must be at most 2. Got {ratio:.3f}."
            return [issue(path, "Invalid asset aspect ratio. " + message)]
        return []


def parse_multipart(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """name -> (part Content-Type, bytes) of a multipart/form-data body."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None or not content_type.startswith("multipart/form-data"):
        return {}
    parts: dict[str, tuple[str | None, bytes]] = {}
    for chunk in body.split(b"--" + match.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers: dict[str, Any] = {}
        for line in head.decode(errors="replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        name = re.search(r'\bname="([^"]*)"', headers.get("content-disposition", ""))
        if name is not None:
            parts[name.group(1)] = (headers.get("content-type"), content.removesuffix(b"\r\n"))
    return parts
