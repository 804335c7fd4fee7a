"""Upgrading project.json from older schema versions, one step at a time.

`MIGRATIONS[n]` turns a version-n document (a plain dict) into a version n+1 one. Opening a
file applies the steps in order; the file on disk is only rewritten by the next save (which
keeps the old one as project.json.bak).

Version 0 is the pre-release layout: no `schema_version` (or 0), the output settings at the
top level and the scenes in `timeline`, each naming its image with `img`:

    {"name": "Launch", "created": "...", "modified": "...", "template_id": "amazon_minimal",
     "aspect_ratio": "16:9", "quality": "1080p", "fps": 30, "audio": {...},
     "timeline": [{"img": "asset:<sha256>", "duration": 4.0, "motion": {...}}, ...],
     "assets": {"<sha256>": {...}}}
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from video_studio.config_errors import ConfigError, ConfigIssue

CURRENT_SCHEMA_VERSION = 1

Migration = Callable[[dict[str, Any]], dict[str, Any]]

# Storyboard settings that v0 kept beside the timeline.
_V0_STORYBOARD_KEYS: tuple[str, ...] = (
    "template_id",
    "aspect_ratio",
    "quality",
    "fps",
    "audio",
    "watermark",
    "intro",
    "outro",
)


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    storyboard: dict[str, Any] = {}
    if "name" in data:
        storyboard["name"] = data["name"]
    for key in _V0_STORYBOARD_KEYS:
        if key in data:
            storyboard[key] = data.pop(key)
    timeline = data.pop("timeline", [])
    storyboard["scenes"] = (
        [_v0_scene(item) for item in timeline] if isinstance(timeline, list) else timeline
    )
    data["storyboard"] = storyboard
    # v0 files from before the timestamps existed: the upgrade is the earliest date known.
    now = datetime.now(UTC).isoformat()
    data.setdefault("created", now)
    data.setdefault("modified", now)
    data.setdefault("assets", {})
    data.setdefault("remote_jobs", {})
    data["schema_version"] = 1
    return data


def _v0_scene(item: Any) -> Any:
    if isinstance(item, dict) and "img" in item and "image" not in item:
        item = dict(item)
        item["image"] = item.pop("img")
    return item


MIGRATIONS: dict[int, Migration] = {0: _v0_to_v1}


class NewerFormatError(ConfigError):
    """The document comes from a newer app: only updating helps (not its older backup,
    whose save would overwrite the newer work)."""


def schema_version_of(data: dict[str, Any], source: str) -> int:
    """The document's schema version; pre-release files have none (version 0)."""
    version = data.get("schema_version", 0)
    if type(version) is not int or version < 0:
        reason = f"must be a whole number from 0 to {CURRENT_SCHEMA_VERSION}, got {version!r}"
        raise ConfigError([ConfigIssue(source, "schema_version", reason)])
    return version


def migrate(
    data: dict[str, Any],
    source: str,
    *,
    current: int = CURRENT_SCHEMA_VERSION,
    migrations: dict[int, Migration] | None = None,
) -> tuple[dict[str, Any], int]:
    """(the document upgraded to `current`, the version it had). `data` is not modified.
    A document newer than `current` is refused: this app cannot know its layout."""
    steps = MIGRATIONS if migrations is None else migrations
    original = version = schema_version_of(data, source)
    if version > current:
        reason = (
            f"this project was saved by a newer Video Studio (project format {version}); "
            f"this one reads formats up to {current} — update the app to open it"
        )
        raise NewerFormatError([ConfigIssue(source, "schema_version", reason)])
    upgraded = copy.deepcopy(data)
    while version < current:
        step = steps.get(version)
        if step is None:
            reason = f"project format {version} cannot be upgraded: no migration from it"
            raise ConfigError([ConfigIssue(source, "schema_version", reason)])
        upgraded = step(upgraded)
        if upgraded.get("schema_version") != version + 1:
            raise RuntimeError(f"the migration from format {version} did not reach {version + 1}")
        version += 1
    return upgraded, original
