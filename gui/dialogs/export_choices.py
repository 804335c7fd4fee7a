"""What the export dialog offers and how a choice becomes the engine's export settings.

The presets come from `video_studio.render.presets`; a choice is turned into a storyboard
and `ExportOptions` through the command line's own functions (`apply_overrides`,
`encode_settings`), so `video-studio render --platform reels --look draft` and the dialog
with the same choices write the same video.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from video_studio.commands.render import apply_overrides, encode_settings
from video_studio.jobs import Progress
from video_studio.media_formats import AspectRatio, VideoQuality, frame_size
from video_studio.render.codecs import CODECS, Codec
from video_studio.render.encoder import output_geometry
from video_studio.render.export import ExportOptions
from video_studio.storyboard import Storyboard

CODEC_LABELS: dict[Codec, str] = {
    Codec.H264: "H.264 MP4 (plays everywhere)",
    Codec.H265: "H.265 / HEVC MP4 (smaller files)",
    Codec.VP9: "VP9 WebM (web)",
    Codec.PRORES: "ProRes 422 HQ MOV (editing)",
    Codec.GIF: "Animated GIF (no sound, max 720 px, 15 fps)",
}
ASPECT_LABELS: dict[AspectRatio, str] = {
    AspectRatio.LANDSCAPE: "16:9 landscape",
    AspectRatio.PORTRAIT: "9:16 portrait",
    AspectRatio.SQUARE: "1:1 square",
    AspectRatio.PORTRAIT_4_5: "4:5 portrait",
}
QUALITY_LABELS: dict[VideoQuality, str] = {
    VideoQuality.HD_720P: "720p",
    VideoQuality.FULL_HD_1080P: "1080p (Full HD)",
    VideoQuality.UHD_4K: "4K (Ultra HD)",
}
# (look, label); None: the platform's encoding, or the codec's default.
LOOKS: tuple[tuple[str | None, str], ...] = (
    (None, "Preset default"),
    ("draft", "Draft (fastest, larger file)"),
    ("standard", "Standard"),
    ("high", "High"),
    ("master", "Master (slowest, best)"),
)
# (scale, label): smaller sizes for a quick check of timing and framing.
SCALES: tuple[tuple[float, str], ...] = (
    (1.0, "Full size"),
    (0.5, "Half size"),
    (0.25, "Quarter size (quick check)"),
)
_UNSAFE_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


@dataclass(frozen=True)
class ExportChoices:
    """The dialog's fields. `platform`: a key of PLATFORMS, or None for the project's own
    settings; aspect, quality, fps and codec are explicit and win over the platform (as on
    the command line); the platform still picks the encoding unless a look is chosen."""

    platform: str | None
    aspect: AspectRatio
    quality: VideoQuality
    fps: int
    codec: Codec
    look: str | None = None
    scale: float = 1.0

    def cli_args(self) -> argparse.Namespace:
        """The same choice as `video-studio render` options."""
        return argparse.Namespace(
            platform=self.platform,
            aspect=self.aspect.value,
            quality=self.quality.value,
            fps=self.fps,
            codec=self.codec.value,
            crf=None,
            preset=None,
            look=self.look,
            quiet=True,
        )

    def storyboard(self, board: Storyboard) -> Storyboard:
        """`board` with this frame shape, resolution and frame rate."""
        return apply_overrides(board, self.cli_args())

    def options(self) -> ExportOptions:
        size = self.scaled_size() if self.scale != 1.0 else None
        return ExportOptions(encode=encode_settings(self.cli_args()), size=size)

    def scaled_size(self) -> tuple[int, int]:
        width, height = frame_size(self.aspect, self.quality)
        return _even(width * self.scale), _even(height * self.scale)

    def output_size(self) -> tuple[int, int]:
        """The pixel size of the video written (GIFs are kept smaller by the encoder)."""
        size, _fps = output_geometry(self.codec, self.scaled_size(), self.fps)
        return size

    @property
    def suffix(self) -> str:
        return CODECS[self.codec].suffix


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def file_name_for(project_name: str, codec: Codec) -> str:
    """A file name from the project's name and the codec's suffix."""
    stem = _UNSAFE_NAME.sub("_", project_name).strip(" .") or "video"
    return stem + CODECS[codec].suffix


def format_eta(seconds: float) -> str:
    """0:07, 12:30, 1:02:03."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_text(progress: Progress) -> str:
    """ "123 fps · ETA 0:12" while frames are counted, else the job's own words."""
    parts: list[str] = []
    if progress.rate:
        parts.append(f"{progress.rate:.0f} fps")
    if progress.eta_seconds is not None and progress.rate:
        parts.append(f"ETA {format_eta(progress.eta_seconds)}")
    return " · ".join(parts) if parts else (progress.message or "Preparing") + "…"
