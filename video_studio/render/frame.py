"""A frame as the encoder takes it: Y at full size, U and V at half size."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from video_studio.render.color import rgb_to_yuv444, subsample


@dataclass
class YuvFrame:
    """yuv420p planes. Allocated frames are views into one contiguous (H*3/2, W) `buffer`,
    the layout PyAV's VideoFrame.from_ndarray takes; `wrap` makes the planes views into an
    encoder frame's own memory instead (then `buffer` is None), so rendering writes straight
    into what the encoder reads."""

    buffer: np.ndarray | None
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @classmethod
    def wrap(cls, planes: tuple[np.ndarray, np.ndarray, np.ndarray]) -> YuvFrame:
        y, u, v = planes
        return cls(None, y, u, v)

    @classmethod
    def allocate(cls, width: int, height: int) -> YuvFrame:
        if width % 2 or height % 2:
            raise ValueError(f"frame size must be even, got {width}x{height}")
        buffer = np.empty((height * 3 // 2, width), dtype=np.uint8)
        quarter = (height // 2) * (width // 2)
        chroma = buffer[height:].reshape(-1)
        u = chroma[:quarter].reshape(height // 2, width // 2)
        v = chroma[quarter:].reshape(height // 2, width // 2)
        return cls(buffer, buffer[:height], u, v)

    @property
    def width(self) -> int:
        return int(self.y.shape[1])

    @property
    def height(self) -> int:
        return int(self.y.shape[0])

    @property
    def planes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.y, self.u, self.v

    @classmethod
    def from_rgb(cls, rgb: np.ndarray) -> YuvFrame:
        """A frame from an RGB uint8 image of even size (cards, decoded stills)."""
        height, width = rgb.shape[:2]
        frame = cls.allocate(width, height)
        y, u, v = cv2.split(rgb_to_yuv444(np.ascontiguousarray(rgb)))
        np.copyto(frame.y, y)
        np.copyto(frame.u, subsample(u))
        np.copyto(frame.v, subsample(v))
        return frame

    def fill(self, yuv: tuple[int, int, int]) -> None:
        for plane, value in zip(self.planes, yuv, strict=True):
            plane.fill(value)

    def contiguous(self) -> np.ndarray:
        """The frame as one (H*3/2, W) yuv420p array (a copy when the planes are wrapped)."""
        if self.buffer is not None:
            return self.buffer
        width = self.width
        chroma = np.concatenate([self.u.reshape(-1), self.v.reshape(-1)]).reshape(-1, width)
        return np.concatenate([self.y, chroma])

    def copy_from(self, other: YuvFrame) -> None:
        for mine, theirs in zip(self.planes, other.planes, strict=True):
            np.copyto(mine, theirs)

    def blend_with(self, other: YuvFrame, weight: float) -> None:
        """self = self * (1 - weight) + other * weight, in place."""
        if weight <= 0.0:
            return
        if weight >= 1.0:
            self.copy_from(other)
            return
        for mine, theirs in zip(self.planes, other.planes, strict=True):
            cv2.addWeighted(mine, 1.0 - weight, theirs, weight, 0.0, dst=mine)


@dataclass(frozen=True)
class Sprite:
    """An overlay (text, logo, card art) as premultiplied Y/U/V planes with alpha at luma
    and chroma size, all uint8. Even-sized, drawn at even positions, so its chroma lines up."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    alpha: np.ndarray
    alpha_c: np.ndarray

    @property
    def width(self) -> int:
        return int(self.y.shape[1])

    @property
    def height(self) -> int:
        return int(self.y.shape[0])


def composite(
    dst: np.ndarray, premultiplied: np.ndarray, alpha: np.ndarray, opacity: float
) -> None:
    """dst = premultiplied * opacity + dst * (1 - alpha * opacity), in place (uint8 planes of
    equal shape; dst may be a view into a frame)."""
    if opacity <= 0.0:
        return
    if opacity < 1.0:
        # (convertScaleAbs: a rounded, saturated uint8 scale; the values are never negative)
        premultiplied = cv2.convertScaleAbs(premultiplied, alpha=opacity)
        alpha = cv2.convertScaleAbs(alpha, alpha=opacity)
    cv2.multiply(dst, cv2.bitwise_not(alpha), dst=dst, scale=1 / 255)
    cv2.add(dst, premultiplied, dst=dst)
