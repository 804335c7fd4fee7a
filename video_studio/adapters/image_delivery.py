"""Getting the product image to a cloud service in a form it accepts.

- Runway: a base64 data URI of at most 5 MB (encoded), or for big originals its upload flow
  (`POST /v1/uploads`, multipart to the returned URL, then the `runway://` URI). Runway
  refuses width/height ratios outside 0.5..2 and sides over 8000 px, so those are padded or
  scaled first.
- fal (Pika): a data URI too; the clip takes the image's shape, so the image is cropped or
  padded to the requested aspect ratio first.
- Luma: only a public URL. The image is PUT on the configured image host as
  `{image_host_url}/{sha256}{suffix}`, which is also its public address.

Every change made to the picture is logged as a note, in words.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from video_studio.adapters.http_common import JsonObject, ServiceHttp, bad_answer, json_object
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.image_io import load_image, probe_image_cached
from video_studio.image_pixels import ImageArray
from video_studio.jobs import CancelToken

_log = logging.getLogger("video_studio.adapters.images")

MIME_BY_FORMAT: dict[str, str] = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
SUFFIX_BY_MIME: dict[str, str] = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
DATA_URI_LIMIT = 5 * 1024 * 1024  # characters of the whole URI (Runway's documented limit)
_PLAIN_MODES = frozenset({"RGB", "RGBA", "L", "LA", "P"})
_QUALITIES = (90, 82, 75)
_SMALLEST_SIDE = 256
_CROP_TOLERANCE = 0.2  # crop to the aspect when that loses at most this share of the picture
_SAME_RATIO = 0.01


@dataclass(frozen=True)
class ImageRules:
    """What a service accepts. `data_uri_limit`: the whole URI's length; `max_bytes`: raw."""

    service: str
    data_uri_limit: int | None = None
    max_bytes: int | None = None
    min_ratio: float | None = None
    max_ratio: float | None = None
    max_side: int | None = None
    target_ratio: float | None = None  # crop/pad to exactly this width/height


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int
    notes: tuple[str, ...] = field(default=())

    @property
    def suffix(self) -> str:
        return SUFFIX_BY_MIME.get(self.mime, ".jpg")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def data_uri_length(byte_count: int, mime: str) -> int:
    return len(f"data:{mime};base64,") + 4 * math.ceil(byte_count / 3)


def _fits(byte_count: int, mime: str, rules: ImageRules) -> bool:
    if rules.max_bytes is not None and byte_count > rules.max_bytes:
        return False
    return rules.data_uri_limit is None or data_uri_length(byte_count, mime) <= rules.data_uri_limit


# --- shaping the picture ------------------------------------------------------------------


def _border_colour(pixels: ImageArray) -> tuple[int, int, int]:
    """The median colour of the outermost pixels: padding in it looks like more background."""
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    median = np.median(edges.reshape(-1, pixels.shape[2])[:, :3], axis=0)
    return int(median[0]), int(median[1]), int(median[2])


def pad_to_ratio(pixels: ImageArray, ratio: float) -> ImageArray:
    """Pad (centred, in the border colour) to width/height == ratio."""
    height, width = pixels.shape[:2]
    if width / height < ratio:
        new_width, new_height = round(height * ratio), height
    else:
        new_width, new_height = width, round(width / ratio)
    canvas = np.empty((new_height, new_width, pixels.shape[2]), dtype=np.uint8)
    canvas[...] = np.array(_border_colour(pixels), dtype=np.uint8)
    top, left = (new_height - height) // 2, (new_width - width) // 2
    canvas[top : top + height, left : left + width] = pixels
    return canvas


def crop_to_ratio(pixels: ImageArray, ratio: float) -> ImageArray:
    """Crop (centred) to width/height == ratio."""
    height, width = pixels.shape[:2]
    if width / height > ratio:
        new_width = max(1, round(height * ratio))
        left = (width - new_width) // 2
        return pixels[:, left : left + new_width]
    new_height = max(1, round(width / ratio))
    top = (height - new_height) // 2
    return pixels[top : top + new_height]


def fit_to_ratio(pixels: ImageArray, ratio: float) -> tuple[ImageArray, str]:
    """Crop when that loses little of the picture, else pad (the product stays whole)."""
    height, width = pixels.shape[:2]
    current = width / height
    lost = 1.0 - min(current, ratio) / max(current, ratio)
    if lost <= _CROP_TOLERANCE:
        return crop_to_ratio(pixels, ratio), f"cropped {lost:.0%} of the picture"
    return pad_to_ratio(pixels, ratio), "padded the picture with its background colour"


def _needs_reshape(width: int, height: int, rules: ImageRules) -> bool:
    ratio = width / height
    if rules.target_ratio is not None and abs(ratio / rules.target_ratio - 1) > _SAME_RATIO:
        return True
    if rules.min_ratio is not None and ratio < rules.min_ratio:
        return True
    if rules.max_ratio is not None and ratio > rules.max_ratio:
        return True
    return rules.max_side is not None and max(width, height) > rules.max_side


def _reshape(pixels: ImageArray, rules: ImageRules, notes: list[str]) -> ImageArray:
    height, width = pixels.shape[:2]
    ratio = width / height
    if rules.target_ratio is not None and abs(ratio / rules.target_ratio - 1) > _SAME_RATIO:
        pixels, how = fit_to_ratio(pixels, rules.target_ratio)
        notes.append(f"{how} to match the {rules.target_ratio:.2f} aspect ratio of the clip")
    elif rules.min_ratio is not None and ratio < rules.min_ratio:
        pixels = pad_to_ratio(pixels, rules.min_ratio)
        notes.append(
            f"padded the tall picture (ratio {ratio:.2f}) to {rules.min_ratio:.2f}, the "
            f"narrowest {rules.service} accepts"
        )
    elif rules.max_ratio is not None and ratio > rules.max_ratio:
        pixels = pad_to_ratio(pixels, rules.max_ratio)
        notes.append(
            f"padded the wide picture (ratio {ratio:.2f}) to {rules.max_ratio:.2f}, the "
            f"widest {rules.service} accepts"
        )
    height, width = pixels.shape[:2]
    if rules.max_side is not None and max(width, height) > rules.max_side:
        scale = rules.max_side / max(width, height)
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        pixels = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))
        notes.append(f"scaled the picture down to {size[0]}x{size[1]} px")
    return pixels


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _encode_to_fit(image: Image.Image, rules: ImageRules, notes: list[str]) -> PreparedImage:
    """JPEG at quality 90, then lower qualities, then smaller sizes, until it fits."""
    mime = "image/jpeg"
    data = b""
    for quality in _QUALITIES:
        data = _jpeg(image, quality)
        if _fits(len(data), mime, rules):
            if quality != _QUALITIES[0]:
                notes.append(f"saved as JPEG at quality {quality} to fit the size limit")
            return PreparedImage(data, mime, image.width, image.height, tuple(notes))
    limit = min(
        value
        for value in (
            rules.max_bytes,
            (rules.data_uri_limit // 4 * 3) if rules.data_uri_limit else None,
        )
        if value is not None
    )
    while True:
        factor = min(0.9, max(0.5, math.sqrt(limit / max(len(data), 1)) * 0.95))
        size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
        if min(size) < _SMALLEST_SIDE:
            raise VideoStudioError(
                VideoStudioErrorType.INVALID_INPUT,
                f"The image cannot be made small enough for {rules.service}. Choose a simpler "
                "or smaller image.",
                retryable=False,
            )
        image = image.resize(size, Image.Resampling.LANCZOS)
        data = _jpeg(image, _QUALITIES[1])
        if _fits(len(data), mime, rules):
            notes.append(f"scaled the picture down to {size[0]}x{size[1]} px to fit the size limit")
            return PreparedImage(data, mime, image.width, image.height, tuple(notes))


def prepare_image(path: Path, rules: ImageRules) -> PreparedImage:
    """The image as bytes the service accepts: the original file when it already does (no
    quality lost), else upright, reshaped per the rules, re-encoded as JPEG to fit."""
    info = probe_image_cached(path)  # raises a plain INVALID_INPUT error for bad or missing files
    mime = MIME_BY_FORMAT.get(info.format)
    as_is = (
        mime is not None
        and info.orientation == 1
        and info.mode in _PLAIN_MODES
        and not _needs_reshape(info.width, info.height, rules)
        and _fits(info.file_size, mime, rules)
    )
    if as_is:
        assert mime is not None
        return PreparedImage(path.read_bytes(), mime, info.width, info.height)
    notes: list[str] = []
    # Decoding at a reduced size when the service caps the sides is much faster for JPEGs.
    pixels = load_image(path, keep_alpha=False, max_side=rules.max_side)
    if rules.max_side is not None and max(info.width, info.height) > rules.max_side:
        notes.append(f"scaled the picture down to {pixels.shape[1]}x{pixels.shape[0]} px")
    pixels = _reshape(pixels, rules, notes)
    prepared = _encode_to_fit(Image.fromarray(pixels), rules, notes)
    for note in prepared.notes:
        _log.info("%s: %s: %s", rules.service, path.name, note)
    return prepared


# --- delivery -----------------------------------------------------------------------------


def upload_to_image_host(
    http: ServiceHttp, image: PreparedImage, host_url: str, *, cancel: CancelToken
) -> str:
    """PUT the image at `{host_url}/{sha256}{suffix}` (idempotent, so retried freely) and
    return that URL, which is also its public address."""
    url = f"{host_url.rstrip('/')}/{image.sha256}{image.suffix}"
    http.call(
        "PUT",
        url,
        cancel=cancel,
        auth=False,
        parse=lambda response: None,
        content=image.data,
        headers={"Content-Type": image.mime},
    )
    _log.info(
        "%s: image uploaded to the image host as %s%s", http.model, image.sha256[:12], image.suffix
    )
    return url


def runway_upload(
    http: ServiceHttp, image: PreparedImage, filename: str, *, cancel: CancelToken
) -> str:
    """Runway's upload flow: ask for an upload slot, POST the file to it, get `runway://…`."""
    name = f"{Path(filename).stem or 'image'}{image.suffix}"
    slot = http.call(
        "POST",
        "/v1/uploads",
        cancel=cancel,
        parse=lambda response: json_object(response, http.model),
        json={"filename": name, "type": "ephemeral"},
    )
    upload_url, fields, runway_uri = _upload_slot(slot, http.model)
    http.call(
        "POST",
        upload_url,
        cancel=cancel,
        auth=False,  # the upload URL is presigned: the API key must not go there
        parse=lambda response: None,
        data=fields,
        files={"file": (name, image.data, image.mime)},
    )
    _log.info("%s: image uploaded through the upload flow", http.model)
    return runway_uri


def _upload_slot(slot: JsonObject, model: str) -> tuple[str, dict[str, str], str]:
    upload_url, fields, runway_uri = (
        slot.get("uploadUrl"),
        slot.get("fields"),
        slot.get("runwayUri"),
    )
    if not isinstance(upload_url, str) or not isinstance(runway_uri, str):
        raise bad_answer(model, "the upload answer has no uploadUrl or runwayUri")
    if not isinstance(fields, dict):
        fields = {}
    return upload_url, {str(k): str(v) for k, v in fields.items()}, runway_uri


def is_upload_unsupported(error: VideoStudioError) -> bool:
    """An upload that failed for a reason the data URI does not share."""
    return error.error_type not in (
        VideoStudioErrorType.AUTHENTICATION,
        VideoStudioErrorType.CANCELLED,
        VideoStudioErrorType.QUOTA_EXCEEDED,
    )


__all__ = [
    "DATA_URI_LIMIT",
    "ImageRules",
    "PreparedImage",
    "crop_to_ratio",
    "data_uri_length",
    "fit_to_ratio",
    "is_upload_unsupported",
    "pad_to_ratio",
    "prepare_image",
    "runway_upload",
    "upload_to_image_host",
]
