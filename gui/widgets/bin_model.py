"""The image bin's data: `ImageBinModel`, a list model over the project's assets (name,
thumbnail, tooltip, drag data), and `ThumbnailLoader`, which makes thumbnails on its own
QThread and hands them to the GUI thread.

Thumbnails are made lazily: the model asks for one when a view first shows its row (most
recently shown first), and the loader also works through a background queue (freshly
imported images, then the rest of the bin) so that every row soon has one. The loader uses
the engine's `AssetCache.thumbnail` (a JPEG of at most 256 px, decoded from the original
at a reduced scale) and scales it to the bin's icon size with Qt; nothing of that runs on
the GUI thread. The loader's thread ends when it runs out of work and restarts on demand.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import qtawesome
from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QThread,
    Signal,
)
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap

from gui.mime import ASSETS_MIME, encode_list
from video_studio.asset_cache import AssetCache
from video_studio.assets import AssetStore
from video_studio.error_types import VideoStudioError
from video_studio.project_document import AssetEntry
from video_studio.storyboard_paths import ASSET_PREFIX

__all__ = [
    "ASSET_ID_ROLE",
    "ASSET_REF_ROLE",
    "THUMBNAIL_SOURCE_SIZE",
    "USES_ROLE",
    "BinItem",
    "ImageBinModel",
    "ThumbnailLoader",
]

_log = logging.getLogger("video_studio.gui.image_bin")

THUMBNAIL_SOURCE_SIZE = 256  # longer side of the cached thumbnail file (AssetCache)
_IDLE_SECONDS = 0.3  # the loader's thread waits this long for more work before it ends
_STOP_WAIT_MS = 10_000

ASSET_ID_ROLE = Qt.ItemDataRole.UserRole + 1  # str: the sha256 asset id
ASSET_REF_ROLE = Qt.ItemDataRole.UserRole + 2  # str: "asset:<sha256>"
USES_ROLE = Qt.ItemDataRole.UserRole + 3  # int: scenes showing the image

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class BinItem:
    asset_id: str
    entry: AssetEntry
    uses: int = 0  # scenes on the timeline that show this image

    @property
    def ref(self) -> str:
        return ASSET_PREFIX + self.asset_id


# --- the loader ---------------------------------------------------------------------------


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


# --- the model ----------------------------------------------------------------------------


class ImageBinModel(QAbstractListModel):
    """The bin's images in the project's order. Rows drag as ASSETS_MIME (their refs)."""

    thumbnail_arrived = Signal(str)  # asset id: its thumbnail (or its failure) is in

    def __init__(self, loader: ThumbnailLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._items: list[BinItem] = []
        self._rows: dict[str, int] = {}
        self._icons: dict[str, QIcon] = {}
        self._failed: dict[str, str] = {}
        self._requested: set[str] = set()
        self._placeholder: QIcon = qtawesome.icon("mdi6.image-outline", color="#8a8f98")
        self._broken: QIcon = qtawesome.icon("mdi6.image-broken-variant", color="#c0645a")
        self._roles: dict[int, Callable[[BinItem], object]] = {
            Qt.ItemDataRole.DisplayRole: lambda item: item.entry.original_name,
            Qt.ItemDataRole.DecorationRole: lambda item: self._icon(item.asset_id),
            Qt.ItemDataRole.ToolTipRole: self._tooltip,
            ASSET_ID_ROLE: lambda item: item.asset_id,
            ASSET_REF_ROLE: lambda item: item.ref,
            USES_ROLE: lambda item: item.uses,
        }
        loader.thumbnail_ready.connect(self._thumbnail_ready)
        loader.thumbnail_failed.connect(self._thumbnail_failed)

    # --- content --------------------------------------------------------------------------

    def set_assets(self, assets: Mapping[str, AssetEntry], uses: Mapping[str, int]) -> bool:
        """Show these assets (in this order). Returns True when rows came or went (the
        model was reset), False when only names, sizes or uses changed."""
        items = [BinItem(key, entry, uses.get(key, 0)) for key, entry in assets.items()]
        if [item.asset_id for item in items] == [item.asset_id for item in self._items]:
            changed = [row for row, item in enumerate(items) if item != self._items[row]]
            self._items = items
            if changed:
                self.dataChanged.emit(self.index(min(changed)), self.index(max(changed)))
            return False
        self.beginResetModel()
        self._items = items
        self._rows = {item.asset_id: row for row, item in enumerate(items)}
        self.endResetModel()
        return True

    def forget_thumbnails(self) -> None:
        """Another project: no thumbnail of the previous one may show."""
        self._icons.clear()
        self._failed.clear()
        self._requested.clear()

    def item(self, row: int) -> BinItem:
        return self._items[row]

    def items(self) -> list[BinItem]:
        return list(self._items)

    def row_of(self, asset_id: str) -> int | None:
        return self._rows.get(asset_id)

    def asset_ids(self) -> list[str]:
        return [item.asset_id for item in self._items]

    def has_thumbnail(self, asset_id: str) -> bool:
        return asset_id in self._icons

    def thumbnail_count(self) -> int:
        """Rows whose real thumbnail is shown."""
        return sum(1 for item in self._items if item.asset_id in self._icons)

    def thumbnail_failure(self, asset_id: str) -> str | None:
        return self._failed.get(asset_id)

    def prefetch_all(self) -> None:
        """Queue every thumbnail not made yet (behind the ones the view asks for)."""
        missing = [
            item.asset_id
            for item in self._items
            if item.asset_id not in self._icons and item.asset_id not in self._failed
        ]
        self._requested.update(missing)
        self._loader.prefetch(missing)

    # --- Qt model API -----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        getter = self._roles.get(role)
        return getter(self._items[index.row()]) if getter is not None else None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt's name
        return [ASSETS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        rows = sorted({index.row() for index in indexes if index.isValid()})
        mime = QMimeData()
        encode_list(mime, ASSETS_MIME, [self._items[row].ref for row in rows])
        return mime

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 - Qt's name
        return Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802 - Qt's name
        return Qt.DropAction.IgnoreAction  # files are dropped on the panel, not the model

    # --- thumbnails -------------------------------------------------------------------

    def _icon(self, asset_id: str) -> QIcon:
        icon = self._icons.get(asset_id)
        if icon is not None:
            return icon
        if asset_id in self._failed:
            return self._broken
        if asset_id not in self._requested:
            self._requested.add(asset_id)
            self._loader.request(asset_id)
        else:  # shown while queued behind others (a prefetch): move it up
            self._loader.promote(asset_id)
        return self._placeholder

    def _thumbnail_ready(self, generation: int, asset_id: str, image: QImage) -> None:
        if generation != self._loader.generation:
            return
        self._icons[asset_id] = QIcon(QPixmap.fromImage(image))
        self._failed.pop(asset_id, None)
        self._changed(asset_id)

    def _thumbnail_failed(self, generation: int, asset_id: str, reason: str) -> None:
        if generation != self._loader.generation:
            return
        self._failed[asset_id] = reason
        self._changed(asset_id)

    def _changed(self, asset_id: str) -> None:
        row = self._rows.get(asset_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(
                index, index, [Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole]
            )
        self.thumbnail_arrived.emit(asset_id)

    def _tooltip(self, item: BinItem) -> str:
        entry = item.entry
        lines = [entry.original_name, f"{entry.width} × {entry.height} pixels"]
        if item.uses:
            lines.append(f"On the timeline in {item.uses} scene{'s' if item.uses != 1 else ''}")
        else:
            lines.append("Not on the timeline yet")
        failure = self._failed.get(item.asset_id)
        if failure:
            lines.append(f"No thumbnail: {failure}")
        return "\n".join(lines)


def icon_grid(icon_side: int) -> tuple[QSize, QSize]:
    """(icon size, grid cell size) of the bin's icon view."""
    return QSize(icon_side, icon_side), QSize(icon_side + 28, icon_side + 34)
