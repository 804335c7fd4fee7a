"""The scene script, version 1 (design.md "Stable interfaces"), in JSON or YAML, both ways.

A script is either the storyboard itself (`scenes`, ...) or the seed's VideoConfig form
(`input_images`, `duration`, `style`, ...) which a template lays out as scenes. Relative
paths resolve against the script's folder. Errors are ConfigErrors naming the file and the
exact field, every problem of the file at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from video_studio.atomic_io import atomic_write_text
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.data_files import DataFormat, data_format, dump_mapping, read_mapping
from video_studio.document_issues import (
    cross_scene_issues,
    partial_cross_scene_issues,
    validation_issues,
)
from video_studio.models import VideoConfig
from video_studio.storyboard import SCRIPT_VERSION, Storyboard
from video_studio.storyboard_paths import (
    PathChange,
    is_asset_reference,
    map_paths,
    referenced_paths,
)
from video_studio.templates import Template, get_template, template_for_style

__all__ = [
    "check_script_files",
    "dump_script",
    "load_script",
    "parse_script",
    "save_script",
]


def load_script(path: Path) -> Storyboard:
    """Read a .json/.yaml/.yml script; its relative paths resolve against its folder."""
    data = read_mapping(path)
    return parse_script(data, source=str(path), base_dir=path.resolve().parent)


def parse_script(data: Mapping[str, Any], *, source: str, base_dir: Path) -> Storyboard:
    """The storyboard a script's data describes, or a ConfigError listing every problem."""
    if not isinstance(data, Mapping):
        raise ConfigError([ConfigIssue(source, "", "the top level must be a mapping")])
    body = dict(data)
    issues = _version_issues(body, source)
    if "input_images" in body:
        storyboard, found = _from_video_config(body, source)
    else:
        storyboard, found = _from_storyboard(body, source)
    issues += found
    if issues or storyboard is None:
        raise ConfigError(issues)
    return storyboard.with_base_dir(base_dir)


def dump_script(storyboard: Storyboard, fmt: DataFormat = "json") -> str:
    """The script text of a storyboard; paths are written exactly as the storyboard has them."""
    return dump_mapping(storyboard.model_dump(mode="json", exclude_none=True), fmt)


def save_script(storyboard: Storyboard, path: Path) -> None:
    """Write atomically as JSON or YAML (by the suffix). Relative paths stay relative,
    rewritten against the script's folder when it differs from the storyboard's base_dir."""
    fmt = data_format(path)
    target = Path(os.path.abspath(path)).parent
    base = Path(os.path.abspath(storyboard.base_dir))
    rebased = storyboard if base == target else map_paths(storyboard, _rebase(base, target))
    atomic_write_text(path, dump_script(rebased, fmt))


def check_script_files(storyboard: Storyboard, *, source: str = "") -> list[ConfigIssue]:
    """One issue for each referenced file (scene images and clips, music, watermark, card
    logos) that does not exist or is not a file."""
    issues: list[ConfigIssue] = []
    for field, value in referenced_paths(storyboard):
        if is_asset_reference(value):
            reason = f"{value} is an image of a project's asset store: give a file path"
            issues.append(ConfigIssue(source, field, reason))
            continue
        resolved = Path(os.path.abspath(storyboard.resolve_path(value)))
        if resolved.is_dir():
            issues.append(ConfigIssue(source, field, f"{value} is a folder, not a file"))
        elif not resolved.is_file():
            reason = f"file not found: {value} (looked in {resolved.parent})"
            issues.append(ConfigIssue(source, field, reason))
    return issues


# --- parsing ------------------------------------------------------------------------------


def _version_issues(body: dict[str, Any], source: str) -> list[ConfigIssue]:
    """Removes `version` from `body`. A newer version stops everything: the rest of the file
    is in a format this app does not know."""
    if "version" not in body:
        return []
    version = body.pop("version")
    if type(version) is int and version == SCRIPT_VERSION:
        return []
    if type(version) is int and version > SCRIPT_VERSION:
        reason = (
            f"this script is version {version}; this Video Studio reads version "
            f"{SCRIPT_VERSION} — update the app"
        )
        raise ConfigError([ConfigIssue(source, "version", reason)])
    return [ConfigIssue(source, "version", f"must be {SCRIPT_VERSION}, got {version!r}")]


def _from_storyboard(
    body: dict[str, Any], source: str
) -> tuple[Storyboard | None, list[ConfigIssue]]:
    issues = _template_issues(body.get("template_id", "amazon_minimal"), source)
    try:
        storyboard = Storyboard.model_validate(body)
    except ValidationError as error:
        issues += validation_issues(error, source, body)
        issues += partial_cross_scene_issues(body.get("scenes"), source)
        return None, issues
    return storyboard, issues + cross_scene_issues(storyboard, source)


def _from_video_config(
    body: dict[str, Any], source: str
) -> tuple[Storyboard | None, list[ConfigIssue]]:
    issues: list[ConfigIssue] = []
    name = body.pop("name", "")
    if not isinstance(name, str):
        issues.append(ConfigIssue(source, "name", "must be text"))
        name = ""
    template = _choose_template(body, source, issues)
    try:
        video_config = VideoConfig.model_validate(body)
    except ValidationError as error:
        return None, issues + validation_issues(error, source, body)
    if template is None:
        return None, issues
    try:
        storyboard = template.layout(video_config, name=name)
    except ConfigError as error:
        return None, issues + [_with_source(issue, source) for issue in error.issues]
    return storyboard, issues + cross_scene_issues(storyboard, source)


def _choose_template(
    body: dict[str, Any], source: str, issues: list[ConfigIssue]
) -> Template | None:
    """By template_id; without one, by style; an unknown style gets the default template."""
    if "template_id" in body:
        template_id = body["template_id"]
        found = _template_issues(template_id, source)
        issues += found
        return None if found or not isinstance(template_id, str) else get_template(template_id)
    style = body.get("style")
    chosen = template_for_style(style) if isinstance(style, str) else None
    if chosen is not None:
        body["template_id"] = chosen.id
        return chosen
    default_id = VideoConfig.model_fields["template_id"].default
    return get_template(str(default_id))


def _template_issues(template_id: Any, source: str) -> list[ConfigIssue]:
    if not isinstance(template_id, str) or not template_id:
        return []  # the model's validation reports the wrong type or an empty id
    try:
        get_template(template_id)
    except ConfigError as error:
        return [_with_source(issue, source) for issue in error.issues]
    return []


def _with_source(issue: ConfigIssue, source: str) -> ConfigIssue:
    return issue if issue.source else ConfigIssue(source, issue.field, issue.reason)


def _rebase(base: Path, target: Path) -> PathChange:
    def change(_field: str, value: str) -> str:
        if is_asset_reference(value) or Path(value).expanduser().is_absolute():
            return value
        try:
            return Path(os.path.relpath(base / value, target)).as_posix()
        except ValueError:  # another drive on Windows: no relative path exists
            return str(base / value)

    return change
