"""The compositor's frames: framing, fits, transitions, text, watermark, cards, sizes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.render.conftest import psnr, read_rgb, storyboard, with_fields, with_scene
from video_studio.media_formats import AspectRatio, VideoQuality, frame_size
from video_studio.models import MotionSpec, TextOverlay, Transition
from video_studio.render.color import color_to_yuv, rgb_to_yuv444
from video_studio.render.compositor import Compositor
from video_studio.storyboard import CardConfig, WatermarkConfig

WriteImage = Callable[..., Path]


def expected_cover(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """The exact centred cover crop, resampled in float: what a static scene must show."""
    src_h, src_w = rgb.shape[:2]
    scale = max(width / src_w, height / src_h)
    origin_x = (src_w - width / scale) / 2
    origin_y = (src_h - height / scale) / 2
    xs = origin_x + (np.arange(width) + 0.5) / scale - 0.5
    ys = origin_y + (np.arange(height) + 0.5) / scale - 0.5
    map_x, map_y = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))
    out = cv2.remap(rgb.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def test_static_scene_is_the_exact_cover_crop(write_image: WriteImage) -> None:
    path = write_image(width=900, height=700)
    rgb = read_rgb(path)
    compositor = Compositor(storyboard([path]), size=(640, 360))
    frame = compositor.frame_rgb(0.5)
    expected = expected_cover(rgb, 640, 360)
    # RGB through BT.709 4:2:0 and back: chroma subsampling is the only loss.
    assert psnr(frame, expected) >= 40
    # Luma alone is the resampler's precision.
    luma = rgb_to_yuv444(frame)[..., 0]
    assert psnr(luma, rgb_to_yuv444(expected)[..., 0]) >= 45


@pytest.mark.parametrize("aspect", list(AspectRatio))
@pytest.mark.parametrize("quality", list(VideoQuality))
def test_every_aspect_and_quality_has_its_frame_size(
    write_image: WriteImage, aspect: AspectRatio, quality: VideoQuality
) -> None:
    board = storyboard([write_image()], aspect_ratio=aspect, quality=quality)
    compositor = Compositor(board)
    assert (compositor.width, compositor.height) == frame_size(aspect, quality)
    if quality is VideoQuality.HD_720P:  # rendering every size is slow; one level suffices
        frame = compositor.frame(0.2)
        assert frame.y.shape == (compositor.height, compositor.width)
        assert frame.y.std() > 5  # the photo, not a flat fill


def test_contain_fit_shows_the_background_colour_around_the_photo(
    write_image: WriteImage,
) -> None:
    path = write_image(width=400, height=800)  # tall photo in a wide frame
    board = storyboard([path])
    board = with_scene(board, 0, fit="contain", background="#FF0000")
    frame = Compositor(board, size=(640, 360)).frame(0.1)
    red = color_to_yuv("#FF0000")
    for plane, value in zip(frame.planes, red, strict=True):
        assert abs(int(plane[:, :4].mean()) - value) <= 1  # left bar
        assert abs(int(plane[:, -4:].mean()) - value) <= 1  # right bar
    assert frame.y[:, 300:340].std() > 5  # the photo in the middle


def test_blur_fit_fills_the_bars_with_the_blurred_photo(write_image: WriteImage) -> None:
    path = write_image(width=400, height=800)
    board = storyboard([path])
    board = with_scene(board, 0, fit="blur")
    frame = Compositor(board, size=(640, 360)).frame(0.1)
    bar = frame.y[:, :100].astype(np.float64)
    assert bar.std() > 1  # not a flat colour
    # ...but smooth: far less fine detail than the photo itself.
    detail = np.abs(np.diff(bar, axis=1)).mean()
    photo_detail = np.abs(np.diff(frame.y[:, 300:340].astype(np.float64), axis=1)).mean()
    assert detail < photo_detail / 3


def test_transparent_png_sits_on_the_background(tmp_path: Path) -> None:
    rgba = np.zeros((400, 400, 4), np.uint8)
    cv2.circle(rgba, (200, 200), 120, (30, 200, 60, 255), -1, lineType=cv2.LINE_AA)
    path = tmp_path / "cutout.png"
    cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    board = storyboard([path])
    board = with_scene(board, 0, background="#FFFFFF", fit="contain")
    rgb = Compositor(board, size=(640, 360)).frame_rgb(0.1)
    assert rgb[10, 320].min() >= 250  # white where the PNG is transparent
    centre = rgb[180, 320].astype(int)
    assert abs(centre[1] - 200) < 12 and centre[0] < 60  # green where it is opaque


def test_crossfade_midpoint_is_the_average(write_image: WriteImage) -> None:
    first, second = write_image("a.png", seed=1), write_image("b.png", seed=2)
    board = storyboard([first, second], duration=1.0)
    board = with_scene(board, 0, transition=Transition(type="crossfade", duration=0.5))
    compositor = Compositor(board, size=(320, 180))
    only_a = Compositor(storyboard([first]), size=(320, 180)).frame(1.0)
    only_b = Compositor(storyboard([second]), size=(320, 180)).frame(0.25)
    middle = compositor.frame(1.25)
    expected = (only_a.y.astype(int) + only_b.y.astype(int)) / 2
    assert np.abs(middle.y - expected).max() <= 1.0
    # Before the transition only the first scene shows; after it, only the second.
    assert np.array_equal(
        compositor.frame(0.9).y, Compositor(storyboard([first]), size=(320, 180)).frame(0.9).y
    )
    assert compositor.duration == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("kind", "direction"),
    [
        ("slide", "left"),
        ("push", "right"),
        ("wipe", "left"),
        ("zoom", "left"),
        ("fade_color", "left"),
    ],
)
def test_transitions_go_from_one_scene_to_the_next(
    write_image: WriteImage, kind: str, direction: str
) -> None:
    first, second = write_image("a.png", seed=1), write_image("b.png", seed=2)
    board = storyboard([first, second], duration=1.0)
    board = with_scene(
        board, 0, transition=Transition(type=kind, duration=0.6, direction=direction)
    )
    compositor = Compositor(board, size=(320, 180))
    a = Compositor(storyboard([first]), size=(320, 180)).frame(1.0).y.astype(int)
    b = Compositor(storyboard([second]), size=(320, 180)).frame(0.0).y.astype(int)
    start = compositor.frame(1.0).y.astype(int)
    end = compositor.frame(1.0 + 0.6 - 1e-3).y.astype(int)
    middle = compositor.frame(1.3).y.astype(int)
    assert np.abs(start - a).mean() < 2  # begins on the outgoing scene
    assert np.abs(end - b).mean() < 6  # ends on the incoming one
    assert np.abs(middle - a).mean() > 3 and np.abs(middle - b).mean() > 3
    if kind == "slide":
        # Half-way, the incoming scene entering from the left covers the left half with its
        # own right half; the outgoing scene stays put under it.
        assert np.array_equal(middle[:, :160], b[:, 160:])
        assert np.array_equal(middle[:, 160:], a[:, 160:])
    if kind == "fade_color":
        assert abs(middle.mean() - 16) < 4  # through black at the middle


def test_text_overlay_appears_with_its_fades(write_image: WriteImage) -> None:
    board = storyboard([write_image()], duration=2.0)
    text = TextOverlay(content="新品上市 New", position="bottom", fade_in=0.5, fade_out=0.5)
    board = with_scene(board, 0, text=text)
    plain = Compositor(storyboard([write_image()], duration=2.0), size=(640, 360))
    titled = Compositor(board, size=(640, 360))
    difference = [
        np.abs(titled.frame(t).y.astype(int) - plain.frame(t).y.astype(int))
        for t in (0.0, 0.25, 1.0)
    ]
    assert difference[0].max() == 0  # fully faded in at the start
    assert 0 < difference[1].sum() < difference[2].sum()  # half-way through the fade in
    rows = np.flatnonzero(difference[2].max(axis=1) > 20)
    assert rows.min() > 180  # in the lower half
    assert rows.max() < 360 * 0.95  # inside the title-safe area


def test_watermark_in_its_corner(write_image: WriteImage, tmp_path: Path) -> None:
    logo = np.zeros((60, 200, 4), np.uint8)
    logo[..., :3] = 255
    logo[10:50, 10:190, 3] = 255
    logo_path = tmp_path / "logo.png"
    cv2.imwrite(str(logo_path), logo)
    board = storyboard([write_image()])
    marked = with_fields(
        board, watermark=WatermarkConfig(path=str(logo_path), opacity=1.0, scale=0.2)
    )
    plain = Compositor(board, size=(640, 360)).frame(0.1).y.astype(int)
    frame = Compositor(marked, size=(640, 360)).frame(0.1).y.astype(int)
    changed = np.argwhere(np.abs(frame - plain) > 10)
    assert changed.size
    assert changed[:, 0].min() > 250 and changed[:, 1].min() > 450  # bottom right


def test_intro_card_then_the_scenes(write_image: WriteImage) -> None:
    board = storyboard([write_image()], duration=2.0)
    carded = with_fields(
        board,
        name="Aura",
        intro=CardConfig(duration=1.0, title="{name}", background="#202020", text_color="#FFFFFF"),
    )
    compositor = Compositor(carded, size=(640, 360))
    assert compositor.duration == pytest.approx(3.0)
    card = compositor.frame(0.2)
    assert abs(int(card.y[5, 5]) - color_to_yuv("#202020")[0]) <= 1
    assert card.y[150:210, 200:440].max() > 100  # the title's letters


def test_preview_and_export_sizes_show_the_same_picture(write_image: WriteImage) -> None:
    board = storyboard([write_image(width=1600, height=1200)], duration=2.0)
    board = with_scene(board, 0, motion=MotionSpec(type="zoom_in"))
    full = Compositor(board, size=(1280, 720)).frame_rgb(1.3)
    preview = Compositor(board, size=(640, 360)).frame_rgb(1.3)
    reduced = cv2.resize(full, (640, 360), interpolation=cv2.INTER_AREA)
    assert psnr(preview, reduced) > 32


def test_source_image_is_reduced_for_small_frames(write_image: WriteImage) -> None:
    compositor = Compositor(storyboard([write_image(width=3000, height=2000)]), size=(320, 180))
    compositor.frame(0.1)
    (entry,) = compositor.context.cache._entries.values()
    assert entry.nbytes < 3000 * 2000  # far less than the 9 MB of full-size planes


def test_frames_are_deterministic_across_threads(write_image: WriteImage) -> None:
    from concurrent.futures import ThreadPoolExecutor

    board = storyboard([write_image("a.png", seed=1), write_image("b.png", seed=2)], duration=1.0)
    compositor = Compositor(board, size=(320, 180))
    times = [i / 30 for i in range(60)]
    serial = [compositor.frame(t).contiguous().copy() for t in times]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda t: compositor.frame(t).contiguous(), times))
    assert all(np.array_equal(a, b) for a, b in zip(serial, parallel, strict=True))
