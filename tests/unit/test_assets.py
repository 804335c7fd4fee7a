"""Content hashing, the content-addressed asset store and batch import, on real files."""

from __future__ import annotations

import contextlib
import hashlib
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from video_studio.assets import AssetStore, content_hash, import_images
from video_studio.error_types import CancelledByUser, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken, Progress


def photo(path: Path, colour: tuple[int, int, int] = (200, 30, 30), size: int = 64) -> Path:
    """A real image file; the colour makes its content (and so its hash) distinct."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (size, size * 3 // 4), colour)
    image.save(path, "PNG" if path.suffix.lower() == ".png" else "JPEG")
    return path


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


# --- hashing ------------------------------------------------------------------------------


def test_content_hash_streams_the_whole_file(tmp_path: Path) -> None:
    data = np.random.default_rng(7).integers(0, 256, 3 * 1024 * 1024 + 17, np.uint8).tobytes()
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert content_hash(path) == hashlib.sha256(data).hexdigest()
    path.write_bytes(data[:-1] + b"\x00" if data[-1] else data[:-1] + b"\x01")
    assert content_hash(path) != hashlib.sha256(data).hexdigest()


def test_content_hash_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VideoStudioError) as caught:
        content_hash(tmp_path / "gone.jpg")
    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert "gone.jpg" in caught.value.message and "not found" in caught.value.message


# --- the store ----------------------------------------------------------------------------


def test_add_copies_into_the_store_by_content(tmp_path: Path) -> None:
    source = photo(tmp_path / "in" / "Bottle.JPG")
    store = AssetStore(tmp_path / "assets")
    asset = store.add(source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert asset.asset_id == digest
    assert asset.path == (tmp_path / "assets" / digest[:2] / f"{digest}.jpg").absolute()
    assert asset.path.read_bytes() == source.read_bytes()
    assert (asset.original_name, asset.width, asset.height) == ("Bottle.JPG", 64, 48)
    assert store.contains(digest) and store.path_for(digest) == asset.path
    assert files_under(tmp_path / "assets") == [asset.path]  # no temporary file left


def test_add_dedupes_identical_content(tmp_path: Path) -> None:
    first = photo(tmp_path / "a.png")
    second = tmp_path / "copy of a.png"
    second.write_bytes(first.read_bytes())
    store = AssetStore(tmp_path / "assets")
    asset = store.add(first)
    made = asset.path.stat().st_mtime_ns
    again = store.add(second)
    assert again.asset_id == asset.asset_id and again.path == asset.path
    assert again.original_name == "copy of a.png"
    assert asset.path.stat().st_mtime_ns == made  # not copied a second time
    assert len(files_under(tmp_path / "assets")) == 1
    other = store.add(photo(tmp_path / "b.png", (0, 0, 200)))
    assert other.asset_id != asset.asset_id and len(files_under(tmp_path / "assets")) == 2


def test_add_repairs_a_damaged_stored_copy_and_names_suffixless_files(tmp_path: Path) -> None:
    store = AssetStore(tmp_path / "assets")
    source = photo(tmp_path / "a.png")
    asset = store.add(source)
    asset.path.write_bytes(source.read_bytes()[:50])
    assert store.add(source).path.read_bytes() == source.read_bytes()
    bare = tmp_path / "scan"
    bare.write_bytes(photo(tmp_path / "b.png", (1, 2, 3)).read_bytes())
    assert store.add(bare).path.suffix == ".png"  # from the content, as there is no suffix


def test_add_reports_width_and_height_upright(tmp_path: Path) -> None:
    source = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (80, 20)).save(source, exif=exif)
    asset = AssetStore(tmp_path / "assets").add(source)
    assert (asset.width, asset.height) == (20, 80)


def test_add_refuses_a_bad_file_and_stores_nothing(tmp_path: Path) -> None:
    source = tmp_path / "notes.jpg"
    source.write_text("not a photo")
    store = AssetStore(tmp_path / "assets")
    with pytest.raises(VideoStudioError) as caught:
        store.add(source)
    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert "notes.jpg" in caught.value.message
    assert files_under(tmp_path / "assets") == [] if (tmp_path / "assets").exists() else True


def test_unknown_or_malformed_asset_ids(tmp_path: Path) -> None:
    store = AssetStore(tmp_path / "assets")
    for asset_id in ("0" * 64, "../../etc/passwd", "", "ABC"):
        assert not store.contains(asset_id)
        with pytest.raises(VideoStudioError) as caught:
            store.path_for(asset_id)
        assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
        assert "missing" in caught.value.message


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Writes past `limit` bytes fail (EFBIG), as they would on a full disk."""
    import resource

    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_disk_full_while_copying_leaves_no_partial_file(tmp_path: Path) -> None:
    source = tmp_path / "noise.png"
    Image.effect_noise((200, 200), 80).convert("RGB").save(source)
    assert source.stat().st_size > 20_000
    store = AssetStore(tmp_path / "assets")
    with file_size_limit(4096), pytest.raises(VideoStudioError) as caught:
        store.add(source)
    assert caught.value.error_type is VideoStudioErrorType.DISK_FULL
    assert "noise.png" in caught.value.message
    assert files_under(tmp_path / "assets") == []
    assert store.add(source).path.read_bytes() == source.read_bytes()  # fine once there is room


# --- importing ----------------------------------------------------------------------------


def test_import_reports_good_bad_and_duplicate_files(tmp_path: Path) -> None:
    album = tmp_path / "album"
    photo(album / "shot 10.jpg", (10, 10, 10))
    photo(album / "shot 2.jpg", (20, 20, 20))
    photo(album / "nested" / "shot 1.png", (30, 30, 30))
    (album / "broken.jpg").write_bytes(b"\xff\xd8\xff" + b"junk" * 10)
    (album / "readme.txt").write_text("not an image: skipped by suffix")
    (album / "._shot 2.jpg").write_bytes(b"macOS metadata")
    twin = album / "twin.jpg"
    twin.write_bytes((album / "shot 2.jpg").read_bytes())
    loose = photo(tmp_path / "loose.png", (40, 40, 40))
    notes = tmp_path / "notes.jpg"
    notes.write_text("hello")
    missing = tmp_path / "missing.png"
    updates: list[Progress] = []

    store = AssetStore(tmp_path / "assets")
    report = import_images([loose, album, notes, missing, loose], store, progress=updates.append)

    names = [asset.original_name for asset in report.imported]
    assert names == ["loose.png", "shot 1.png", "shot 2.jpg", "shot 10.jpg"]  # natural order
    assert [path.name for path in report.duplicates] == ["twin.jpg"]
    failed = {path.name: reason for path, reason in report.failed}
    assert set(failed) == {"broken.jpg", "notes.jpg", "missing.png"}
    assert all(name in reason for name, reason in failed.items())
    assert "not found" in failed["missing.png"]
    assert all(store.contains(asset.asset_id) for asset in report.imported)
    assert updates and updates[-1].fraction == 1.0 and updates[-1].total == 8


def test_cancel_stops_between_files(tmp_path: Path) -> None:
    files = [photo(tmp_path / f"p{index}.png", (index * 20, 0, 0)) for index in range(5)]
    token = CancelToken()
    store = AssetStore(tmp_path / "assets")

    def cancel_after_the_first(progress: Progress) -> None:
        token.cancel()  # the first report always arrives, after the first file

    with pytest.raises(CancelledByUser):
        import_images(files, store, cancel=token, progress=cancel_after_the_first)
    stored = [path.name.split(".")[0] for path in files_under(tmp_path / "assets")]
    assert stored == [hashlib.sha256(files[0].read_bytes()).hexdigest()]


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_import_stops_at_a_full_disk_and_reports_the_rest(tmp_path: Path) -> None:
    small = photo(tmp_path / "a_small.jpg")
    noisy = [tmp_path / f"b_noise{index}.png" for index in range(3)]
    for index, path in enumerate(noisy):
        Image.effect_noise((200, 200), 60 + index).convert("RGB").save(path)
    store = AssetStore(tmp_path / "assets")
    with file_size_limit(small.stat().st_size + 1024):
        report = import_images([small, *noisy], store)
    assert [asset.original_name for asset in report.imported] == ["a_small.jpg"]
    assert [path.name for path, _ in report.failed] == [path.name for path in noisy]
    assert all("disk space" in reason for _, reason in report.failed)
