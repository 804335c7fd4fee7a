"""The project document (project.json): its model, and reading it from a file through the
migrations with errors that name the file and the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.data_files import parse_mapping
from video_studio.document_issues import validation_issues
from video_studio.media_formats import AspectRatio
from video_studio.models import Scene
from video_studio.project_migrations import CURRENT_SCHEMA_VERSION, migrate
from video_studio.storyboard import Storyboard

AssetId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DraftStoryboard(Storyboard):
    """The storyboard while it is being edited: a new project has no scenes yet."""

    scenes: list[Scene] = Field(default_factory=list)


class AssetEntry(_Model):
    """What the project knows of an image in its store without opening the file."""

    original_name: str = Field(min_length=1)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    suffix: str = Field(pattern=r"^\.[A-Za-z0-9]+$")


class SavedRequest(_Model):
    """What a resumed cloud job needs of its request. `image`: `asset:<sha256>`, a path
    relative to the project folder, or an absolute one."""

    image: str = Field(min_length=1)
    prompt: str = ""
    duration: float = Field(default=5.0, gt=0)
    aspect_ratio: AspectRatio = AspectRatio.LANDSCAPE
    resolution: str = "720p"
    fps: int = Field(default=30, gt=0)
    seed: int | None = None


class RemoteJob(_Model):
    """A paid cloud generation in flight: enough to resume polling it after a restart."""

    model: str = Field(min_length=1)
    job_id: str = Field(min_length=1)
    submitted_at: AwareDatetime
    status_url: str | None = None  # fal gives these; Luma and Runway derive them from the id
    result_url: str | None = None
    cancel_url: str | None = None
    request: SavedRequest | None = None  # None: recorded by hand, cannot be resumed


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProjectDocument(_Model):
    """project.json. Scenes name stored images `asset:<sha256>`; other paths are relative
    to the project folder. UI state is not kept here (it lives under platformdirs)."""

    schema_version: Literal[1] = 1  # CURRENT_SCHEMA_VERSION; a new one needs a migration
    name: str = Field(min_length=1)
    created: AwareDatetime = Field(default_factory=utc_now)
    modified: AwareDatetime = Field(default_factory=utc_now)
    storyboard: DraftStoryboard = Field(default_factory=DraftStoryboard)
    assets: dict[AssetId, AssetEntry] = Field(default_factory=dict)
    remote_jobs: dict[str, RemoteJob] = Field(default_factory=dict)

    @field_validator("created", "modified")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


def document_text(document: ProjectDocument) -> str:
    data = document.model_dump(mode="json", exclude_none=True)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def parse_document(text: str, source: str) -> tuple[ProjectDocument, int]:
    """(the document, the schema version the text had). Older versions are migrated;
    errors name `source` and the field (in the upgraded layout, which the source says)."""
    data = parse_mapping(text, "json", source)
    upgraded, version = migrate(data, source)
    where = source if version == CURRENT_SCHEMA_VERSION else f"{source} (format {version})"
    try:
        return ProjectDocument.model_validate(upgraded), version
    except ValidationError as error:
        raise ConfigError(validation_issues(error, where, upgraded)) from None


def read_document(path: Path) -> tuple[ProjectDocument, int]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError([ConfigIssue(str(path), "", "the file is not UTF-8 text")]) from None
    return parse_document(text, str(path))


def document_modified(path: Path) -> datetime | None:
    """The `modified` time a document file records, or None when it cannot be read."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        stamp = datetime.fromisoformat(data["modified"])
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return stamp.astimezone(UTC) if stamp.tzinfo else None
