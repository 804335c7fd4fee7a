"""The music track: decode any common audio file with PyAV, fit it to the video (start offset,
trim, loop with a short crossfade or pad with silence), apply volume and fades, and encode it
into the output container interleaved with the video.

Everything streams: `MusicStream` decodes only as far as it is read and holds a few seconds
of audio at most, so a ten-minute video costs no more memory than a ten-second one.
`load_music` is the convenience form that returns the whole track as one array.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Generator, Iterator
from contextlib import closing
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import av
import av.error
import numpy as np
import numpy.typing as npt
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler
from av.audio.stream import AudioStream
from av.codec.codec import Capabilities, UnknownCodecError
from av.container import InputContainer, OutputContainer

from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken

__all__ = [
    "DEFAULT_SAMPLE_RATE",
    "AudioTrackWriter",
    "MusicStream",
    "default_audio_codec",
    "load_music",
]

Samples = npt.NDArray[np.float32]

DEFAULT_SAMPLE_RATE = 48000
_CROSSFADE_SECONDS = 0.02  # long enough to hide the seam's discontinuity, too short to hear
_LOOP_CACHE_SECONDS = 5.0  # shorter music is looped from memory instead of re-decoded
_CACHED_CHUNK_SECONDS = 0.25  # a cached loop is handed out in chunks of about this length
_LOAD_BLOCK_SECONDS = 1.0

# Audio codec per output container format; a format missing here (gif) carries no audio.
_CODEC_BY_FORMAT: dict[str, str] = {
    "mp4": "aac",
    "mov": "aac",
    "ipod": "aac",
    "matroska": "aac",
    "webm": "libopus",
    "ogg": "libopus",
}
# Sample formats the writer can produce, in order of preference.
_WRITER_FORMATS = ("fltp", "flt", "s16p", "s16", "s32p", "s32")

_log = logging.getLogger("video_studio.render.audio")


def default_audio_codec(format_name: str) -> str | None:
    """The audio encoder for an output container format, or None when it has no audio."""
    return _CODEC_BY_FORMAT.get(format_name)


def _unusable(path: Path, reason: str) -> VideoStudioError:
    return VideoStudioError(
        VideoStudioErrorType.INVALID_INPUT,
        f"The music file '{path.name}' {reason}. Choose another music file.",
        details={"path": str(path)},
    )


def _empty() -> Samples:
    return np.zeros((2, 0), dtype=np.float32)


class _Fifo:
    """Stereo samples queued as chunks; `pop` always returns a new array, so callers may
    modify it without touching chunks that are shared (the loop cache)."""

    def __init__(self) -> None:
        self._chunks: deque[Samples] = deque()
        self.size = 0

    def push(self, chunk: Samples) -> None:
        if chunk.shape[1]:
            self._chunks.append(chunk)
            self.size += chunk.shape[1]

    def pop(self, count: int) -> Samples:
        parts = self._take(count)
        return np.concatenate(parts, axis=1) if parts else _empty()

    def drop(self, count: int) -> None:
        self._take(count)

    def _take(self, count: int) -> list[Samples]:
        count = min(count, self.size)
        parts: list[Samples] = []
        while count > 0:
            chunk = self._chunks[0]
            if chunk.shape[1] <= count:
                parts.append(self._chunks.popleft())
                count -= chunk.shape[1]
                self.size -= chunk.shape[1]
            else:
                parts.append(chunk[:, :count])
                self._chunks[0] = chunk[:, count:]
                self.size -= count
                count = 0
        return parts


def _open_audio(path: Path) -> InputContainer:
    """An input container with an audio stream, or the reason the file cannot be used."""
    if not path.exists():
        raise _unusable(path, "does not exist")
    if not path.is_file():
        raise _unusable(path, "is not a file")
    if path.stat().st_size == 0:
        raise _unusable(path, "is empty")
    try:
        container = av.open(str(path))
    except av.error.PermissionError:
        raise _unusable(path, "cannot be read (no permission)") from None
    except (av.error.FFmpegError, UnicodeDecodeError):
        raise _unusable(path, "cannot be decoded as audio") from None
    if not container.streams.audio:
        container.close()
        raise _unusable(path, "has no audio track")
    return container


def _to_stereo(frame: AudioFrame) -> Samples:
    planes: Samples = frame.to_ndarray().astype(np.float32, copy=False)
    if planes.shape[0] == 1:  # mono is copied to both sides at full level
        return np.repeat(planes, 2, axis=0)
    return planes


class _ToOutputRate:
    """Converts decoded frames to float32 stereo at the output rate; a new resampler takes
    over when the stream changes its rate or channels midway (joined MP3s, HE-AAC)."""

    def __init__(self, sample_rate: int) -> None:
        self._sample_rate = sample_rate
        self._resampler: AudioResampler | None = None
        self._input: tuple[str, str, int] | None = None

    def convert(self, frame: AudioFrame | None) -> Iterator[Samples]:
        if frame is not None:
            shape = (frame.format.name, frame.layout.name, frame.sample_rate)
            if shape != self._input:
                yield from self.convert(None)
                # Mono stays mono here (swresample would lower it by 3 dB when upmixing)
                # and is duplicated by _to_stereo; more channels are downmixed.
                layout = "mono" if frame.layout.nb_channels == 1 else "stereo"
                self._resampler = AudioResampler("fltp", layout, self._sample_rate)
                self._input = shape
        if self._resampler is None:
            return
        for out in self._resampler.resample(frame):
            yield _to_stereo(out)
        if frame is None:
            self._resampler, self._input = None, None


def _decoded_frames(container: InputContainer) -> Iterator[AudioFrame | None]:
    """The first audio stream's frames, then None to mark the end."""
    for packet in container.demux(container.streams.audio[0]):
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            continue  # a damaged packet: skip it as players do; a file of them fails later
        for frame in frames:
            if isinstance(frame, AudioFrame):
                yield frame
    yield None


def _decode_pass(path: Path, sample_rate: int) -> Generator[Samples, None, None]:
    """One pass over the file as float32 stereo chunks at `sample_rate`."""
    container = _open_audio(path)
    converter = _ToOutputRate(sample_rate)
    decoded = 0
    try:
        for frame in _decoded_frames(container):
            for chunk in converter.convert(frame):
                decoded += chunk.shape[1]
                yield chunk
    except av.error.FFmpegError:
        raise _unusable(path, "cannot be decoded as audio") from None
    finally:
        container.close()
    if decoded == 0:
        raise _unusable(path, "cannot be decoded as audio")


def _crossfade(tail: Samples, head: Samples) -> Samples:
    """Linear crossfade: the gains sum to 1, so the seam is never louder than either side."""
    ramp = (np.arange(head.shape[1], dtype=np.float32) + 0.5) / head.shape[1]
    mixed: Samples = tail * (1.0 - ramp) + head * ramp
    return mixed


class _MusicSignal:
    """The music as a signal of stereo chunks from the file's first sample: once through
    (`loop=False`) or repeated forever, each seam smoothed by a short crossfade.

    When looping, each pass after the first starts with the crossfade from the previous
    pass's last samples, so from `period` on the signal repeats every `period` samples.
    """

    def __init__(self, path: Path, sample_rate: int, loop: bool) -> None:
        self._path = path
        self._sample_rate = sample_rate
        self._loop = loop
        self.period: int | None = None
        self.decoded_samples = 0
        self._held = _Fifo()  # samples held back for the next seam's crossfade
        self._cache_samples = 0

    @property
    def buffered_samples(self) -> int:
        return self._held.size + self._cache_samples

    def chunks(self) -> Generator[Samples, None, None]:
        if not self._loop:
            yield from self._decode()
            return
        yield from self._looped()

    def _decode(self) -> Generator[Samples, None, None]:
        # closing(): the file is closed as soon as the reader stops, not when collected.
        with closing(_decode_pass(self._path, self._sample_rate)) as chunks:
            for chunk in chunks:
                self.decoded_samples += chunk.shape[1]
                yield chunk

    def _looped(self) -> Generator[Samples, None, None]:
        crossfade = round(_CROSSFADE_SECONDS * self._sample_rate)
        cache_limit = round(_LOOP_CACHE_SECONDS * self._sample_rate)
        cache: list[Samples] | None = []
        for chunk in self._decode():
            if cache is not None:
                cache.append(chunk)
                self._cache_samples += chunk.shape[1]
                if self._cache_samples > cache_limit:  # too long: later passes re-decode
                    cache, self._cache_samples = None, 0
            self._held.push(chunk)
            if self._held.size > crossfade:
                yield self._held.pop(self._held.size - crossfade)
        length = self.decoded_samples
        overlap = min(crossfade, length // 2)
        yield self._held.pop(self._held.size - overlap)
        tail = self._held.pop(overlap)
        self.period = length - overlap
        if cache is not None:
            yield from self._repeat_cached(cache, tail, overlap)
        else:
            yield from self._repeat_decoded(tail, overlap)

    def _repeat_cached(
        self, cache: list[Samples], tail: Samples, overlap: int
    ) -> Iterator[Samples]:
        music = np.concatenate(cache, axis=1)
        cache.clear()
        head, body = music[:, :overlap], music[:, overlap : music.shape[1] - overlap]
        block = np.concatenate([_crossfade(tail, head), body], axis=1)
        # Tile a tiny loop so the reader is not fed a chunk per few samples, and hand out a
        # long one in slices so the reader never holds a copy of all of it.
        step = round(_CACHED_CHUNK_SECONDS * self._sample_rate)
        block = np.tile(block, (1, math.ceil(step / block.shape[1])))
        self._cache_samples = block.shape[1]
        while True:
            for first in range(0, block.shape[1], step):
                yield block[:, first : first + step]

    def _repeat_decoded(self, tail: Samples, overlap: int) -> Iterator[Samples]:
        while True:
            needs_head = overlap > 0
            for chunk in self._decode():
                self._held.push(chunk)
                if needs_head:
                    if self._held.size < overlap:
                        continue
                    yield _crossfade(tail, self._held.pop(overlap))
                    needs_head = False
                if self._held.size > overlap:
                    yield self._held.pop(self._held.size - overlap)
            if needs_head or self._held.size < overlap:
                raise _unusable(self._path, "changed while the video was being made")
            tail = self._held.pop(overlap)


class _Reader:
    """Exact-size reads from a chunked signal, padded with silence after its end."""

    def __init__(self, signal: _MusicSignal, cancel: CancelToken | None) -> None:
        self._signal = signal
        self._chunks = signal.chunks()
        self._cancel = cancel
        self._fifo = _Fifo()
        self.exhausted = False

    @property
    def buffered_samples(self) -> int:
        return self._fifo.size + self._signal.buffered_samples

    def _fill(self, count: int) -> None:
        while self._fifo.size < count and not self.exhausted:
            if self._cancel is not None:
                self._cancel.raise_if_cancelled()
            try:
                self._fifo.push(next(self._chunks))
            except StopIteration:
                self.exhausted = True

    def prime(self) -> None:
        self._fill(1)

    def read(self, count: int) -> Samples:
        self._fill(count)
        block = self._fifo.pop(count)
        if block.shape[1] < count:
            block = np.pad(block, ((0, 0), (0, count - block.shape[1])))
        return block

    def skip(self, count: int) -> int:
        """Discard `count` samples; returns how many the signal had (fewer past its end)."""
        position, remaining = 0, count
        while remaining > 0:
            period = self._signal.period
            if period and position >= period:
                remaining %= period  # periodic from here on: skip whole loops for free
                if remaining == 0:
                    break
            self._fill(1)
            if not self._fifo.size:
                break
            step = min(remaining, self._fifo.size)
            self._fifo.drop(step)
            position += step
            remaining -= step
        return count - remaining

    def close(self) -> None:
        self._chunks.close()  # runs the decoders' cleanup, closing the file


class MusicStream:
    """The music track of a video, read in blocks of any size.

    `read(n)` returns the next n samples as float32 stereo, shape (2, n), with the start
    offset, loop or silence padding, volume, fades and clipping applied; after
    `samples_total` samples it returns empty arrays. Opening checks that the file is usable
    (VideoStudioError INVALID_INPUT naming the file otherwise).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        duration: float,
        volume: float = 1.0,
        fade_in: float = 0.0,
        fade_out: float = 0.0,
        start: float = 0.0,
        loop: bool = True,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        cancel: CancelToken | None = None,
    ) -> None:
        for name, value in (
            ("duration", duration),
            ("volume", volume),
            ("fade_in", fade_in),
            ("fade_out", fade_out),
            ("start", start),
        ):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be > 0, not {sample_rate!r}")
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.samples_total = round(duration * sample_rate)
        self.volume = volume
        self.position = 0
        span = self.samples_total / sample_rate
        if fade_in + fade_out > span:  # fades longer than the video share it in proportion
            scale = span / (fade_in + fade_out)
            fade_in, fade_out = fade_in * scale, fade_out * scale
        self.fade_in, self.fade_out = fade_in, fade_out
        self._signal = _MusicSignal(self.path, sample_rate, loop)
        self._reader = _Reader(self._signal, cancel)
        try:
            wanted = round(start * sample_rate)
            if self._reader.skip(wanted) < wanted:
                _log.warning(
                    "The music file '%s' is shorter than its start offset (%.2f s): "
                    "the video will have no music.",
                    self.path.name,
                    start,
                )
            self._reader.prime()  # decodes the first block, so a bad file fails here
        except BaseException:
            self.close()
            raise

    @property
    def duration(self) -> float:
        return self.samples_total / self.sample_rate

    @property
    def buffered_samples(self) -> int:
        """Decoded samples held in memory (read-ahead, seam overlap and loop cache)."""
        return self._reader.buffered_samples

    @property
    def decoded_samples(self) -> int:
        """Samples decoded from the file so far, at the output rate."""
        return self._signal.decoded_samples

    def read(self, count: int) -> Samples:
        count = max(0, min(count, self.samples_total - self.position))
        if count == 0:
            return _empty()
        block = self._reader.read(count)
        gains = self._gains(self.position, count)
        if gains is None:
            if self.volume != 1.0:
                block *= np.float32(self.volume)
        else:
            block *= gains
        np.clip(block, -1.0, 1.0, out=block)
        self.position += count
        return block

    def _gains(self, first: int, count: int) -> npt.NDArray[np.float32] | None:
        """Per-sample gain (volume times fade envelope), or None where only volume applies."""
        rate = self.sample_rate
        in_fade_in = self.fade_in > 0 and first < self.fade_in * rate
        in_fade_out = (
            self.fade_out > 0 and first + count > self.duration * rate - self.fade_out * rate
        )
        if not (in_fade_in or in_fade_out):
            return None
        seconds = (first + np.arange(count, dtype=np.float64)) / rate
        envelope = np.ones(count)
        with np.errstate(over="ignore"):  # a fade of a tiny fraction of a sample: inf is fine
            if in_fade_in:
                envelope = np.minimum(envelope, seconds / self.fade_in)
            if in_fade_out:
                envelope = np.minimum(envelope, (self.duration - seconds) / self.fade_out)
        return (np.clip(envelope, 0.0, 1.0) * self.volume).astype(np.float32)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def load_music(
    path: Path | str,
    *,
    duration: float,
    volume: float = 1.0,
    fade_in: float = 0.0,
    fade_out: float = 0.0,
    start: float = 0.0,
    loop: bool = True,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    cancel: CancelToken | None = None,
) -> Samples:
    """The whole music track for a video of `duration` seconds: float32, shape (2, N) with
    N = round(duration * sample_rate). See MusicStream for the long-video form."""
    with MusicStream(
        path,
        duration=duration,
        volume=volume,
        fade_in=fade_in,
        fade_out=fade_out,
        start=start,
        loop=loop,
        sample_rate=sample_rate,
        cancel=cancel,
    ) as stream:
        track = np.empty((2, stream.samples_total), dtype=np.float32)
        block = max(1, round(_LOAD_BLOCK_SECONDS * sample_rate))
        for first in range(0, stream.samples_total, block):
            part = stream.read(block)
            track[:, first : first + part.shape[1]] = part
        return track


def _encode_error(error: Exception) -> VideoStudioError:
    return VideoStudioError(
        VideoStudioErrorType.ENCODING,
        "The music could not be encoded into the video.",
        details={"error": str(error)},
    )


def _frame_from(block: Samples, sample_format: str) -> AudioFrame:
    """An AudioFrame in the encoder's sample format from float32 stereo samples."""
    planar = sample_format.endswith("p")
    data: npt.NDArray[Any] = block if planar else block.T.reshape(1, -1)
    if sample_format.startswith("s16"):
        data = np.round(data * 32767.0).astype(np.int16)
    elif sample_format.startswith("s32"):
        data = np.round(data.astype(np.float64) * 2147483647.0).astype(np.int32)
    return av.AudioFrame.from_ndarray(
        np.ascontiguousarray(data), format=sample_format, layout="stereo"
    )


class AudioTrackWriter:
    """Encodes a MusicStream into an audio stream of an open output container.

    Create it before the first packet is muxed (the container writes its header then), call
    `write_until(t)` after each video frame so audio and video packets interleave, and
    `finish()` before closing the container. Timestamps count samples from 0, so the track
    starts with the video.
    """

    def __init__(
        self,
        container: OutputContainer,
        source: MusicStream,
        *,
        codec: str | None = None,
        bitrate: int = 192_000,
    ) -> None:
        format_name = container.format.name
        codec_name = codec or default_audio_codec(format_name)
        if codec_name is None:
            raise ValueError(f"no audio codec for the {format_name!r} format: pass codec=")
        if source.position != 0:
            raise ValueError("the music stream must not have been read before")
        rate = source.sample_rate
        self._container = container
        self._source = source
        self._finished = False
        self._next_pts = 0
        try:
            info = av.Codec(codec_name, "w")
        except UnknownCodecError as error:  # an encoder missing from this FFmpeg build
            raise _encode_error(error) from error
        if info.type != "audio":
            raise ValueError(f"{codec_name} is not an audio encoder")
        if info.audio_rates and rate not in info.audio_rates:
            raise ValueError(f"{codec_name} cannot encode {rate} Hz audio")
        try:
            stream = container.add_stream(codec_name, rate=rate)
            assert isinstance(stream, AudioStream)  # an audio codec makes an audio stream
            stream.layout = "stereo"
            stream.bit_rate = bitrate
            names = [fmt.name for fmt in info.audio_formats or ()]
            self._sample_format = next((f for f in _WRITER_FORMATS if f in names), "fltp")
            stream.format = self._sample_format
            stream.codec_context.time_base = Fraction(1, rate)
            stream.time_base = Fraction(1, rate)
            # Opened now to learn the frame size; the container leaves opened codecs as they are.
            stream.codec_context.open()
        except av.error.FFmpegError as error:
            raise _encode_error(error) from error
        self.stream = stream
        self._frame_size = stream.codec_context.frame_size or 1024
        self._short_last_frame = bool(
            info.capabilities & (Capabilities.small_last_frame | Capabilities.variable_frame_size)
        )

    @property
    def written_seconds(self) -> float:
        """Presentation time up to which audio has been encoded."""
        return self._next_pts / self._source.sample_rate

    def write_until(self, seconds: float) -> None:
        """Encode whole encoder frames up to `seconds` (less than one frame may remain)."""
        if self._finished:
            return
        target = min(self._source.samples_total, max(0, round(seconds * self._source.sample_rate)))
        while self._next_pts + self._frame_size <= target:
            self._encode(self._source.read(self._frame_size))

    def finish(self) -> None:
        """Encode the rest of the music and flush the encoder (once)."""
        if self._finished:
            return
        while self._next_pts < self._source.samples_total:
            block = self._source.read(self._frame_size)
            if block.shape[1] < self._frame_size and not self._short_last_frame:
                block = np.pad(block, ((0, 0), (0, self._frame_size - block.shape[1])))
            self._encode(block)
        self._finished = True
        self._mux(None)

    def _encode(self, block: Samples) -> None:
        frame = _frame_from(block, self._sample_format)
        frame.sample_rate = self._source.sample_rate
        frame.time_base = Fraction(1, self._source.sample_rate)
        frame.pts = self._next_pts
        self._next_pts += block.shape[1]
        self._mux(frame)

    def _mux(self, frame: AudioFrame | None) -> None:
        try:
            self._container.mux(self.stream.encode(frame))
        except OSError:
            raise  # disk full and the like: the error classifier words these
        except av.error.FFmpegError as error:
            raise _encode_error(error) from error
