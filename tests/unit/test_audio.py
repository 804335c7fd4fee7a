"""The music track: real audio files of every supported format are written with PyAV, decoded,
fitted to the video (offset, trim, loop, padding), shaped (volume, fades, clipping) and muxed
into real MP4 and WebM files that are probed back with PyAV."""

from __future__ import annotations

import logging
import tracemalloc
import wave
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest
from av.audio.resampler import AudioResampler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from video_studio.error_types import CancelledByUser, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken
from video_studio.render.audio import (
    AudioTrackWriter,
    MusicStream,
    default_audio_codec,
    load_music,
)

Signal = npt.NDArray[np.float64]
RATE = 48000


# --- writing real input files ----------------------------------------------------------------


def tone(seconds: float, rate: int, frequency: float = 1000.0, amplitude: float = 0.5) -> Signal:
    """A mono sine, shape (1, n)."""
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t))[None, :]


def clicks(seconds: float, rate: int, at: list[float], amplitude: float = 0.9) -> Signal:
    """Silence with single-sample impulses at the given times, shape (1, n)."""
    signal = np.zeros((1, round(seconds * rate)))
    for time in at:
        signal[0, round(time * rate)] = amplitude
    return signal


def write_audio(path: Path, signal: Signal, rate: int, codec: str, container_format: str) -> Path:
    """Encode `signal` (channels, n) with PyAV, converting to the encoder's sample format
    and frame size with a resampler."""
    layout = {1: "mono", 2: "stereo"}[signal.shape[0]]
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = layout
        if av.Codec(codec, "w").experimental:
            stream.codec_context.options = {"strict": "experimental"}
        stream.codec_context.open()
        converter = AudioResampler(
            format=stream.format.name,
            layout=layout,
            rate=rate,
            frame_size=stream.codec_context.frame_size or 1024,
        )
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(signal, dtype=np.float32), format="fltp", layout=layout
        )
        frame.sample_rate = rate
        frame.pts = 0
        frame.time_base = Fraction(1, rate)
        for converted in converter.resample(frame) + converter.resample(None):
            container.mux(stream.encode(converted))
        container.mux(stream.encode(None))
    return path


def write_wav(path: Path, signal: Signal, rate: int) -> Path:
    """A plain 16-bit WAV written with the standard library (fast for long files, and its
    header carries no channel layout, as many real files)."""
    pcm = np.round(np.clip(signal, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(signal.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.T.tobytes())
    return path


def vorbis_encoder() -> str | None:
    for name in ("libvorbis", "vorbis"):
        if name in av.codecs_available:
            return name
    return None


@dataclass(frozen=True)
class Kind:
    """One input format: file suffix, encoder, container and sample rate."""

    suffix: str
    codec: str | None
    container: str
    rate: int = 44100
    lossy: bool = False


KINDS = {
    "wav_s16": Kind(".wav", "pcm_s16le", "wav"),
    "wav_s24": Kind(".wav", "pcm_s24le", "wav"),
    "wav_s32": Kind(".wav", "pcm_s32le", "wav"),
    "wav_f32": Kind(".wav", "pcm_f32le", "wav"),
    "mp3": Kind(".mp3", "libmp3lame", "mp3", lossy=True),
    "m4a_aac": Kind(".m4a", "aac", "ipod", lossy=True),
    "ogg_vorbis": Kind(".ogg", vorbis_encoder(), "ogg", lossy=True),
    "ogg_opus": Kind(".opus", "libopus", "ogg", rate=48000, lossy=True),
    "flac": Kind(".flac", "flac", "flac"),
}


def write_kind(tmp_path: Path, name: str, signal_for_rate: Callable[[int], Signal]) -> Path:
    kind = KINDS[name]
    if kind.codec is None:
        pytest.skip(f"{name}: no encoder for it in this PyAV build ({av.__version__})")
    path = tmp_path / f"music_{name}{kind.suffix}"
    signal = signal_for_rate(kind.rate)
    if kind.codec == "vorbis":  # FFmpeg's own Vorbis encoder only takes stereo
        signal = np.vstack([signal, signal])
    return write_audio(path, signal, kind.rate, kind.codec, kind.container)


# --- measuring -------------------------------------------------------------------------------


def rms(samples: npt.NDArray[Any]) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def window(track: npt.NDArray[Any], start: float, end: float) -> npt.NDArray[Any]:
    return track[:, round(start * RATE) : round(end * RATE)]


def peak_frequency(samples: npt.NDArray[Any], rate: int) -> float:
    """The dominant frequency, refined between FFT bins by parabolic interpolation."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    index = int(np.argmax(spectrum[1:-1])) + 1
    left, centre, right = np.log(spectrum[index - 1 : index + 2] + 1e-12)
    offset = 0.5 * (left - right) / (left - 2 * centre + right)
    return float((index + offset) * rate / samples.size)


def click_time(track: npt.NDArray[Any], rate: int = RATE) -> float:
    return float(np.argmax(np.abs(track[0]))) / rate


# --- decoding every format -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(KINDS))
def test_every_format_decodes_to_48k_stereo_at_the_right_pitch(tmp_path: Path, name: str) -> None:
    path = write_kind(tmp_path, name, lambda rate: tone(1.5, rate))

    track = load_music(path, duration=1.0, loop=False)

    assert track.shape == (2, RATE)
    assert track.dtype == np.float32
    # Mono is duplicated to both sides at full level (not lowered by 3 dB).
    np.testing.assert_array_equal(track[0], track[1])
    middle = window(track, 0.2, 0.8)[0]
    tolerance = 0.1 if KINDS[name].lossy else 0.01
    assert rms(middle) == pytest.approx(0.5 / np.sqrt(2), rel=tolerance)
    # The resampler keeps the pitch: a 1 kHz tone stays 1 kHz at 48 kHz.
    assert peak_frequency(track[0], RATE) == pytest.approx(1000.0, abs=0.5)


def test_stereo_sides_stay_apart_and_surround_is_downmixed(tmp_path: Path) -> None:
    stereo = np.vstack([tone(1.0, 44100, 440.0)[0], tone(1.0, 44100, 880.0)[0]])
    track = load_music(write_wav(tmp_path / "stereo.wav", stereo, 44100), duration=0.9)
    assert peak_frequency(track[0], RATE) == pytest.approx(440.0, abs=0.5)
    assert peak_frequency(track[1], RATE) == pytest.approx(880.0, abs=0.5)

    six = np.vstack([tone(1.0, 44100, 300.0 + 100 * k, 0.2)[0] for k in range(6)])
    track = load_music(write_wav(tmp_path / "six.wav", six, 44100), duration=0.9)
    assert track.shape == (2, round(0.9 * RATE))
    assert rms(track[0]) > 0.05
    assert rms(track[1]) > 0.05


def test_a_stream_that_changes_rate_and_channels_midway(tmp_path: Path) -> None:
    # Two MP3s joined byte by byte, as some tools and web downloads do: 44.1 kHz mono, then
    # 32 kHz stereo; the decoder reports the change (and one unreadable packet) at the join.
    first = write_audio(tmp_path / "a.mp3", tone(1.0, 44100, 440.0), 44100, "libmp3lame", "mp3")
    stereo = np.vstack([tone(1.0, 32000, 880.0)[0]] * 2)
    second = write_audio(tmp_path / "b.mp3", stereo, 32000, "libmp3lame", "mp3")
    joined = tmp_path / "joined.mp3"
    joined.write_bytes(first.read_bytes() + second.read_bytes())

    track = load_music(joined, duration=2.0, loop=False)

    assert peak_frequency(window(track, 0.1, 0.9)[0], RATE) == pytest.approx(440.0, abs=0.5)
    for side in (0, 1):
        later = window(track, 1.1, 1.9)[side]
        assert peak_frequency(later, RATE) == pytest.approx(880.0, abs=0.5)
        assert rms(later) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)


def test_other_output_rates(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(1.0, 44100), 44100)
    track = load_music(path, duration=0.5, sample_rate=22050)
    assert track.shape == (2, round(0.5 * 22050))
    assert peak_frequency(track[0], 22050) == pytest.approx(1000.0, abs=0.5)


# --- placing the music in time ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["wav_s16", "flac", "mp3", "m4a_aac"])
def test_start_offset_moves_a_click_earlier(tmp_path: Path, name: str) -> None:
    path = write_kind(tmp_path, name, lambda rate: clicks(3.0, rate, [2.0]))

    track = load_music(path, duration=2.0, start=0.5, loop=False)

    assert track.shape == (2, 2 * RATE)
    assert click_time(track) == pytest.approx(1.5, abs=0.002)


def test_a_longer_file_is_trimmed_and_decoded_only_as_far_as_needed(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "long.wav", tone(60.0, 44100), 44100)

    with MusicStream(path, duration=1.0, start=0.5, loop=False) as stream:
        track = stream.read(RATE * 2)
        assert track.shape == (2, RATE)  # never more than the video's length
        assert stream.read(100).shape == (2, 0)
        # 1.5 s are needed; a decoded packet or two more is fine, the other 58 s are not.
        assert stream.decoded_samples < 1.7 * RATE
    assert rms(track) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


def seam_file(tmp_path: Path, seconds: float) -> Path:
    """A tone whose last sample is far from its first, so a hard loop would click."""
    signal = tone(seconds, 44100, frequency=440.25)
    assert abs(signal[0, -1] - signal[0, 0]) > 0.3
    return write_wav(tmp_path / f"seam_{seconds:g}.wav", signal, 44100)


@pytest.mark.parametrize("seconds", [1.0, 10.5])  # looped from memory / re-decoded each pass
def test_loop_fills_the_video_without_clicks(tmp_path: Path, seconds: float) -> None:
    path = seam_file(tmp_path, seconds)
    duration = 3.5 * seconds if seconds < 2 else 22.0

    track = load_music(path, duration=duration, loop=True)

    assert track.shape == (2, round(duration * RATE))
    steps = np.arange(0, duration - 0.05, 0.05)
    assert min(rms(window(track, t, t + 0.05)) for t in steps) > 0.2  # music throughout
    # A 440 Hz tone at 0.5 moves at most 0.029 per sample; a hard seam would jump ~0.5.
    assert float(np.max(np.abs(np.diff(track[0])))) < 0.04
    unlooped = load_music(path, duration=duration, loop=False)
    assert float(np.max(np.abs(np.diff(unlooped[0])))) > 0.3  # the seam the loop hides
    assert rms(window(unlooped, seconds + 0.01, duration)) == 0.0


def test_a_very_short_sound_loops_too(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "blip.wav", tone(0.005, 44100, 1000.0), 44100)

    track = load_music(path, duration=1.0, loop=True)

    assert track.shape == (2, RATE)
    assert min(rms(window(track, t, t + 0.01)) for t in np.arange(0, 0.99, 0.01)) > 0.1


def test_without_loop_the_rest_is_silent(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "short.wav", tone(1.0, 44100), 44100)

    track = load_music(path, duration=2.5, loop=False)

    assert rms(window(track, 0.0, 0.99)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)
    assert not np.any(window(track, 1.01, 2.5))


def test_start_past_the_end_is_silent_without_loop_and_wraps_with_loop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_wav(tmp_path / "clicks.wav", clicks(1.0, 44100, [0.5]), 44100)

    with caplog.at_level(logging.WARNING, logger="video_studio"):
        silent = load_music(path, duration=1.0, start=2.0, loop=False)
    assert not np.any(silent)
    assert any("clicks.wav" in record.getMessage() for record in caplog.records)

    # Looping, the start is an offset into the endlessly repeated music.
    endless = load_music(path, duration=8.0, loop=True)
    for start in (1.3, 5.7):
        wrapped = load_music(path, duration=1.0, start=start, loop=True)
        np.testing.assert_allclose(wrapped, window(endless, start, start + 1.0), atol=1e-6)
        assert np.max(np.abs(wrapped)) > 0.5  # the click is there


def test_reading_in_any_block_sizes_matches_load_music(tmp_path: Path) -> None:
    path = seam_file(tmp_path, 1.0)
    whole = load_music(path, duration=2.7, fade_in=0.4, fade_out=0.9, volume=0.7)

    blocks = []
    sizes = [1, 7, 1000, 4799, 48000, 3, 100000]
    with MusicStream(path, duration=2.7, fade_in=0.4, fade_out=0.9, volume=0.7) as stream:
        assert stream.samples_total == round(2.7 * RATE)
        index = 0
        while (block := stream.read(sizes[index % len(sizes)])).shape[1]:
            blocks.append(block)
            index += 1
    np.testing.assert_array_equal(np.concatenate(blocks, axis=1), whole)


# --- volume, fades, clipping -----------------------------------------------------------------


def test_fades_ramp_linearly_from_silence_and_back(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(4.0, 44100), 44100)

    track = load_music(path, duration=3.0, fade_in=1.0, fade_out=1.0)

    full = 0.5 / np.sqrt(2)
    assert rms(window(track, 0.0, 0.05)) < 0.05 * full
    assert rms(window(track, 2.95, 3.0)) < 0.05 * full
    assert rms(window(track, 1.2, 1.8)) == pytest.approx(full, rel=0.01)
    # Half-way through each fade the amplitude is half: 0.25 for a 0.5 tone.
    for centre in (0.5, 2.5):
        assert np.max(np.abs(window(track, centre - 0.001, centre + 0.001))) == pytest.approx(
            0.25, abs=0.01
        )


def test_fades_longer_than_the_video_are_scaled_down_in_proportion(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(3.0, 44100), 44100)

    # 3 s + 1 s of fades on 2 s of video become 1.5 s + 0.5 s.
    track = load_music(path, duration=2.0, fade_in=3.0, fade_out=1.0)

    def amplitude_at(t: float) -> float:
        return float(np.max(np.abs(window(track, t - 0.001, t + 0.001))))

    assert amplitude_at(0.75) == pytest.approx(0.25, abs=0.01)
    assert amplitude_at(1.5) == pytest.approx(0.5, abs=0.01)
    assert amplitude_at(1.75) == pytest.approx(0.25, abs=0.01)


def test_volume_scales_and_loud_music_is_clipped(tmp_path: Path) -> None:
    quiet = load_music(
        write_wav(tmp_path / "half.wav", tone(1.0, 44100), 44100), duration=0.8, volume=0.5
    )
    assert np.max(np.abs(quiet)) == pytest.approx(0.25, abs=0.002)

    loud = load_music(
        write_wav(tmp_path / "loud.wav", tone(1.0, 44100, amplitude=0.8), 44100),
        duration=0.8,
        volume=2.0,
    )
    assert np.max(np.abs(loud)) == 1.0
    assert np.mean(np.abs(loud) == 1.0) > 0.3  # flat tops where 1.6 was cut to 1


@pytest.fixture(scope="module")
def soft_tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 0.5 tone with 10 ms ramps at both ends (no resampler overshoot at its edges)."""
    signal = tone(1.2, 44100, frequency=523.0)
    ramp = np.minimum(
        1.0, np.minimum(np.arange(signal.shape[1]), np.arange(signal.shape[1])[::-1]) / 441
    )
    path = tmp_path_factory.mktemp("property") / "soft.wav"
    return write_wav(path, signal * ramp, 44100)


def expected_envelope(duration: float, fade_in: float, fade_out: float, t: Signal) -> Signal:
    if fade_in + fade_out > duration:
        fade_in, fade_out = (
            fade_in * duration / (fade_in + fade_out),
            fade_out * duration / (fade_in + fade_out),
        )
    envelope = np.ones_like(t)
    with np.errstate(over="ignore"):
        if fade_in > 0:
            envelope = np.minimum(envelope, t / fade_in)
        if fade_out > 0:
            envelope = np.minimum(envelope, (duration - t) / fade_out)
    return np.clip(envelope, 0.0, 1.0)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    duration=st.floats(0.0, 3.0),
    fade_in=st.floats(0.0, 4.0),
    fade_out=st.floats(0.0, 4.0),
    volume=st.floats(0.0, 2.0),
    start=st.floats(0.0, 2.0),
    loop=st.booleans(),
)
def test_length_and_envelope_hold_for_any_settings(
    soft_tone: Path,
    *,
    duration: float,
    fade_in: float,
    fade_out: float,
    volume: float,
    start: float,
    loop: bool,
) -> None:
    track = load_music(
        soft_tone,
        duration=duration,
        fade_in=fade_in,
        fade_out=fade_out,
        volume=volume,
        start=start,
        loop=loop,
    )

    assert track.shape == (2, round(duration * RATE))
    assert track.dtype == np.float32
    t = np.arange(track.shape[1]) / RATE
    bound = np.minimum(
        1.0, volume * 0.5 * 1.001 * expected_envelope(track.shape[1] / RATE, fade_in, fade_out, t)
    )
    assert np.all(np.abs(track) <= bound + 1e-6)


# --- memory and cancellation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "loop"),
    [(601.0, False), (2.0, True), (7.0, True)],  # long file / loop from memory / re-decoded
)
def test_ten_minutes_stream_in_bounded_memory(tmp_path: Path, seconds: float, loop: bool) -> None:
    path = write_wav(tmp_path / "long.wav", tone(seconds, 22050, 440.0), 22050)

    tracemalloc.start()
    try:
        most_buffered = 0
        with MusicStream(path, duration=600.0, loop=loop, fade_out=2.0) as stream:
            for _ in range(600):
                block = stream.read(RATE)
                most_buffered = max(most_buffered, stream.buffered_samples)
            assert block.shape == (2, RATE)
            assert rms(block[:, : RATE // 2]) > 0.1  # still music at the very end
            assert stream.read(1).shape == (2, 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A few seconds at most: read-ahead, a seam's overlap and a loop of up to 5 s in memory.
    assert most_buffered <= 6 * RATE
    assert peak < 50 * 2**20


def test_cancel_stops_decoding(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(30.0, 44100), 44100)
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledByUser):
        load_music(path, duration=20.0, cancel=token)

    token = CancelToken()
    with MusicStream(path, duration=20.0, cancel=token) as stream:
        stream.read(RATE)
        token.cancel()
        with pytest.raises(CancelledByUser):
            stream.read(5 * RATE)


# --- unusable files --------------------------------------------------------------------------


def silent_video(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for index in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def random_bytes(path: Path) -> Path:
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def image(path: Path) -> Path:
    Image.new("RGB", (32, 32), "red").save(path)
    return path


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("missing.mp3", lambda path: path, "does not exist"),
        ("empty.mp3", empty, "is empty"),
        ("corrupt.mp3", random_bytes, "cannot be decoded as audio"),
        ("photo.png", image, "has no audio track"),
        ("silent.mp4", silent_video, "has no audio track"),
    ],
)
def test_unusable_files_are_named_with_a_plain_reason(
    tmp_path: Path, name: str, make: Callable[[Path], Path], reason: str
) -> None:
    path = make(tmp_path / name)

    with pytest.raises(VideoStudioError) as caught:
        MusicStream(path, duration=1.0)

    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert name in caught.value.message
    assert reason in caught.value.message


def test_bad_settings_are_programming_errors(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", tone(1.0, 44100), 44100)
    with pytest.raises(ValueError, match="duration"):
        MusicStream(path, duration=-1.0)
    with pytest.raises(ValueError, match="duration"):
        MusicStream(path, duration=float("nan"))
    with pytest.raises(ValueError, match="volume"):
        MusicStream(path, duration=1.0, volume=-0.1)


# --- muxing into a video ---------------------------------------------------------------------


def test_codec_follows_the_container() -> None:
    assert default_audio_codec("mp4") == "aac"
    assert default_audio_codec("mov") == "aac"
    assert default_audio_codec("webm") == "libopus"
    assert default_audio_codec("gif") is None


@dataclass(frozen=True)
class Probe:
    codec: str
    rate: int
    channels: int
    audio_end: float
    video_end: float
    click: float


def mux_video_with_music(
    path: Path, music: Path, video_codec: str, audio_codec: str | None, fps: int = 30
) -> None:
    frames = 60
    with av.open(str(path), "w") as container:
        video = container.add_stream(video_codec, rate=fps)
        assert isinstance(video, av.VideoStream)
        video.width = video.height = 64
        video.pix_fmt = "yuv420p"
        if video_codec == "libvpx":
            video.options = {"deadline": "realtime", "cpu-used": "8"}
        source = MusicStream(music, duration=frames / fps, loop=False)
        writer = AudioTrackWriter(container, source, codec=audio_codec)
        for index in range(frames):
            pixels = np.full((64, 64, 3), index * 4, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
            writer.write_until((index + 1) / fps)
            # Whole encoder frames (about 20 ms) up to the frame's end: audio keeps pace.
            assert (index + 1) / fps - 0.025 < writer.written_seconds <= (index + 1) / fps
        writer.finish()
        container.mux(video.encode(None))
        source.close()


def probe(path: Path) -> Probe:
    with av.open(str(path)) as container:
        audio = container.streams.audio[0]
        frames = list(container.decode(audio))
        samples = np.concatenate([frame.to_ndarray() for frame in frames], axis=1)
        if not frames[0].format.is_planar:  # interleaved: (1, 2n) to (2, n)
            samples = samples.reshape(-1, 2).T
        # Where the decoder puts the first sample, after the priming samples it dropped.
        assert frames[0].time is not None
        start = float(frames[0].time)
        rate = audio.codec_context.sample_rate
        codec = audio.codec_context.name
        channels = audio.codec_context.layout.nb_channels
    with av.open(str(path)) as container:
        last_frame = list(container.decode(video=0))[-1]
        assert last_frame.time is not None
    return Probe(
        codec=codec,
        rate=rate,
        channels=channels,
        audio_end=start + samples.shape[1] / rate,
        video_end=float(last_frame.time) + 1 / 30,
        click=start + click_time(samples, rate),
    )


@pytest.mark.parametrize(
    ("suffix", "video_codec", "encoder", "audio_codec"),
    [
        (".mp4", "libx264", None, "aac"),  # the container's default codec
        (".webm", "libvpx", None, "opus"),
        (".mov", "libx264", "pcm_s16le", "pcm_s16le"),  # packed 16-bit, any frame size
    ],
)
def test_music_is_muxed_in_sync_with_the_video(
    tmp_path: Path, suffix: str, video_codec: str, encoder: str | None, audio_codec: str
) -> None:
    needed = {video_codec, encoder or {"aac": "aac", "opus": "libopus"}[audio_codec]}
    missing = needed - set(av.codecs_available)
    if missing:
        pytest.skip(f"this PyAV build lacks {sorted(missing)}")
    music = write_wav(tmp_path / "click.wav", clicks(3.0, 44100, [1.0]), 44100)
    path = tmp_path / f"video{suffix}"

    mux_video_with_music(path, music, video_codec, encoder)
    result = probe(path)

    assert result.codec == audio_codec
    assert result.rate == RATE
    assert result.channels == 2
    assert result.video_end == pytest.approx(2.0, abs=0.001)
    assert result.audio_end == pytest.approx(result.video_end, abs=0.05)
    assert result.click == pytest.approx(1.0, abs=0.005)


def open_writer(output: Path, music: Path, codec: str | None = None, rate: int = RATE) -> None:
    with (
        av.open(str(output), "w") as container,
        MusicStream(music, duration=1.0, sample_rate=rate) as source,
    ):
        AudioTrackWriter(container, source, codec=codec)


def test_writer_rejects_what_it_cannot_encode(tmp_path: Path) -> None:
    music = write_wav(tmp_path / "tone.wav", tone(1.0, 44100), 44100)
    with pytest.raises(VideoStudioError) as caught:
        open_writer(tmp_path / "out.mp4", music, codec="no_such_encoder")
    assert caught.value.error_type is VideoStudioErrorType.ENCODING
    with pytest.raises(ValueError, match="gif"):
        open_writer(tmp_path / "out.gif", music)
    with pytest.raises(ValueError, match="44100 Hz"):
        open_writer(tmp_path / "out.webm", music, rate=44100)
    with pytest.raises(ValueError, match="not an audio encoder"):
        open_writer(tmp_path / "out.mp4", music, codec="libx264")
