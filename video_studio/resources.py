"""Where the bundled resources (templates, demo project, fonts) live.

A source checkout or an editable install keeps `resources/` next to the `video_studio`
package; the PyInstaller bundle (packaging/video_studio.spec) keeps it in its data folder,
`sys._MEIPASS`. Any other layout (Flatpak, a system package) says where it is with the
VIDEO_STUDIO_RESOURCES environment variable, which takes precedence over both.
"""

from __future__ import annotations

import os
import sys
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
    """The resources folder: $VIDEO_STUDIO_RESOURCES when set, else the bundle's or the
    checkout's one."""
    override = os.environ.get(RESOURCES_ENV, "").strip()
    if override:
        folder = Path(override).expanduser()
        if not folder.is_dir():
            raise _missing(
                f"The resources folder {folder} named by {RESOURCES_ENV} does not exist. "
                f"Point {RESOURCES_ENV} at the folder that holds 'templates', or unset it."
            )
        return folder
    folder = _installed_resources_dir()
    if not folder.is_dir():
        raise _missing(
            f"Video Studio's resources folder was not found at {folder}. Reinstall the "
            f"application, or set {RESOURCES_ENV} to the folder that holds 'templates'."
        )
    return folder


def _installed_resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)  # set by the PyInstaller bootloader
    if getattr(sys, "frozen", False) and isinstance(bundle, str):
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def template_dir() -> Path:
    """The folder of template definitions, one YAML file per template."""
    return resources_dir() / "templates"


def demo_dir() -> Path:
    """The folder of the bundled demo project and its images."""
    return resources_dir() / "demo"


def fonts_dir() -> Path:
    """Fonts shipped with the application (may not exist: system fonts are used first)."""
    return resources_dir() / "fonts"
