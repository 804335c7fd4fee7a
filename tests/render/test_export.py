"""Export to real files, probed with PyAV: codecs, colour tags, audio, progress, cancel, and
that nothing is ever left at the target when an export does not finish."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests.render.conftest import decoded_frames, probe, storyboard, with_fields
from video_studio.error_types import CancelledByUser, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken, Progress
from video_studio.models import AudioConfig
from video_studio.render.codecs import Codec
from video_studio.render.encoder import EncodeSettings
from video_studio.render.export import ExportOptions, export_video

WriteImage = Callable[..., Path]
SMALL = (320, 180)


def write_tone(path: Path, seconds: float = 3.0, rate: int = 44100) -> Path:
    """A real WAV music file (a 440 Hz tone)."""
    samples = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(
        np.float32
    )
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            (samples * 32767).astype(np.int16)[None, :], format="s16", layout="mono"
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if "partial" in name)


def test_h264_mp4_with_bt709_tags_faststart_and_audio(
    write_image: WriteImage, tmp_path: Path
) -> None:
    board = with_fields(
        storyboard([write_image("a.png", seed=1), write_image("b.png", seed=2)], duration=1.0),
        audio=AudioConfig(path=str(write_tone(tmp_path / "tone.wav")), fade_in=0.2, fade_out=0.2),
    )
    seen: list[Progress] = []
    result = export_video(
        board, tmp_path / "out.mp4", ExportOptions(size=SMALL), progress=seen.append
    )
    info = probe(result.path)
    assert (info.codec, info.width, info.height, info.pix_fmt) == ("h264", 320, 180, "yuv420p")
    assert info.frames == 60 and result.frames == 60
    assert (info.colorspace, info.color_primaries, info.color_trc, info.color_range) == (1, 1, 1, 1)
    assert (info.audio_codec, info.audio_rate, info.audio_channels) == ("aac", 48000, 2)
    data = result.path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: playable while downloading
    assert seen[-1].done == 60 and seen[-1].fraction == 1.0
    assert any(p.eta_seconds is not None for p in seen)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("codec", "suffix", "name", "pix_fmt"),
    [
        (Codec.H265, ".mp4", "hevc", "yuv420p"),
        (Codec.VP9, ".webm", "vp9", "yuv420p"),
        (Codec.PRORES, ".mov", "prores", "yuv422p10le"),
        (Codec.GIF, ".gif", "gif", None),
    ],
)
def test_other_codecs(
    write_image: WriteImage,
    tmp_path: Path,
    codec: Codec,
    suffix: str,
    name: str,
    pix_fmt: str | None,
) -> None:
    board = storyboard([write_image()], duration=0.5)
    options = ExportOptions(encode=EncodeSettings(codec=codec), size=SMALL)
    result = export_video(board, tmp_path / f"out{suffix}", options)
    info = probe(result.path)
    assert info.codec == name
    assert (info.width, info.height) == SMALL
    if pix_fmt:
        assert info.pix_fmt == pix_fmt
        assert info.colorspace == 1
    expected_frames = 8 if codec is Codec.GIF else 15  # GIFs are capped at 15 fps
    assert info.frames == expected_frames


def test_mid_grey_decodes_within_two_levels(tmp_path: Path) -> None:
    grey = np.full((400, 600, 3), 128, np.uint8)
    path = tmp_path / "grey.png"
    cv2.imwrite(str(path), grey)
    result = export_video(
        storyboard([path], duration=0.3),
        tmp_path / "grey.mp4",
        ExportOptions(encode=EncodeSettings(crf=10), size=SMALL),
    )
    for frame in decoded_frames(result.path):
        assert np.abs(frame.astype(int) - 128).max() <= 2


def test_static_scene_at_high_quality_matches_the_crop(
    write_image: WriteImage, tmp_path: Path
) -> None:
    from tests.render.conftest import psnr, read_rgb
    from tests.render.test_compositor import expected_cover

    path = write_image(width=900, height=700)
    rgb = read_rgb(path)
    result = export_video(
        storyboard([path], duration=0.3),
        tmp_path / "still.mp4",
        ExportOptions(encode=EncodeSettings(crf=8, preset="medium"), size=(640, 360)),
    )
    frames = decoded_frames(result.path)
    assert psnr(frames[len(frames) // 2], expected_cover(rgb, 640, 360)) >= 40


def test_wrong_suffix_and_missing_folder_are_refused_before_any_work(
    write_image: WriteImage, tmp_path: Path
) -> None:
    board = storyboard([write_image()])
    with pytest.raises(VideoStudioError, match=r"out\.webm"):
        export_video(
            board, tmp_path / "out.mp4", ExportOptions(encode=EncodeSettings(codec=Codec.VP9))
        )
    with pytest.raises(VideoStudioError, match="does not exist"):
        export_video(board, tmp_path / "no" / "out.mp4")
    assert os.listdir(tmp_path) == ["photo.png"]


def test_cancel_takes_effect_quickly_and_leaves_nothing(
    write_image: WriteImage, tmp_path: Path
) -> None:
    board = storyboard([write_image(width=1600, height=1200)], duration=20.0)
    cancel = CancelToken()
    started = threading.Event()
    outcome: list[BaseException] = []

    def on_progress(progress: Progress) -> None:
        if progress.done and progress.done > 10:
            started.set()

    def run() -> None:
        try:
            export_video(
                board,
                tmp_path / "long.mp4",
                ExportOptions(size=(1280, 720)),
                cancel=cancel,
                progress=on_progress,
            )
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(30)
    requested = time.monotonic()
    cancel.cancel()
    worker.join(10)
    assert not worker.is_alive()
    assert time.monotonic() - requested < 0.5
    assert len(outcome) == 1 and isinstance(outcome[0], CancelledByUser)
    assert not (tmp_path / "long.mp4").exists()
    assert leftovers(tmp_path) == []


def test_a_failure_while_rendering_leaves_nothing(write_image: WriteImage, tmp_path: Path) -> None:
    first, second = write_image("a.png", seed=1), write_image("b.png", seed=2)
    board = storyboard([first, second], duration=1.0)
    # Scenes are opened when the render reaches them: this one fails after 30 frames.
    second.write_bytes(b"not an image any more")
    seen: list[Progress] = []
    with pytest.raises(VideoStudioError) as caught:
        export_video(board, tmp_path / "out.mp4", ExportOptions(size=SMALL), progress=seen.append)
    assert "b.png" in str(caught.value)
    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert not (tmp_path / "out.mp4").exists()
    assert leftovers(tmp_path) == []


@contextlib.contextmanager
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 600 KB file system (tmpfs; needs root, as CI and ./test.sh have)."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.fail("this test mounts a small tmpfs and needs root: run it through ./test.sh")
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount_point)], check=True
    )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_is_reported_plainly_and_leaves_nothing(
    write_image: WriteImage, tmp_path: Path
) -> None:
    board = storyboard([write_image(width=1600, height=1200)], duration=6.0)
    with small_disk(tmp_path) as folder:
        with pytest.raises(VideoStudioError) as caught:
            export_video(board, folder / "out.mp4", ExportOptions(encode=EncodeSettings(crf=0)))
        assert caught.value.error_type is VideoStudioErrorType.DISK_FULL
        assert "disk is full" in str(caught.value)
        assert os.listdir(folder) == []


def test_memory_stays_flat_for_a_longer_video(write_image: WriteImage, tmp_path: Path) -> None:
    """Peak memory of a 20 s export is close to a 4 s one (streaming, bounded queues)."""
    images = [str(write_image(f"i{i}.png", seed=i + 1)) for i in range(4)]
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from tests.render.conftest import storyboard\n"
        "from video_studio.render.export import export_video, ExportOptions\n"
        "images = [Path(p) for p in sys.argv[2:]]\n"
        "seconds = float(sys.argv[1])\n"
        "board = storyboard(images * int(seconds // 4), duration=1.0)\n"
        "export_video(board, Path(sys.argv[0] + '.mp4'), ExportOptions(size=(640, 360)))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    peaks = []
    for seconds in ("4", "20"):
        done = subprocess.run(
            [sys.executable, "-c", script, seconds, *images],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parents[2],
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        )
        peaks.append(int(done.stdout.strip().splitlines()[-1]))
    assert peaks[1] < peaks[0] * 1.15, peaks


def test_lossless_export_is_exactly_the_compositor_frames(
    write_image: WriteImage, tmp_path: Path
) -> None:
    """Frames rendered straight into the encoder's reused frames arrive intact, in order."""
    from video_studio.render.compositor import Compositor

    board = storyboard([write_image("a.png", seed=1), write_image("b.png", seed=2)], duration=0.5)
    board = with_fields(board, scenes=[s.model_copy(update={"motion": None}) for s in board.scenes])
    options = ExportOptions(encode=EncodeSettings(crf=0, preset="ultrafast"), size=SMALL)
    result = export_video(board, tmp_path / "lossless.mp4", options)
    compositor = Compositor(board, size=SMALL)
    with av.open(str(result.path)) as container:
        decoded = [frame.to_ndarray(format="yuv420p") for frame in container.decode(video=0)]
    assert len(decoded) == 30
    for index, frame in enumerate(decoded):
        assert np.array_equal(frame, compositor.frame(index / 30).contiguous()), index
