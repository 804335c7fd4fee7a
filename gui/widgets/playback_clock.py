"""The preview's playback clock: a precise QTimer at the frame rate, and the frame due at
each tick computed from the wall clock since playback (re)started from a frame, so frames
are dropped rather than the picture drifting. Also the time as the preview writes it."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, Qt, QTimer

MAX_SPEED = 8.0


def format_time(seconds: float, fps: float) -> str:
    """ "mm:ss.ff": minutes, seconds and the frame within the second."""
    rate = max(1, round(fps))
    frames = max(0, round(seconds * rate))
    whole, frame = divmod(frames, rate)
    minutes, secs = divmod(whole, 60)
    return f"{minutes:02d}:{secs:02d}.{frame:02d}"


def playback_frame(
    start: float,
    elapsed: float,
    *,
    speed: float,
    fps: float,
    frame_count: int,
    loop: bool,
) -> tuple[int, bool]:
    """The frame to show `elapsed` wall-clock seconds after playback left frame `start`
    at `speed` (negative: backwards), and whether playback goes on (it stops on the first
    or last frame unless it loops)."""
    position = start + elapsed * speed * fps
    # A frame is left once it has been shown for a whole frame time, either way.
    index = math.floor(position + 1e-6) if speed > 0 else math.ceil(position - 1e-6)
    last = frame_count - 1
    if loop:
        return index % frame_count, True
    if speed > 0 and index >= last:
        return last, False
    if speed < 0 and index <= 0:
        return 0, False
    return min(max(index, 0), last), True


def shuttle_speed(speed: float, playing: bool, direction: int) -> float:
    """J/L: the first press plays at 1x that way; each further press doubles, up to 8x."""
    if playing and speed * direction > 0:
        return direction * min(MAX_SPEED, abs(speed) * 2)
    return float(direction)


class PlaybackClock(QObject):
    """Whether the preview plays, how fast (negative: backwards) and whether it loops;
    `timer` ticks at the frame rate while it plays (its owner connects `timer.timeout`)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.playing = False
        self.speed = 1.0
        self.loop = False
        self._anchor_frame = 0.0  # playback: the frame at _anchor_wall
        self._anchor_wall = 0.0
        self.timer = QTimer(self)
        self.timer.setObjectName("preview_playback")
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)

    def start(self, speed: float, frame: int, fps: float) -> None:
        """Play at `speed` from `frame`."""
        self.speed = speed
        self.playing = True
        self.anchor(frame)
        self.set_rate(fps)
        self.timer.start()

    def stop(self) -> bool:
        """Pause (the speed goes back to 1x); whether it was playing."""
        was_playing = self.playing
        self.playing = False
        self.speed = 1.0
        self.timer.stop()
        return was_playing

    def anchor(self, frame: int) -> None:
        """Playback goes on from `frame`, now."""
        self._anchor_frame = float(frame)
        self._anchor_wall = time.monotonic()

    def set_rate(self, fps: float) -> None:
        self.timer.setInterval(max(1, round(1000 / fps)))

    def due(self, fps: float, frame_count: int) -> tuple[int, bool]:
        """The frame to show now, and whether playback goes on (see playback_frame)."""
        return playback_frame(
            self._anchor_frame,
            time.monotonic() - self._anchor_wall,
            speed=self.speed,
            fps=fps,
            frame_count=frame_count,
            loop=self.loop,
        )
