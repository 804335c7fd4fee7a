"""What the engine finds in a photo, kept on disk so each photo is analysed once, ever.

Finding the product (video_studio.subject) takes 50-200 ms a photo, and splitting it into
parallax layers (video_studio.layers: the product cut out, the background filled in)
200-400 ms. The preview needs them on the first frame of a scene, and every export needs
them again, every session. Both depend only on the photo's bytes, the size it was analysed
at and the algorithm, so they are stored under names made of those: a subject box as a
small JSON file, layers as two lossless PNGs (the product's alpha and the filled
background; the product's colours are the photo's own). A damaged or unreadable entry is
computed again; a store that cannot be written still answers, from the analysis. The store
is kept under MAX_STORE_BYTES, least recently used entries out first.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import platformdirs
from numpy.typing import NDArray

from video_studio.atomic_io import atomic_write_bytes, atomic_write_text
from video_studio.file_hash import shared_hash_memo
from video_studio.layers import LayerSplit
from video_studio.subject import SubjectBox

_log = logging.getLogger("video_studio.rendering")

# Bump when video_studio.subject or video_studio.layers change their results: old entries
# are then ignored, and pruned in time as the least recently used.
ANALYSIS_VERSION = 1
_APP_FOLDER = "video-studio"
_PNG_FAST = [cv2.IMWRITE_PNG_COMPRESSION, 1]  # lossless; level 1 encodes ~5x faster than 9
# Kept to this size, least recently used first out (a photo's entries are a few MB).
MAX_STORE_BYTES = 1 << 30


def default_store_folder() -> Path:
    """The user's cache folder for analysis results (XDG_CACHE_HOME on Linux)."""
    return Path(platformdirs.user_cache_dir(_APP_FOLDER, appauthor=False)) / "analysis"


class AnalysisStore:
    """Subject boxes and parallax layers by (photo content, analysis size); thread-safe."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else default_store_folder()
        self._boxes: dict[str, SubjectBox] = {}
        self._lock = threading.Lock()

    def subject_box(self, photo: Path, side: int, find: Callable[[], SubjectBox]) -> SubjectBox:
        """The stored box for `photo` analysed at `side`, else `find()`'s, stored."""
        base = self._base(photo, side, "subject")
        with self._lock:
            known = self._boxes.get(base)
        if known is None:
            known = _read_box(self.folder / f"{base}.json")
        if known is None:
            known = find()
            self._store(f"{base}.json", json.dumps(_box_fields(known)))
        with self._lock:
            self._boxes[base] = known
        return known

    def layers(
        self, photo: Path, image: NDArray[np.uint8], split: Callable[[], LayerSplit]
    ) -> LayerSplit:
        """The stored layers of `photo` at the size of `image` (the photo as loaded, RGB or
        RGBA), else `split()`'s, stored."""
        height, width = image.shape[:2]
        base = self._base(photo, max(height, width), "layers")
        stored = self._read_layers(base, image)
        if stored is not None:
            return stored
        fresh = split()
        self._store(f"{base}.json", json.dumps(_box_fields(fresh.subject)))
        self._store(f"{base}-alpha.png", _png(fresh.foreground[..., 3]))
        self._store(f"{base}-background.png", _png(fresh.background[..., ::-1]))
        return fresh

    # --- files ------------------------------------------------------------------------------

    def _base(self, photo: Path, side: int, kind: str) -> str:
        return f"{shared_hash_memo.hash(photo)}-{kind}-{side}-v{ANALYSIS_VERSION}"

    def _read_layers(self, base: str, image: NDArray[np.uint8]) -> LayerSplit | None:
        box = _read_box(self.folder / f"{base}.json")
        if box is None:
            return None
        alpha = cv2.imread(str(self.folder / f"{base}-alpha.png"), cv2.IMREAD_GRAYSCALE)
        bgr = cv2.imread(str(self.folder / f"{base}-background.png"), cv2.IMREAD_COLOR)
        shape = image.shape[:2]
        if alpha is None or bgr is None or alpha.shape != shape or bgr.shape[:2] != shape:
            _log.info("ignoring the incomplete layer entry %s", base)
            return None
        for suffix in ("-alpha.png", "-background.png"):
            _mark_used(self.folder / f"{base}{suffix}")
        foreground = np.empty((*shape, 4), np.uint8)
        foreground[..., :3] = image[..., :3]
        foreground[..., 3] = alpha
        return LayerSplit(foreground, np.ascontiguousarray(bgr[..., ::-1]), box)

    def prune(self, max_bytes: int = MAX_STORE_BYTES) -> int:
        """Delete the least recently used files until the store holds at most `max_bytes`;
        returns how many were deleted. An entry missing a file is simply made again."""
        files: list[tuple[float, int, Path]] = []
        try:
            for file in self.folder.iterdir():
                with contextlib.suppress(OSError):
                    stat = file.stat()
                    files.append((stat.st_mtime, stat.st_size, file))
        except OSError:  # no store yet, or unreadable: nothing to prune
            return 0
        total = sum(size for _, size, _ in files)
        deleted = 0
        for _, size, file in sorted(files):
            if total <= max_bytes:
                break
            with contextlib.suppress(OSError):
                file.unlink()
                total -= size
                deleted += 1
        return deleted

    def _store(self, name: str, content: str | bytes) -> None:
        file = self.folder / name
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                atomic_write_text(file, content)
            else:
                atomic_write_bytes(file, content)
        except OSError as error:  # a read-only or full cache costs time, never a frame
            _log.info("could not store %s: %s", file, error)


def _box_fields(box: SubjectBox) -> dict[str, float | str]:
    return {"x": box.x, "y": box.y, "w": box.w, "h": box.h, "confidence": box.confidence,
            "method": box.method}  # fmt: skip


def _mark_used(file: Path) -> None:
    """Entries are pruned least recently used first: a read counts as a use."""
    with contextlib.suppress(OSError):
        os.utime(file)


def _read_box(file: Path) -> SubjectBox | None:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        _mark_used(file)
        x, y, w, h, confidence = (float(data[key]) for key in ("x", "y", "w", "h", "confidence"))
        return SubjectBox(x, y, w, h, confidence, str(data["method"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        _log.info("ignoring the damaged analysis entry %s: %s", file, error)
        return None


def _png(pixels: NDArray[np.uint8]) -> bytes:
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(pixels), _PNG_FAST)
    if not ok:
        raise ValueError("PNG encoding failed")
    return bytes(encoded.tobytes())


_shared: AnalysisStore | None = None
_shared_lock = threading.Lock()


def shared_analysis_store() -> AnalysisStore:
    """The process's store, in the user's cache folder."""
    global _shared  # noqa: PLW0603 - one store per process, made on first use
    with _shared_lock:
        if _shared is None:
            _shared = AnalysisStore()
            _shared.prune()  # once a process: a directory listing, off the GUI thread
        return _shared
