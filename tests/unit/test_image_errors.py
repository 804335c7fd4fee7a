"""Bad image files of every kind become a VideoStudioError that names the file in plain
words: never a raw Pillow exception, never a hang, and decompression bombs refused from
the header alone."""

from __future__ import annotations

import contextlib
import io
import os
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.image_io import load_image, probe_image

Reader = Callable[[Path], Any]
READERS: list[Reader] = [load_image, probe_image, lambda path: load_image(path, max_side=64)]
INVALID = VideoStudioErrorType.INVALID_INPUT


def refused(reader: Reader, path: Path, error_type: VideoStudioErrorType = INVALID) -> str:
    with pytest.raises(VideoStudioError) as caught:
        reader(path)
    assert caught.value.error_type is error_type
    assert path.name in caught.value.message
    return caught.value.message


def photo_bytes(suffix: str) -> bytes:
    pixels = Image.effect_noise((256, 192), 60).convert("RGB")  # noise: no tiny file
    path_format = {"jpg": "JPEG", "png": "PNG"}[suffix]
    buffer = io.BytesIO()
    pixels.save(buffer, path_format)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 100)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(photo_bytes("jpg"))
    frame = data.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.jpg", b"", "empty (0 bytes)"),
        ("notes.jpg", b"Shopping list: milk, eggs\n" * 20, "not an image file"),
        ("half.jpg", photo_bytes("jpg")[: len(photo_bytes("jpg")) // 2], "incomplete"),
        ("half.png", photo_bytes("png")[: len(photo_bytes("png")) // 2], "incomplete"),
        ("header.tif", b"II*\x00" + b"\xff" * 60, "damaged"),
        ("logo.svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        ("phone.heic", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(40), "HEIC"),
    ],
    ids=lambda value: "bytes" if isinstance(value, bytes) else None,
)
def test_bad_files_are_refused_in_plain_words(
    tmp_path: Path, reader: Reader, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    message = refused(reader, path)
    assert words in message


@pytest.mark.parametrize("reader", READERS)
def test_corrupt_png_data_is_refused(tmp_path: Path, reader: Reader) -> None:
    data = bytearray(photo_bytes("png"))
    start = data.index(b"IDAT") + 8
    data[start : start + 400] = bytes(400)  # zeroed compressed data, checksum now wrong
    path = tmp_path / "corrupt.png"
    path.write_bytes(bytes(data))
    assert "damaged" in refused(reader, path)


@pytest.mark.parametrize("reader", READERS)
def test_unsupported_formats_say_which_formats_work(tmp_path: Path, reader: Reader) -> None:
    path = tmp_path / "animation.gif"
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    message = refused(reader, path)
    assert "unsupported format (GIF)" in message
    assert "use JPEG, PNG, WebP, TIFF or BMP" in message
    raw = tmp_path / "shot.CR2"
    raw.write_bytes(b"II*\x00" + bytes(60))
    assert "camera RAW" in refused(reader, raw)


@pytest.mark.parametrize("reader", READERS)
def test_missing_file_and_folder(tmp_path: Path, reader: Reader) -> None:
    assert "not found" in refused(reader, tmp_path / "gone.jpg")
    folder = tmp_path / "album.jpg"
    folder.mkdir()
    assert "folder" in refused(reader, folder)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    ("name", "content"),
    [("huge.png", png_header_only(20000, 20000)), ("huge.jpg", jpeg_claiming(20000, 20000))],
    ids=lambda value: "bytes" if isinstance(value, bytes) else None,
)
def test_decompression_bomb_is_refused_from_the_header(
    tmp_path: Path, reader: Reader, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    start = time.perf_counter()
    message = refused(reader, path)
    assert time.perf_counter() - start < 1.0
    assert "20000 x 20000" in message and "150,000,000" in message


def test_pixel_limit_can_be_lowered(tmp_path: Path) -> None:
    path = tmp_path / "normal.png"
    Image.new("RGB", (100, 50)).save(path)
    assert load_image(path, max_pixels=5000).shape == (50, 100, 3)
    with pytest.raises(VideoStudioError) as caught:
        load_image(path, max_pixels=4999)
    assert "100 x 50" in caught.value.message and "4,999" in caught.value.message
    with pytest.raises(VideoStudioError):
        probe_image(path, max_pixels=4999)


@contextlib.contextmanager
def unprivileged() -> Iterator[None]:
    """Root reads any file; as root, act as 'nobody' for the block (effective uid only)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.mark.skipif(os.name != "posix", reason="file permission bits are POSIX-only")
@pytest.mark.parametrize("reader", READERS)
def test_unreadable_file_is_a_storage_error(tmp_path: Path, reader: Reader) -> None:
    path = tmp_path / "locked.jpg"
    path.write_bytes(photo_bytes("jpg"))
    path.chmod(0)
    try:
        with unprivileged():
            message = refused(reader, path, VideoStudioErrorType.STORAGE)
    finally:
        path.chmod(0o644)
    assert "permission" in message
