"""Missing media: finding the files a project uses that are gone, and relinking them to a
chosen file or to files found in a folder (store images by content), as one undoable edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from video_studio import edits
from video_studio.error_types import CancelledByUser, VideoStudioError
from video_studio.jobs import CancelToken
from video_studio.models import AudioConfig
from video_studio.project import Project
from video_studio.relink import (
    MissingMedia,
    find_missing,
    prepare_replacement,
    relink_edit,
    relink_file,
    search_folder,
)


def photo(path: Path, color: str = "red", size: tuple[int, int] = (64, 48)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Scenes 1 and 3 show the stored front.jpg, scene 2 a plain path outside the project;
    scene 2 has a clip inside it; music and watermark are plain paths; the bin also holds
    an image no scene uses."""
    project = Project.create(tmp_path / "Launch.vsproj", "Launch")
    front = project.import_image(photo(tmp_path / "shoot" / "front.jpg"))
    project.import_image(photo(tmp_path / "shoot" / "spare.png", "white"))
    side = photo(tmp_path / "shoot" / "side.jpg", "blue")
    project.document = edits.add_scenes(project, [front, str(side), front], duration=2.0).after
    (project.clips_dir / "scene-2.mp4").write_bytes(b"clip")
    second = project.document.storyboard.scenes[1].id
    project.document = edits.update_scenes(project, [second], {"clip": "clips/scene-2.mp4"}).after
    (tmp_path / "music.mp3").write_bytes(b"music")
    project.document = edits.update_project(
        project,
        {
            "audio": AudioConfig(path=str(tmp_path / "music.mp3")),
            "watermark": {"path": str(photo(tmp_path / "logo.png", "green"))},
        },
    ).after
    project.save()
    return project


def asset_ids(project: Project) -> list[str]:
    return list(project.document.assets)


def by_name(items: list[MissingMedia]) -> dict[str, MissingMedia]:
    return {item.name: item for item in items}


def remove_store_file(project: Project, asset_id: str) -> Path:
    path = project.store.path_for(asset_id)
    path.unlink()
    return path


def test_nothing_is_missing_in_a_whole_project(project: Project) -> None:
    assert find_missing(project) == []


def test_every_kind_of_missing_file_is_found_once_with_its_uses(
    project: Project, tmp_path: Path
) -> None:
    front_id, spare_id = asset_ids(project)
    remove_store_file(project, front_id)
    remove_store_file(project, spare_id)
    shutil.rmtree(tmp_path / "shoot")
    (project.clips_dir / "scene-2.mp4").unlink()
    (tmp_path / "music.mp3").unlink()
    (tmp_path / "logo.png").unlink()

    missing = find_missing(project)

    assert [item.name for item in missing] == [
        "front.jpg",
        "side.jpg",
        "scene-2.mp4",
        "music.mp3",
        "logo.png",
        "spare.png",
    ]
    found = by_name(missing)
    front = found["front.jpg"]
    assert front.asset_id == front_id and front.kind == "image"
    assert front.scene_numbers == (1, 3) and front.used_by == "scenes 1, 3"
    scenes = project.document.storyboard.scenes
    assert front.scene_ids == (scenes[0].id, scenes[2].id)
    assert front.expected.parent == project.store.root / front_id[:2]
    assert found["side.jpg"].asset_id is None
    assert found["side.jpg"].expected == tmp_path / "shoot" / "side.jpg"
    assert found["scene-2.mp4"].used_by == "clip of scene 2"
    assert found["scene-2.mp4"].expected == project.clips_dir / "scene-2.mp4"
    assert found["music.mp3"].used_by == "music" and found["music.mp3"].kind == "music"
    assert found["logo.png"].used_by == "watermark"
    assert found["spare.png"].kind == "bin image" and found["spare.png"].used_by == "image bin"


def test_the_same_store_file_put_back_changes_no_scene(project: Project, tmp_path: Path) -> None:
    front_id = asset_ids(project)[0]
    remove_store_file(project, front_id)
    [item] = find_missing(project)
    edit = relink_file(project, item, tmp_path / "shoot" / "front.jpg")
    assert edit.changes_nothing  # the store holds the file again under the same id
    assert project.store.contains(front_id)
    assert find_missing(project) == []


def test_a_different_image_replaces_the_asset_in_one_undoable_edit(
    project: Project, tmp_path: Path
) -> None:
    front_id, spare_id = asset_ids(project)
    remove_store_file(project, front_id)
    [item] = find_missing(project)
    before = project.document
    new_photo = photo(tmp_path / "reshoot" / "front-v2.jpg", "orange")

    edit = relink_file(project, item, new_photo)
    edits.apply(project, edit)

    scenes = project.document.storyboard.scenes
    new_ref = scenes[0].image
    assert new_ref.startswith("asset:") and new_ref != f"asset:{front_id}"
    assert scenes[2].image == new_ref and scenes[1].image == before.storyboard.scenes[1].image
    assert list(project.document.assets) == [spare_id, new_ref.removeprefix("asset:")]
    assert project.document.assets[new_ref.removeprefix("asset:")].original_name == "front-v2.jpg"
    assert edit.label == "Relink front.jpg"
    assert find_missing(project) == []
    edits.revert(project, edit)
    assert project.document == before


def test_a_plain_path_becomes_relative_inside_the_project(project: Project, tmp_path: Path) -> None:
    (tmp_path / "shoot" / "side.jpg").unlink()
    [item] = find_missing(project)
    inside = photo(project.folder / "images" / "side.jpg", "blue")
    edits.apply(project, relink_file(project, item, inside))
    assert project.document.storyboard.scenes[1].image == "images/side.jpg"
    outside = photo(tmp_path / "elsewhere" / "side.jpg", "blue")
    inside.unlink()
    [item] = find_missing(project)
    edits.apply(project, relink_file(project, item, outside))
    assert project.document.storyboard.scenes[1].image == str(outside)


def test_a_file_that_cannot_serve_is_refused_in_plain_words(
    project: Project, tmp_path: Path
) -> None:
    remove_store_file(project, asset_ids(project)[0])
    [item] = find_missing(project)
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture", encoding="utf-8")
    with pytest.raises(VideoStudioError) as caught:
        prepare_replacement(project, item, text)
    assert "notes.jpg" in caught.value.message and "Traceback" not in caught.value.message
    with pytest.raises(VideoStudioError) as caught:
        prepare_replacement(project, item, tmp_path / "nowhere.jpg")
    assert "is not a file" in caught.value.message


def test_a_folder_search_relinks_by_content_and_by_name_in_one_step(
    project: Project, tmp_path: Path
) -> None:
    front_id = asset_ids(project)[0]
    original_front = (tmp_path / "shoot" / "front.jpg").read_bytes()
    remove_store_file(project, front_id)
    shutil.rmtree(tmp_path / "shoot")
    (project.clips_dir / "scene-2.mp4").unlink()
    (tmp_path / "logo.png").unlink()
    archive = tmp_path / "archive"
    (archive / "2024" / "renamed-by-camera.jpg").parent.mkdir(parents=True)
    (archive / "2024" / "renamed-by-camera.jpg").write_bytes(original_front)  # same content
    photo(archive / "old" / "side.jpg", "purple")
    photo(archive / "shoot" / "side.jpg", "blue")  # matches the old path's folder too
    (archive / ".hidden").mkdir()
    photo(archive / ".hidden" / "logo.png")  # hidden folders are not searched
    missing = find_missing(project)
    assert len(missing) == 4

    result = search_folder(project, missing, archive)

    found = {r.item.name: r for r in result.replacements}
    assert sorted(found) == ["front.jpg", "side.jpg"]
    assert found["front.jpg"].exact and found["front.jpg"].new == f"asset:{front_id}"
    assert found["side.jpg"].source == archive / "shoot" / "side.jpg"
    assert not found["side.jpg"].exact
    assert sorted(item.name for item in result.not_found) == ["logo.png", "scene-2.mp4"]
    assert result.searched_files == 3  # not the hidden one
    before = project.document
    edit = relink_edit(project, result.replacements)
    assert edit.label == "Relink 2 files"
    edits.apply(project, edit)
    assert project.document.storyboard.scenes[1].image == str(archive / "shoot" / "side.jpg")
    assert project.store.contains(front_id)
    assert sorted(item.name for item in find_missing(project)) == ["logo.png", "scene-2.mp4"]
    edits.revert(project, edit)
    assert project.document == before


def test_a_store_image_with_another_content_is_found_by_name(
    project: Project, tmp_path: Path
) -> None:
    front_id = asset_ids(project)[0]
    remove_store_file(project, front_id)
    photo(tmp_path / "edited" / "front.jpg", "pink")  # retouched since the import
    [item] = find_missing(project)
    result = search_folder(project, [item], tmp_path / "edited")
    [replacement] = result.replacements
    assert not replacement.exact and replacement.new != item.reference


def test_a_search_can_be_cancelled_and_names_a_bad_folder(project: Project, tmp_path: Path) -> None:
    remove_store_file(project, asset_ids(project)[0])
    missing = find_missing(project)
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledByUser):
        search_folder(project, missing, tmp_path, cancel=token)
    with pytest.raises(VideoStudioError) as caught:
        search_folder(project, missing, tmp_path / "no-such-folder")
    assert "no-such-folder" in caught.value.message
