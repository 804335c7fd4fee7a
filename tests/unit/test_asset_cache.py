"""The proxy and thumbnail cache, on real files: hits, damaged entries, threads, pruning."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from video_studio.assets import CACHE_FORMAT_VERSION, AssetCache
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.image_io import load_image


def gradient_photo(path: Path, width: int = 3000, height: int = 2000) -> Path:
    x = np.linspace(0, 255, width)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height)[:, None].repeat(width, 1)
    pixels = np.stack([x, y, 255 - x], axis=2).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=92)
    return path


def cutout(path: Path) -> Path:
    pixels = np.zeros((400, 600, 4), np.uint8)
    pixels[100:300, 150:450] = (20, 120, 220, 255)
    Image.fromarray(pixels).save(path)
    return path


def decodes(path: Path) -> bool:
    try:
        with Image.open(path) as image:
            image.load()
    except Exception:
        return False
    return True


def test_proxy_is_downscaled_and_cached_on_disk(tmp_path: Path) -> None:
    source = gradient_photo(tmp_path / "bottle.jpg")
    cache = AssetCache(tmp_path / "cache")
    proxy = cache.proxy(source)
    assert proxy.shape == (853, 1280, 3) and proxy.dtype == np.uint8
    assert not proxy.flags.writeable  # shared between callers
    assert np.abs(proxy.astype(int) - load_image(source, max_side=1280)).mean() < 2
    assert cache.proxy(source) is proxy  # memory hit
    file = cache.proxy_path(source)
    assert file.suffix == ".jpg" and f"v{CACHE_FORMAT_VERSION}" in file.parts
    made = file.stat().st_mtime_ns
    fresh = AssetCache(tmp_path / "cache").proxy(source)  # no memory: read from disk
    assert np.array_equal(fresh, proxy)
    assert file.stat().st_mtime_ns == made  # served, not made again


def test_disk_hit_serves_the_cached_file_without_decoding_the_source(tmp_path: Path) -> None:
    source = gradient_photo(tmp_path / "bottle.jpg")
    file = AssetCache(tmp_path / "cache").proxy_path(source)
    Image.new("RGB", (1280, 853), (0, 0, 250)).save(file, quality=95)  # a recognisable stand-in
    served = AssetCache(tmp_path / "cache").proxy(source)
    assert np.abs(served[400, 600].astype(int) - (0, 0, 250)).max() < 4


def test_damaged_proxy_is_made_again(tmp_path: Path) -> None:
    source = gradient_photo(tmp_path / "bottle.jpg")
    first = AssetCache(tmp_path / "cache").proxy(source)
    file = AssetCache(tmp_path / "cache").proxy_path(source)
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    assert not decodes(file)
    again = AssetCache(tmp_path / "cache").proxy(source)
    assert np.array_equal(again, first)
    assert decodes(file)


def test_alpha_proxy_is_lossless_png(tmp_path: Path) -> None:
    source = cutout(tmp_path / "cutout.png")
    cache = AssetCache(tmp_path / "cache")
    proxy = cache.proxy(source, max_side=300)
    assert proxy.shape == (200, 300, 4)
    assert np.array_equal(proxy, load_image(source, max_side=300))
    assert cache.proxy_path(source, max_side=300).suffix == ".png"
    assert np.array_equal(AssetCache(tmp_path / "cache").proxy(source, max_side=300), proxy)


def test_sizes_are_separate_entries(tmp_path: Path) -> None:
    source = gradient_photo(tmp_path / "bottle.jpg", 800, 600)
    cache = AssetCache(tmp_path / "cache")
    assert cache.proxy(source, max_side=400).shape == (300, 400, 3)
    assert cache.proxy(source, max_side=200).shape == (150, 200, 3)
    assert cache.proxy_path(source, max_side=400) != cache.proxy_path(source, max_side=200)
    assert cache.proxy(source, max_side=2000).shape == (600, 800, 3)  # never upscaled


def test_thumbnails(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path / "cache")
    thumb = cache.thumbnail(gradient_photo(tmp_path / "wide.jpg", 1000, 400))
    with Image.open(thumb) as image:
        assert (image.format, image.size) == ("JPEG", (256, 102))
    with Image.open(cache.thumbnail(cutout(tmp_path / "cutout.png"), size=128)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (128, 85))
    small = gradient_photo(tmp_path / "small.jpg", 100, 50)
    with Image.open(cache.thumbnail(small)) as image:
        assert image.size == (100, 50)


def test_damaged_thumbnail_is_made_again(tmp_path: Path) -> None:
    source = gradient_photo(tmp_path / "bottle.jpg", 900, 600)
    cache = AssetCache(tmp_path / "cache")
    thumb = cache.thumbnail(source)
    original = thumb.read_bytes()
    thumb.write_bytes(original[:200])
    assert cache.thumbnail(source) == thumb and decodes(thumb)  # same instance notices
    thumb.write_bytes(original[:200])
    assert AssetCache(tmp_path / "cache").thumbnail(source) == thumb and decodes(thumb)


def test_eight_threads_asking_for_one_thumbnail_make_one_valid_file(tmp_path: Path) -> None:
    source = gradient_photo(tmp_path / "bottle.jpg", 2000, 1500)
    cache = AssetCache(tmp_path / "cache")
    start = threading.Barrier(8)
    results: list[Path] = []
    errors: list[BaseException] = []

    def ask() -> None:
        start.wait()
        try:
            results.append(cache.thumbnail(source))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(results) == 8 and len(set(results)) == 1
    assert decodes(results[0])
    assert os.listdir(results[0].parent) == [results[0].name]  # no temporary leftovers


def test_size_prune_and_clear(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path / "cache")
    sources = [
        gradient_photo(tmp_path / f"{name}.jpg", 700 + 50 * index, 500)
        for index, name in enumerate("abc")
    ]
    thumbs = {}
    for source in sources:
        thumbs[source.stem] = cache.thumbnail(source)
        time.sleep(0.02)
    cache.thumbnail(sources[0])  # "a" used again: "b" is now the least recently used
    sizes = {name: path.stat().st_size for name, path in thumbs.items()}
    assert cache.size_bytes() == sum(sizes.values())
    freed = cache.prune(sizes["a"] + sizes["c"])
    assert freed == sizes["b"]
    assert not thumbs["b"].exists() and thumbs["a"].exists() and thumbs["c"].exists()
    assert cache.size_bytes() == sizes["a"] + sizes["c"]
    assert cache.thumbnail(sources[1]).exists()  # made again on demand
    keep = tmp_path / "cache" / "not-ours.txt"
    keep.write_text("the cache only deletes its own folders")
    cache.clear()
    assert cache.size_bytes() == 0 and keep.exists()


def test_hash_is_memoized_by_path_size_and_mtime(tmp_path: Path) -> None:
    source = tmp_path / "plain.bmp"
    Image.new("RGB", (64, 64), (200, 0, 0)).save(source)
    stat = source.stat()
    cache = AssetCache(tmp_path / "cache")
    assert tuple(cache.proxy(source)[0, 0]) == (200, 0, 0)
    Image.new("RGB", (64, 64), (0, 200, 0)).save(source)  # same size in bytes
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert source.stat().st_size == stat.st_size
    # Unchanged (size, mtime): the remembered hash, so the remembered proxy.
    assert tuple(AssetCache(tmp_path / "cache").proxy(source)[0, 0]) == (200, 0, 0)
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert tuple(cache.proxy(source)[0, 0]) == (0, 200, 0)  # changed: hashed again


def test_proxy_survives_an_unwritable_cache_but_proxy_path_reports_it(tmp_path: Path) -> None:
    source = gradient_photo(tmp_path / "bottle.jpg", 400, 300)
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    cache = AssetCache(blocked)
    assert cache.proxy(source).shape == (300, 400, 3)
    with pytest.raises(VideoStudioError) as caught:
        cache.proxy_path(source)
    assert caught.value.error_type is VideoStudioErrorType.STORAGE


def test_missing_source_is_named(tmp_path: Path) -> None:
    with pytest.raises(VideoStudioError) as caught:
        AssetCache(tmp_path / "cache").thumbnail(tmp_path / "gone.jpg")
    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert "gone.jpg" in caught.value.message
