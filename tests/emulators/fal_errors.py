"""fal error shapes (cloud-apis.md §3.5) and the Pika image-to-video input validation."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from tests.emulators.media import image_size

DOCS = "https://docs.fal.ai/errors#"
NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

# error_type -> (HTTP status, message) for infrastructure errors (request-errors table).
INFRA_ERRORS: dict[str, tuple[int, str]] = {
    "request_timeout": (504, "Request timed out"),
    "startup_timeout": (504, "Runner startup timed out"),
    "runner_scheduling_failure": (503, "Failed to schedule the request on a runner"),
    "runner_connection_timeout": (503, "Connection to the runner timed out"),
    "runner_disconnected": (503, "Runner disconnected"),
    "runner_connection_refused": (503, "Runner refused the connection"),
    "runner_connection_error": (503, "Error connecting to the runner"),
    "runner_incomplete_response": (502, "Runner returned an incomplete response"),
    "runner_server_error": (500, "Runner server error"),
    "client_disconnected": (499, "Client disconnected"),
    "client_cancelled": (499, "Request was cancelled by the client"),
    "bad_request": (400, "Bad request"),
    "internal_error": (500, "Internal server error"),
}
STATUS_ERROR_TYPES = {
    500: "internal_error",
    502: "runner_incomplete_response",
    503: "runner_scheduling_failure",
    504: "request_timeout",
    499: "client_disconnected",
}
FLAGGED = "The content was flagged by a content checker."

ImageFetcher = Callable[[str], tuple[bytes | None, str | None]]  # url -> (data, problem)


def detail_item(
    loc: list[str | int], msg: str, kind: str, value: Any = None, ctx: dict[str, Any] | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"loc": loc, "msg": msg, "type": kind, "url": DOCS + kind}
    if ctx is not None:
        item["ctx"] = ctx
    if value is not None:
        item["input"] = value
    return item


def content_policy_item(field: str = "image_url", value: Any = None) -> dict[str, Any]:
    item = detail_item(["body", field], FLAGGED, "content_policy_violation", value, {})
    item["categories"] = ["model_moderated"]
    return item


def validate_input(body: Any, fetch_image: ImageFetcher, max_side: int | None) -> list[Any]:
    """422 `detail` items for a Pika v2.2 image-to-video input (empty when valid)."""
    if not isinstance(body, dict):
        return [detail_item(["body"], "Input should be a valid dictionary", "dict_type", body)]
    items: list[Any] = []
    for name in ("prompt", "image_url"):
        value = body.get(name)
        if value is None:
            items.append(detail_item(["body", name], "Field required", "missing"))
        elif not isinstance(value, str):
            items.append(
                detail_item(["body", name], "Input should be a valid string", "string_type", value)
            )
    resolution = body.get("resolution", "720p")
    if resolution not in ("720p", "1080p"):
        expected = "'720p' or '1080p'"
        items.append(
            detail_item(
                ["body", "resolution"],
                f"Input should be {expected}",
                "literal_error",
                resolution,
                {"expected": expected},
            )
        )
    duration = body.get("duration", 5)
    if isinstance(duration, bool) or duration not in (5, 10):
        items.append(
            detail_item(
                ["body", "duration"],
                "Input should be 5 or 10",
                "literal_error",
                duration,
                {"expected": "5 or 10"},
            )
        )
    if not items:
        items += _check_image(str(body["image_url"]), fetch_image, max_side)
    return items


def _check_image(url: str, fetch_image: ImageFetcher, max_side: int | None) -> list[Any]:
    loc: list[str | int] = ["body", "image_url"]
    if url.startswith("data:"):
        match = re.fullmatch(r"data:(image/[\w.+-]+);base64,(.*)", url, re.DOTALL)
        try:
            data = base64.b64decode(match.group(2), validate=True) if match else None
        except (binascii.Error, ValueError):
            data = None
        if data is None:
            return [detail_item(loc, "Invalid data URI", "invalid_data_uri", url[:64])]
    else:
        data, problem = fetch_image(url)
        if data is None:
            message = problem or "Failed to download the file. Please check the URL."
            return [detail_item(loc, message, "file_download_error", url)]
    size = image_size(data)
    if size is None:
        return [detail_item(loc, "Unsupported image format", "image_load_error", url[:64])]
    _, width, height = size
    if max_side is not None and max(width, height) > max_side:
        ctx = {"max_height": max_side, "max_width": max_side}
        message = f"Image dimensions are too large. Maximum allowed is {max_side}x{max_side}."
        return [detail_item(loc, message, "image_too_large", url[:64], ctx)]
    return []
