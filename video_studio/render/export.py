"""Export: a storyboard rendered and encoded to a file, with progress, ETA and cancel.

Frames are rendered a few ahead of the encoder by a small thread pool (OpenCV and x264
release the GIL, so both cores stay busy), handed to PyAV in order, and their buffers
reused: memory stays flat however long the video. The file is written beside the target
under a temporary name and renamed into place only when complete, so a cancelled or
failed export never leaves a file at the target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from video_studio.error_types import CancelledByUser, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken, ProgressCallback, ProgressMeter
from video_studio.render.audio import AudioTrackWriter, MusicStream
from video_studio.render.codecs import CODECS, Codec
from video_studio.render.color import yuv420_to_rgb
from video_studio.render.compositor import Compositor
from video_studio.render.encoder import (
    EncodeSettings,
    FrameSlot,
    VideoEncoder,
    output_geometry,
)
from video_studio.storyboard import Storyboard

# Frames rendered ahead of the encoder; each holds one frame buffer.
RENDER_AHEAD = 6
# Scenes starting within this many seconds are prepared (decoded) in the background.
PREFETCH_SECONDS = 1.0


def default_render_workers() -> int:
    """One render thread per core beyond the encoder's: on 2 cores a second one measured no
    faster (x264's threads fill the other core) and costs memory."""
    return max(1, (os.cpu_count() or 2) - 1)


GIF_PALETTE_SAMPLES = 8


@dataclass(frozen=True)
class ExportOptions:
    encode: EncodeSettings = field(default_factory=EncodeSettings)
    size: tuple[int, int] | None = None  # None: the storyboard's frame size
    fps: float | None = None  # None: the storyboard's
    workers: int = field(default_factory=default_render_workers)  # render threads
    audio_bitrate: int = 192_000


@dataclass(frozen=True)
class ExportResult:
    path: Path
    frames: int
    duration: float
    elapsed: float
    size: tuple[int, int]
    fps: float
    bytes: int

    @property
    def render_fps(self) -> float:
        return self.frames / self.elapsed if self.elapsed > 0 else 0.0


def export_video(
    storyboard: Storyboard,
    output: Path,
    options: ExportOptions | None = None,
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> ExportResult:
    """Render and encode `storyboard` to `output`. Raises VideoStudioError (or
    CancelledByUser) and then leaves nothing at `output` nor beside it."""
    options = options or ExportOptions()
    cancel = cancel or CancelToken()
    codec = options.encode.codec
    output = _checked_output(Path(output), codec)
    size, fps = output_geometry(
        codec, options.size or storyboard.frame_size, options.fps or storyboard.fps
    )
    compositor = Compositor(storyboard, size=size, fps=fps)
    compositor.prefetch(0.0)  # the first scene decodes while the encoder opens
    temporary = output.with_name(f".{output.stem}.partial-{uuid.uuid4().hex[:8]}{output.suffix}")
    started = time.monotonic()
    previous_threads = cv2.getNumThreads()
    # One OpenCV thread per render worker: splitting each call costs more CPU than it saves
    # when the workers and x264 already fill the cores.
    cv2.setNumThreads(1)
    encoder: VideoEncoder | None = None
    try:
        encoder = VideoEncoder(temporary, options.encode, size, fps)
        _encode_all(compositor, encoder, storyboard, options, cancel=cancel, progress=progress)
        encoder.finish()
        encoder = None
        os.replace(temporary, output)
    except BaseException as error:
        if encoder is not None:
            encoder.abandon()
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise _explained(error, output) from error
    finally:
        cv2.setNumThreads(previous_threads)
    return ExportResult(
        path=output,
        frames=compositor.frame_count,
        duration=compositor.frame_count / fps,
        elapsed=time.monotonic() - started,
        size=size,
        fps=fps,
        bytes=output.stat().st_size,
    )


def _encode_all(
    compositor: Compositor,
    encoder: VideoEncoder,
    storyboard: Storyboard,
    options: ExportOptions,
    *,
    cancel: CancelToken,
    progress: ProgressCallback | None,
) -> None:
    total = compositor.frame_count
    meter = ProgressMeter(total, progress, unit_message="Rendering")
    meter.update(0, "Preparing", force=True)
    gif = options.encode.codec is Codec.GIF
    if gif:
        samples = [
            yuv420_to_rgb(
                *compositor.frame(compositor.duration * (i + 0.5) / GIF_PALETTE_SAMPLES).planes
            )
            for i in range(GIF_PALETTE_SAMPLES)
        ]
        encoder.set_gif_palette(samples)
    audio = _audio_writer(encoder, storyboard, compositor.duration, options, cancel)
    try:
        slots = _rendered_frames(compositor, encoder, options.workers, cancel)
        for index, slot in enumerate(slots):
            rgb = yuv420_to_rgb(*slot.frame.planes) if gif else None
            encoder.encode_slot(slot, index, rgb)
            if audio is not None:
                audio.write_until((index + 1) / compositor.fps)
            cancel.raise_if_cancelled()
            meter.update(index + 1)
        if audio is not None:
            audio.finish()
    finally:
        if audio is not None:
            audio.close()


@dataclass
class _Audio:
    writer: AudioTrackWriter
    stream: MusicStream

    def write_until(self, seconds: float) -> None:
        self.writer.write_until(seconds)

    def finish(self) -> None:
        self.writer.finish()

    def close(self) -> None:
        self.stream.close()


def _audio_writer(
    encoder: VideoEncoder,
    storyboard: Storyboard,
    duration: float,
    options: ExportOptions,
    cancel: CancelToken,
) -> _Audio | None:
    music = storyboard.audio
    codec = options.encode.spec.audio_codec
    if music is None or codec is None:
        return None
    stream = MusicStream(
        storyboard.resolve_path(music.path),
        duration=duration,
        volume=music.volume,
        fade_in=music.fade_in,
        fade_out=music.fade_out,
        start=music.start,
        loop=music.loop,
        cancel=cancel,
    )
    try:
        writer = AudioTrackWriter(
            encoder.container, stream, codec=codec, bitrate=options.audio_bitrate
        )
    except BaseException:
        stream.close()
        raise
    return _Audio(writer, stream)


def _rendered_frames(
    compositor: Compositor, encoder: VideoEncoder, workers: int, cancel: CancelToken
) -> Iterator[FrameSlot]:
    """Frames in order, rendered RENDER_AHEAD ahead by `workers` threads into reused slots."""
    free: deque[FrameSlot] = deque(encoder.new_slot() for _ in range(RENDER_AHEAD + 1))
    lock = threading.Lock()

    def render(index: int, slot: FrameSlot) -> FrameSlot:
        if cancel.cancelled:
            return slot
        compositor.render_into(compositor.time_of(index), slot.frame)
        return slot

    pending: deque[Future[FrameSlot]] = deque()
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="render") as pool:
        try:
            next_index = 0
            for _ in range(compositor.frame_count):
                while next_index < compositor.frame_count and len(pending) < RENDER_AHEAD:
                    with lock:
                        buffer = free.popleft()
                    compositor.prefetch(compositor.time_of(next_index) + PREFETCH_SECONDS)
                    pending.append(pool.submit(render, next_index, buffer))
                    next_index += 1
                frame = pending.popleft().result()
                cancel.raise_if_cancelled()
                yield frame
                with lock:
                    free.append(frame)  # the encoder has copied it
        finally:
            for future in pending:
                future.cancel()


def _checked_output(output: Path, codec: Codec) -> Path:
    """The target, refused early when it cannot work (wrong suffix, missing folder)."""
    suffix = CODECS[codec].suffix
    if output.suffix.lower() != suffix:
        raise VideoStudioError(
            VideoStudioErrorType.INVALID_INPUT,
            f"{output.name}: {codec.value} videos are written as {suffix} files; "
            f"name the output {output.with_suffix(suffix).name}.",
        )
    folder = output.parent
    if not folder.is_dir():
        raise VideoStudioError(
            VideoStudioErrorType.INVALID_INPUT,
            f"The folder {folder} does not exist. Choose an existing folder for the video.",
        )
    if not os.access(folder, os.W_OK):
        raise VideoStudioError(
            VideoStudioErrorType.STORAGE,
            f"Video Studio may not write in {folder}. Choose another folder.",
        )
    if output.is_dir():
        raise VideoStudioError(
            VideoStudioErrorType.INVALID_INPUT, f"{output} is a folder, not a file name."
        )
    return output


def _explained(error: BaseException, output: Path) -> BaseException:
    """Disk-full and other write failures in words that name the target."""
    if isinstance(error, (VideoStudioError, CancelledByUser, KeyboardInterrupt)):
        return error
    code = getattr(error, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return VideoStudioError(
            VideoStudioErrorType.DISK_FULL,
            f"The disk is full: {output.name} could not be written in {output.parent}. "
            "Free some space or choose another folder; nothing was left behind.",
            details={"error": str(error)},
        )
    return error
