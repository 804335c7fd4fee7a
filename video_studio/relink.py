"""Missing media: the files a project uses that are no longer where it says, and relinking
them to a file the user points at or to files found in a folder.

    missing = find_missing(project)                     # cheap: a few exists/listdir calls
    edit = relink_file(project, missing[0], Path("~/photos/front.jpg").expanduser())
    result = search_folder(project, missing, Path("~/photos").expanduser())
    edit = relink_edit(project, result.replacements)    # one undo step for all of them

A scene image stored in the project (`asset:<sha256>`) whose store file is gone is found
again by content: a file with the same SHA-256 is copied back into the store and nothing
in the document changes. A different file is imported as a new asset and the scenes are
pointed at it. Other references (plain image paths, clips, music, watermark, card logos)
are pointed at the new file, relative to the project folder when it lies inside it.

Preparing a replacement does file work (hashing, copying into the store) and belongs on a
worker thread; `relink_edit` only builds the document change, against the project's
current document, on the thread that owns the project.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.edits import Edit, make_edit
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.file_hash import content_hash
from video_studio.image_io import SUPPORTED_SUFFIXES, probe_image
from video_studio.jobs import CancelToken, ProgressCallback, ProgressMeter
from video_studio.project import Project
from video_studio.project_document import AssetEntry, ProjectDocument
from video_studio.storyboard_paths import (
    ASSET_PREFIX,
    is_asset_reference,
    map_paths,
    referenced_paths,
)

__all__ = [
    "MissingMedia",
    "Replacement",
    "SearchResult",
    "find_missing",
    "prepare_replacement",
    "relink_edit",
    "relink_file",
    "search_folder",
]

_ASSET_ID = re.compile(r"[0-9a-f]{64}")
_SCENE_FIELD = re.compile(r"scenes\[(\d+)\]\.(image|clip)")
_KINDS = {
    "audio.path": "music",
    "watermark.path": "watermark",
    "intro.logo": "intro logo",
    "outro.logo": "outro logo",
}
_IMAGE_KINDS = frozenset({"image", "watermark", "intro logo", "outro logo", "bin image"})
BIN_FIELD = "assets"  # the field of an image in the bin that no scene uses


@dataclass(frozen=True)
class MissingMedia:
    """One file the project refers to that is not there, with everything that uses it."""

    reference: str  # as project.json has it: asset:<sha256> or a path
    kind: str  # image, clip, music, watermark, intro logo, outro logo, bin image
    expected: Path  # where the file should be
    name: str  # the file name to look for (an asset's original name)
    asset_id: str | None = None
    fields: tuple[str, ...] = ()  # storyboard field paths: scenes[2].image, audio.path
    scene_ids: tuple[str, ...] = ()
    scene_numbers: tuple[int, ...] = ()  # 1-based positions on the timeline

    @property
    def is_image(self) -> bool:
        return self.kind in _IMAGE_KINDS

    @property
    def used_by(self) -> str:
        """Where it is used, for people: "scenes 1, 3", "clip of scene 2", "music"."""
        images: list[int] = []
        clips: list[int] = []
        parts: list[str] = []
        for name in self.fields:
            match = _SCENE_FIELD.fullmatch(name)
            if match is None:
                parts.append(_KINDS.get(name, name))
            elif match.group(2) == "clip":
                clips.append(int(match.group(1)) + 1)
            else:
                images.append(int(match.group(1)) + 1)
        if clips:
            parts.insert(0, _numbered("clip of scene", "clips of scenes", clips))
        if images:
            parts.insert(0, _numbered("scene", "scenes", images))
        return ", ".join(parts) or "image bin"


@dataclass(frozen=True)
class Replacement:
    """How one missing reference changes: `old` becomes `new`; `asset` is a store image
    joining the bin (None for plain paths)."""

    item: MissingMedia
    new: str
    source: Path  # the file that replaces it
    asset: tuple[str, AssetEntry] | None = None
    exact: bool = False  # the same content as the missing file (by hash) or not known

    @property
    def old(self) -> str:
        return self.item.reference


@dataclass
class SearchResult:
    replacements: list[Replacement] = field(default_factory=list)
    not_found: list[MissingMedia] = field(default_factory=list)
    failed: list[tuple[MissingMedia, Path, str]] = field(default_factory=list)  # plain reason
    searched_files: int = 0


# --- finding ----------------------------------------------------------------------------


def find_missing(project: Project) -> list[MissingMedia]:
    """Every reference whose file is missing, in document order, one entry per file.
    Cheap: one exists() per path and one listing per asset-store subfolder."""
    document = project.document
    store = _StoreListing(project.store.root)
    scene_ids = [scene.id for scene in document.storyboard.scenes]
    found: dict[str, MissingMedia] = {}
    for field_path, value in referenced_paths(document.storyboard):
        if value in found:
            found[value] = _add_use(found[value], field_path, scene_ids)
            continue
        item = _missing(project, document, store, field_path, value)
        if item is not None:
            found[value] = _add_use(item, field_path, scene_ids)
    used = {value for _field, value in referenced_paths(document.storyboard)}
    for asset_id in document.assets:
        reference = ASSET_PREFIX + asset_id
        if reference not in used and not store.contains(asset_id):
            found[reference] = _asset_item(project, document, asset_id, "bin image")
    return list(found.values())


def _missing(
    project: Project,
    document: ProjectDocument,
    store: _StoreListing,
    field_path: str,
    value: str,
) -> MissingMedia | None:
    kind = _kind(field_path)
    if is_asset_reference(value):
        asset_id = value.removeprefix(ASSET_PREFIX)
        return None if store.contains(asset_id) else _asset_item(project, document, asset_id, kind)
    path = _resolve(project, value)
    if os.path.exists(path):
        return None
    return MissingMedia(reference=value, kind=kind, expected=path, name=path.name)


def _asset_item(
    project: Project, document: ProjectDocument, asset_id: str, kind: str
) -> MissingMedia:
    entry = document.assets.get(asset_id)
    suffix = entry.suffix if entry is not None else ""
    name = entry.original_name if entry is not None else f"{asset_id[:12]}{suffix}"
    expected = project.store.root / asset_id[:2] / f"{asset_id}{suffix}"
    return MissingMedia(
        reference=ASSET_PREFIX + asset_id,
        kind=kind,
        expected=expected,
        name=name,
        asset_id=asset_id,
    )


def _add_use(item: MissingMedia, field_path: str, scene_ids: Sequence[str]) -> MissingMedia:
    match = _SCENE_FIELD.fullmatch(field_path)
    ids, numbers = item.scene_ids, item.scene_numbers
    if match is not None:
        index = int(match.group(1))
        ids, numbers = (*ids, scene_ids[index]), (*numbers, index + 1)
    return MissingMedia(
        reference=item.reference,
        kind=item.kind,
        expected=item.expected,
        name=item.name,
        asset_id=item.asset_id,
        fields=(*item.fields, field_path),
        scene_ids=ids,
        scene_numbers=numbers,
    )


def _kind(field_path: str) -> str:
    match = _SCENE_FIELD.fullmatch(field_path)
    if match is not None:
        return match.group(2)
    return _KINDS.get(field_path, field_path)


def _resolve(project: Project, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else project.folder / path


class _StoreListing:
    """The asset store's files, one directory listing per subfolder (as AssetStore finds
    them: <id[:2]>/<id> or <id>.<suffix>)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._names: dict[str, frozenset[str]] = {}

    def contains(self, asset_id: str) -> bool:
        if not _ASSET_ID.fullmatch(asset_id):
            return False
        prefix = asset_id[:2]
        if prefix not in self._names:
            try:
                self._names[prefix] = frozenset(os.listdir(self._root / prefix))
            except OSError:
                self._names[prefix] = frozenset()
        return any(
            name == asset_id or name.startswith(f"{asset_id}.") for name in self._names[prefix]
        )


# --- replacing ----------------------------------------------------------------------------


def prepare_replacement(project: Project, item: MissingMedia, file: Path) -> Replacement:
    """What replaces `item` with `file` (file work: an image is checked and a store image
    is copied into the store). Raises VideoStudioError with a plain message if `file`
    cannot serve."""
    file = Path(os.path.abspath(Path(file).expanduser()))
    if not file.is_file():
        raise VideoStudioError(
            VideoStudioErrorType.INVALID_INPUT,
            f"'{file}' is not a file. Choose the file that replaces '{item.name}'.",
            details={"path": str(file)},
        )
    if item.asset_id is not None:
        stored = project.store.add(file)  # checks the image, copies it by content
        entry = AssetEntry(
            original_name=stored.original_name,
            width=stored.width,
            height=stored.height,
            suffix=stored.path.suffix,
        )
        return Replacement(
            item=item,
            new=ASSET_PREFIX + stored.asset_id,
            source=file,
            asset=(stored.asset_id, entry),
            exact=stored.asset_id == item.asset_id,
        )
    if item.is_image:
        probe_image(file)  # a plain message if it is not an image the renderer can use
    return Replacement(item=item, new=project.portable_path(file), source=file)


def relink_edit(project: Project, replacements: Sequence[Replacement]) -> Edit:
    """One undoable step that points every missing reference at its replacement; store
    images that no scene uses any more leave the bin, new ones join it."""
    if not replacements:
        raise ConfigError([ConfigIssue("", "", "nothing to relink")])
    mapping = {r.old: r.new for r in replacements}
    joining = dict(r.asset for r in replacements if r.asset is not None)
    leaving = {
        r.item.asset_id for r in replacements if r.item.asset_id is not None and r.new != r.old
    }

    def change(document: ProjectDocument) -> None:
        document.storyboard = map_paths(
            document.storyboard, lambda _field, value: mapping.get(value, value)
        )
        used = {value for _f, value in referenced_paths(document.storyboard)}
        assets = {
            asset_id: entry
            for asset_id, entry in document.assets.items()
            if asset_id not in leaving or ASSET_PREFIX + asset_id in used
        }
        document.assets = {**assets, **joining}
        jobs = dict(document.remote_jobs)
        for scene_id, job in jobs.items():
            if job.request is not None and job.request.image in mapping:
                request = job.request.model_copy(update={"image": mapping[job.request.image]})
                jobs[scene_id] = job.model_copy(update={"request": request})
        document.remote_jobs = jobs

    if len(replacements) == 1:
        label = f"Relink {replacements[0].item.name}"
    else:
        label = f"Relink {len(replacements)} files"
    return make_edit(project, label, change)


def relink_file(project: Project, item: MissingMedia, file: Path) -> Edit:
    """`item` replaced by `file`, as one edit (file work included: see the module doc)."""
    return relink_edit(project, [prepare_replacement(project, item, file)])


# --- searching a folder -------------------------------------------------------------------


def search_folder(
    project: Project,
    items: Iterable[MissingMedia],
    folder: Path,
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> SearchResult:
    """Look in `folder` (and its subfolders, hidden ones skipped) for the missing files:
    store images by content (SHA-256, any file name), falling back to the file name; other
    files by name, preferring the one whose folders match the old path best. The found
    files are prepared as replacements (store images copied into the store)."""
    wanted = list(items)
    files = _files_in(Path(folder).expanduser(), cancel)
    chosen = _Matcher(files, cancel, progress).match(wanted)
    result = SearchResult(searched_files=len(files))
    for item in wanted:
        if item.reference not in chosen:
            result.not_found.append(item)
            continue
        path, exact = chosen[item.reference]
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            replacement = prepare_replacement(project, item, path)
        except VideoStudioError as error:
            result.failed.append((item, path, error.message))
            continue
        if exact and not replacement.exact:
            replacement = dataclasses.replace(replacement, exact=True)
        result.replacements.append(replacement)
    return result


class _Matcher:
    """Finds the missing files among `files`; hashes each image at most once."""

    def __init__(
        self, files: list[Path], cancel: CancelToken | None, progress: ProgressCallback | None
    ) -> None:
        self._cancel = cancel
        self._by_name: dict[str, list[Path]] = {}
        for path in files:
            self._by_name.setdefault(path.name.casefold(), []).append(path)
        self._images = [path for path in files if path.suffix.lower() in SUPPORTED_SUFFIXES]
        self._hashes: dict[Path, str] = {}
        self._meter = ProgressMeter(total=max(1, len(self._images)), callback=progress)

    def match(self, wanted: Sequence[MissingMedia]) -> dict[str, tuple[Path, bool]]:
        """reference -> (the file, whether it has the very content)."""
        chosen: dict[str, tuple[Path, bool]] = {}
        assets = [item for item in wanted if item.asset_id is not None]
        for item in assets:  # the same name first: usually the very file
            for path in self._by_name.get(item.name.casefold(), []):
                if self._digest(path) == item.asset_id:
                    chosen[item.reference] = (path, True)
                    break
        left = {item.asset_id: item for item in assets if item.reference not in chosen}
        for path in self._images if left else []:
            found = left.pop(self._digest(path) or "", None)
            if found is not None:
                chosen[found.reference] = (path, True)
            if not left:
                break
        for item in wanted:
            candidates = self._by_name.get(item.name.casefold(), [])
            if item.reference not in chosen and candidates:
                chosen[item.reference] = (_best_match(item, candidates), False)
        self._meter.update(self._meter.total, "Search finished", force=True)
        return chosen

    def _digest(self, path: Path) -> str | None:
        if path not in self._hashes:
            if self._cancel is not None:
                self._cancel.raise_if_cancelled()
            try:
                self._hashes[path] = content_hash(path)
            except VideoStudioError:
                self._hashes[path] = ""  # unreadable: it cannot be the one
            count = len(self._hashes)
            self._meter.update(count, f"Comparing {count} of {len(self._images)} images")
        return self._hashes[path] or None


def _files_in(folder: Path, cancel: CancelToken | None) -> list[Path]:
    if not folder.is_dir():
        raise VideoStudioError(
            VideoStudioErrorType.INVALID_INPUT,
            f"'{folder}' is not a folder. Choose the folder to search.",
            details={"path": str(folder)},
        )
    found: list[Path] = []
    for directory, names, file_names in os.walk(folder):
        if cancel is not None:
            cancel.raise_if_cancelled()
        names[:] = sorted(name for name in names if not name.startswith("."))
        found.extend(
            Path(directory) / name for name in sorted(file_names) if not name.startswith(".")
        )
    return found


def _best_match(item: MissingMedia, candidates: Sequence[Path]) -> Path:
    """The candidate whose trailing folders agree most with the old path; then the
    shallowest; then by name."""
    old = [part.casefold() for part in Path(item.reference).parts]

    def score(path: Path) -> tuple[int, int, str]:
        parts = [part.casefold() for part in path.parts]
        same = 0
        for mine, theirs in zip(reversed(old), reversed(parts), strict=False):
            if mine != theirs:
                break
            same += 1
        return (-same, len(parts), str(path))

    return min(candidates, key=score)


def _numbered(one: str, many: str, numbers: Sequence[int]) -> str:
    unique = sorted(set(numbers))
    return f"{one if len(unique) == 1 else many} {', '.join(str(n) for n in unique)}"
