"""The image bin's thumbnails: `ThumbnailLoader` makes them on its own QThread and hands
them to the GUI thread.

It uses the engine's `AssetCache.thumbnail` (a JPEG of at most 256 px, decoded from the
original at a reduced scale) and scales it to the bin's icon size with Qt; nothing of that
runs on the GUI thread. Requested thumbnails (rows a view shows, most recently shown first)
come before a background queue (freshly imported images, then the rest of the bin). The
thread ends when it runs out of work and restarts on demand.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QImage, QImageReader

from video_studio.asset_cache import AssetCache
from video_studio.assets import AssetStore
from video_studio.error_types import VideoStudioError
from video_studio.thread_priority import lower_current_thread_priority

__all__ = ["THUMBNAIL_SOURCE_SIZE", "ThumbnailLoader"]

_log = logging.getLogger("video_studio.gui.image_bin")

THUMBNAIL_SOURCE_SIZE = 256  # longer side of the cached thumbnail file (AssetCache)
_IDLE_SECONDS = 0.3  # the loader's thread waits this long for more work before it ends
_STOP_WAIT_MS = 10_000


@dataclass(frozen=True)
class _Source:
    generation: int
    store: AssetStore
    cache: AssetCache


class _LoaderThread(QThread):
    def __init__(self, loader: ThumbnailLoader) -> None:
        super().__init__()
        self._loader = loader
        self.setObjectName("image bin thumbnails")

    def run(self) -> None:
        lower_current_thread_priority()
        self._loader._work()


class ThumbnailLoader(QObject):
    """Thumbnails of a project's stored images, made on a worker thread.

    `request` (GUI thread) puts an image first in line; `prefetch` (GUI thread) and
    `prefetch_stored` (any thread, e.g. an import job) queue images behind the requests.
    Results arrive as `thumbnail_ready(generation, asset_id, image)` on the receivers'
    threads; `generation` tells results of a previous project (`set_source`) apart.
    """

    thumbnail_ready = Signal(int, str, QImage)
    thumbnail_failed = Signal(int, str, str)  # generation, asset id, plain reason

    def __init__(
        self, pixel_size: int, device_ratio: float = 1.0, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.pixel_size = max(16, int(pixel_size))
        self.device_ratio = max(1.0, float(device_ratio))
        self._cond = threading.Condition()
        self._source: _Source | None = None
        self._generation = 0
        self._urgent: OrderedDict[str, Path | None] = OrderedDict()  # last in, first out
        self._background: OrderedDict[str, Path | None] = OrderedDict()  # first in, first out
        self._stopping = False
        self._thread = _LoaderThread(self)
        self._thread.finished.connect(self._thread_finished)

    @property
    def generation(self) -> int:
        return self._generation

    def set_source(self, store: AssetStore | None, cache: AssetCache | None) -> int:
        """Thumbnails of another project (None: none); forgets the queued work. Returns the
        new generation."""
        with self._cond:
            self._generation += 1
            self._urgent.clear()
            self._background.clear()
            if store is not None and cache is not None:
                self._source = _Source(self._generation, store, cache)
            else:
                self._source = None
            return self._generation

    def request(self, asset_id: str) -> None:
        """Make this thumbnail next (the view is showing it)."""
        with self._cond:
            if self._source is None or self._stopping:
                return
            path = self._background.pop(asset_id, None)
            self._urgent[asset_id] = path or self._urgent.get(asset_id)
            self._urgent.move_to_end(asset_id)
        self.kick()

    def promote(self, asset_id: str) -> None:
        """Make a queued thumbnail next (nothing when it is not queued)."""
        with self._cond:
            if asset_id in self._background:
                self._urgent[asset_id] = self._background.pop(asset_id)
            elif asset_id in self._urgent:
                self._urgent.move_to_end(asset_id)
            else:
                return
        self.kick()

    def prefetch(self, asset_ids: Iterable[str]) -> None:
        """Make these thumbnails after the requested ones (GUI thread)."""
        with self._cond:
            if self._source is None or self._stopping:
                return
            for asset_id in asset_ids:
                if asset_id not in self._urgent and asset_id not in self._background:
                    self._background[asset_id] = None
        self.kick()

    def prefetch_stored(self, generation: int, asset_id: str, path: Path) -> None:
        """Queue the thumbnail of a just stored image, from any thread (the importing job).
        It is made once the GUI thread calls `kick` (an import reports progress often)."""
        with self._cond:
            if self._source is None or self._stopping or generation != self._generation:
                return
            if asset_id not in self._urgent:
                self._background[asset_id] = path
            self._cond.notify()

    def drop_queued(self, keep: Collection[str]) -> None:
        """Forget queued thumbnails of images not in `keep` (a cancelled import's)."""
        with self._cond:
            for queue in (self._urgent, self._background):
                for asset_id in [key for key in queue if key not in keep]:
                    del queue[asset_id]

    def kick(self) -> None:
        """Start the worker if there is work and it is not running (GUI thread)."""
        with self._cond:
            if self._stopping or not (self._urgent or self._background):
                return
            self._cond.notify()
            if self._thread.isRunning():
                return  # it takes the work; if it was just ending, finished restarts it
        self._thread.start(QThread.Priority.LowPriority)

    @property
    def busy(self) -> bool:
        with self._cond:
            queued = bool(self._urgent or self._background)
        return queued or self._thread.isRunning()

    def pending(self) -> int:
        with self._cond:
            return len(self._urgent) + len(self._background)

    def shutdown(self) -> None:
        """Drop the queued work and wait for the worker to end (it finishes the thumbnail
        it is making, a fraction of a second)."""
        with self._cond:
            self._stopping = True
            self._urgent.clear()
            self._background.clear()
            self._cond.notify_all()
        if self._thread.isRunning() and not self._thread.wait(_STOP_WAIT_MS):
            _log.error("the thumbnail worker did not stop")

    def _thread_finished(self) -> None:
        self.kick()  # work queued while the thread was ending

    # --- on the worker thread ---------------------------------------------------------

    def _next(self) -> tuple[_Source, str, Path | None] | None:
        if self._stopping or self._source is None:
            return None
        if self._urgent:
            asset_id, path = self._urgent.popitem(last=True)
        elif self._background:
            asset_id, path = self._background.popitem(last=False)
        else:
            return None
        return self._source, asset_id, path

    def _work(self) -> None:
        while True:
            with self._cond:
                job = self._next()
                if job is None and not self._stopping:
                    self._cond.wait(_IDLE_SECONDS)
                    job = self._next()
                if job is None:
                    return
            source, asset_id, path = job
            try:
                image = self._make(source, asset_id, path)
            except VideoStudioError as error:
                self.thumbnail_failed.emit(source.generation, asset_id, error.message)
            except Exception as error:  # a thumbnail must never take the bin down
                _log.exception("thumbnail of %s failed", asset_id)
                reason = f"The thumbnail could not be made ({type(error).__name__})."
                self.thumbnail_failed.emit(source.generation, asset_id, reason)
            else:
                self.thumbnail_ready.emit(source.generation, asset_id, image)

    def _make(self, source: _Source, asset_id: str, path: Path | None) -> QImage:
        original = path if path is not None else source.store.path_for(asset_id)
        file = source.cache.thumbnail(original, THUMBNAIL_SOURCE_SIZE)
        reader = QImageReader(str(file))
        image = reader.read()
        if image.isNull():
            raise VideoStudioError(
                "storage", f"The thumbnail could not be read ({reader.errorString()})."
            )
        side = round(self.pixel_size * self.device_ratio)
        if image.width() > side or image.height() > side:
            image = image.scaled(
                side,
                side,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        image.setDevicePixelRatio(self.device_ratio)
        return image
