"""Importing dropped or chosen files and folders into a project's asset store, for the image
bin: folders are searched (recursively, image suffixes only, hidden entries skipped), each
image is validated and copied into `project.store`, and every file that fails is named with
a plain reason while the others go on.

    result = import_into_store(project.store, paths, cancel=token, progress=report)
    edit = edits.add_assets(project, result.new_entries(project.document.assets))

The project document is never touched here: the caller applies the entries as one undoable
step (`edits.add_assets`), so an import is undone at once and a cancelled import changes
nothing but the store (whose extra files are harmless and make a re-import instant).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from video_studio.assets import AssetStore, StoredAsset, expand_image_paths
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.image_io import invalid_image
from video_studio.jobs import CancelToken, Progress, ProgressCallback, ProgressMeter
from video_studio.project_document import AssetEntry
from video_studio.storyboard_paths import ASSET_PREFIX

__all__ = [
    "ImportFailure",
    "ImportResult",
    "StoredCallback",
    "asset_entry",
    "import_into_store",
]

_log = logging.getLogger("video_studio.importing")

# Called from the importing thread after each newly stored image: (asset id, stored file).
StoredCallback = Callable[[str, Path], None]


@dataclass(frozen=True)
class ImportFailure:
    """A file (or folder) that could not be imported, and why, in plain words."""

    path: Path
    reason: str

    @property
    def name(self) -> str:
        return self.path.name or str(self.path)


@dataclass
class ImportResult:
    """What an import did. `entries` and `refs` list each distinct image once, in the order
    the files were found (a file with the same content as an earlier one is in
    `duplicates`)."""

    entries: dict[str, AssetEntry] = field(default_factory=dict)  # asset id -> entry
    refs: list[str] = field(default_factory=list)  # "asset:<sha256>", in import order
    failures: list[ImportFailure] = field(default_factory=list)
    duplicates: list[Path] = field(default_factory=list)
    files_found: int = 0  # image files considered (after expanding folders)

    @property
    def asset_ids(self) -> list[str]:
        return [ref.removeprefix(ASSET_PREFIX) for ref in self.refs]

    def new_entries(self, known: Collection[str]) -> dict[str, AssetEntry]:
        """The entries whose asset ids are not in `known` (the bin's current assets)."""
        return {key: entry for key, entry in self.entries.items() if key not in known}


def asset_entry(stored: StoredAsset) -> AssetEntry:
    """The project document's record of a stored image."""
    return AssetEntry(
        original_name=stored.original_name,
        width=stored.width,
        height=stored.height,
        suffix=stored.path.suffix,
    )


def import_into_store(
    store: AssetStore,
    paths: Iterable[Path],
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    on_stored: StoredCallback | None = None,
) -> ImportResult:
    """Copy every image among `paths` (files, and folders searched recursively) into
    `store`. A bad file becomes an ImportFailure and the others go on; a full disk stops
    the batch (every later file would fail the same way) and names the rest. Raises
    CancelledByUser between files once `cancel` is set. `progress` gets a Progress with the
    file count, rate and ETA; `on_stored` hears of each newly stored image at once (e.g. to
    start its thumbnail while the import goes on)."""
    if progress is not None:
        progress(Progress(0.0, "Looking for images…"))
    files, unreadable = expand_image_paths(paths)
    result = ImportResult(
        failures=[ImportFailure(path, reason) for path, reason in unreadable],
        files_found=len(files),
    )
    meter = ProgressMeter(total=len(files), callback=progress, unit_message="Importing images")
    if files:
        meter.update(0, f"Importing 1 of {len(files)}: {files[0].name}", force=True)
    for index, file in enumerate(files):
        if cancel is not None:
            cancel.raise_if_cancelled()
        outcome = _store_one(store, file)
        if isinstance(outcome, VideoStudioError):  # the disk is full
            result.failures.extend(ImportFailure(rest, outcome.message) for rest in files[index:])
            break
        if isinstance(outcome, ImportFailure):
            result.failures.append(outcome)
        elif outcome[0].asset_id in result.entries:
            result.duplicates.append(file)
        else:
            stored, entry = outcome
            result.entries[stored.asset_id] = entry
            result.refs.append(ASSET_PREFIX + stored.asset_id)
            if on_stored is not None:
                on_stored(stored.asset_id, stored.path)
        done = index + 1
        if done < len(files):
            meter.update(done, f"Importing {done + 1} of {len(files)}: {files[done].name}")
        else:
            meter.update(done, f"Imported {len(files)} of {len(files)}")
    if progress is not None and not files:
        progress(Progress(1.0, "No images found", done=0, total=0))
    return result


def _store_one(
    store: AssetStore, file: Path
) -> tuple[StoredAsset, AssetEntry] | ImportFailure | VideoStudioError:
    """The stored image and its entry, or why the file failed; a full disk is returned as
    its error (it stops the batch)."""
    try:
        stored = store.add(file)
        return stored, asset_entry(stored)
    except VideoStudioError as error:
        if error.error_type is VideoStudioErrorType.DISK_FULL:
            return error
        return ImportFailure(file, error.message)
    except Exception as exc:  # one strange file must not stop the batch
        _log.exception("importing %s failed", file)
        reason = f"could not be imported: an unexpected problem ({type(exc).__name__})."
        return ImportFailure(file, invalid_image(file, reason).message)
