"""The image bin's data: `ImageBinModel`, a list model over the project's assets (name,
thumbnail, tooltip, drag data).

Thumbnails are made lazily by a `ThumbnailLoader` (gui.widgets.bin_thumbnails, on its own
thread): the model asks for one when a view first shows its row, and `prefetch_all` queues
the others behind those so that every row soon has one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import qtawesome
from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon, QImage, QPixmap

from gui.mime import ASSETS_MIME, encode_list
from gui.widgets.bin_thumbnails import THUMBNAIL_SOURCE_SIZE, ThumbnailLoader
from video_studio.project_document import AssetEntry
from video_studio.storyboard_paths import ASSET_PREFIX

__all__ = [  # ThumbnailLoader and THUMBNAIL_SOURCE_SIZE are re-exported from bin_thumbnails
    "ASSET_ID_ROLE",
    "ASSET_REF_ROLE",
    "THUMBNAIL_SOURCE_SIZE",
    "USES_ROLE",
    "BinItem",
    "ImageBinModel",
    "ThumbnailLoader",
    "icon_grid",
]

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
