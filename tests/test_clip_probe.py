"""The clip check every downloaded or generated clip passes: complete, playable, measured."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from tests.emulators.media import image_bytes, tiny_mp4
from video_studio.clip_probe import probe_clip


def test_a_whole_clip_is_measured(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(tiny_mp4())
    facts = probe_clip(path)
    assert (facts.frames, facts.width, facts.height) == (24, 256, 144)
    assert facts.duration == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("keep", [0.5, 0.8, 0.97])
def test_a_clip_cut_short_is_refused(tmp_path: Path, keep: float) -> None:
    data = tiny_mp4()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises((ValueError, av.FFmpegError)):
        probe_clip(path)


@pytest.mark.parametrize(
    ("name", "data"),
    [("still.png", image_bytes()), ("empty.mp4", b""), ("text.mp4", b"not a video at all")],
)
def test_what_is_not_a_video_is_refused(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises((ValueError, av.FFmpegError)):
        probe_clip(path)


def _faststart_clip(path: Path, frames: int = 48) -> bytes:
    """An MP4 with its index first, as services serve them: a cut keeps the index."""
    import numpy as np

    with av.open(str(path), "w", container_options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        rng = np.random.default_rng(3)
        for _ in range(frames):  # noise: every frame is big, so a cut loses whole frames
            pixels = rng.integers(0, 255, (180, 320, 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(stream.encode())
    return path.read_bytes()


def test_a_faststart_clip_cut_in_its_frames_is_refused(tmp_path: Path) -> None:
    data = _faststart_clip(tmp_path / "whole.mp4")
    assert data.find(b"moov") < data.find(b"mdat")
    assert probe_clip(tmp_path / "whole.mp4").frames == 48
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    with pytest.raises(ValueError, match="of its 48 frames"):
        probe_clip(cut)
