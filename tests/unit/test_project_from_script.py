"""A project made from a scene script holds everything it needs in its own folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from video_studio.project import Project
from video_studio.project_from_script import project_from_script
from video_studio.resources import demo_dir


def test_the_demo_script_becomes_a_movable_project(tmp_path: Path) -> None:
    made = project_from_script(demo_dir() / "demo.yaml", tmp_path / "demo")
    scenes = made.document.storyboard.scenes
    assert len(scenes) == 5 and all(scene.image.startswith("asset:") for scene in scenes)
    assert len(made.document.assets) == 5  # the photos are in the image bin
    assert made.document.storyboard.audio is not None
    assert made.document.storyboard.audio.path == "media/calm_loop.mp3"
    moved = tmp_path / "elsewhere"
    shutil.move(made.folder, moved)
    reopened = Project.open(moved)
    storyboard = reopened.storyboard()  # every file resolves inside the moved folder
    assert storyboard.audio is not None
    assert storyboard.resolve_path(storyboard.audio.path).is_file()
    assert all(storyboard.resolve_path(scene.image).is_file() for scene in storyboard.scenes)
    assert reopened.document.name == "AURA Radiance Serum"
