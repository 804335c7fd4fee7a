"""`video-studio validate FILE`: check a scene script, a project or a config file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded when the command runs, so `video-studio` itself starts fast
    from video_studio.config_errors import ConfigIssue
    from video_studio.storyboard import Storyboard

SubParsers = Any

# Top-level keys that only a config file has.
_CONFIG_KEYS = {"models", "storage", "workflow", "rendering", "logging", "debug_mode", "log_level"}


def add_validate_parser(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a scene script, project or config file",
        description="Check a scene script, project or config file and say what is wrong.",
    )
    parser.add_argument("file", type=Path)
    parser.set_defaults(handler=validate_command)


def looks_like_config(path: Path) -> bool:
    from video_studio.commands.inputs import is_project  # noqa: PLC0415
    from video_studio.config_errors import ConfigError  # noqa: PLC0415
    from video_studio.data_files import read_mapping  # noqa: PLC0415

    if is_project(path) or path.suffix.lower() not in (".json", ".yaml", ".yml"):
        return False
    try:
        data = read_mapping(path)
    except ConfigError:
        return False
    return bool(data) and set(data) <= _CONFIG_KEYS


def image_issues(storyboard: Storyboard, source: str) -> list[ConfigIssue]:
    """Every referenced image decodes (caught now rather than halfway through a render)."""
    from video_studio.config_errors import ConfigIssue  # noqa: PLC0415
    from video_studio.error_types import VideoStudioError  # noqa: PLC0415
    from video_studio.image_io import probe_image  # noqa: PLC0415
    from video_studio.storyboard_paths import referenced_paths  # noqa: PLC0415

    issues = []
    for field, value in referenced_paths(storyboard):
        if not field.endswith((".image", ".logo", "watermark.path")):
            continue
        try:
            probe_image(storyboard.resolve_path(value))
        except VideoStudioError as error:
            issues.append(ConfigIssue(source, field, str(error)))
    return issues


def validate_command(args: argparse.Namespace) -> int:
    from video_studio.commands.inputs import EXIT_OK, load_storyboard, run_reporting  # noqa: PLC0415
    from video_studio.config import VideoStudioConfig  # noqa: PLC0415
    from video_studio.config_errors import ConfigError  # noqa: PLC0415

    path: Path = args.file

    def run() -> int:
        if looks_like_config(path):
            config = VideoStudioConfig.from_file(path)
            print(f"OK: {path} is a valid config ({len(config.models)} models).")
            return EXIT_OK
        storyboard = load_storyboard(path)
        issues = image_issues(storyboard, str(path))
        if issues:
            raise ConfigError(issues)
        width, height = storyboard.frame_size
        print(
            f"OK: {path}: {len(storyboard.scenes)} scenes, {storyboard.duration:.1f} s, "
            f"{width}x{height} at {storyboard.fps} fps, template {storyboard.template_id}."
        )
        return EXIT_OK

    return run_reporting(run)
