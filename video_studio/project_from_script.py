"""A project made from a scene script: the photos go into the project's asset store (and so
into its image bin), other media (music, logos, clips) are copied into `media/`, and the
storyboard refers to them so that the project folder is complete and movable. This is how
the demo project opens in the app (Help > Open Demo Project)."""

from __future__ import annotations

import shutil
from pathlib import Path

from video_studio.project import Project
from video_studio.script import load_script
from video_studio.storyboard_paths import map_paths

MEDIA_DIR = "media"


def project_from_script(script: Path, folder: Path, name: str | None = None) -> Project:
    """Create and save a project in `folder` (new or empty) from the script at `script`.
    Raises ConfigError for a bad script or folder, VideoStudioError for a bad image."""
    storyboard = load_script(script)
    project = Project.create(folder, name or storyboard.name)
    media = project.folder / MEDIA_DIR

    def bring_in(field: str, value: str) -> str:
        source = storyboard.resolve_path(value)
        if field.endswith(".image"):
            return project.import_image(source)
        media.mkdir(exist_ok=True)
        target = media / source.name
        if not target.exists():
            shutil.copy2(source, target)
        return f"{MEDIA_DIR}/{source.name}"

    local = map_paths(storyboard, bring_in).with_base_dir(project.folder)
    project.set_storyboard(local)
    project.document.name = name or storyboard.name
    project.save()
    return project
