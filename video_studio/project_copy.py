"""Save As: a project folder copied to a new folder, which the app then continues in.

The copy is built in a hidden temporary folder next to the target and renamed into place
only when complete, so a failure (a full disk, a cancel, a crash) leaves the old project
untouched and no half-made project folder at the target. The old project is only read.

What is copied: everything in the project folder except `cache/` (it can be rebuilt),
`.recovery/` (the new project is saved, so the copies mean nothing there), hidden files
(atomic-write leftovers, desktop metadata) and the old project.json and its backup; the
new project.json is the document given (the editor's current one, saved or not). Relative
paths that pointed outside the old folder become absolute, so they still find their files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from video_studio.atomic_io import fsync_directory
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.image_io import file_access_error
from video_studio.jobs import CancelToken, ProgressCallback, ProgressMeter
from video_studio.project import BACKUP_FILE, PROJECT_FILE, Project
from video_studio.project_document import ProjectDocument, RemoteJob
from video_studio.storyboard_paths import (
    ASSET_PREFIX,
    is_asset_reference,
    map_paths,
    referenced_paths,
)

__all__ = [
    "CopyPlan",
    "check_copy_target",
    "copy_late_files",
    "copy_project",
    "plan_copy",
    "rebase_document",
]

_SKIPPED_TOP = frozenset({"cache", PROJECT_FILE, BACKUP_FILE})
_LAYOUT = ("assets", "clips", "cache")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class CopyPlan:
    """The files to copy (relative to the source folder), the folders to create, and the
    folder symlinks to recreate (pointing at their absolute targets)."""

    files: tuple[Path, ...]
    folders: tuple[Path, ...]
    links: tuple[tuple[Path, Path], ...]
    total_bytes: int


def check_copy_target(source: Path, target: Path) -> None:
    """Refuse a target that cannot take the copy: the project itself, a folder inside it,
    an existing file or non-empty folder, or a location whose parent does not exist."""
    source = Path(os.path.abspath(source))
    target = Path(os.path.abspath(target))
    where = str(target)
    if target == source:
        reason = "is the open project itself: choose a new folder"
        raise ConfigError([ConfigIssue(where, "", reason)])
    if target.is_relative_to(source):
        reason = "is inside the project being copied: choose a folder outside it"
        raise ConfigError([ConfigIssue(where, "", reason)])
    if target.exists():
        if not target.is_dir():
            raise ConfigError([ConfigIssue(where, "", "is a file: choose a new folder")])
        if any(target.iterdir()):
            reason = "is not empty: choose a new or empty folder"
            raise ConfigError([ConfigIssue(where, "", reason)])
    if not target.parent.is_dir():
        reason = f"cannot be made: the folder {target.parent} does not exist"
        raise ConfigError([ConfigIssue(where, "", reason)])


def plan_copy(source: Path) -> CopyPlan:
    """What `copy_project` copies from the project folder `source`."""
    source = Path(os.path.abspath(source))
    files: list[Path] = []
    folders: list[Path] = []
    links: list[tuple[Path, Path]] = []
    total = 0
    for directory, names, file_names in os.walk(source):
        here = Path(directory)
        relative_dir = here.relative_to(source)
        kept_names = []
        for name in sorted(names):
            if name.startswith(".") or (relative_dir == Path(".") and name in _SKIPPED_TOP):
                continue
            path = here / name
            if path.is_symlink():
                links.append((relative_dir / name, Path(os.path.realpath(path))))
                continue
            kept_names.append(name)
            folders.append(relative_dir / name)
        names[:] = kept_names
        for name in sorted(file_names):
            if name.startswith(".") or (relative_dir == Path(".") and name in _SKIPPED_TOP):
                continue
            path = here / name
            try:
                total += path.stat().st_size
            except OSError:
                continue  # a dangling link or a file that vanished: nothing to copy
            files.append(relative_dir / name)
    return CopyPlan(tuple(files), tuple(folders), tuple(links), total)


def rebase_document(document: ProjectDocument, source: Path, target: Path) -> ProjectDocument:
    """The document as the project in `target` must name its files: relative paths that
    resolve outside `source` become absolute (those inside move with the folder)."""
    source = Path(os.path.abspath(source))

    def rebase(value: str) -> str:
        if is_asset_reference(value):
            return value
        path = Path(value).expanduser()
        if path.is_absolute():
            return value
        resolved = Path(os.path.normpath(source / path))
        return value if resolved.is_relative_to(source) else str(resolved)

    storyboard = map_paths(document.storyboard, lambda _field, value: rebase(value))
    jobs: dict[str, RemoteJob] = {}
    for scene_id, job in document.remote_jobs.items():
        jobs[scene_id] = job
        if job.request is not None:
            request = job.request.model_copy(update={"image": rebase(job.request.image)})
            jobs[scene_id] = job.model_copy(update={"request": request})
    return document.model_copy(update={"storyboard": storyboard, "remote_jobs": jobs})


def copy_project(
    source: Path,
    document: ProjectDocument,
    target: Path,
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> Project:
    """Copy the project folder `source` to the new folder `target` with `document` as its
    saved project.json, and return the project there. All or nothing: on any failure or a
    cancel the target is left as it was (absent or empty) and the error is raised."""
    source = Path(os.path.abspath(source))
    target = Path(os.path.abspath(target))
    check_copy_target(source, target)
    plan = plan_copy(source)
    _check_space(target.parent, plan.total_bytes)
    meter = ProgressMeter(total=max(1, len(plan.files)), callback=progress)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        for folder in plan.folders:
            (work / folder).mkdir(parents=True, exist_ok=True)
        for link, points_to in plan.links:
            (work / link).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(points_to, work / link, target_is_directory=True)
        for index, relative in enumerate(plan.files):
            if cancel is not None:
                cancel.raise_if_cancelled()
            _copy_file(source / relative, work / relative)
            meter.update(index + 1, f"Copying {index + 1} of {len(plan.files)} files")
        for name in _LAYOUT:
            (work / name).mkdir(exist_ok=True)
        if cancel is not None:
            cancel.raise_if_cancelled()
        staged = Project(work, rebase_document(document, source, target), dirty=True)
        staged.save()
        if target.exists():
            target.rmdir()  # empty (checked); fails, and so stops, if something appeared
        os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    fsync_directory(target.parent)
    meter.update(meter.total, "Copied", force=True)
    return Project(target, staged.document)


def copy_late_files(source: Project, target: Project, document: ProjectDocument) -> list[Path]:
    """Files `document` uses that reached the old project after the copy was planned (an
    image imported or a clip generated meanwhile): copied over now. The copies made."""
    copied: list[Path] = []
    wanted = [value for _field, value in referenced_paths(document.storyboard)]
    wanted += [ASSET_PREFIX + asset_id for asset_id in document.assets]
    for value in dict.fromkeys(wanted):
        if is_asset_reference(value):
            asset_id = value.removeprefix(ASSET_PREFIX)
            if target.store.contains(asset_id) or not source.store.contains(asset_id):
                continue
            old = source.store.path_for(asset_id)
            new = target.store.root / old.relative_to(source.store.root)
        else:
            path = Path(value).expanduser()
            if path.is_absolute():
                continue
            old, new = source.folder / path, target.folder / path
            if new.exists() or not old.is_file() or not old.resolve().is_relative_to(source.folder):
                continue
        new.parent.mkdir(parents=True, exist_ok=True)
        _copy_file(old, new)
        copied.append(new)
    return copied


def _copy_file(source: Path, target: Path) -> None:
    """Copy bytes and times, and fsync, so the renamed folder holds whole files."""
    try:
        reading = source.open("rb")
    except OSError as error:
        raise file_access_error(source, error) from None
    with reading:
        try:
            with target.open("wb") as writing:
                while chunk := reading.read(_CHUNK):
                    writing.write(chunk)
                writing.flush()
                os.fsync(writing.fileno())
        except OSError as error:
            raise file_access_error(target, error, writing=True) from None
    with contextlib.suppress(OSError):
        shutil.copystat(source, target)


def _check_space(folder: Path, needed: int) -> None:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # unknown: the copy itself reports a full disk
    if needed > free:
        raise VideoStudioError(
            VideoStudioErrorType.DISK_FULL,
            f"The project needs {_size(needed)} but {folder} has only {_size(free)} free. "
            "Free disk space or choose another folder.",
            details={"needed": needed, "free": free, "folder": str(folder)},
        )


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value = count / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
