"""Video encoding with PyAV: codec and container settings, colour tags, and frame hand-off.

H.264 MP4 is the default (yuv420p, BT.709 tagged, faststart). H.265 MP4 (tagged hvc1 for
Apple players), VP9 WebM, ProRes 422 HQ MOV, and GIF are the others.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from av.video.stream import VideoStream
from PIL import Image

from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.render.codecs import CODECS, Codec, CodecSpec
from video_studio.render.frame import YuvFrame

# BT.709 primaries, transfer and matrix; limited ("MPEG") range: what the frames hold.
_BT709 = 1
_LIMITED_RANGE = 1
GIF_MAX_FPS = 15
GIF_MAX_SIDE = 720


@dataclass(frozen=True)
class EncodeSettings:
    codec: Codec = Codec.H264
    crf: int | None = None
    preset: str | None = None

    @property
    def spec(self) -> CodecSpec:
        return CODECS[self.codec]

    @property
    def effective_crf(self) -> int | None:
        return self.crf if self.crf is not None else self.spec.default_crf

    @property
    def effective_preset(self) -> str | None:
        return self.preset or self.spec.default_preset


def output_geometry(
    codec: Codec, size: tuple[int, int], fps: float
) -> tuple[tuple[int, int], float]:
    """GIFs are kept small and at most 15 fps: a full HD GIF is tens of megabytes a second."""
    if codec is not Codec.GIF:
        return size, fps
    width, height = size
    factor = min(1.0, GIF_MAX_SIDE / max(width, height))
    even = (max(2, round(width * factor / 2) * 2), max(2, round(height * factor / 2) * 2))
    return even, min(fps, GIF_MAX_FPS)


def _stream_options(settings: EncodeSettings) -> dict[str, str]:
    crf, preset = settings.effective_crf, settings.effective_preset
    if settings.codec is Codec.H264:
        # chromaloc=1: our chroma samples sit at the centre of each 2x2 block (the default
        # "left" would make players shift colour by half a pixel).
        return {"crf": str(crf), "preset": preset or "veryfast", "x264-params": "chromaloc=1"}
    if settings.codec is Codec.H265:
        return {
            "crf": str(crf),
            "preset": preset or "fast",
            "x265-params": "log-level=error:chromaloc=1",
        }
    if settings.codec is Codec.VP9:
        speed = {"ultrafast": "8", "veryfast": "6", "fast": "5", "medium": "4", "slow": "2"}
        return {
            "crf": str(crf),
            "b": "0",
            "deadline": "good",
            "cpu-used": speed.get(preset or "veryfast", "5"),
            "row-mt": "1",
        }
    if settings.codec is Codec.PRORES:
        return {"profile": "3", "vendor": "apl0"}  # 422 HQ
    return {}


@dataclass
class FrameSlot:
    """A reusable frame to render into. With `video_frame`, its planes are that encoder
    frame's own memory (no copy at hand-off); otherwise `frame` is copied when encoded."""

    frame: YuvFrame
    video_frame: av.VideoFrame | None = None


# Encoders that copy the picture before encode() returns, so a frame may be reused at once.
_COPYING_ENCODERS = frozenset({Codec.H264, Codec.H265})


def _plane_view(plane: Any, width: int, height: int) -> np.ndarray:
    rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:height]
    return rows[:, :width]


class VideoEncoder:
    """Opens the container, encodes frames in order, and closes (or abandons) the file."""

    def __init__(
        self, path: Path, settings: EncodeSettings, size: tuple[int, int], fps: float
    ) -> None:
        self.path = path
        self.settings = settings
        self.width, self.height = size
        spec = settings.spec
        options = {"movflags": "+faststart"} if spec.container in ("mp4", "mov") else {}
        self.container = av.open(str(path), mode="w", format=spec.container, options=options)
        rate = Fraction(fps).limit_denominator(1001)
        try:
            stream = self.container.add_stream(
                spec.encoder, rate=rate, options=_stream_options(settings)
            )
        except (av.error.FFmpegError, ValueError) as error:
            self.container.close()
            raise VideoStudioError(
                VideoStudioErrorType.ENCODING,
                f"The {settings.codec.value} encoder is not available in this installation.",
                details={"error": str(error)},
            ) from None
        assert isinstance(stream, VideoStream)  # a video encoder makes a video stream
        self.stream: VideoStream = stream
        self.stream.width, self.stream.height = self.width, self.height
        self.stream.pix_fmt = spec.pix_fmt
        self.stream.time_base = Fraction(1, 1) / rate
        context = self.stream.codec_context
        context.thread_type = "FRAME"  # x264's sliced default is 13 % slower on 2 cores
        if settings.codec is not Codec.GIF:
            context.colorspace = _BT709
            context.color_primaries = _BT709
            context.color_trc = _BT709
            context.color_range = _LIMITED_RANGE
        if settings.codec is Codec.H265:
            self.stream.codec_tag = "hvc1"
        self._palette: np.ndarray | None = None
        self._palette_image: Image.Image | None = None

    def set_gif_palette(self, sample_frames: list[np.ndarray]) -> None:
        """One palette for the whole GIF, from a few RGB frames (no flicker between frames)."""
        mosaic = np.concatenate(sample_frames, axis=0)
        palette_image = Image.fromarray(mosaic).quantize(
            colors=255, method=Image.Quantize.MEDIANCUT
        )
        self._palette_image = palette_image
        entries = palette_image.getpalette() or []
        rgb = np.array(entries[: 256 * 3], np.uint8).reshape(-1, 3)
        rgb = np.vstack([rgb, np.zeros((256 - len(rgb), 3), np.uint8)])
        argb = np.column_stack([np.full(256, 255, np.uint8), rgb])
        self._palette = argb

    def new_slot(self) -> FrameSlot:
        if self.settings.codec not in _COPYING_ENCODERS:
            return FrameSlot(YuvFrame.allocate(self.width, self.height))
        video_frame = av.VideoFrame(self.width, self.height, "yuv420p")
        video_frame.colorspace = _BT709
        video_frame.color_range = _LIMITED_RANGE
        planes = video_frame.planes
        half_w, half_h = self.width // 2, self.height // 2
        views = (
            _plane_view(planes[0], self.width, self.height),
            _plane_view(planes[1], half_w, half_h),
            _plane_view(planes[2], half_w, half_h),
        )
        return FrameSlot(YuvFrame.wrap(views), video_frame)

    def encode_slot(self, slot: FrameSlot, index: int, rgb: np.ndarray | None = None) -> None:
        if slot.video_frame is None:
            self.encode(slot.frame, index, rgb)
            return
        slot.video_frame.pts = index
        self._mux(self.stream.encode(slot.video_frame))

    def encode(self, frame: YuvFrame, index: int, rgb: np.ndarray | None = None) -> None:
        video_frame = self._to_av(frame, rgb)
        video_frame.pts = index
        self._mux(self.stream.encode(video_frame))

    def _to_av(self, frame: YuvFrame, rgb: np.ndarray | None) -> av.VideoFrame:
        if self.settings.codec is Codec.GIF:
            assert rgb is not None and self._palette_image is not None and self._palette is not None
            indexed = Image.fromarray(rgb).quantize(
                palette=self._palette_image, dither=Image.Dither.FLOYDSTEINBERG
            )
            # PyAV takes pal8 as an (indices, ARGB palette) pair, which its stubs do not know.
            pair: Any = (np.asarray(indexed, np.uint8), self._palette)
            return av.VideoFrame.from_ndarray(pair, format="pal8")
        video_frame = av.VideoFrame.from_ndarray(frame.contiguous(), format="yuv420p")
        video_frame.colorspace = _BT709
        video_frame.color_range = _LIMITED_RANGE
        if self.settings.spec.pix_fmt != "yuv420p":
            video_frame = video_frame.reformat(format=self.settings.spec.pix_fmt)
        return video_frame

    def _mux(self, packets: Iterable[Any]) -> None:
        for packet in packets:
            self.container.mux(packet)

    def finish(self) -> None:
        """Flush the encoder and close the file (complete)."""
        self._mux(self.stream.encode(None))
        self.container.close()

    def abandon(self) -> None:
        """Close without flushing (after a cancel or a failure); the caller deletes the file."""
        with contextlib.suppress(av.error.FFmpegError, OSError):  # the file is thrown away
            self.container.close()
