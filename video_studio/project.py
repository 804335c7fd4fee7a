"""A project: a folder `Name.vsproj/` holding

project.json        the document (project_document.ProjectDocument), written atomically
project.json.bak    the previous version, kept by each save
assets/             the asset store: imported images keyed by content hash
clips/              generated clips
cache/              thumbnails and proxies; may be deleted at any time
.recovery/          autosave copies (autosave.py); removed by a clean save
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from video_studio.assets import AssetStore
from video_studio.atomic_io import atomic_write_bytes, atomic_write_text
from video_studio.autosave import RecoveryCopy, discard_recovery, recovery_candidates
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.document_issues import cross_scene_issues
from video_studio.models import Scene
from video_studio.project_document import (
    AssetEntry,
    DraftStoryboard,
    ProjectDocument,
    RemoteJob,
    document_text,
    read_document,
    utc_now,
)
from video_studio.project_migrations import CURRENT_SCHEMA_VERSION, NewerFormatError
from video_studio.script import check_script_files
from video_studio.storyboard import Storyboard
from video_studio.storyboard_paths import ASSET_PREFIX, is_asset_reference, map_paths

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "PROJECT_FILE",
    "PROJECT_SUFFIX",
    "Project",
    "ProjectOpenError",
    "RecoveryCopy",
]

PROJECT_SUFFIX = ".vsproj"
PROJECT_FILE = "project.json"
BACKUP_FILE = "project.json.bak"
_FOLDERS = ("assets", "clips", "cache")


class ProjectOpenError(ConfigError):
    """A project that cannot be opened. `backup` is the project.json.bak to offer, if any."""

    def __init__(self, issues: Sequence[ConfigIssue], backup: Path | None = None) -> None:
        super().__init__(issues)
        self.backup = backup


class Project:
    """An open project. Edit through the methods (they set `dirty`), or change `document`
    directly and call `mark_dirty()`."""

    def __init__(self, folder: Path, document: ProjectDocument, *, dirty: bool = False) -> None:
        self.folder = Path(os.path.abspath(folder))
        self.document = document
        self._dirty = dirty
        self.store = AssetStore(self.folder / "assets")

    # --- files --------------------------------------------------------------------------

    @property
    def json_path(self) -> Path:
        return self.folder / PROJECT_FILE

    @property
    def clips_dir(self) -> Path:
        return self.folder / "clips"

    @property
    def cache_dir(self) -> Path:
        return self.folder / "cache"

    @property
    def dirty(self) -> bool:
        return self._dirty

    def mark_dirty(self) -> None:
        self._dirty = True

    # --- creating, opening, saving ------------------------------------------------------

    @classmethod
    def create(cls, folder: Path, name: str) -> Project:
        """A new, saved project in `folder`, which must be new or empty."""
        if (folder / PROJECT_FILE).exists():
            reason = "a project already exists here: open it instead"
            raise ConfigError([ConfigIssue(str(folder), "", reason)])
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            reason = "is not empty and is not a Video Studio project: choose a new or empty folder"
            raise ConfigError([ConfigIssue(str(folder), "", reason)])
        try:
            document = ProjectDocument(name=name, storyboard=DraftStoryboard(name=name))
        except ValueError as error:
            raise ConfigError([ConfigIssue(str(folder), "name", "must not be empty")]) from error
        for sub in _FOLDERS:
            (folder / sub).mkdir(parents=True, exist_ok=True)
        project = cls(folder, document, dirty=True)
        project.save()
        return project

    @classmethod
    def open(cls, folder_or_json: Path) -> Project:
        """Open a project folder (or its project.json). Older formats are upgraded in
        memory (the project is then dirty); the files are not touched."""
        folder = _project_folder(folder_or_json)
        path, backup = folder / PROJECT_FILE, folder / BACKUP_FILE
        offer = backup if backup.is_file() else None
        if not folder.is_dir():
            raise ProjectOpenError([ConfigIssue(str(folder), "", "no such project folder")])
        if not path.is_file():
            reason = "project.json is missing, so this is not a Video Studio project"
            raise ProjectOpenError([ConfigIssue(str(path), "", reason), *_offer(offer)], offer)
        try:
            document, version = read_document(path)
        except NewerFormatError as error:
            raise ProjectOpenError(error.issues) from None
        except ConfigError as error:
            raise ProjectOpenError([*error.issues, *_offer(offer)], offer) from None
        return cls(folder, document, dirty=version != CURRENT_SCHEMA_VERSION)

    @classmethod
    def open_backup(cls, folder: Path) -> Project:
        """The project as its previous save left it (project.json.bak). It is dirty: saving
        it makes it project.json again."""
        folder = _project_folder(folder)
        path = folder / BACKUP_FILE
        if not path.is_file():
            raise ProjectOpenError([ConfigIssue(str(path), "", "there is no backup")])
        document, _version = read_document(path)
        return cls(folder, document, dirty=True)

    def save(self) -> None:
        """Write project.json atomically, keeping the previous one as project.json.bak, then
        drop the recovery copies. On failure the previous project.json is intact."""
        self.document.modified = utc_now()
        text = document_text(self.document)
        self._keep_backup()
        atomic_write_text(self.json_path, text)
        self._dirty = False
        discard_recovery(self.folder)

    def _keep_backup(self) -> None:
        try:
            previous = self.json_path.read_bytes()
        except FileNotFoundError:
            return
        try:
            json.loads(previous)
        except ValueError:
            return  # a damaged file must not replace a good backup
        atomic_write_bytes(self.folder / BACKUP_FILE, previous)

    # --- recovery -------------------------------------------------------------------------

    @staticmethod
    def recovery_candidates(folder: Path) -> list[RecoveryCopy]:
        """Autosave copies newer than project.json, newest first: unsaved work to offer."""
        folder = _project_folder(folder)
        return recovery_candidates(folder, folder / PROJECT_FILE)

    @classmethod
    def restore(cls, folder: Path, copy: RecoveryCopy) -> Project:
        """The project as the recovery copy has it; dirty until saved."""
        document, _version = read_document(copy.path)
        return cls(_project_folder(folder), document, dirty=True)

    @staticmethod
    def discard_recovery(folder: Path) -> None:
        discard_recovery(_project_folder(folder))

    # --- editing ----------------------------------------------------------------------------

    def import_image(self, path: Path) -> str:
        """Copy an image into the asset store (refused if it is not a usable image) and
        return its reference, `asset:<sha256>`."""
        stored = self.store.add(path)
        entry = AssetEntry(
            original_name=stored.original_name,
            width=stored.width,
            height=stored.height,
            suffix=stored.path.suffix,
        )
        if self.document.assets.get(stored.asset_id) != entry:
            self.document.assets = {**self.document.assets, stored.asset_id: entry}
            self._dirty = True
        return ASSET_PREFIX + stored.asset_id

    def add_scene(self, scene: Scene) -> None:
        self.document.storyboard.scenes = [*self.document.storyboard.scenes, scene]
        self._dirty = True

    def set_storyboard(self, storyboard: Storyboard) -> None:
        """Replace the storyboard. Files in the asset store become asset references and
        files inside the project folder relative paths, so the project can be moved."""
        local = map_paths(storyboard, lambda _field, value: self._local_path(storyboard, value))
        self.document.storyboard = DraftStoryboard.model_validate(local.model_dump())
        self._dirty = True

    def record_remote_job(self, scene_id: str, model: str, job_id: str) -> None:
        """Remember a submitted cloud job so that polling can resume after a restart."""
        self.keep_remote_job(
            scene_id, RemoteJob(model=model, job_id=job_id, submitted_at=utc_now())
        )

    def keep_remote_job(self, scene_id: str, job: RemoteJob) -> None:
        self.document.remote_jobs = {**self.document.remote_jobs, scene_id: job}
        self._dirty = True

    def finish_remote_job(self, scene_id: str) -> None:
        if scene_id in self.document.remote_jobs:
            jobs = dict(self.document.remote_jobs)
            del jobs[scene_id]
            self.document.remote_jobs = jobs
            self._dirty = True

    def resolved_path(self, value: str) -> Path:
        """The file a portable path names (the inverse of portable_path)."""
        if is_asset_reference(value):
            return self.store.path_for(value.removeprefix(ASSET_PREFIX))
        path = Path(value)
        return path if path.is_absolute() else self.folder / path

    # --- rendering ------------------------------------------------------------------------------

    def storyboard(self) -> Storyboard:
        """The storyboard for the renderer: asset references become absolute paths in the
        store, and other relative paths resolve against the project folder."""
        source = str(self.json_path)
        draft = self.document.storyboard
        if not draft.scenes:
            reason = "the project has no scenes yet: add images to the timeline"
            raise ConfigError([ConfigIssue(source, "storyboard.scenes", reason)])
        missing: list[ConfigIssue] = []

        def resolve(field: str, value: str) -> str:
            if not is_asset_reference(value):
                return value
            asset_id = value.removeprefix(ASSET_PREFIX)
            if not self.store.contains(asset_id):
                reason = f"{value} is not in the project's asset store: import the image again"
                missing.append(ConfigIssue(source, f"storyboard.{field}", reason))
                return value
            return str(self.store.path_for(asset_id))

        resolved = map_paths(draft, resolve)
        if missing:
            raise ConfigError(missing)
        storyboard = Storyboard.model_validate(resolved.model_dump())
        return storyboard.with_base_dir(self.folder)

    def check(self) -> list[ConfigIssue]:
        """Everything that would stop a render: no scenes, missing assets or files, and the
        rules across scenes."""
        source = str(self.json_path)
        try:
            storyboard = self.storyboard()
        except ConfigError as error:
            return list(error.issues)
        issues = cross_scene_issues(storyboard, source, prefix=("storyboard",))
        for issue in check_script_files(storyboard, source=source):
            issues.append(ConfigIssue(source, f"storyboard.{issue.field}", issue.reason))
        return issues

    def _local_path(self, storyboard: Storyboard, value: str) -> str:
        if is_asset_reference(value):
            return value
        return self.portable_path(Path(storyboard.resolve_path(value)))

    def portable_path(self, path: Path) -> str:
        """How the project file names `path`: an asset reference for a file in the store, a
        relative path inside the project folder, else the absolute path."""
        absolute = Path(os.path.abspath(path))
        # The store names its files <asset id><suffix>.
        asset_id = absolute.name.split(".", 1)[0]
        if self.store.contains(asset_id) and self.store.path_for(asset_id) == absolute:
            return ASSET_PREFIX + asset_id
        if absolute.is_relative_to(self.folder):
            return absolute.relative_to(self.folder).as_posix()
        return str(absolute)  # a file outside the project: it cannot be made relative


def _project_folder(folder_or_json: Path) -> Path:
    path = Path(os.path.abspath(folder_or_json))
    return path.parent if path.name in (PROJECT_FILE, BACKUP_FILE) else path


def _offer(backup: Path | None) -> list[ConfigIssue]:
    if backup is None:
        return []
    reason = "a backup of the previous save exists: open it instead"
    return [ConfigIssue(str(backup), "", reason)]
