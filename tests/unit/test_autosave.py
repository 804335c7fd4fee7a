"""Autosave: debounced copies in .recovery/ that never touch project.json, rotated, offered
after a crash when newer than project.json, restorable, and removed by a clean save."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from video_studio.autosave import Autosaver
from video_studio.models import Scene
from video_studio.project import Project


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def new_project(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "Launch.vsproj", "Launch")
    image = tmp_path / "front.jpg"
    Image.new("RGB", (32, 24), "orange").save(image)
    project.add_scene(Scene(image=project.import_image(image), duration=3))
    project.save()
    return project


def edit(project: Project, saver: Autosaver, duration: float = 2.0) -> None:
    project.add_scene(Scene(image="photos/extra.jpg", duration=duration))
    saver.touch()


def copies(project: Project) -> list[str]:
    folder = project.folder / ".recovery"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_the_copy_waits_until_the_changes_settle(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, interval=2.0, clock=clock)
    saved = project.json_path.read_bytes()

    edit(project, saver)
    clock.now += 1.5
    edit(project, saver)  # a burst: the wait starts again
    clock.now += 1.9
    assert saver.maybe_save() is None
    clock.now += 0.1

    path = saver.maybe_save()

    assert path == project.folder / ".recovery" / "autosave-1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["storyboard"]["scenes"]) == 3
    assert project.json_path.read_bytes() == saved
    assert project.dirty
    assert saver.maybe_save() is None  # nothing new since


def test_an_unbroken_burst_is_saved_after_max_delay(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, interval=2.0, clock=clock, max_delay=10.0)
    written = []
    for _ in range(12):
        edit(project, saver)
        written.append(saver.maybe_save())
        clock.now += 1.0
    assert [index for index, path in enumerate(written) if path is not None] == [10]


def test_copies_rotate_keeping_the_newest_first(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, interval=0.5, keep=3, clock=clock)
    for _ in range(5):
        edit(project, saver)
        clock.now += 1
        assert saver.maybe_save() is not None

    assert copies(project) == ["autosave-1.json", "autosave-2.json", "autosave-3.json"]
    counts = [
        len(json.loads((project.folder / ".recovery" / name).read_text())["storyboard"]["scenes"])
        for name in copies(project)
    ]
    assert counts == [6, 5, 4]


def test_flush_writes_pending_changes_at_once(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, clock=clock)
    assert saver.flush() is None
    edit(project, saver)
    assert saver.flush() is not None
    assert not saver.pending


def test_no_copy_once_the_project_is_saved(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, clock=clock)
    edit(project, saver)
    project.save()
    clock.now += 10
    assert saver.maybe_save() is None
    assert copies(project) == []


def test_after_a_crash_the_newer_copy_is_offered_and_restored(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, interval=1.0, clock=clock)
    edit(project, saver, duration=4.0)
    clock.now += 1
    saver.maybe_save()
    edit(project, saver, duration=5.0)
    clock.now += 1
    saver.maybe_save()
    folder = project.folder
    del project, saver  # the app dies here

    offered = Project.recovery_candidates(folder)

    assert [(copy.path.name, copy.scene_count) for copy in offered] == [
        ("autosave-1.json", 3),
        ("autosave-2.json", 2),
    ]
    assert offered[0].saved_at > offered[1].saved_at
    assert offered[0].saved_at > Project.open(folder).document.modified
    restored = Project.restore(folder, offered[0])
    assert [scene.duration for scene in restored.document.storyboard.scenes] == [3, 4, 5]
    assert restored.dirty
    assert len(Project.open(folder).document.storyboard.scenes) == 1  # not saved yet

    restored.save()

    assert copies(restored) == []
    assert not (folder / ".recovery").exists()
    assert Project.recovery_candidates(folder) == []
    assert len(Project.open(folder).document.storyboard.scenes) == 3


def test_copies_older_than_project_json_are_not_offered(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, clock=clock)
    edit(project, saver)
    stale = saver.flush()
    assert stale is not None
    kept = tmp_path / "kept.json"
    shutil.copy(stale, kept)
    project.save()  # newer than the copy, and removes it
    stale.parent.mkdir()
    shutil.copy(kept, stale)  # as if the removal had failed

    assert Project.recovery_candidates(project.folder) == []


def test_a_damaged_copy_is_skipped(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, keep=2, clock=clock)
    edit(project, saver)
    good = saver.flush()
    edit(project, saver)
    damaged = saver.flush()
    assert good is not None and damaged is not None
    damaged.write_text('{"schema_version": 1, "name": ', encoding="utf-8")

    offered = Project.recovery_candidates(project.folder)

    assert [copy.path.name for copy in offered] == ["autosave-2.json"]


def test_declining_discards_the_copies(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, clock=clock)
    edit(project, saver)
    saver.flush()
    Project.discard_recovery(project.folder)
    assert Project.recovery_candidates(project.folder) == []
    assert not (project.folder / ".recovery").exists()


def test_without_a_readable_project_json_every_copy_is_offered(tmp_path: Path) -> None:
    project, clock = new_project(tmp_path), FakeClock()
    saver = Autosaver(project, clock=clock)
    edit(project, saver)
    saver.flush()
    project.json_path.write_text("{", encoding="utf-8")
    assert len(Project.recovery_candidates(project.folder)) == 1


@pytest.mark.parametrize(("interval", "keep"), [(-1.0, 3), (2.0, 0)])
def test_nonsense_settings_are_refused(tmp_path: Path, interval: float, keep: int) -> None:
    with pytest.raises(ValueError, match="interval must be"):
        Autosaver(new_project(tmp_path), interval=interval, keep=keep)
