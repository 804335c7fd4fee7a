"""A terminal progress bar on stderr: frames, speed and ETA, redrawn in place on a terminal
and as occasional plain lines when stderr is a file or a pipe."""

from __future__ import annotations

import sys
from typing import TextIO

from video_studio.jobs import Progress

BAR_WIDTH = 30
PLAIN_STEP = 0.1  # without a terminal, a line every 10 %


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:d}:{secs:02d}"


def describe(progress: Progress, unit: str = "frames") -> str:
    parts = [f"{progress.fraction * 100:5.1f}%"]
    if progress.done is not None and progress.total is not None:
        parts.append(f"{progress.done}/{progress.total} {unit}")
    if progress.rate:
        parts.append(f"{progress.rate:.1f} {unit}/s")
    parts.append(f"ETA {format_seconds(progress.eta_seconds)}")
    return "  ".join(parts)


class TerminalProgress:
    def __init__(self, label: str, stream: TextIO | None = None, unit: str = "frames") -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.unit = unit
        self.interactive = self.stream.isatty()
        self._next_plain = 0.0
        self._drawn = False

    def __call__(self, progress: Progress) -> None:
        text = f"{self.label} {describe(progress, self.unit)}"
        if self.interactive:
            filled = round(BAR_WIDTH * progress.fraction)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stream.write(f"\r[{bar}] {text}\x1b[K")
            self._drawn = True
        elif progress.fraction >= self._next_plain or progress.fraction >= 1.0:
            self.stream.write(text + "\n")
            self._next_plain = progress.fraction + PLAIN_STEP
        self.stream.flush()

    def close(self) -> None:
        if self.interactive and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
