"""Validation errors of documents (scene scripts, projects) as ConfigIssues whose field path
points at the exact value in the file, including the rules across scenes."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from video_studio.config_errors import ConfigIssue, field_path, issues_from_validation_error
from video_studio.models import Scene
from video_studio.storyboard import Storyboard

Location = tuple[str | int, ...]
_MISSING = object()

# A model validator's message may start with the field it is about, e.g. Scene's
# "transition.duration (0.5 s) must be less than the scene (5 s)": point at that field.
_FIELD_FIRST = re.compile(r"^(?P<field>[a-z_]+(?:\.[a-z_]+)+) \((?P<value>[^)]*)\) (?P<rest>.+)$")
_KEN_BURNS = "ken_burns needs both start and end rectangles"
_SCENE_PATH = re.compile(r"^scenes\[(?P<index>\d+)\]")
# pydantic's wording for these reads oddly to someone editing a file by hand.
_PLAIN_REASONS = {
    "extra_forbidden": "unknown field: remove it or check its spelling",
    "missing": "required field is missing",
}


def _lookup(data: Any, location: Sequence[str | int]) -> Any:
    """The value at `location` in nested mappings and lists, or `_MISSING`."""
    current = data
    for part in location:
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if not (in_list or (isinstance(current, dict) and part in current)):
            return _MISSING
        current = current[part]
    return current


def validation_issues(
    error: ValidationError, source: str, data: Any, *, prefix: Location = ()
) -> list[ConfigIssue]:
    """One issue per pydantic error, its field made exact; `prefix` is where `data` sits
    in the file (e.g. ("storyboard",) in a project)."""
    plain = issues_from_validation_error(error, source)
    details = error.errors(include_url=False, include_input=False)
    issues: list[ConfigIssue] = []
    for issue, detail in zip(plain, details, strict=True):
        location, reason = _exact_field(tuple(detail["loc"]), issue.reason, data)
        reason = _PLAIN_REASONS.get(detail["type"], reason)
        if detail["type"] == "missing" and location and isinstance(location[-1], int):
            # A short tuple such as a rectangle: one issue on the list, not one per item.
            location, reason = location[:-1], "has too few items"
        found = ConfigIssue(source, field_path(prefix + location), reason)
        if found not in issues:
            issues.append(found)
    return issues


def _exact_field(location: Location, reason: str, data: Any) -> tuple[Location, str]:
    if "[key]" in location:  # pydantic's marker for a bad key of a mapping
        without_marker = tuple(part for part in location if part != "[key]")
        return without_marker, f"the key is not valid: {reason}"
    named = _FIELD_FIRST.match(reason)
    if named:
        parts = tuple(named["field"].split("."))
        return location + parts, f"{named['value']} {named['rest']}"
    if reason == _KEN_BURNS:
        motion = _lookup(data, location)
        given = motion if isinstance(motion, dict) else {}
        missing = "start" if given.get("start") is None else "end"
        return (*location, missing), reason
    return location, reason


def cross_scene_issues(
    storyboard: Storyboard, source: str, *, prefix: Location = ()
) -> list[ConfigIssue]:
    """Storyboard.problems() as issues."""
    return [
        ConfigIssue(source, _join(prefix, path), reason) for path, reason in storyboard.problems()
    ]


def partial_cross_scene_issues(
    scenes_data: Any, source: str, *, prefix: Location = ()
) -> list[ConfigIssue]:
    """The rules across scenes for a document that failed validation elsewhere, so that
    every problem is reported at once: each pair of neighbouring valid scenes is checked."""
    if not isinstance(scenes_data, list):
        return []
    scenes: list[Scene | None] = []
    for item in scenes_data:
        try:
            scenes.append(Scene.model_validate(item))
        except ValidationError:
            scenes.append(None)
    issues: list[ConfigIssue] = []
    for index, (scene, following) in enumerate(itertools.pairwise(scenes)):
        if scene is None or following is None:
            continue
        pair = Storyboard.model_construct(scenes=[scene, following])
        for path, reason in pair.problems():
            shifted = _SCENE_PATH.match(path)
            if shifted is None or shifted["index"] != "0":
                continue  # only the pair's own join belongs to this index
            exact = f"scenes[{index}]" + path[shifted.end() :]
            issues.append(ConfigIssue(source, _join(prefix, exact), reason))
    return issues


def _join(prefix: Location, path: str) -> str:
    return f"{field_path(prefix)}.{path}" if prefix else path
