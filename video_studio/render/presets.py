"""Named encoding looks and platform presets."""

from __future__ import annotations

from dataclasses import dataclass

from video_studio.media_formats import AspectRatio, VideoQuality
from video_studio.render.codecs import Codec

# look -> (crf, x264 preset)
QUALITY_PRESETS: dict[str, tuple[int, str]] = {
    "draft": (28, "ultrafast"),
    "standard": (20, "veryfast"),
    "high": (17, "medium"),
    "master": (14, "slow"),
}


@dataclass(frozen=True)
class Platform:
    label: str
    aspect_ratio: AspectRatio
    quality: VideoQuality
    fps: int
    codec: Codec
    crf: int
    preset: str


PLATFORMS: dict[str, Platform] = {
    "amazon": Platform(
        "Amazon product video (16:9)",
        AspectRatio.LANDSCAPE,
        VideoQuality.FULL_HD_1080P,
        30,
        Codec.H264,
        20,
        "veryfast",
    ),
    "reels": Platform(
        "Instagram Reels / TikTok (9:16)",
        AspectRatio.PORTRAIT,
        VideoQuality.FULL_HD_1080P,
        30,
        Codec.H264,
        21,
        "veryfast",
    ),
    "instagram_feed": Platform(
        "Instagram feed (4:5)",
        AspectRatio.PORTRAIT_4_5,
        VideoQuality.FULL_HD_1080P,
        30,
        Codec.H264,
        21,
        "veryfast",
    ),
    "square": Platform(
        "Square feed (1:1)",
        AspectRatio.SQUARE,
        VideoQuality.FULL_HD_1080P,
        30,
        Codec.H264,
        21,
        "veryfast",
    ),
}
