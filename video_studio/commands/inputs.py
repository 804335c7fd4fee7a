"""What the commands read: a scene script (JSON/YAML) or a project, as a Storyboard, with
the command line's overrides applied; and how failures become exit codes and messages."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from video_studio.config_errors import ConfigError
from video_studio.error_types import CancelledByUser, VideoStudioError, VideoStudioErrorType

if TYPE_CHECKING:
    from video_studio.storyboard import Storyboard

EXIT_OK, EXIT_FAILURE, EXIT_INVALID_INPUT = 0, 1, 2
PROJECT_SUFFIX = ".vsproj"
_log = logging.getLogger("video_studio.cli")


def is_project(path: Path) -> bool:
    return path.is_dir() or path.name == "project.json" or path.suffix == PROJECT_SUFFIX


def load_storyboard(path: Path) -> Storyboard:
    """A script or a project, every referenced file checked to exist."""
    # Imported here: a render of a script never pays for the project machinery, and the
    # command line starts faster (the encoder waits for nothing but what it needs).
    from video_studio.script import check_script_files, load_script  # noqa: PLC0415

    if not path.exists():
        raise VideoStudioError(VideoStudioErrorType.INVALID_INPUT, f"{path}: file not found.")
    if is_project(path):
        from video_studio.project import Project  # noqa: PLC0415

        project = Project.open(path)
        issues = project.check()
        if issues:
            raise ConfigError(issues)
        return project.storyboard()
    storyboard = load_script(path)
    issues = check_script_files(storyboard, source=str(path))
    if issues:
        raise ConfigError(issues)
    return storyboard


def report(error: BaseException) -> int:
    """Print what went wrong in plain words and return the exit code."""
    if isinstance(error, ConfigError):
        for issue in error.issues:
            print(f"error: {issue}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    if isinstance(error, CancelledByUser | KeyboardInterrupt):
        print("cancelled: nothing was written.", file=sys.stderr)
        return EXIT_FAILURE
    from video_studio.error_handler import handle_generation_error  # noqa: PLC0415

    info = handle_generation_error(error)
    print(f"error: {info.message}", file=sys.stderr)
    if (
        isinstance(error, VideoStudioError)
        and error.error_type is VideoStudioErrorType.INVALID_INPUT
    ):
        return EXIT_INVALID_INPUT
    return EXIT_FAILURE


def run_reporting(action: Callable[[], int]) -> int:
    """Run a command body, turning every failure into a message and an exit code."""
    try:
        return action()
    except (Exception, KeyboardInterrupt) as error:  # the command line never shows a traceback
        _log.debug("command failed", exc_info=True)
        return report(error)
