"""Where the bundled resources (templates, demo project, fonts) live.

A source checkout or an editable install keeps `resources/` next to the `video_studio`
package. A bundle (PyInstaller, Flatpak) may put it elsewhere and says so with the
VIDEO_STUDIO_RESOURCES environment variable, which then takes precedence.
"""

from __future__ import annotations

import os
from pathlib import Path

from video_studio.error_types import RecoveryAction, VideoStudioError, VideoStudioErrorType

RESOURCES_ENV = "VIDEO_STUDIO_RESOURCES"


def _missing(message: str) -> VideoStudioError:
    return VideoStudioError(
        VideoStudioErrorType.CONFIGURATION,
        message,
        recovery_actions=[RecoveryAction.FIX_CONFIGURATION],
    )


def resources_dir() -> Path:
    """The resources folder: $VIDEO_STUDIO_RESOURCES when set, else the checkout's one."""
    override = os.environ.get(RESOURCES_ENV, "").strip()
    if override:
        folder = Path(override).expanduser()
        if not folder.is_dir():
            raise _missing(
                f"The resources folder {folder} named by {RESOURCES_ENV} does not exist. "
                f"Point {RESOURCES_ENV} at the folder that holds 'templates', or unset it."
            )
        return folder
    folder = Path(__file__).resolve().parent.parent / "resources"
    if not folder.is_dir():
        raise _missing(
            f"Video Studio's resources folder was not found at {folder}. Reinstall the "
            f"application, or set {RESOURCES_ENV} to the folder that holds 'templates'."
        )
    return folder


def template_dir() -> Path:
    """The folder of template definitions, one YAML file per template."""
    return resources_dir() / "templates"


def demo_dir() -> Path:
    """The folder of the bundled demo project and its images."""
    return resources_dir() / "demo"


def fonts_dir() -> Path:
    """Fonts shipped with the application (may not exist: system fonts are used first)."""
    return resources_dir() / "fonts"
