"""Frames of a video clip (a generated scene) by time, for any output frame rate.

Export asks for nearly increasing times from a few threads, so the reader decodes forward
and keeps the last frames; a request behind them or far ahead seeks. Past the clip's end
the last frame holds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import av
import numpy as np

from video_studio.error_types import VideoStudioError, VideoStudioErrorType

# Jumping further ahead than this decodes from the nearest keyframe instead.
SEEK_AHEAD_SECONDS = 2.0
KEEP_FRAMES = 6


class ClipReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._frames: OrderedDict[float, np.ndarray] = OrderedDict()  # time -> RGB
        try:
            self._container = av.open(str(path))
            self._stream = self._container.streams.video[0]
        except (av.error.FFmpegError, IndexError, OSError) as error:
            raise VideoStudioError(
                VideoStudioErrorType.INVALID_INPUT,
                f"The clip {path.name} cannot be read as a video. Generate the scene again "
                "or use the still image.",
                details={"error": str(error)},
            ) from None
        self._stream.thread_type = "AUTO"
        self._iterator = self._container.decode(self._stream)
        self._last_time = -1.0
        self.duration = self._probe_duration()

    def _probe_duration(self) -> float:
        stream = self._stream
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if self._container.duration is not None:
            return self._container.duration / av.time_base
        return 0.0

    def frame_at(self, t: float) -> np.ndarray:
        """The RGB frame shown at t seconds into the clip (sample and hold)."""
        with self._lock:
            t = max(0.0, t)
            if (
                t < self._last_time - 1e-6 and not self._cached_before(t)
            ) or t > self._last_time + SEEK_AHEAD_SECONDS:
                self._seek(t)
            while self._last_time < t - 1e-6:
                if not self._decode_next():
                    break
            return self._frame_for(t)

    def _cached_before(self, t: float) -> bool:
        return bool(self._frames) and next(iter(self._frames)) <= t + 1e-6

    def _frame_for(self, t: float) -> np.ndarray:
        chosen = None
        for time, rgb in self._frames.items():
            if time <= t + 1e-6:
                chosen = rgb
        if chosen is None:
            if not self._frames and not self._decode_next():
                raise VideoStudioError(
                    VideoStudioErrorType.INVALID_INPUT, f"The clip {self.path.name} has no frames."
                )
            chosen = next(iter(self._frames.values()))
        return chosen

    def _decode_next(self) -> bool:
        try:
            frame = next(self._iterator)
        except StopIteration:
            self._last_time = float("inf")  # hold the last frame from here on
            return False
        except av.error.FFmpegError as error:
            raise VideoStudioError(
                VideoStudioErrorType.INVALID_INPUT,
                f"The clip {self.path.name} is damaged. Generate the scene again.",
                details={"error": str(error)},
            ) from None
        time = float(frame.time) if frame.time is not None else self._last_time + 1 / 30
        self._frames[time] = frame.to_ndarray(format="rgb24")
        while len(self._frames) > KEEP_FRAMES:
            self._frames.popitem(last=False)
        self._last_time = time
        return True

    def _seek(self, t: float) -> None:
        assert self._stream.time_base is not None
        self._container.seek(int(t / self._stream.time_base), stream=self._stream, backward=True)
        self._iterator = self._container.decode(self._stream)
        self._frames.clear()
        self._last_time = -1.0

    def close(self) -> None:
        with self._lock:
            self._container.close()
