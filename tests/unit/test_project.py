"""The project folder: create, import, save (atomic, with a backup), open with errors that
name the file and the field, schema migrations, and the storyboard resolved for rendering."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from video_studio.config_errors import ConfigError
from video_studio.error_types import VideoStudioError
from video_studio.models import Scene, Transition
from video_studio.project import CURRENT_SCHEMA_VERSION, Project, ProjectOpenError
from video_studio.script import check_script_files

ASSET_ID = "0" * 64


def photo(path: Path, size: tuple[int, int] = (64, 48), color: str = "red") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def stored_json(project: Project) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(project.json_path.read_text(encoding="utf-8"))
    return data


def with_two_scenes(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "Launch.vsproj", "Launch")
    front = project.import_image(photo(tmp_path / "in" / "front.jpg", (80, 60)))
    back = project.import_image(photo(tmp_path / "in" / "back.png", (30, 40), "blue"))
    project.add_scene(Scene(image=front, duration=3, transition=Transition(duration=0.5)))
    project.add_scene(Scene(image=back, duration=2))
    project.save()
    return project


# --- creating --------------------------------------------------------------------------------


def test_create_makes_the_folder_layout_and_a_saved_document(tmp_path: Path) -> None:
    folder = tmp_path / "Bottle launch.vsproj"
    project = Project.create(folder, "Bottle launch")

    assert sorted(path.name for path in folder.iterdir()) == [
        "assets",
        "cache",
        "clips",
        "project.json",
    ]
    data = stored_json(project)
    assert list(data) == [
        "schema_version",
        "name",
        "created",
        "modified",
        "storyboard",
        "assets",
        "remote_jobs",
    ]
    assert data["schema_version"] == CURRENT_SCHEMA_VERSION == 1
    assert data["name"] == "Bottle launch"
    assert data["storyboard"]["scenes"] == []
    created = datetime.fromisoformat(data["created"])
    assert created.utcoffset() is not None and created.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60
    assert not project.dirty
    assert Project.open(folder).document == project.document


def test_create_accepts_an_existing_empty_folder(tmp_path: Path) -> None:
    Project.create(tmp_path, "Here")
    assert (tmp_path / "project.json").is_file()


def test_create_refuses_a_folder_with_other_files_and_touches_nothing(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not empty and is not a Video Studio project"):
        Project.create(tmp_path, "Launch")
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_create_refuses_to_overwrite_a_project(tmp_path: Path) -> None:
    first = Project.create(tmp_path / "p.vsproj", "First")
    before = first.json_path.read_bytes()
    with pytest.raises(ConfigError, match="a project already exists here"):
        Project.create(tmp_path / "p.vsproj", "Second")
    assert first.json_path.read_bytes() == before


def test_create_refuses_an_empty_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="name: must not be empty"):
        Project.create(tmp_path / "p.vsproj", "")


# --- importing and the storyboard for rendering ---------------------------------------------


def test_import_image_stores_it_by_content_hash_and_indexes_it(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.vsproj", "P")
    source = photo(tmp_path / "Front Shot.JPG", (120, 90))

    reference = project.import_image(source)

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert reference == f"asset:{digest}"
    entry = project.document.assets[digest]
    assert (entry.original_name, entry.width, entry.height) == ("Front Shot.JPG", 120, 90)
    assert entry.suffix == project.store.path_for(digest).suffix
    assert project.store.path_for(digest).read_bytes() == source.read_bytes()
    assert project.dirty
    assert project.import_image(source) == reference
    assert len(project.document.assets) == 1


def test_import_refuses_a_file_that_is_not_an_image(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.vsproj", "P")
    fake = tmp_path / "fake.jpg"
    fake.write_text("not a photo", encoding="utf-8")
    with pytest.raises(VideoStudioError):
        project.import_image(fake)
    assert project.document.assets == {}
    assert not project.dirty


def test_the_storyboard_resolves_assets_to_absolute_store_paths(tmp_path: Path) -> None:
    project = with_two_scenes(tmp_path)
    (project.clips_dir / "front.mp4").write_bytes(b"clip")
    project.document.storyboard.scenes[0].clip = "clips/front.mp4"

    storyboard = project.storyboard()

    assert storyboard.base_dir == project.folder
    images = [Path(scene.image) for scene in storyboard.scenes]
    assert all(image.is_absolute() and image.is_file() for image in images)
    assert all(image.is_relative_to(project.folder / "assets") for image in images)
    assert storyboard.resolve_path("clips/front.mp4") == project.clips_dir / "front.mp4"
    assert check_script_files(storyboard) == []
    assert project.check() == []
    # The document itself keeps the references.
    assert project.document.storyboard.scenes[0].image.startswith("asset:")


def test_a_project_moved_elsewhere_still_resolves(tmp_path: Path) -> None:
    project = with_two_scenes(tmp_path)
    moved = tmp_path / "moved" / "Launch.vsproj"
    moved.parent.mkdir()
    project.folder.rename(moved)

    storyboard = Project.open(moved).storyboard()

    assert all(Path(scene.image).is_relative_to(moved) for scene in storyboard.scenes)
    assert check_script_files(storyboard) == []


def test_set_storyboard_turns_store_and_project_paths_back_into_references(
    tmp_path: Path,
) -> None:
    project = with_two_scenes(tmp_path)
    outside = photo(tmp_path / "outside.jpg")
    before = project.document.storyboard.model_copy(deep=True)
    storyboard = project.storyboard()
    storyboard.scenes[1].clip = str(project.clips_dir / "b.mp4")
    storyboard.scenes[1].image = str(outside)

    project.set_storyboard(storyboard)

    scenes = project.document.storyboard.scenes
    assert scenes[0].image == before.scenes[0].image
    assert scenes[1].clip == "clips/b.mp4"
    assert scenes[1].image == str(outside)


def test_a_project_without_scenes_cannot_render(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.vsproj", "P")
    with pytest.raises(ConfigError, match=r"storyboard\.scenes: the project has no scenes yet"):
        project.storyboard()


def test_a_missing_asset_names_the_scene(tmp_path: Path) -> None:
    project = with_two_scenes(tmp_path)
    Path(project.storyboard().scenes[1].image).unlink()

    with pytest.raises(ConfigError) as caught:
        project.storyboard()
    issue = caught.value.issues[0]
    assert (issue.source, issue.field) == (str(project.json_path), "storyboard.scenes[1].image")
    assert "not in the project's asset store" in issue.reason


def test_check_reports_cross_scene_rules_and_missing_files(tmp_path: Path) -> None:
    project = with_two_scenes(tmp_path)
    project.document.storyboard.scenes[0].transition = Transition(duration=2.5)
    project.document.storyboard.scenes[1].clip = "clips/none.mp4"

    issues = [f"{issue.field}: {issue.reason}" for issue in project.check()]

    assert issues == [
        "storyboard.scenes[0].transition.duration: must be less than the next scene (2 s), "
        "which it overlaps",
        f"storyboard.scenes[1].clip: file not found: clips/none.mp4 (looked in "
        f"{project.clips_dir})",
    ]


# --- saving ----------------------------------------------------------------------------------


def test_save_and_open_round_trip_and_keep_the_previous_version(tmp_path: Path) -> None:
    project = with_two_scenes(tmp_path)
    first = project.json_path.read_bytes()
    project.document.storyboard.scenes[1].duration = 4.0
    project.record_remote_job(project.document.storyboard.scenes[0].id, "luma", "job-42")
    assert project.dirty

    project.save()

    assert not project.dirty
    assert (project.folder / "project.json.bak").read_bytes() == first
    reopened = Project.open(project.folder / "project.json")
    assert reopened.document == project.document
    assert not reopened.dirty
    job = reopened.document.remote_jobs[project.document.storyboard.scenes[0].id]
    assert (job.model, job.job_id) == ("luma", "job-42")
    assert job.submitted_at.tzinfo is not None
    assert reopened.document.modified >= reopened.document.created


def test_finishing_a_remote_job_forgets_it(tmp_path: Path) -> None:
    project = with_two_scenes(tmp_path)
    project.record_remote_job("scene-1", "runway", "abc")
    project.save()
    project.finish_remote_job("scene-1")
    assert project.dirty
    project.save()
    assert stored_json(project)["remote_jobs"] == {}


def test_a_crash_during_save_leaves_the_old_project_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = with_two_scenes(tmp_path)
    before = project.json_path.read_bytes()
    project.document.storyboard.scenes[0].duration = 9.0
    project.mark_dirty()

    real_replace = os.replace

    def crash(source: str, target: str) -> None:
        # The backup is written; the crash hits the rename of the new project.json.
        if Path(target).name == "project.json":
            raise OSError(5, "simulated crash during rename")
        real_replace(source, target)

    monkeypatch.setattr("video_studio.atomic_io.os.replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        project.save()
    monkeypatch.undo()

    assert project.json_path.read_bytes() == before
    assert (project.folder / "project.json.bak").read_bytes() == before
    assert Project.open(project.folder).document.storyboard.scenes[0].duration == 3.0
    assert project.dirty
    assert not [path.name for path in project.folder.iterdir() if path.name.endswith(".tmp")]


# --- opening: errors ----------------------------------------------------------------------------


def test_opening_a_folder_without_project_json(tmp_path: Path) -> None:
    with pytest.raises(ProjectOpenError) as caught:
        Project.open(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'project.json'}: project.json is missing, so this is not a Video Studio "
        "project"
    )
    assert caught.value.backup is None


def test_a_lost_project_json_offers_the_backup(tmp_path: Path) -> None:
    project = with_two_scenes(tmp_path)
    project.save()
    project.json_path.unlink()
    with pytest.raises(ProjectOpenError) as caught:
        Project.open(project.folder)
    assert caught.value.backup == project.folder / "project.json.bak"
    assert "open it instead" in str(caught.value)
    assert len(Project.open_backup(caught.value.backup).document.storyboard.scenes) == 2


def test_opening_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ProjectOpenError, match="no such project folder"):
        Project.open(tmp_path / "gone.vsproj")


def test_corrupt_json_names_the_line_and_offers_the_backup(tmp_path: Path) -> None:
    project = with_two_scenes(tmp_path)
    project.document.storyboard.scenes[1].duration = 4.0
    project.save()  # the .bak now holds the 2 s version
    project.json_path.write_text('{\n  "schema_version": 1,\n  "name": \n}', encoding="utf-8")

    with pytest.raises(ProjectOpenError) as caught:
        Project.open(project.folder)

    backup = project.folder / "project.json.bak"
    assert [str(issue) for issue in caught.value.issues] == [
        f"{project.json_path}: line 4, column 1: invalid JSON: Expecting value",
        f"{backup}: a backup of the previous save exists: open it instead",
    ]
    assert caught.value.backup == backup

    restored = Project.open_backup(project.folder)
    assert restored.document.storyboard.scenes[1].duration == 2.0
    assert restored.dirty
    good_backup = (project.folder / "project.json.bak").read_bytes()
    restored.save()  # the damaged file must not replace the good backup
    assert (project.folder / "project.json.bak").read_bytes() == good_backup
    assert Project.open(project.folder).document.storyboard.scenes[1].duration == 2.0


def test_corrupt_json_without_a_backup_offers_none(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.vsproj", "P")
    project.json_path.write_text("{oops", encoding="utf-8")
    with pytest.raises(ProjectOpenError) as caught:
        Project.open(project.folder)
    assert caught.value.backup is None
    assert "backup" not in str(caught.value)
    with pytest.raises(ProjectOpenError, match="there is no backup"):
        Project.open_backup(project.folder)


def test_invalid_fields_name_the_file_and_the_field(tmp_path: Path) -> None:
    project = with_two_scenes(tmp_path)
    data = stored_json(project)
    data["storyboard"]["scenes"][1]["duration"] = -1
    data["storyboard"]["fps"] = "fast"
    data["assets"]["not-a-hash"] = {"original_name": "x.jpg", "width": 1, "height": 1}
    data["ui"] = {"zoom": 2}
    project.json_path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        Project.open(project.folder)

    found = {issue.field: issue.reason for issue in caught.value.issues[:-1]}
    assert {issue.source for issue in caught.value.issues[:-1]} == {str(project.json_path)}
    assert caught.value.issues[-1].source.endswith("project.json.bak")
    assert (
        found["storyboard.fps"]
        == "Input should be a valid integer, unable to parse string as an integer"
    )
    assert found["storyboard.scenes[1].duration"] == "Input should be greater than 0"
    assert found["assets.not-a-hash"].startswith("the key is not valid: String should match")
    assert found["assets.not-a-hash.suffix"] == "required field is missing"
    assert found["ui"] == "unknown field: remove it or check its spelling"


def test_a_newer_schema_asks_for_an_update_and_leaves_the_file_alone(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.vsproj", "P")
    project.save()  # a backup exists, but opening it would lose the newer app's work
    backup = (project.folder / "project.json.bak").read_bytes()
    data = stored_json(project)
    data["schema_version"] = 7
    data["something_new"] = True
    project.json_path.write_text(json.dumps(data), encoding="utf-8")
    before = project.json_path.read_bytes(), project.json_path.stat().st_mtime_ns

    with pytest.raises(ConfigError) as caught:
        Project.open(project.folder)

    assert str(caught.value) == (
        f"{project.json_path}: schema_version: this project was saved by a newer Video Studio "
        "(project format 7); this one reads formats up to 1 — update the app to open it"
    )
    assert (project.json_path.read_bytes(), project.json_path.stat().st_mtime_ns) == before
    assert (project.folder / "project.json.bak").read_bytes() == backup
    assert isinstance(caught.value, ProjectOpenError) and caught.value.backup is None
