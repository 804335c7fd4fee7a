"""Pixel work shared by decoding and caching: any Pillow mode to sRGB RGB/RGBA (16-bit
scaled, ICC profiles applied), area downscaling and EXIF orientation."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageCms

_log = logging.getLogger("video_studio.assets")

ImageArray = npt.NDArray[np.uint8]

_ALPHA_MODES = frozenset({"RGBA", "LA", "La", "RGBa", "PA"})
_HIGH_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


def has_alpha(image: Image.Image) -> bool:
    # "transparency" is a palette tRNS, or one fully transparent colour of an L/RGB image.
    return image.mode in _ALPHA_MODES or "transparency" in image.info


def resize_area(pixels: ImageArray, size: tuple[int, int]) -> ImageArray:
    """Downscale by area averaging to `size` (width, height). RGBA is averaged with
    premultiplied alpha, so invisible pixels do not bleed a colour fringe into edges."""
    if pixels.ndim == 2 or pixels.shape[2] == 3:
        return np.asarray(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), np.uint8)
    alpha = pixels[..., 3:4].astype(np.float32) / 255.0
    premultiplied = np.concatenate([pixels[..., :3] * alpha, alpha], axis=2)
    small = np.asarray(cv2.resize(premultiplied, size, interpolation=cv2.INTER_AREA))
    small_alpha = small[..., 3:4]
    colour = np.divide(
        small[..., :3], small_alpha, out=np.zeros_like(small[..., :3]), where=small_alpha > 0
    )
    result = np.concatenate([colour, small_alpha * 255.0], axis=2)
    return np.asarray(np.clip(np.rint(result), 0, 255), dtype=np.uint8)


# Stored pixels -> upright, for EXIF orientations 2..8 (1 is upright already).
_ORIENT: dict[int, Callable[[ImageArray], ImageArray]] = {
    2: lambda pixels: pixels[:, ::-1],
    3: lambda pixels: pixels[::-1, ::-1],
    4: lambda pixels: pixels[::-1],
    5: lambda pixels: pixels.swapaxes(0, 1),
    6: lambda pixels: np.rot90(pixels, k=-1),
    7: lambda pixels: pixels[::-1, ::-1].swapaxes(0, 1),
    8: lambda pixels: np.rot90(pixels, k=1),
}


def apply_orientation(pixels: ImageArray, orientation: int) -> ImageArray:
    turn = _ORIENT.get(orientation)
    return pixels if turn is None else turn(pixels)


# --- colour -------------------------------------------------------------------------------


def to_rgb(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """RGB or RGBA in sRGB, from any mode a supported file decodes to."""
    icc = image.info.get("icc_profile")
    profile = icc if isinstance(icc, bytes) and icc else None
    if image.mode in _HIGH_BIT_MODES:
        return _high_bit_to_rgb(image)
    if image.mode == "CMYK":
        return _with_profile(image, profile, "RGB") or image.convert("RGB")
    alpha = has_alpha(image)
    mode = "RGBA" if alpha else "RGB"
    converted = image if image.mode == mode else image.convert(mode)
    converted = _with_profile(converted, profile, mode) or converted
    if alpha and not keep_alpha:
        backdrop = Image.new("RGBA", converted.size, (255, 255, 255, 255))
        return Image.alpha_composite(backdrop, converted).convert("RGB")
    return converted


def _high_bit_to_rgb(image: Image.Image) -> Image.Image:
    # Pillow's own convert clips 16-bit values at 255; scale the full range instead.
    values = np.asarray(image)
    if image.mode == "F":
        floats = np.nan_to_num(values.astype(np.float64))
        scale = 255.0 if floats.size and float(floats.max()) <= 1.0 else 1.0
        grey = np.clip(floats * scale, 0, 255).round().astype(np.uint8)
    else:  # 16-bit, or Pillow's 32-bit "I" holding 16-bit samples
        wide = np.clip(values.astype(np.int64), 0, 65535)
        grey = ((wide * 255 + 32767) // 65535).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def _with_profile(image: Image.Image, profile: bytes | None, out_mode: str) -> Image.Image | None:
    """`image` converted from its embedded ICC profile to sRGB; None when there is no
    usable profile or it is sRGB already (the pixels are then right as they are)."""
    if profile is None:
        return None
    transform = _srgb_transform(profile, image.mode, out_mode)
    if transform is None:
        return None
    try:
        return ImageCms.applyTransform(image, transform)
    except (ImageCms.PyCMSError, ValueError) as exc:
        _log.debug("ICC conversion failed, using the pixels as stored: %r", exc)
        return None


@lru_cache(maxsize=16)
def _srgb_transform(
    profile: bytes, in_mode: str, out_mode: str
) -> ImageCms.ImageCmsTransform | None:
    expected_space = "CMYK" if in_mode == "CMYK" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if source.profile.xcolor_space.strip() != expected_space:
            return None
        if "srgb" in (source.profile.profile_description or "").lower():
            return None
        # NOCACHE: LittleCMS's one-pixel cache makes a shared transform unsafe across threads.
        return ImageCms.buildTransform(
            source,
            ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")),
            in_mode,
            out_mode,
            flags=ImageCms.Flags.NOCACHE,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        _log.debug("embedded ICC profile not usable: %r", exc)
        return None
