"""The output codecs and their containers (no PyAV import: the command line lists these)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Codec(StrEnum):
    H264 = "h264"
    H265 = "h265"
    VP9 = "vp9"
    PRORES = "prores"
    GIF = "gif"


@dataclass(frozen=True)
class CodecSpec:
    encoder: str
    container: str
    suffix: str
    pix_fmt: str
    audio_codec: str | None
    default_crf: int | None
    default_preset: str | None


CODECS: dict[Codec, CodecSpec] = {
    Codec.H264: CodecSpec("libx264", "mp4", ".mp4", "yuv420p", "aac", 20, "veryfast"),
    Codec.H265: CodecSpec("libx265", "mp4", ".mp4", "yuv420p", "aac", 24, "fast"),
    Codec.VP9: CodecSpec("libvpx-vp9", "webm", ".webm", "yuv420p", "libopus", 32, None),
    Codec.PRORES: CodecSpec("prores_ks", "mov", ".mov", "yuv422p10le", "pcm_s16le", None, None),
    Codec.GIF: CodecSpec("gif", "gif", ".gif", "pal8", None, None, None),
}
