"""RGBA artwork (text, logos, cards) converted to premultiplied YUV sprites once."""

from __future__ import annotations

import cv2
import numpy as np

from video_studio.render.color import rgb_to_yuv444, subsample
from video_studio.render.frame import Sprite


def sprite_from_rgba(rgba: np.ndarray) -> Sprite:
    """uint8 (H, W, 4) straight-alpha RGBA -> Sprite (padded to even size, transparent)."""
    height, width = rgba.shape[:2]
    if height % 2 or width % 2:
        rgba = cv2.copyMakeBorder(rgba, 0, height % 2, 0, width % 2, cv2.BORDER_CONSTANT, value=0)
    alpha = np.ascontiguousarray(rgba[:, :, 3])
    yuv = rgb_to_yuv444(np.ascontiguousarray(rgba[:, :, :3]))
    planes = [cv2.multiply(plane, alpha, scale=1 / 255) for plane in cv2.split(yuv)]
    return Sprite(
        y=planes[0],
        u=subsample(planes[1]),
        v=subsample(planes[2]),
        alpha=alpha,
        alpha_c=subsample(alpha),
    )


def sprite_from_rgb(rgb: np.ndarray) -> Sprite:
    """An opaque sprite (a full-frame card, a video frame)."""
    alpha = np.full((*rgb.shape[:2], 1), 255, np.uint8)
    return sprite_from_rgba(np.concatenate([rgb, alpha], axis=2))
