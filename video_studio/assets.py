"""A project's images: the content-addressed `AssetStore` and `import_images` for batches of
files and folders. `AssetCache` (proxies, thumbnails) and `content_hash` are re-exported."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from video_studio.asset_cache import CACHE_FORMAT_VERSION, AssetCache
from video_studio.atomic_io import atomic_write_bytes
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.file_hash import content_hash
from video_studio.image_io import (
    SUPPORTED_SUFFIXES,
    file_access_error,
    invalid_image,
    probe_image,
)
from video_studio.jobs import CancelToken, ProgressCallback, ProgressMeter

__all__ = [
    "CACHE_FORMAT_VERSION",
    "AssetCache",
    "AssetStore",
    "ImportReport",
    "StoredAsset",
    "content_hash",
    "expand_image_paths",
    "import_images",
]

_log = logging.getLogger(__name__)

_ASSET_ID = re.compile(r"[0-9a-f]{64}")
_FORMAT_SUFFIXES = {
    "JPEG": ".jpg",
    "MPO": ".jpg",
    "PNG": ".png",
    "WEBP": ".webp",
    "TIFF": ".tif",
    "BMP": ".bmp",
}


# --- the store ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAsset:
    asset_id: str  # sha256 hex of the file's bytes
    path: Path  # absolute, inside the store
    original_name: str
    width: int  # as displayed, after EXIF orientation
    height: int


class AssetStore:
    """A project's images, one file per distinct content at root/<id[:2]>/<id><suffix>."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def add(self, source: Path) -> StoredAsset:
        """Validate and copy `source` into the store (no copy when its content is there)."""
        source = Path(source)
        info = probe_image(source)
        try:
            # One read serves both the hash and the copy, so they cannot disagree.
            data = source.read_bytes()
        except OSError as exc:
            raise file_access_error(source, exc) from None
        asset_id = hashlib.sha256(data).hexdigest()
        stored = self._find(asset_id)
        if stored is None or _size(stored) != len(data):  # absent, or damaged: write it
            suffix = source.suffix.lower()
            if suffix not in SUPPORTED_SUFFIXES:
                suffix = _FORMAT_SUFFIXES.get(info.format, "")
            stored = stored or self.root / asset_id[:2] / f"{asset_id}{suffix}"
            try:
                atomic_write_bytes(stored, data)
            except OSError as exc:
                raise file_access_error(source, exc, writing=True) from None
        return StoredAsset(asset_id, stored, source.name, info.width, info.height)

    def path_for(self, asset_id: str) -> Path:
        found = self._find(asset_id)
        if found is None:
            raise VideoStudioError(
                VideoStudioErrorType.INVALID_INPUT,
                f"The image {asset_id[:12]} is missing from the project's asset store "
                f"({self.root}). Import the original photo again.",
                details={"asset_id": asset_id, "store": str(self.root)},
            )
        return found

    def contains(self, asset_id: str) -> bool:
        return self._find(asset_id) is not None

    def _find(self, asset_id: str) -> Path | None:
        if not _ASSET_ID.fullmatch(asset_id):  # also keeps "../" out of the path
            return None
        folder = self.root / asset_id[:2]
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return None
        for name in names:
            if name == asset_id or name.startswith(f"{asset_id}."):
                return folder / name
        return None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


# --- importing ----------------------------------------------------------------------------


@dataclass
class ImportReport:
    imported: list[StoredAsset] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)  # (file, plain reason)
    duplicates: list[Path] = field(default_factory=list)  # same content as an earlier file


def _natural_key(path: Path) -> list[list[tuple[int, int | str]]]:
    # IMG_2 before IMG_10, as a file manager shows them; folder by folder.
    return [
        [
            (0, int(piece)) if piece.isdigit() else (1, piece)
            for piece in re.split(r"(\d+)", part.casefold())
            if piece
        ]
        for part in path.parts
    ]


def expand_image_paths(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files as given, folders replaced by their image files (recursive, sorted), each file
    once; also the folders that could not be read, with the reason."""
    files: list[Path] = []
    failed: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        files.extend(_images_in(path, failed) if path.is_dir() else [path])
    unique: dict[str, Path] = {}
    for file in files:
        unique.setdefault(os.path.abspath(file), file)
    return list(unique.values()), failed


def _images_in(folder: Path, failed: list[tuple[Path, str]]) -> list[Path]:
    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename or folder)
        failed.append((where, file_access_error(where, exc).message))

    found: list[Path] = []
    for directory, folders, names in os.walk(folder, onerror=unreadable):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found.extend(
            Path(directory) / name
            for name in names
            # "._x.jpg" files are macOS metadata, not photos
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
        )
    return sorted(found, key=_natural_key)


def import_images(
    paths: Iterable[Path],
    store: AssetStore,
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Add every image to `store`; a bad file is reported and the others go on. A full
    disk stops the batch (every later file would fail the same way)."""
    files, folder_failures = expand_image_paths(paths)
    report = ImportReport(failed=folder_failures)
    meter = ProgressMeter(total=len(files), callback=progress, unit_message="Importing images")
    seen: set[str] = set()
    for index, file in enumerate(files):
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            asset = store.add(file)
        except VideoStudioError as error:
            if error.error_type is VideoStudioErrorType.DISK_FULL:
                report.failed.extend((rest, error.message) for rest in files[index:])
                break
            report.failed.append((file, error.message))
        except Exception as exc:  # one strange file must not stop the batch
            _log.exception("importing %s failed", file)
            reason = f"could not be imported: an unexpected problem ({type(exc).__name__})."
            report.failed.append((file, invalid_image(file, reason).message))
        else:
            if asset.asset_id in seen:
                report.duplicates.append(file)
            else:
                seen.add(asset.asset_id)
                report.imported.append(asset)
        meter.update(index + 1, f"{index + 1} of {len(files)} images")
    return report
