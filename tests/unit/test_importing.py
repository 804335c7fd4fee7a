"""Importing files and folders for the image bin (video_studio.importing), with real files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from video_studio import edits
from video_studio.assets import AssetStore
from video_studio.error_types import CancelledByUser
from video_studio.importing import ImportResult, import_into_store
from video_studio.jobs import CancelToken, Progress
from video_studio.project import Project

pytestmark = pytest.mark.timeout(60)


def photo(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (80, 60)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


def stored_ids(store: AssetStore) -> set[str]:
    if not store.root.exists():
        return set()
    return {file.name.split(".")[0] for file in store.root.rglob("*") if file.is_file()}


def names(result: ImportResult) -> list[str]:
    return [entry.original_name for entry in result.entries.values()]


def test_folders_are_searched_recursively_skipping_hidden_and_non_images(tmp_path: Path) -> None:
    album = tmp_path / "album"
    photo(album / "shot 10.jpg", (10, 10, 10))
    photo(album / "shot 2.jpg", (20, 20, 20))
    photo(album / "nested" / "deeper" / "shot 1.png", (30, 30, 30), (40, 90))
    photo(album / ".hidden" / "secret.jpg", (40, 40, 40))  # a hidden folder
    photo(album / ".thumb.jpg", (50, 50, 50))  # a hidden file
    (album / "._shot 2.jpg").write_bytes(b"macOS metadata")
    (album / "readme.txt").write_text("not an image, skipped by suffix")
    loose = photo(tmp_path / "loose.webp", (60, 60, 60))
    store = AssetStore(tmp_path / "project" / "assets")

    result = import_into_store(store, [loose, album])

    assert names(result) == ["loose.webp", "shot 1.png", "shot 2.jpg", "shot 10.jpg"]
    assert result.failures == [] and result.duplicates == []
    assert result.files_found == 4
    assert result.refs == [f"asset:{key}" for key in result.entries]
    assert result.asset_ids == list(result.entries)
    assert stored_ids(store) == set(result.entries)
    tall = next(e for e in result.entries.values() if e.original_name == "shot 1.png")
    assert (tall.width, tall.height, tall.suffix) == (40, 90, ".png")
    for asset_id, entry in result.entries.items():
        assert store.path_for(asset_id).suffix == entry.suffix


def test_the_same_content_is_imported_once(tmp_path: Path) -> None:
    first = photo(tmp_path / "a" / "red.jpg", (200, 0, 0))
    twin = tmp_path / "b" / "red copy.jpg"
    twin.parent.mkdir()
    twin.write_bytes(first.read_bytes())
    other = photo(tmp_path / "b" / "blue.jpg", (0, 0, 200))
    store = AssetStore(tmp_path / "assets")

    result = import_into_store(store, [tmp_path / "a", tmp_path / "b", first])

    assert names(result) == ["red.jpg", "blue.jpg"]
    assert result.duplicates == [twin]  # `first` given twice counts once: same path
    assert hashlib.sha256(first.read_bytes()).hexdigest() in result.entries
    assert other.exists() and len(stored_ids(store)) == 2


def test_failures_are_named_and_the_others_go_on(tmp_path: Path) -> None:
    good = photo(tmp_path / "good.jpg", (90, 120, 30))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(good.read_bytes()[:200])  # cut short
    notes = tmp_path / "notes.txt"
    notes.write_text("a shopping list, not a photo")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    missing = tmp_path / "gone.png"
    after = photo(tmp_path / "after.png", (1, 2, 3))
    store = AssetStore(tmp_path / "assets")

    result = import_into_store(store, [broken, notes, good, empty, missing, after])

    assert names(result) == ["good.jpg", "after.png"]
    reasons = {failure.name: failure.reason for failure in result.failures}
    assert list(reasons) == ["broken.jpg", "notes.txt", "empty.png", "gone.png"]
    for name, reason in reasons.items():
        assert f"'{name}'" in reason  # plain words naming the file
    assert "not an image file" in reasons["notes.txt"]
    assert "empty" in reasons["empty.png"]
    assert "not found" in reasons["gone.png"]
    assert all(failure.path.is_absolute() for failure in result.failures)
    assert stored_ids(store) == set(result.entries)


def test_the_document_is_left_to_one_undoable_edit(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "launch", "Launch")
    known = project.import_image(photo(tmp_path / "known.png", (7, 7, 7)))
    project.save()
    before = project.document
    fresh = photo(tmp_path / "new" / "fresh.png", (8, 8, 8))
    again = photo(tmp_path / "new" / "known again.png", (7, 7, 7))

    result = import_into_store(project.store, [fresh.parent])

    assert project.document is before and not project.dirty
    assert project.document.assets.keys() == {known.removeprefix("asset:")}
    new = result.new_entries(project.document.assets)
    assert [entry.original_name for entry in new.values()] == ["fresh.png"]
    assert f"asset:{next(iter(new))}" in result.refs and known in result.refs
    assert again.exists()
    edit = edits.add_assets(project, new)
    edits.apply(project, edit)
    assert edit.label == "Import 1 image"
    assert len(project.document.assets) == 2
    edits.revert(project, edit)
    assert project.document.assets == before.assets


def test_progress_counts_files_with_a_rate_and_eta(tmp_path: Path) -> None:
    files = [photo(tmp_path / f"p{index}.png", (index * 30, 9, 9)) for index in range(4)]
    updates: list[Progress] = []

    import_into_store(AssetStore(tmp_path / "assets"), files, progress=updates.append)

    assert updates[0].fraction == 0.0 and "Looking" in updates[0].message
    assert updates[1].total == 4 and updates[1].done == 0 and "p0.png" in updates[1].message
    last = updates[-1]
    assert (last.fraction, last.done, last.total) == (1.0, 4, 4)
    assert last.rate is not None and last.eta_seconds == 0.0
    assert last.message == "Imported 4 of 4"
    assert [u.fraction for u in updates] == sorted(u.fraction for u in updates)


def test_nothing_to_import_finishes_the_progress(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    updates: list[Progress] = []
    result = import_into_store(
        AssetStore(tmp_path / "a"), [tmp_path / "empty"], progress=updates.append
    )
    assert result.entries == {} and result.failures == [] and result.files_found == 0
    assert updates[-1].fraction == 1.0


def test_cancel_stops_between_files_and_each_stored_image_is_announced(tmp_path: Path) -> None:
    files = [photo(tmp_path / f"p{index}.png", (index * 40, 0, 0)) for index in range(5)]
    token = CancelToken()
    announced: list[tuple[str, Path]] = []

    def stored(asset_id: str, path: Path) -> None:
        announced.append((asset_id, path))
        if len(announced) == 2:
            token.cancel()

    store = AssetStore(tmp_path / "assets")
    with pytest.raises(CancelledByUser):
        import_into_store(store, files, cancel=token, on_stored=stored)

    assert [asset_id for asset_id, _ in announced] == [
        hashlib.sha256(file.read_bytes()).hexdigest() for file in files[:2]
    ]
    assert all(path.is_file() and path.is_relative_to(store.root) for _, path in announced)
    assert stored_ids(store) == {asset_id for asset_id, _ in announced}
