"""JSON and YAML data files (config, scene scripts, video requests): parsing with errors
that name the file, line and column, and atomic writing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml

from video_studio.atomic_io import atomic_write_text
from video_studio.config_errors import ConfigError, ConfigIssue

DataFormat = Literal["json", "yaml"]
_SUFFIXES: dict[str, DataFormat] = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def data_format(path: Path) -> DataFormat:
    """The format a file's suffix names; anything else is refused, naming the file."""
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        reason = f"unsupported file type '{path.suffix}': use .json, .yaml or .yml"
        raise ConfigError([ConfigIssue(str(path), "", reason)]) from None


def parse_mapping(text: str, fmt: DataFormat, source: str) -> dict[str, Any]:
    """Parse text whose top level must be a mapping; an empty document is an empty mapping."""
    data: Any
    if fmt == "json":
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise ConfigError([ConfigIssue(source, where, f"invalid JSON: {error.msg}")]) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(error, "problem", None) or str(error)
            raise ConfigError([ConfigIssue(source, where, f"invalid YAML: {problem}")]) from None
        data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(source, "", "the top level must be a mapping")])
    return data


def read_mapping(path: Path) -> dict[str, Any]:
    """Read and parse a JSON or YAML file (by its suffix)."""
    fmt = data_format(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(str(path), "", "the file does not exist")]) from None
    except UnicodeDecodeError:
        raise ConfigError([ConfigIssue(str(path), "", "the file is not UTF-8 text")]) from None
    except OSError as error:
        reason = f"cannot read it: {error.strerror or error}"
        raise ConfigError([ConfigIssue(str(path), "", reason)]) from None
    return parse_mapping(text, fmt, str(path))


class _TextSafeDumper(yaml.SafeDumper):
    """PyYAML writes U+0085 (NEL) unescaped with allow_unicode, then reads it back as a line
    break; double quotes make it write the escape, so any text survives the round trip."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "\x85" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_TextSafeDumper.add_representer(str, _represent_text)


def dump_mapping(data: dict[str, Any], fmt: DataFormat) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(data, Dumper=_TextSafeDumper, sort_keys=False, allow_unicode=True)


def write_mapping(path: Path, data: dict[str, Any], *, mode: int | None = None) -> None:
    """Write atomically in the format the suffix names."""
    atomic_write_text(path, dump_mapping(data, data_format(path)), mode=mode)
