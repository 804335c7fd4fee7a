"""The music: a calm 12 s loop, rendered on a circle so that its end runs straight into its
start, and its MP3 encoding."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import av
import numpy as np

from .canvas import F64, SEED

RATE: Final = 48000
BPM: Final = 80.0
BEAT: Final = 60.0 / BPM
BAR: Final = round(4 * BEAT * RATE)
LOOP_SAMPLES: Final = 4 * BAR  # four bars: 12 s
TARGET_LUFS: Final = -14.0
PEAK_CEILING: Final = 10 ** (-1.5 / 20)  # leaves room for the encoder's overshoot under -1 dBFS

# I-V-vi-IV in C: pad voicing (MIDI notes), bass root, and the bar's eight arpeggio notes.
CHORDS: Final = (
    ((48, 55, 60, 64, 67), 36, (60, 64, 67, 72, 76, 72, 67, 64)),  # C
    ((47, 55, 59, 62, 67), 43, (59, 62, 67, 71, 74, 71, 67, 62)),  # G
    ((45, 52, 57, 60, 64), 45, (57, 60, 64, 69, 72, 69, 64, 60)),  # Am
    ((45, 53, 57, 60, 65), 41, (57, 60, 65, 69, 72, 69, 65, 60)),  # F
)


def midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def wavetable(harmonics: int, tilt: float, size: int = 4096) -> F64:
    """One cycle of a soft, band-limited saw-like wave (harmonic k at 1 / k**tilt)."""
    x = np.arange(size) / size
    wave = np.zeros(size)
    for k in range(1, harmonics + 1):
        wave += np.sin(2 * np.pi * k * x) / k**tilt
    return np.asarray(wave / np.max(np.abs(wave)), np.float64)


def oscillator(table: F64, freq: float, n: int, phase: float = 0.0) -> F64:
    ph = (phase + freq * np.arange(n) / RATE) % 1.0
    return np.asarray(table[(ph * table.shape[0]).astype(np.int64)], np.float64)


def envelope(n: int, attack: float, release: float, hold: int) -> F64:
    """A smooth rise over `attack` s, held until sample `hold`, a smooth fall over `release` s."""
    rise = np.clip(np.arange(n) / (attack * RATE), 0, 1)
    fall = np.clip((np.arange(n) - hold) / (release * RATE), 0, 1)
    return np.asarray((0.5 - 0.5 * np.cos(np.pi * rise)) * (0.5 + 0.5 * np.cos(np.pi * fall)))


def add_wrapped(track: F64, start: int, sound: F64) -> None:
    """Add `sound` (2, n) into the circular `track` from sample `start`, wrapping past its end."""
    start %= track.shape[1]
    first = min(sound.shape[1], track.shape[1] - start)
    track[:, start : start + first] += sound[:, :first]
    track[:, : sound.shape[1] - first] += sound[:, first:]


def pad_layer(rng: np.random.Generator) -> F64:
    """Slow, detuned, stereo-spread chords that swell and fade into one another."""
    track = np.zeros((2, LOOP_SAMPLES))
    dark, bright = wavetable(12, 1.6), wavetable(18, 1.1)
    hold = BAR + round(0.15 * RATE)
    n = hold + round(2.2 * RATE)
    env = envelope(n, 0.9, 2.2, hold)
    # The tone opens towards the middle of each chord and closes again, like a slow filter.
    swell = 0.45 * (0.5 - 0.5 * np.cos(2 * np.pi * np.clip(np.arange(n) / hold, 0, 1)))
    for index, (voicing, _, _) in enumerate(CHORDS):
        for note in voicing:
            for side, cents in ((0, -7.0), (1, 6.0), (0, 2.0), (1, -3.0)):
                f, phase = midi_hz(note + cents / 100), float(rng.random())
                voice = oscillator(dark, f, n, phase) * (1 - swell)
                voice += oscillator(bright, f, n, phase) * swell
                sound = np.zeros((2, n))
                sound[side] = voice * env * 0.055
                sound[1 - side] = voice * env * 0.035
                add_wrapped(track, index * BAR, sound)
    return track


def bass_layer() -> F64:
    """A round, nearly pure bass on the root, on beats one and three."""
    track = np.zeros((2, LOOP_SAMPLES))
    table = wavetable(3, 2.5)
    hold = round(1.7 * BEAT * RATE)
    n = hold + round(0.5 * RATE)
    env = envelope(n, 0.04, 0.5, hold)
    for index, (_, root, _) in enumerate(CHORDS):
        tone = oscillator(table, midi_hz(root), n) * env * 0.16
        for beat in (0, 2):
            add_wrapped(track, index * BAR + round(beat * BEAT * RATE), np.stack([tone, tone]))
    return track


def arp_layer() -> F64:
    """Soft plucked eighth notes through the chord, panned left and right, with a ping-pong
    echo at a dotted eighth."""
    track = np.zeros((2, LOOP_SAMPLES))
    step = round(BEAT / 2 * RATE)
    table = wavetable(6, 1.8)
    n = round(1.4 * RATE)
    t = np.arange(n) / RATE
    pluck = np.minimum(1.0, t / 0.004) * np.exp(-t / 0.32)
    for index, (_, _, notes) in enumerate(CHORDS):
        for k, note in enumerate(notes):
            tone = oscillator(table, midi_hz(note + 12), n) * pluck * (0.038 if k % 2 else 0.050)
            pan = 0.35 if k % 2 else -0.35
            sound = np.stack([tone * (1 - pan), tone * (1 + pan)]) / 1.35
            add_wrapped(track, index * BAR + k * step, sound)
    delay = round(0.75 * BEAT * RATE)
    echoed = track.copy()
    for k in range(1, 5):
        tap = np.roll(track, k * delay, axis=1) * 0.38**k
        echoed += tap[::-1] if k % 2 else tap
    return echoed


def drum_layer(rng: np.random.Generator) -> F64:
    """A soft kick on every beat and a faint, airy tick between them."""
    track = np.zeros((2, LOOP_SAMPLES))
    beat = round(BEAT * RATE)
    t = np.arange(round(0.5 * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(44 + 70 * np.exp(-t / 0.035)) / RATE
    kick = np.sin(phase) * np.minimum(1.0, t / 0.002) * np.exp(-t / 0.16) * 0.30
    tick_t = np.arange(round(0.09 * RATE)) / RATE
    for k in range(LOOP_SAMPLES // beat):
        add_wrapped(track, k * beat, np.stack([kick, kick]) * (1.0 if k % 4 == 0 else 0.85))
        noise = np.diff(rng.standard_normal(tick_t.shape[0]), prepend=0.0)  # crude high-pass
        tick = noise * np.exp(-tick_t / 0.022) * 0.016
        add_wrapped(track, k * beat + beat // 2, np.stack([tick * 0.8, tick * 1.1]))
    return track


def circular_reverb(track: F64, rng: np.random.Generator, seconds: float = 2.4) -> F64:
    """A soft hall: convolution with decaying, darkened stereo noise, done on the circle so the
    tail of the last bar rings on into the first."""
    n = round(seconds * RATE)
    t = np.arange(n) / RATE
    out = np.zeros_like(track)
    for ch in range(2):
        ir = rng.standard_normal(n) * np.exp(-6.9 * t / seconds)
        ir = np.convolve(ir, np.ones(24) / 24, mode="same")
        ir[: round(0.012 * RATE)] = 0.0  # a short pre-delay
        full = np.zeros(track.shape[1])
        full[:n] = ir / np.sqrt(np.sum(ir**2))
        out[ch] = np.fft.irfft(np.fft.rfft(track[ch]) * np.fft.rfft(full), track.shape[1])
    return out


def k_weighting(n: int) -> F64:
    """|H(f)| of the ITU-R BS.1770 K-weighting filter at 48 kHz, for an rfft of length n."""
    z = np.exp(-1j * 2 * np.pi * np.fft.rfftfreq(n, 1 / RATE) / RATE)
    shelf = (1.53512485958697 - 2.69169618940638 * z + 1.19839281085285 * z**2) / (
        1 - 1.69065929318241 * z + 0.73248077421585 * z**2
    )
    highpass = (1 - 2 * z + z**2) / (1 - 1.99004745483398 * z + 0.99007225036621 * z**2)
    return np.asarray(np.abs(shelf * highpass), np.float64)


def loudness(track: F64) -> float:
    """Integrated loudness in LUFS (BS.1770: K-weighted, 400 ms blocks, gated) of a stereo
    track, filtered as a loop."""
    n = track.shape[1]
    gain = k_weighting(n)
    weighted = np.stack([np.fft.irfft(np.fft.rfft(ch) * gain, n) for ch in track])
    block, hop = round(0.4 * RATE), round(0.1 * RATE)
    starts = range(0, n - block + 1, hop)
    power = np.array([np.sum(np.mean(weighted[:, s : s + block] ** 2, axis=1)) for s in starts])
    power = power[-0.691 + 10 * np.log10(power + 1e-20) > -70]
    relative = -0.691 + 10 * np.log10(np.mean(power)) - 10
    power = power[-0.691 + 10 * np.log10(power) > relative]
    return float(-0.691 + 10 * np.log10(np.mean(power)))


def soft_limit(track: F64, ceiling: float) -> F64:
    """Memoryless soft knee from 70% of the ceiling: untouched below it, never above the
    ceiling, and (having no memory) harmless to the loop's seam."""
    knee = 0.7 * ceiling
    magnitude = np.abs(track)
    squashed = knee + (ceiling - knee) * np.tanh((magnitude - knee) / (ceiling - knee))
    return np.asarray(np.where(magnitude > knee, np.sign(track) * squashed, track))


def make_music() -> F64:
    """The loop as (2, LOOP_SAMPLES) floats at about -14 LUFS, peaks under -1.5 dBFS."""
    rng = np.random.default_rng(SEED + 9)
    pads, arp = pad_layer(rng), arp_layer()
    music = pads + bass_layer() + arp + drum_layer(rng)
    music += 0.55 * circular_reverb(pads * 0.9 + arp, rng)
    music -= music.mean(axis=1, keepdims=True)
    for _ in range(3):
        music = soft_limit(music * 10 ** ((TARGET_LUFS - loudness(music)) / 20), PEAK_CEILING)
    # MP3's low-pass takes a little off: aim a shade above the target to land on it.
    return soft_limit(music * 10 ** ((TARGET_LUFS + 0.3 - loudness(music)) / 20), PEAK_CEILING)


def encode_mp3(path: Path, track: F64, bit_rate: int = 128_000) -> None:
    """MP3 with libmp3lame; FFmpeg writes the LAME header that lets decoders trim the encoder's
    delay and padding, so the file decodes to exactly the loop's length."""
    samples = np.ascontiguousarray(track.astype(np.float32))
    with av.open(str(path), "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=RATE, layout="stereo")
        stream.bit_rate = bit_rate
        for start in range(0, samples.shape[1], 1152):
            chunk = np.ascontiguousarray(samples[:, start : start + 1152])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = RATE
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def decode_audio(path: Path) -> F64:
    with av.open(str(path)) as container:
        frames = [frame.to_ndarray() for frame in container.decode(audio=0)]
    return np.asarray(np.concatenate(frames, axis=1), np.float64)
