"""Source images prepared for the compositor: converted to YUV once, padded for the
resampler, pre-reduced when the frame needs far fewer pixels than the file has."""

from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from video_studio.render.color import rgb_to_yuv444, subsample
from video_studio.render.resample import MAX_SHIFT, Placement

# Padding around every source plane: room for the resampler's corner search, plus the
# bilinear taps. Even, so the chroma planes get exactly half.
PAD = MAX_SHIFT + 4
# Sources are reduced (with area averaging) until the frame samples them at no less than
# this scale: plain bilinear below it would alias fine detail into shimmer.
MIN_SAMPLING_SCALE = 0.8


@dataclass(frozen=True)
class SourcePlanes:
    """An image as padded Y/U/V planes at a working resolution, with premultiplied alpha
    planes when it has transparency (or must fade out at its own edges)."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    alpha: np.ndarray | None  # uint8, luma size, padding transparent
    alpha_c: np.ndarray | None  # uint8, chroma size
    width: int  # working size without padding
    height: int
    scale: float  # working pixels per original pixel

    @property
    def nbytes(self) -> int:
        planes = (self.y, self.u, self.v, self.alpha, self.alpha_c)
        return sum(plane.nbytes for plane in planes if plane is not None)

    def placement(self, window: tuple[float, float, float, float], out_w: int) -> Placement:
        """Where a window (in original pixels) lands in a frame `out_w` pixels wide."""
        x, y, w, _ = window
        scale = out_w / (w * self.scale)
        return Placement(scale, x * self.scale + PAD, y * self.scale + PAD)


def working_scale(image_w: int, widest_window: float, out_w: int) -> float:
    """The reduction (<= 1) that keeps the sampling scale near MIN_SAMPLING_SCALE at the
    widest window a motion shows."""
    sampling = out_w / widest_window
    return min(1.0, sampling / MIN_SAMPLING_SCALE)


def make_planes(image: np.ndarray, scale: float, *, transparent_edges: bool) -> SourcePlanes:
    """RGB(A) uint8 image -> SourcePlanes at `scale` of its size.

    `transparent_edges`: give the image an alpha plane (all opaque if it has none) and a
    transparent border, so that where it ends inside the frame (contain fit, parallax
    layers) its edge is anti-aliased by the same resampling as its content.
    """
    height, width = image.shape[:2]
    if scale < 1.0:
        size = (max(2, round(width * scale)), max(2, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        scale = size[0] / width
    image = _even(image)
    h, w = image.shape[:2]
    has_alpha = image.shape[2] == 4
    yuv = rgb_to_yuv444(np.ascontiguousarray(image[:, :, :3]))
    y, u, v = cv2.split(yuv)
    if not (has_alpha or transparent_edges):
        padded = [
            _pad(plane, pad, cv2.BORDER_REPLICATE)
            for plane, pad in ((y, PAD), (subsample(u), PAD // 2), (subsample(v), PAD // 2))
        ]
        return SourcePlanes(padded[0], padded[1], padded[2], None, None, w, h, scale)
    alpha = image[:, :, 3] if has_alpha else np.full((h, w), 255, np.uint8)
    premultiplied = [cv2.multiply(plane, alpha, scale=1 / 255) for plane in (y, u, v)]
    y_pm = premultiplied[0]
    u_pm, v_pm = subsample(premultiplied[1]), subsample(premultiplied[2])
    alpha_c = subsample(alpha)
    padded = [
        _pad(plane, pad, cv2.BORDER_CONSTANT)
        for plane, pad in ((y_pm, PAD), (u_pm, PAD // 2), (v_pm, PAD // 2))
    ]
    return SourcePlanes(
        padded[0],
        padded[1],
        padded[2],
        _pad(alpha, PAD, cv2.BORDER_CONSTANT),
        _pad(alpha_c, PAD // 2, cv2.BORDER_CONSTANT),
        w,
        h,
        scale,
    )


def _even(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return image
    return cv2.copyMakeBorder(image, 0, height % 2, 0, width % 2, cv2.BORDER_REPLICATE)


def _pad(plane: np.ndarray, pad: int, mode: int) -> np.ndarray:
    return cv2.copyMakeBorder(plane, pad, pad, pad, pad, mode, value=0)


class Cacheable(Protocol):
    @property
    def nbytes(self) -> int: ...


Loader = Callable[[], Cacheable]


class SourceCache:
    """Prepared sources shared by the render threads, least recently used dropped first
    once their size passes `max_bytes`. Two threads asking for the same source wait for
    one load."""

    def __init__(self, max_bytes: int = 160 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[object, ...], Cacheable] = OrderedDict()
        self._loading: dict[tuple[object, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], load: Loader) -> Cacheable:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                entry = self._entries.get(key)
            if entry is None:
                entry = load()
                with self._lock:
                    self._entries[key] = entry
                    self._evict()
                release_free_memory()
            with self._lock:
                self._loading.pop(key, None)
            return entry

    def _evict(self) -> None:
        total = sum(entry.nbytes for entry in self._entries.values())
        while total > self.max_bytes and len(self._entries) > 1:
            _, dropped = self._entries.popitem(last=False)
            total -= dropped.nbytes


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to do
        return None
    trim: Callable[[int], int] = libc.malloc_trim
    return trim


_TRIM = _malloc_trim()


def release_free_memory() -> None:
    """Hand memory freed by a large decode back to the system. glibc keeps freed blocks in
    per-thread arenas; after each source load by a render thread that would otherwise add
    tens of megabytes to the peak for the rest of a long export."""
    if _TRIM is not None:
        _TRIM(0)


def file_key(path: Path) -> tuple[object, ...]:
    """Identity of a file's content for caching: path, size and modification time."""
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)
