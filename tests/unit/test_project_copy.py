"""Save As in the engine: the project folder copied whole to a new folder, the current
document saved there, all or nothing (a failure or cancel leaves the old project untouched
and no half folder)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from video_studio import edits
from video_studio.autosave import copy_path
from video_studio.config_errors import ConfigError
from video_studio.error_types import CancelledByUser, VideoStudioError
from video_studio.jobs import CancelToken, Progress
from video_studio.models import AudioConfig
from video_studio.project import Project
from video_studio.project_copy import (
    check_copy_target,
    copy_late_files,
    copy_project,
    plan_copy,
    rebase_document,
)


def photo(path: Path, color: str = "red") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), color).save(path)
    return path


def folder_files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Two scenes from the store, a clip and music inside the folder, a logo outside it,
    a cache file, a recovery copy and a backup."""
    project = Project.create(tmp_path / "Launch.vsproj", "Launch")
    front = project.import_image(photo(tmp_path / "in" / "front.jpg"))
    back = project.import_image(photo(tmp_path / "in" / "back.png", "blue"))
    project.document = edits.add_scenes(project, [front, back], duration=2.0).after
    (project.clips_dir / "scene-1.mp4").write_bytes(b"clip bytes")
    (project.folder / "media").mkdir()
    (project.folder / "media" / "music.mp3").write_bytes(b"music bytes")
    photo(tmp_path / "brand" / "logo.png", "green")
    first = project.document.storyboard.scenes[0].id
    project.document = edits.update_scenes(project, [first], {"clip": "clips/scene-1.mp4"}).after
    project.document = edits.update_project(
        project,
        {
            "audio": AudioConfig(path="media/music.mp3"),
            "watermark": {"path": "../brand/logo.png"},
        },
    ).after
    project.save()
    project.save()  # a backup exists
    (project.cache_dir / "thumb.png").write_bytes(b"cache")
    copy_path(project.folder, 1).parent.mkdir(exist_ok=True)
    copy_path(project.folder, 1).write_text("{}", encoding="utf-8")
    return project


def test_save_as_copies_the_folder_and_saves_the_current_document(
    project: Project, tmp_path: Path
) -> None:
    before = folder_files(project.folder)
    first = project.document.storyboard.scenes[0].id
    current = edits.set_durations(project, [first], 3.5).after  # unsaved work goes along
    reports: list[Progress] = []

    copied = copy_project(
        project.folder, current, tmp_path / "Copy.vsproj", progress=reports.append
    )

    target = tmp_path / "Copy.vsproj"
    assert copied.folder == target and not copied.dirty
    files = folder_files(target)
    assert sorted(files) == sorted(
        [name for name in before if name.startswith(("assets/", "clips/", "media/"))]
        + ["project.json"]
    )
    for name in files:
        if name != "project.json":
            assert files[name] == before[name]
    assert (target / "cache").is_dir() and not (target / ".recovery").exists()
    reopened = Project.open(target)
    assert reopened.document.storyboard.scenes[0].duration == 3.5
    storyboard = reopened.storyboard()  # every reference resolves in the new folder
    assert Path(storyboard.scenes[0].image).is_relative_to(target)
    assert reopened.resolved_path(storyboard.audio.path if storyboard.audio else "").is_file()
    assert storyboard.watermark is not None
    assert storyboard.watermark.path == str(tmp_path / "brand" / "logo.png")
    assert reports[-1].fraction == 1.0
    assert folder_files(project.folder) == before  # the old project is only read
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".Copy")]


def test_an_existing_empty_folder_is_a_valid_target(project: Project, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    copied = copy_project(project.folder, project.document, tmp_path / "empty")
    assert Project.open(copied.folder).document == copied.document


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("self", "is the open project itself"),
        ("inside", "is inside the project being copied"),
        ("full", "is not empty"),
        ("file", "is a file"),
        ("orphan", "does not exist"),
    ],
)
def test_bad_targets_are_refused_with_the_reason(
    project: Project, tmp_path: Path, where: str, reason: str
) -> None:
    targets = {
        "self": project.folder,
        "inside": project.folder / "clips" / "copy",
        "full": tmp_path / "in",
        "file": tmp_path / "in" / "front.jpg",
        "orphan": tmp_path / "no" / "such" / "Copy.vsproj",
    }
    with pytest.raises(ConfigError) as caught:
        check_copy_target(project.folder, targets[where])
    assert reason in str(caught.value)
    assert caught.value.source == str(targets[where])


def test_a_failure_midway_leaves_no_half_folder(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = folder_files(project.folder)
    real_open = Path.open
    calls = 0

    def failing_open(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        nonlocal calls
        if "w" in mode and ".partial" in str(self):
            calls += 1
            if calls == 3:
                raise OSError(28, "No space left on device", str(self))
        return real_open(self, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", failing_open)
    with pytest.raises(VideoStudioError) as caught:
        copy_project(project.folder, project.document, tmp_path / "Copy.vsproj")
    assert "not enough disk space" in caught.value.message
    assert not (tmp_path / "Copy.vsproj").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Launch.vsproj", "brand", "in"]
    assert folder_files(project.folder) == before


def test_cancel_leaves_the_empty_target_as_it_was(project: Project, tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledByUser):
        copy_project(project.folder, project.document, target, cancel=token)
    assert target.is_dir() and not any(target.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Launch.vsproj", "brand", "empty", "in"]


def test_too_little_space_is_refused_before_copying(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_disk = shutil._ntuple_diskusage(total=10_000, used=10_000, free=0)
    monkeypatch.setattr("shutil.disk_usage", lambda _path: empty_disk)
    with pytest.raises(VideoStudioError) as caught:
        copy_project(project.folder, project.document, tmp_path / "Copy.vsproj")
    assert "has only 0 bytes free" in caught.value.message
    assert not (tmp_path / "Copy.vsproj").exists()


def test_the_plan_skips_cache_recovery_and_hidden_files(project: Project) -> None:
    (project.folder / "assets" / ".front.jpg.tmp").write_bytes(b"half")
    plan = plan_copy(project.folder)
    names = {path.as_posix() for path in plan.files}
    assert "clips/scene-1.mp4" in names and "media/music.mp3" in names
    assert not [n for n in names if n.startswith(("cache", ".recovery")) or "/." in n]
    assert "project.json" not in names and "project.json.bak" not in names
    assert plan.total_bytes == sum((project.folder / n).stat().st_size for n in names)


def test_rebase_keeps_inside_paths_and_pins_outside_ones(project: Project, tmp_path: Path) -> None:
    rebased = rebase_document(project.document, project.folder, tmp_path / "elsewhere")
    assert rebased.storyboard.audio is not None
    assert rebased.storyboard.audio.path == "media/music.mp3"
    assert rebased.storyboard.watermark is not None
    assert rebased.storyboard.watermark.path == str(tmp_path / "brand" / "logo.png")
    assert rebased.storyboard.scenes[0].image == project.document.storyboard.scenes[0].image


def test_files_added_during_the_copy_follow_it(project: Project, tmp_path: Path) -> None:
    copied = copy_project(project.folder, project.document, tmp_path / "Copy.vsproj")
    late = project.import_image(photo(tmp_path / "in" / "late.jpg", "yellow"))
    (project.clips_dir / "scene-2.mp4").write_bytes(b"late clip")
    second = project.document.storyboard.scenes[1].id
    document = edits.update_scenes(project, [second], {"clip": "clips/scene-2.mp4"}).after
    document = document.model_copy(update={"assets": project.document.assets})
    made = copy_late_files(project, copied, document)
    assert sorted(p.name for p in made) == sorted(
        [copied.store.path_for(late.removeprefix("asset:")).name, "scene-2.mp4"]
    )
    assert (copied.clips_dir / "scene-2.mp4").read_bytes() == b"late clip"
    assert copy_late_files(project, copied, document) == []
