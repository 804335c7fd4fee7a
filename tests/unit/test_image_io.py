"""Decoding real image files: formats, alpha, EXIF orientation, colour modes, bit depths,
ICC profiles, downscaling while decoding, and plain errors for every kind of bad file."""

from __future__ import annotations

import io
import struct
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageOps

from video_studio.image_io import load_image, probe_image

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def gradient(width: int, height: int) -> npt.NDArray[np.uint8]:
    x = np.linspace(0, 255, width, dtype=np.float64)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float64)[:, None].repeat(width, 1)
    return np.stack([x, y, 255 - x], axis=2).round().astype(np.uint8)


def save(image: Image.Image, path: Path, **options: Any) -> Path:
    image.save(path, **options)
    return path


# --- formats ------------------------------------------------------------------------------

LOSSLESS = [("png", {}), ("webp", {"lossless": True}), ("tif", {}), ("bmp", {})]


@pytest.mark.parametrize(("suffix", "options"), LOSSLESS)
def test_lossless_formats_decode_exactly(tmp_path: Path, suffix: str, options: Any) -> None:
    pixels = gradient(40, 30)
    path = save(Image.fromarray(pixels), tmp_path / f"photo.{suffix}", **options)
    decoded = load_image(path)
    assert decoded.dtype == np.uint8 and decoded.shape == (30, 40, 3)
    assert np.array_equal(decoded, pixels)
    info = probe_image(path)
    assert (info.width, info.height, info.has_alpha, info.bit_depth) == (40, 30, False, 8)
    assert info.file_size == path.stat().st_size


def test_jpeg_decodes_close_to_the_original(tmp_path: Path) -> None:
    pixels = gradient(64, 48)
    path = save(Image.fromarray(pixels), tmp_path / "photo.jpg", quality=95)
    decoded = load_image(path)
    assert decoded.shape == (48, 64, 3)
    assert np.abs(decoded.astype(int) - pixels).mean() < 3
    assert probe_image(path).format == "JPEG"


@pytest.mark.parametrize(("suffix", "options"), [("png", {}), ("webp", {"lossless": True})])
def test_alpha_is_kept_or_put_on_white(tmp_path: Path, suffix: str, options: Any) -> None:
    pixels = np.zeros((8, 8, 4), np.uint8)
    pixels[..., :3] = (200, 10, 10)
    pixels[..., 3] = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    path = save(Image.fromarray(pixels), tmp_path / f"cutout.{suffix}", **options)
    rgba = load_image(path)
    assert rgba.shape == (8, 8, 4)
    assert np.array_equal(rgba[..., 3], pixels[..., 3])
    assert np.array_equal(rgba[pixels[..., 3] > 0, :3], pixels[pixels[..., 3] > 0, :3])
    assert probe_image(path).has_alpha
    flat = load_image(path, keep_alpha=False)
    assert flat.shape == (8, 8, 3)
    assert tuple(flat[0, 0]) == (255, 255, 255)  # fully transparent: the white backdrop
    assert flat[7, 7, 0] > 195 and flat[7, 7, 1] < 20  # almost opaque: the red


def test_palette_greyscale_and_bilevel_images(tmp_path: Path) -> None:
    palette = Image.new("P", (4, 4), 0)
    palette.putpalette([*RED, *GREEN, *BLUE] + [0] * (256 * 3 - 9))
    palette.putpixel((1, 1), 1)
    opaque = load_image(save(palette, tmp_path / "palette.png"))
    assert opaque.shape == (4, 4, 3) and tuple(opaque[1, 1]) == GREEN
    clear = load_image(save(palette, tmp_path / "palette_trns.png", transparency=0))
    assert clear.shape == (4, 4, 4)
    assert tuple(clear[0, 0, 3:]) == (0,) and tuple(clear[1, 1]) == (*GREEN, 255)
    grey = load_image(save(Image.new("L", (3, 3), 77), tmp_path / "grey.png"))
    assert grey.shape == (3, 3, 3) and np.all(grey == 77)
    grey_alpha = load_image(save(Image.new("LA", (3, 3), (90, 30)), tmp_path / "grey_a.png"))
    assert tuple(grey_alpha[2, 2]) == (90, 90, 90, 30)
    bilevel = load_image(save(Image.new("1", (3, 3), 1), tmp_path / "bits.png"))
    assert np.all(bilevel == 255)
    assert probe_image(tmp_path / "bits.png").bit_depth == 1


# --- orientation --------------------------------------------------------------------------


def marked(width: int = 64, height: int = 48) -> Image.Image:
    """Black, with a red patch top-left and a green one top-right (as stored)."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:16, :16] = RED
    pixels[:16, -16:] = GREEN
    return Image.fromarray(pixels)


def with_orientation(path: Path, orientation: int, **options: Any) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(marked(), path, exif=exif, **options)


# Where the patch centres land (row, column) in the upright 64 x 48 (or 48 x 64) result.
EXPECTED_CORNERS = {
    3: ((40, 56), (40, 8)),  # turned 180 degrees: red bottom-right, green bottom-left
    6: ((8, 40), (56, 40)),  # turned clockwise: stored top row becomes the right column
    8: ((56, 8), (8, 8)),  # turned anticlockwise: stored top row becomes the left column
}


@pytest.mark.parametrize("suffix", ["png", "jpg", "tif", "webp"])
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_turns_the_pixels(tmp_path: Path, orientation: int, suffix: str) -> None:
    choices: dict[str, dict[str, Any]] = {"jpg": {"quality": 95}, "webp": {"lossless": True}}
    options = choices.get(suffix, {})
    path = with_orientation(tmp_path / f"turned.{suffix}", orientation, **options)
    upright = load_image(path)
    expected_shape = (48, 64) if orientation == 3 else (64, 48)
    assert upright.shape[:2] == expected_shape
    info = probe_image(path)
    assert (info.height, info.width, info.orientation) == (*expected_shape, orientation)
    (red_row, red_col), (green_row, green_col) = EXPECTED_CORNERS[orientation]
    assert np.abs(upright[red_row, red_col].astype(int) - RED).max() < 40
    assert np.abs(upright[green_row, green_col].astype(int) - GREEN).max() < 40


@pytest.mark.parametrize("orientation", range(1, 9))
def test_all_orientations_match_pillow(tmp_path: Path, orientation: int) -> None:
    path = with_orientation(tmp_path / "turned.png", orientation)
    with Image.open(path) as image:
        reference = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    assert np.array_equal(load_image(path), reference)
    assert np.array_equal(load_image(path, max_side=32), load_image(path)[::2, ::2])


# --- colour modes and depths --------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["jpg", "tif"])
def test_cmyk_red_decodes_to_red(tmp_path: Path, suffix: str) -> None:
    # Pillow writes CMYK JPEGs the Adobe (inverted) way, with the Adobe marker.
    path = save(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), tmp_path / f"cmyk.{suffix}")
    decoded = load_image(path)
    assert decoded.shape == (16, 16, 3)
    assert np.abs(decoded[8, 8].astype(int) - RED).max() < 12


def test_16_bit_greyscale_is_scaled_to_the_full_8_bit_range(tmp_path: Path) -> None:
    ramp = np.linspace(0, 65535, 256).round().astype(np.uint16)[None, :].repeat(4, 0)
    for path in (tmp_path / "deep.png", tmp_path / "deep.tif"):
        save(Image.fromarray(ramp), path)
        decoded = load_image(path)
        assert decoded.shape == (4, 256, 3)
        assert np.array_equal(decoded[0, :, 0], np.arange(256))  # not clipped at 255
        assert probe_image(path).bit_depth == 16


@pytest.mark.parametrize("suffix", ["tif", "png"])
def test_16_bit_rgb_is_scaled_to_8_bit(tmp_path: Path, suffix: str) -> None:
    ramp = np.linspace(0, 65535, 256).round().astype(np.uint16)[None, :].repeat(4, 0)
    rgb = np.stack([ramp, ramp // 2, 65535 - ramp], axis=2)
    path = tmp_path / f"deep_rgb.{suffix}"
    assert cv2.imwrite(str(path), rgb[..., ::-1])  # OpenCV stores BGR
    decoded = load_image(path).astype(int)
    assert np.abs(decoded[0, :, 0] - np.arange(256)).max() <= 1
    assert np.abs(decoded[0, :, 2] - np.arange(255, -1, -1)).max() <= 1
    assert decoded[0, 255, 1] in (127, 128)
    assert probe_image(path).bit_depth == 16


def rgb_profile(description: str, red: tuple[float, ...], green: tuple[float, ...]) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile (blue primary and white as sRGB's)."""

    def xyz(values: tuple[float, ...]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    text = description.encode("ascii") + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(red)),
        (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz((0.1431, 0.0606, 0.7141))),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        padded = body + bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(padded))
        data += padded
    size = offset + len(data)
    header = struct.pack(
        ">I4sI4s4s4s12s4s", size, b"", 0x02100000, b"mntr", b"RGB ", b"XYZ ", bytes(12), b"acsp"
    )
    header += bytes(24) + struct.pack(">iii", 63190, 65536, 54061)
    header += bytes(128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + data


SRGB_RED, SRGB_GREEN = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971)


def test_embedded_icc_profile_is_converted_to_srgb(tmp_path: Path) -> None:
    # A profile whose "green" channel is sRGB's red primary: sRGB-green pixels are red.
    swapped = rgb_profile("Swapped test space", SRGB_GREEN, SRGB_RED)
    assert ImageCms.ImageCmsProfile(io.BytesIO(swapped)).profile.xcolor_space == "RGB "
    image = Image.new("RGB", (4, 4), GREEN)
    decoded = load_image(save(image, tmp_path / "swapped.png", icc_profile=swapped))
    assert decoded[0, 0, 0] > 200 and decoded[0, 0, 1] < 60
    plain = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    same = load_image(save(image, tmp_path / "srgb.png", icc_profile=plain))
    assert tuple(same[0, 0]) == GREEN


# --- downscaling while decoding -----------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    max_side=st.integers(1, 400),
    suffix=st.sampled_from(["png", "jpg"]),
)
def test_max_side_bounds_the_longer_side_and_keeps_the_aspect(
    tmp_path: Path, width: int, height: int, max_side: int, suffix: str
) -> None:
    path = save(Image.new("RGB", (width, height), (30, 60, 90)), tmp_path / f"any.{suffix}")
    decoded = load_image(path, max_side=max_side)
    out_height, out_width = decoded.shape[:2]
    assert max(out_width, out_height) == min(max_side, max(width, height))
    if width >= height:
        assert abs(out_height - height * out_width / width) <= 1
    else:
        assert abs(out_width - width * out_height / height) <= 1
    assert np.abs(decoded.astype(int) - (30, 60, 90)).max() <= 6


def test_jpeg_with_max_side_decodes_at_reduced_scale(tmp_path: Path) -> None:
    big = cv2.resize(gradient(400, 300), (4000, 3000), interpolation=cv2.INTER_LINEAR)
    path = save(Image.fromarray(big), tmp_path / "big.jpg", quality=90)
    timings: dict[str, float] = {}
    for label, max_side in (("full", None), ("small", 400)):
        start = time.perf_counter()
        for _ in range(3):
            decoded = load_image(path, max_side=max_side)
        timings[label] = time.perf_counter() - start
    assert decoded.shape == (300, 400, 3)
    assert np.abs(decoded.astype(int) - gradient(400, 300)).mean() < 4
    assert timings["small"] < timings["full"] / 2  # DCT scaling skips most of the work


def test_downscaled_alpha_does_not_bleed_hidden_colour(tmp_path: Path) -> None:
    pixels = np.zeros((16, 16, 4), np.uint8)
    pixels[:, :8] = (255, 0, 0, 0)  # invisible red
    pixels[:, 8:] = (0, 0, 255, 255)
    small = load_image(save(Image.fromarray(pixels), tmp_path / "edge.png"), max_side=3)
    visible = small[..., 3] > 0
    assert visible.any() and np.all(small[visible, 0] == 0)
