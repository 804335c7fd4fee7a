"""`video-studio render INPUT -o OUT [...]`: a project or scene script to a video file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from video_studio.media_formats import AspectRatio, VideoQuality
from video_studio.render.codecs import Codec
from video_studio.render.presets import PLATFORMS, QUALITY_PRESETS

if TYPE_CHECKING:  # the render stack (OpenCV, PyAV) loads only when a command runs
    from video_studio.render.encoder import EncodeSettings
    from video_studio.render.export import ExportResult
    from video_studio.storyboard import Storyboard

SubParsers = Any  # argparse's private _SubParsersAction


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """The options render and demo share."""
    parser.add_argument("--aspect", choices=[a.value for a in AspectRatio], help="frame shape")
    parser.add_argument("--quality", choices=[q.value for q in VideoQuality], help="resolution")
    parser.add_argument("--fps", type=int, help="frames per second (1-120)")
    parser.add_argument("--codec", choices=[c.value for c in Codec], help="default h264")
    parser.add_argument("--crf", type=int, help="constant quality: lower is better and larger")
    parser.add_argument("--preset", help="encoder speed/size trade-off, e.g. veryfast, medium")
    parser.add_argument(
        "--platform", choices=sorted(PLATFORMS), help="shape, size and encoding for a platform"
    )
    parser.add_argument(
        "--look", choices=sorted(QUALITY_PRESETS), help="encoding quality: draft ... master"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def add_render_parser(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render a project or scene script to a video",
        description="Render a project folder or a scene script (JSON or YAML) to a video file.",
    )
    parser.add_argument("input", type=Path, help="project folder, project.json, or script")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the video to write")
    add_output_options(parser)
    parser.set_defaults(handler=render_command)


def apply_overrides(storyboard: Storyboard, args: argparse.Namespace) -> Storyboard:
    """The storyboard with the frame options of the command line (platform first, then the
    explicit options, which win)."""
    from video_studio.storyboard import Storyboard  # noqa: PLC0415 - see TYPE_CHECKING

    update: dict[str, object] = {}
    if args.platform:
        platform = PLATFORMS[args.platform]
        update.update(
            aspect_ratio=platform.aspect_ratio, quality=platform.quality, fps=platform.fps
        )
    if args.aspect:
        update["aspect_ratio"] = AspectRatio(args.aspect)
    if args.quality:
        update["quality"] = VideoQuality(args.quality)
    if args.fps is not None:
        update["fps"] = args.fps
    if not update:
        return storyboard
    changed = Storyboard.model_validate({**storyboard.model_dump(), **update})
    return changed.with_base_dir(storyboard.base_dir)


def encode_settings(args: argparse.Namespace) -> EncodeSettings:
    from video_studio.render.encoder import EncodeSettings  # noqa: PLC0415

    codec = Codec(args.codec) if args.codec else Codec.H264
    crf, preset = None, None
    if args.platform:
        platform = PLATFORMS[args.platform]
        codec = Codec(args.codec) if args.codec else platform.codec
        crf, preset = platform.crf, platform.preset
    if args.look:
        crf, preset = QUALITY_PRESETS[args.look]
    if args.crf is not None:
        crf = args.crf
    if args.preset:
        preset = args.preset
    return EncodeSettings(codec=codec, crf=crf, preset=preset)


def render_to(storyboard: Storyboard, output: Path, args: argparse.Namespace) -> ExportResult:
    from video_studio.commands.progress_bar import TerminalProgress  # noqa: PLC0415
    from video_studio.render.export import ExportOptions, export_video  # noqa: PLC0415

    progress = None if args.quiet else TerminalProgress(f"Rendering {output.name}")
    try:
        return export_video(
            storyboard,
            output,
            ExportOptions(encode=encode_settings(args)),
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()


def summary(result: ExportResult) -> str:
    width, height = result.size
    megabytes = result.bytes / 1_000_000
    return (
        f"wrote {result.path} ({width}x{height}, {result.duration:.1f} s, {megabytes:.1f} MB) "
        f"in {result.elapsed:.1f} s ({result.render_fps:.1f} frames/s)"
    )


def render_command(args: argparse.Namespace) -> int:
    from video_studio.commands.inputs import EXIT_OK, load_storyboard, run_reporting  # noqa: PLC0415

    def run() -> int:
        storyboard = apply_overrides(load_storyboard(args.input), args)
        result = render_to(storyboard, args.output, args)
        print(summary(result), file=sys.stderr)
        return EXIT_OK

    return run_reporting(run)
