"""Generated video clips as scene sources: conformed to the output size and frame rate."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests.render.conftest import storyboard, with_scene
from video_studio.error_types import VideoStudioError
from video_studio.render.clips import ClipReader
from video_studio.render.compositor import Compositor


def write_counter_clip(
    path: Path, frames: int = 24, fps: int = 24, size: tuple[int, int] = (320, 240)
) -> Path:
    """A clip whose frame k is a flat grey of level 20 + 8k: which frame shows is readable."""
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream(
            "libx264", rate=fps, options={"crf": "0", "preset": "ultrafast"}
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv444p"
        for index in range(frames):
            rgb = np.full((height, width, 3), 20 + 8 * index, np.uint8)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def level(rgb: np.ndarray) -> int:
    return round(float(rgb.mean()))


def test_reader_samples_and_holds(tmp_path: Path) -> None:
    reader = ClipReader(write_counter_clip(tmp_path / "clip.mp4"))
    assert reader.duration == pytest.approx(1.0, abs=0.05)
    # 24 fps clip read at 30 fps times: each time shows the latest frame at or before it.
    for t in (0.0, 0.04, 0.5, 0.99):
        assert level(reader.frame_at(t)) == pytest.approx(20 + 8 * int(t * 24 + 1e-6), abs=1)
    # Going back seeks; past the end the last frame holds.
    assert level(reader.frame_at(0.1)) == pytest.approx(20 + 8 * 2, abs=1)
    assert level(reader.frame_at(5.0)) == pytest.approx(20 + 8 * 23, abs=1)
    reader.close()


def test_clip_scene_is_conformed_to_the_frame(tmp_path: Path, write_image: object) -> None:
    clip = write_counter_clip(tmp_path / "clip.mp4", size=(320, 240))
    image = tmp_path / "still.png"
    image.write_bytes((Path(__file__).parent / "conftest.py").read_bytes()[:0] or b"")
    import cv2

    from tests.render.conftest import textured_image

    cv2.imwrite(str(image), textured_image(320, 240))
    board = with_scene(storyboard([image], duration=1.0, fps=30), 0, clip=str(clip))
    compositor = Compositor(board, size=(640, 360))
    frame = compositor.frame_rgb(0.5)
    assert frame.shape == (360, 640, 3)
    # Cover fit: the 4:3 clip fills the 16:9 frame, no bars.
    assert level(frame[:, :10]) == pytest.approx(20 + 8 * 12, abs=2)
    assert level(compositor.frame_rgb(0.0)) == pytest.approx(20, abs=2)


def test_a_damaged_clip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42 but nothing else")
    with pytest.raises(VideoStudioError, match=r"broken\.mp4"):
        ClipReader(path)
