"""The preview's music: the project's music track played through QtMultimedia in step with
the picture, or a plain reason why it cannot be heard.

The decisions are pure functions (`music_position`, `music_gain`, `position_error`,
`plan_audio`), so they are tested without a sound card; `PreviewAudio` only carries them
out on a QMediaPlayer. The track is fitted to the video as the engine's `MusicStream` does:
`start` seconds into the file at video time 0, then looped (seamed every
`loop_period(file)` seconds) or silent after the file's end, volume and fades applied.

Where QtMultimedia cannot play (its library does not load, no output device, the player
reports an error) `status` says why and `status_changed` tells the panel, which shows a
"No audio output" indicator; the picture plays on regardless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal

from video_studio.storyboard import Storyboard

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

_log = logging.getLogger("video_studio.gui.preview_audio")

DRIFT_TOLERANCE = 0.080  # seconds: a larger gap between music and picture is re-seeked
SEEK_SETTLE = 0.30  # seconds after a seek in which the player's position is not trusted
_LOOP_CROSSFADE = 0.02  # the engine's seam crossfade (video_studio.render.audio)
NO_OUTPUT_TEXT = "No audio output"
MUSIC_PROBLEM_TEXT = "Music unavailable"


# --- the track and where it stands ------------------------------------------------------------


@dataclass(frozen=True)
class MusicTrack:
    """The project's music as the export mixes it, for a video of `video_duration` s."""

    path: Path
    video_duration: float
    volume: float = 1.0
    fade_in: float = 0.0
    fade_out: float = 0.0
    start: float = 0.0
    loop: bool = True

    @classmethod
    def from_storyboard(cls, storyboard: Storyboard) -> MusicTrack | None:
        audio = storyboard.audio
        if audio is None:
            return None
        return cls(
            path=storyboard.resolve_path(audio.path),
            video_duration=storyboard.duration,
            volume=audio.volume,
            fade_in=audio.fade_in,
            fade_out=audio.fade_out,
            start=audio.start,
            loop=audio.loop,
        )


def loop_period(file_seconds: float) -> float:
    """Seconds after which the engine's looped music repeats: the file less the seam's
    crossfade (which overlaps the file's end with its start)."""
    return file_seconds - min(_LOOP_CROSSFADE, file_seconds / 2)


def music_position(track: MusicTrack, video_t: float, file_seconds: float | None) -> float | None:
    """Seconds into the music file heard at `video_t`; None where the music is silent (past
    the end of a file that does not loop, or past the video). `file_seconds` None: the
    file's length is not known yet (nothing wraps)."""
    if video_t < 0 or video_t >= track.video_duration:
        return None
    position = track.start + video_t
    if file_seconds is None or file_seconds <= 0:
        return position
    if position < file_seconds:
        return position
    if not track.loop:
        return None
    return position % loop_period(file_seconds)


def music_gain(track: MusicTrack, video_t: float) -> float:
    """The music's level at `video_t` (volume times fade envelope), clipped to the 0..1 an
    audio output takes. Fades longer than the video share it in proportion, as in export."""
    span = track.video_duration
    fade_in, fade_out = track.fade_in, track.fade_out
    if fade_in + fade_out > span > 0:
        scale = span / (fade_in + fade_out)
        fade_in, fade_out = fade_in * scale, fade_out * scale
    envelope = 1.0
    if fade_in > 0:
        envelope = min(envelope, video_t / fade_in)
    if fade_out > 0:
        envelope = min(envelope, (span - video_t) / fade_out)
    return max(0.0, min(1.0, envelope * track.volume))


def position_error(actual: float, expected: float, period: float | None) -> float:
    """actual - expected in seconds; on a looping track the shorter way round the loop."""
    error = actual - expected
    if period is not None and period > 0:
        error = (error + period / 2) % period - period / 2
    return error


@dataclass(frozen=True)
class AudioCommand:
    """What the player should do now."""

    play: bool  # playing (True) or paused (False)
    seek_to: float | None  # seconds into the file to jump to first, or None
    volume: float  # 0..1


def plan_audio(
    track: MusicTrack,
    video_t: float,
    *,
    playing: bool,
    speed: float,
    player_playing: bool,
    player_position: float,
    file_seconds: float | None,
    since_seek: float,
    tolerance: float = DRIFT_TOLERANCE,
) -> AudioCommand:
    """The player's next step for the picture at `video_t`: music plays only with the
    picture at normal speed forwards; starting seeks to the right place; while playing a
    drift beyond `tolerance` is corrected by a seek, except just after one (the player's
    position lags its seeks)."""
    expected = music_position(track, video_t, file_seconds)
    volume = music_gain(track, video_t)
    if not playing or speed != 1.0 or expected is None:
        return AudioCommand(play=False, seek_to=None, volume=volume)
    if not player_playing:
        return AudioCommand(play=True, seek_to=expected, volume=volume)
    period = loop_period(file_seconds) if track.loop and file_seconds else None
    drifted = abs(position_error(player_position, expected, period)) > tolerance
    if drifted and since_seek >= SEEK_SETTLE:
        return AudioCommand(play=True, seek_to=expected, volume=volume)
    return AudioCommand(play=True, seek_to=None, volume=volume)


# --- whether QtMultimedia can play here -------------------------------------------------------


def probe_audio_output() -> str | None:
    """None when QtMultimedia loads and lists an audio output device; otherwise why not,
    in plain words."""
    try:
        from PySide6.QtMultimedia import QMediaDevices  # noqa: PLC0415 - optional backend
    except ImportError as error:  # the module or a library it needs (libpulse) is missing
        return (
            "Qt Multimedia could not be loaded on this system, so the preview plays "
            f"without sound ({error})."
        )
    if not QMediaDevices.audioOutputs():
        return "No audio output device was found, so the preview plays without sound."
    return None


@dataclass(frozen=True)
class AudioStatus:
    """Why the music cannot be heard: a short label and the tooltip that explains it."""

    text: str
    reason: str


class PreviewAudio(QObject):
    """Plays a MusicTrack in step with the preview's picture (see `sync`)."""

    status_changed = Signal()  # `status` changed (None: sound works, or nothing to play)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        probe: Callable[[], str | None] = probe_audio_output,
    ) -> None:
        super().__init__(parent)
        self._probe = probe
        self._track: MusicTrack | None = None
        self._player: QMediaPlayer | None = None
        self._output: QAudioOutput | None = None
        self._devices: QMediaDevices | None = None
        self._output_problem: str | None = probe()
        self._music_problem: str | None = None
        self._file_seconds: float | None = None
        self._last_seek = 0.0
        self._closed = False
        if self._output_problem is None:
            self._watch_devices()

    # --- state ------------------------------------------------------------------------------

    @property
    def status(self) -> AudioStatus | None:
        """Why no sound is heard, or None when it is (or there is no music)."""
        if self._track is None:
            return None
        if self._output_problem is not None:
            return AudioStatus(NO_OUTPUT_TEXT, self._output_problem)
        if self._music_problem is not None:
            return AudioStatus(MUSIC_PROBLEM_TEXT, self._music_problem)
        return None

    @property
    def track(self) -> MusicTrack | None:
        return self._track

    @property
    def player(self) -> QMediaPlayer | None:
        """The QMediaPlayer while a track is loaded on a working output."""
        return self._player

    def set_track(self, track: MusicTrack | None) -> None:
        """The music to follow (None: none). The same track again changes nothing."""
        if self._closed or track == self._track:
            return
        previous = self._track
        self._track = track
        if track is not None and previous is not None and track.path == previous.path:
            if self._player is not None:
                self._player.setLoops(_loops(track))
            return
        self._music_problem = None
        self._file_seconds = None
        self._load()
        self.status_changed.emit()

    def sync(self, video_t: float, *, playing: bool, speed: float = 1.0) -> None:
        """Bring the music to the picture at `video_t` (call on every frame while playing,
        and on play, pause and every jump)."""
        player, track = self._player, self._track
        if player is None or track is None or self._output is None:
            return
        from PySide6.QtMultimedia import QMediaPlayer  # noqa: PLC0415 - loaded: player exists

        player_playing = player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        command = plan_audio(
            track,
            video_t,
            playing=playing,
            speed=speed,
            player_playing=player_playing,
            player_position=player.position() / 1000.0,
            file_seconds=self._file_seconds,
            since_seek=time.monotonic() - self._last_seek,
        )
        self._output.setVolume(command.volume)
        if command.seek_to is not None:
            player.setPosition(max(0, round(command.seek_to * 1000)))
            self._last_seek = time.monotonic()
        if command.play and not player_playing:
            player.play()
        elif not command.play and player_playing:
            player.pause()

    def shutdown(self) -> None:
        """Stop and release the player (idempotent)."""
        self._closed = True
        self._release()
        if self._devices is not None:
            self._devices.audioOutputsChanged.disconnect(self._outputs_changed)
            self._devices.deleteLater()
            self._devices = None

    # --- the player -------------------------------------------------------------------------

    def _watch_devices(self) -> None:
        from PySide6.QtMultimedia import QMediaDevices  # noqa: PLC0415 - optional backend

        self._devices = QMediaDevices(self)
        self._devices.audioOutputsChanged.connect(self._outputs_changed)

    def _outputs_changed(self) -> None:
        """A device was plugged in or out: probe again and follow the default output."""
        problem = self._probe()
        if problem != self._output_problem:
            self._output_problem = problem
            self._load()
            self.status_changed.emit()
        elif self._output is not None:
            from PySide6.QtMultimedia import QMediaDevices  # noqa: PLC0415 - loaded

            self._output.setDevice(QMediaDevices.defaultAudioOutput())

    def _load(self) -> None:
        self._release()
        track = self._track
        if track is None or self._output_problem is not None:
            return
        if not track.path.is_file():
            self._music_problem = (
                f"The music file {track.path.name} was not found, so the preview plays "
                "without sound."
            )
            return
        from PySide6.QtMultimedia import (  # noqa: PLC0415 - optional backend
            QAudioOutput,
            QMediaDevices,
            QMediaPlayer,
        )

        output = QAudioOutput(QMediaDevices.defaultAudioOutput(), self)
        player = QMediaPlayer(self)
        player.setAudioOutput(output)
        player.errorOccurred.connect(self._player_failed)
        player.durationChanged.connect(self._duration_known)
        player.setLoops(_loops(track))
        player.setSource(QUrl.fromLocalFile(str(track.path)))
        self._player, self._output = player, output
        self._last_seek = 0.0

    def _release(self) -> None:
        player, output = self._player, self._output
        self._player = self._output = None
        if player is not None:
            player.errorOccurred.disconnect(self._player_failed)
            player.durationChanged.disconnect(self._duration_known)
            player.stop()
            player.deleteLater()
        if output is not None:
            output.deleteLater()

    def _duration_known(self, milliseconds: int) -> None:
        self._file_seconds = milliseconds / 1000.0 if milliseconds > 0 else None

    def _player_failed(self, _error: object, text: str) -> None:
        name = self._track.path.name if self._track is not None else "the music"
        _log.warning("preview music %s: %s", name, text)
        self._music_problem = (
            f"The music file {name} cannot be played here ({text or 'unknown error'}), "
            "so the preview plays without sound."
        )
        self._release()
        self.status_changed.emit()


def _loops(track: MusicTrack) -> int:
    # QMediaPlayer.Loops.Infinite is -1; spelled out so this works before the module loads.
    return -1 if track.loop else 1


__all__ = [
    "DRIFT_TOLERANCE",
    "AudioCommand",
    "AudioStatus",
    "MusicTrack",
    "PreviewAudio",
    "loop_period",
    "music_gain",
    "music_position",
    "plan_audio",
    "position_error",
    "probe_audio_output",
]
