"""The `AssetCache`: preview proxies and thumbnails of images on disk, keyed by content hash,
kind, size and format version, plus an in-memory LRU of the last few proxies.

Proxy format: JPEG quality 95 without chroma subsampling for opaque images, PNG (fastest
zlib level) when there is alpha. Measured on a 1280 px photo, JPEG encodes in ~5 ms and
decodes in ~5-10 ms at 0.2-0.6 MB, while lossless PNG/WebP/TIFF-deflate take 25-100 ms to
encode and are 3-10x larger (raw TIFF is fast but 3.3 MB each, so far fewer proxies fit the
cache). Proxies only feed previews, exports read the originals, so JPEG's invisible loss at
q95 buys the smallest cache and fast loads. Alpha needs a lossless format: cut-out edges.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PIL import Image

from video_studio.atomic_io import atomic_write_bytes
from video_studio.error_types import VideoStudioError
from video_studio.file_hash import shared_hash_memo
from video_studio.image_io import file_access_error, load_image
from video_studio.image_pixels import ImageArray

_log = logging.getLogger("video_studio.assets")

CACHE_FORMAT_VERSION = 1  # bump when the proxy/thumbnail encoding changes: old files go stale
_CACHE_SUFFIXES = (".jpg", ".png")
_PROXY_QUALITY = 95
_THUMBNAIL_QUALITY = 88
_STALE_TEMP_SECONDS = 600.0  # a temp file younger than this may still be being written


class AssetCache:
    """Preview proxies and thumbnails on disk, keyed by content hash, kind, size and format
    version, with the last few proxies in memory. Safe to share between threads."""

    def __init__(self, root: Path, *, memory_entries: int = 6) -> None:
        self.root = Path(root).absolute()
        self._memory_entries = memory_entries
        self._memory: OrderedDict[Path, ImageArray] = OrderedDict()
        self._memory_lock = threading.Lock()
        self._verified: dict[Path, tuple[int, int]] = {}  # thumbnail -> (size, mtime_ns)
        # Striped locks: one producer per entry at a time, without a lock per entry forever.
        self._stripes = tuple(threading.Lock() for _ in range(32))

    @property
    def _version_root(self) -> Path:
        return self.root / f"v{CACHE_FORMAT_VERSION}"

    def proxy(self, path: Path, max_side: int = 1280) -> ImageArray:
        """The image at preview size (longer side at most `max_side`), read-only."""
        base = self._base("proxy", Path(path), max_side)
        with self._memory_lock:
            cached = self._memory.get(base)
            if cached is not None:
                self._memory.move_to_end(base)
        if cached is not None:
            return cached
        file, pixels = self._produce(
            base, Path(path), max_side, quality=_PROXY_QUALITY, strict=False
        )
        if file is not None:
            _touch(file)
        pixels.setflags(write=False)  # shared with every later caller
        with self._memory_lock:
            self._memory[base] = pixels
            while len(self._memory) > self._memory_entries:
                self._memory.popitem(last=False)
        return pixels

    def proxy_path(self, path: Path, max_side: int = 1280) -> Path:
        """The proxy's file (JPEG, or PNG with alpha), created if needed."""
        base = self._base("proxy", Path(path), max_side)
        file, _ = self._produce(base, Path(path), max_side, quality=_PROXY_QUALITY)
        assert file is not None  # strict production raises rather than skip the file
        _touch(file)
        return file

    def thumbnail(self, path: Path, size: int = 256) -> Path:
        """A JPEG (PNG with alpha) whose longer side is `size` (smaller images keep theirs)."""
        base = self._base("thumb", Path(path), size)
        for file in _candidates(base):
            if self._verified_before(file):
                _touch(file)
                return file
        # Checked (decoded) or made under the entry's lock, so that a damaged file found by
        # one thread is not deleted after another has already replaced it.
        made, _ = self._produce(base, Path(path), size, quality=_THUMBNAIL_QUALITY)
        assert made is not None
        self._remember_verified(made)
        _touch(made)
        return made

    def clear(self) -> None:
        """Delete every cached file (only the cache's own version folders are touched)."""
        with self._memory_lock:
            self._memory.clear()
            self._verified.clear()
        for folder in self._version_folders():
            shutil.rmtree(folder, ignore_errors=True)

    def size_bytes(self) -> int:
        return sum(size for _, size, _ in self._files())

    def prune(self, max_bytes: int) -> int:
        """Delete least recently used files until the cache holds at most `max_bytes`;
        returns the bytes freed."""
        files = sorted(self._files(), key=lambda entry: entry[2])
        total = sum(size for _, size, _ in files)
        freed = 0
        now_ns = time.time_ns()
        for file, size, used_ns in files:
            if total - freed <= max_bytes:
                break
            young = now_ns - used_ns < _STALE_TEMP_SECONDS * 1e9
            if file.name.startswith(".") and young:
                continue  # another thread's write in progress
            try:
                file.unlink()
            except OSError:
                continue
            freed += size
            with self._memory_lock:
                self._verified.pop(file, None)
        return freed

    # --- internals ------------------------------------------------------------------------

    def _base(self, kind: str, source: Path, size: int) -> Path:
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        digest = shared_hash_memo.hash(source)
        return self._version_root / kind / digest[:2] / f"{digest}-{size}"

    def _produce(
        self, base: Path, source: Path, size: int, *, quality: int, strict: bool = True
    ) -> tuple[Path | None, ImageArray]:
        """The entry's file and pixels: a valid cached file, else a fresh one. Without
        `strict`, a failed cache write is logged and the pixels returned all the same."""
        with self._stripes[hash(base) % len(self._stripes)]:
            for file in _candidates(base):
                pixels = _read_cached(file)
                if pixels is not None:
                    return file, pixels
            pixels = load_image(source, max_side=size)
            has_alpha = pixels.shape[2] == 4
            file = base.parent / (base.name + (".png" if has_alpha else ".jpg"))
            data = _encode(pixels, quality)
            if not has_alpha:
                # Hand out what the file holds, so a preview looks the same whether its
                # proxy was just made or read back from the cache.
                pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.uint8)
            try:
                atomic_write_bytes(file, data)
            except OSError as exc:
                error = file_access_error(file, exc, writing=True)
                if strict:
                    raise error from None
                _log.warning("cache file not written: %s", error.message)
                return None, pixels
            return file, pixels

    def _verified_before(self, file: Path) -> bool:
        """True when this cache decoded `file` before and it has not changed since."""
        try:
            stat = file.stat()
        except OSError:
            return False
        with self._memory_lock:
            return self._verified.get(file) == (stat.st_size, stat.st_mtime_ns)

    def _remember_verified(self, file: Path) -> None:
        try:
            stat = file.stat()
        except OSError:
            return
        with self._memory_lock:
            self._verified[file] = (stat.st_size, stat.st_mtime_ns)

    def _version_folders(self) -> list[Path]:
        try:
            return [
                entry
                for entry in self.root.iterdir()
                if entry.is_dir() and re.fullmatch(r"v\d+", entry.name)
            ]
        except OSError:
            return []

    def _files(self) -> list[tuple[Path, int, int]]:
        """(file, size, last use in ns) for every file in the cache."""
        found: list[tuple[Path, int, int]] = []
        for folder in self._version_folders():
            for directory, _, names in os.walk(folder):
                for name in names:
                    file = Path(directory) / name
                    try:
                        stat = file.stat()
                    except OSError:
                        continue  # deleted meanwhile
                    found.append((file, stat.st_size, max(stat.st_atime_ns, stat.st_mtime_ns)))
        return found


def _candidates(base: Path) -> list[Path]:
    return [
        file for suffix in _CACHE_SUFFIXES if (file := base.parent / (base.name + suffix)).is_file()
    ]


def _read_cached(file: Path) -> ImageArray | None:
    """The cached pixels, or None (and the file removed) when it is damaged."""
    try:
        return load_image(file)
    except VideoStudioError as error:
        _log.warning("damaged cache file replaced: %s", error.message)
        file.unlink(missing_ok=True)
        return None


def _encode(pixels: ImageArray, quality: int) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(np.ascontiguousarray(pixels))
    if pixels.shape[2] == 4:
        image.save(buffer, "PNG", compress_level=1)
    else:  # 4:4:4: thin coloured product lettering stays crisp
        image.save(buffer, "JPEG", quality=quality, subsampling=0)
    return buffer.getvalue()


def _touch(file: Path) -> None:
    """Record a use in the access time (set explicitly: mounts often skip atime updates);
    the modification time stays, so it still tells when the file was made."""
    try:
        stat = file.stat()
        os.utime(file, ns=(time.time_ns(), stat.st_mtime_ns))
    except OSError:
        pass
