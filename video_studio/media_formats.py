"""Output shapes and quality levels, shared by the config, the models and the renderer."""

from __future__ import annotations

from enum import StrEnum

# Frame sizes at 1080p (design.md); 720p and 4k scale these.
_FULL_HD_SIZES: dict[str, tuple[int, int]] = {
    "16:9": (1920, 1080),
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
    "4:5": (1080, 1350),
}
_QUALITY_SCALE: dict[str, tuple[int, int]] = {"720p": (2, 3), "1080p": (1, 1), "4k": (2, 1)}


class AspectRatio(StrEnum):
    """The output shapes the product supports, named by their ratio."""

    LANDSCAPE = "16:9"
    PORTRAIT = "9:16"
    SQUARE = "1:1"
    PORTRAIT_4_5 = "4:5"

    @property
    def ratio(self) -> float:
        width, height = self.value.split(":")
        return int(width) / int(height)


class VideoQuality(StrEnum):
    """Output resolution classes; the pixel size also depends on the aspect ratio."""

    HD_720P = "720p"
    FULL_HD_1080P = "1080p"
    UHD_4K = "4k"


def frame_size(aspect_ratio: AspectRatio | str, quality: VideoQuality | str) -> tuple[int, int]:
    """Pixel size (width, height) of a frame; both are even, as yuv420p needs."""
    aspect = AspectRatio(aspect_ratio)
    level = VideoQuality(quality)
    width, height = _FULL_HD_SIZES[aspect.value]
    numerator, denominator = _QUALITY_SCALE[level.value]
    return width * numerator // denominator, height * numerator // denominator
