"""Colour conversion between RGB and the encoder's YUV 4:2:0 (BT.709, limited range).

Sources are converted once, when loaded, so the per-frame work happens on planes that go to
the encoder as they are. cv2.cvtColor's YUV conversions use BT.601; HD video is BT.709, so
the matrices are our own (applied with cv2.transform, which runs vectorised in C).
"""

from __future__ import annotations

import cv2
import numpy as np

_KR, _KB = 0.2126, 0.0722
_KG = 1.0 - _KR - _KB
_Y_SCALE, _C_SCALE = 219.0 / 255.0, 224.0 / 255.0

# Rows: Y, U (Cb), V (Cr); columns: R, G, B, offset.
RGB_TO_YUV = np.array(
    [
        [_KR * _Y_SCALE, _KG * _Y_SCALE, _KB * _Y_SCALE, 16.0],
        [
            -_KR / (2 * (1 - _KB)) * _C_SCALE,
            -_KG / (2 * (1 - _KB)) * _C_SCALE,
            0.5 * _C_SCALE,
            128.0,
        ],
        [
            0.5 * _C_SCALE,
            -_KG / (2 * (1 - _KR)) * _C_SCALE,
            -_KB / (2 * (1 - _KR)) * _C_SCALE,
            128.0,
        ],
    ],
    dtype=np.float64,
)
_LINEAR_INVERSE = np.linalg.inv(RGB_TO_YUV[:, :3])
YUV_TO_RGB = np.hstack([_LINEAR_INVERSE, -_LINEAR_INVERSE @ RGB_TO_YUV[:, 3:]])


def rgb_to_yuv444(rgb: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 3) RGB -> uint8 (H, W, 3) Y, U, V at full resolution."""
    return cv2.transform(rgb, RGB_TO_YUV)


def color_to_yuv(hex_color: str) -> tuple[int, int, int]:
    """'#RRGGBB' (or '#RRGGBBAA', alpha ignored) as limited-range Y, U, V."""
    value = hex_color.lstrip("#")
    rgb = np.array([[[int(value[i : i + 2], 16) for i in (0, 2, 4)]]], dtype=np.uint8)
    y, u, v = rgb_to_yuv444(rgb)[0, 0]
    return int(y), int(u), int(v)


def hex_to_rgb(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def subsample(plane: np.ndarray) -> np.ndarray:
    """Half-resolution copy by 2x2 averaging (chroma siting at the centre of each block)."""
    height, width = plane.shape[:2]
    return cv2.resize(plane, (width // 2, height // 2), interpolation=cv2.INTER_AREA)


def upsample(plane: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.resize(plane, (width, height), interpolation=cv2.INTER_LINEAR)


def yuv420_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Planes of one frame -> uint8 (H, W, 3) RGB (for preview and thumbnails)."""
    height, width = y.shape
    yuv = cv2.merge([y, upsample(u, width, height), upsample(v, width, height)])
    return cv2.transform(yuv, YUV_TO_RGB)
