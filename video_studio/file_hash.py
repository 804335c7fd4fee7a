"""SHA-256 of files, streamed, and memoized by (path, size, mtime) for repeated lookups."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

from video_studio.image_io import file_access_error

HASH_CHUNK_BYTES = 1 << 20


def content_hash(path: Path) -> str:
    """SHA-256 hex digest of the file's bytes, read in 1 MiB chunks."""
    path = Path(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as exc:
        raise file_access_error(path, exc) from None
    return digest.hexdigest()


class HashMemo:
    """Hashes by (path, size, mtime_ns), so an unchanged big file is hashed once."""

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._known: OrderedDict[tuple[str, int, int], str] = OrderedDict()
        self._lock = threading.Lock()

    def hash(self, path: Path) -> str:
        try:
            stat = path.stat()
        except OSError as exc:
            raise file_access_error(path, exc) from None
        key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._known.get(key)
        if known is not None:
            return known
        digest = content_hash(path)
        with self._lock:
            self._known[key] = digest
            while len(self._known) > self._capacity:
                self._known.popitem(last=False)
        return digest


# Shared by every cache in the process: the same photo is hashed once, whoever asks.
shared_hash_memo = HashMemo()
