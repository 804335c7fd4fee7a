"""Checking that a video file is complete and playable, without decoding all of it.

Every packet of the first video stream is read (so a file cut short or with a broken
index is found) and only the first frame is decoded (so the codec data is sound). Decoding
a whole 5 s 1080p clip would cost a few hundred ms of CPU for each downloaded clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

_STILL_IMAGE_FORMATS = ("image2",)


@dataclass(frozen=True)
class ClipFacts:
    """What PyAV saw in the file."""

    frames: int
    width: int
    height: int
    duration: float


def probe_clip(path: Path) -> ClipFacts:
    """Facts about `path`'s first video stream. Raises ValueError for a file with no video
    (a still image, which FFmpeg also opens as a one-frame "video", does not count), no
    frames, or fewer packets than its index lists; av.FFmpegError/OSError as PyAV does."""
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ValueError("no video stream")
        name = container.format.name
        if name.endswith("_pipe") or name in _STILL_IMAGE_FORMATS:
            raise ValueError(f"a still image ({name}), not a video")
        stream = container.streams.video[0]
        packets, first_pts, end_pts = 0, None, None
        decoded = False
        for packet in container.demux(stream):
            if packet.size == 0:  # the flush packet demux() ends with
                continue
            packets += 1
            if packet.pts is not None:
                first_pts = packet.pts if first_pts is None else min(first_pts, packet.pts)
                end = packet.pts + (packet.duration or 0)
                end_pts = end if end_pts is None else max(end_pts, end)
            if not decoded:
                decoded = bool(packet.decode())
        if not decoded:  # a decoder that holds frames back gives them when flushed
            decoded = bool(stream.codec_context.decode(None))
        if packets == 0 or not decoded:
            raise ValueError("no frames")
        listed = stream.frames
        if listed and packets < listed:
            raise ValueError(f"only {packets} of its {listed} frames are in the file")
        width, height = stream.codec_context.width, stream.codec_context.height
        duration = 0.0
        if first_pts is not None and end_pts is not None and stream.time_base is not None:
            duration = float((end_pts - first_pts) * stream.time_base)
        if duration <= 0 and stream.average_rate:
            duration = packets / float(stream.average_rate)
        return ClipFacts(frames=packets, width=int(width), height=int(height), duration=duration)
