"""Scene thumbnails for the timeline, made off the GUI thread.

`request(key, source)` queues the image on the loader's own thread pool (one thread: the
machine is shared with the preview and the jobs); the worker finds the file (`source()`,
which may touch the disk, so it runs there too), asks the engine's AssetCache
(under the project's cache folder) for the thumbnail file, decodes and scales it to a
QImage, and `loaded(key)` arrives on the GUI thread, where `pixmap(key)` then has it.
`shutdown()` drops what is queued and waits for the running task.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from video_studio.asset_cache import AssetCache
from video_studio.thread_priority import lower_current_thread_priority

_log = logging.getLogger("video_studio.gui.timeline")

THUMBNAIL_SIDE = 256  # the cache entry's longer side
THUMBNAIL_HEIGHT = 144  # decoded height: the track is 72 px, twice that for HiDPI screens
_SHUTDOWN_WAIT_MS = 10_000


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits through it (a queued connection)."""

    done = Signal(int, str, object)  # generation, key, QImage or None when it failed


class _ThumbnailTask(QRunnable):
    def __init__(
        self,
        relay: _Relay,
        cache: AssetCache,
        generation: int,
        key: str,
        source: Callable[[], Path],
    ) -> None:
        super().__init__()
        self._relay = relay
        self._cache = cache
        self._generation = generation
        self._key = key
        self._source = source

    def run(self) -> None:
        lower_current_thread_priority()  # idempotent on a reused pool thread
        image: QImage | None = None
        try:
            file = self._cache.thumbnail(self._source(), THUMBNAIL_SIDE)
            decoded = QImage(str(file))
            if not decoded.isNull():
                image = decoded.scaledToHeight(
                    min(THUMBNAIL_HEIGHT, decoded.height()),
                    Qt.TransformationMode.SmoothTransformation,
                )
        except Exception as error:  # a missing or broken image: the scene shows a placeholder
            _log.info("no thumbnail for %s: %s", self._key, error)
        with contextlib.suppress(RuntimeError):  # the loader is gone (the window closed)
            self._relay.done.emit(self._generation, self._key, image)


class ThumbnailLoader(QObject):
    loaded = Signal(str)  # the key whose pixmap (or failure) is now known

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setObjectName("timeline thumbnails")
        self._relay = _Relay(self)
        self._relay.done.connect(self._arrived)
        self._cache: AssetCache | None = None
        self._generation = 0
        self._pixmaps: dict[str, QPixmap] = {}
        self._failed: set[str] = set()
        self._pending: set[str] = set()

    def set_cache_dir(self, folder: Path | None) -> None:
        """Another project: forget every thumbnail and use its cache (None: no project)."""
        self._pool.clear()
        self._generation += 1
        self._pixmaps.clear()
        self._failed.clear()
        self._pending.clear()
        self._cache = AssetCache(folder) if folder is not None else None

    def pixmap(self, key: str) -> QPixmap | None:
        return self._pixmaps.get(key)

    def failed(self, key: str) -> bool:
        return key in self._failed

    def known(self, key: str) -> bool:
        return key in self._pixmaps or key in self._failed or key in self._pending

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def request(self, key: str, source: Callable[[], Path]) -> None:
        """Load the thumbnail of the file `source()` names, unless it is loaded, failed or
        on its way."""
        if self._cache is None or self.known(key):
            return
        self._pending.add(key)
        self._pool.start(_ThumbnailTask(self._relay, self._cache, self._generation, key, source))

    def _arrived(self, generation: int, key: str, image: object) -> None:
        if generation != self._generation:
            return
        self._pending.discard(key)
        if isinstance(image, QImage) and not image.isNull():
            self._pixmaps[key] = QPixmap.fromImage(image)
        else:
            self._failed.add(key)
        self.loaded.emit(key)

    def shutdown(self) -> None:
        """Drop the queue and wait for the task in progress."""
        self._pool.clear()
        self._generation += 1
        self._pending.clear()
        if not self._pool.waitForDone(_SHUTDOWN_WAIT_MS):
            _log.error("a timeline thumbnail did not finish in time")
