"""`video-studio demo [-o OUT]`: render the bundled demo project with the local engine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from video_studio.commands.render import add_output_options

SubParsers = Any
DEFAULT_OUTPUT = Path("video-studio-demo.mp4")


def demo_script() -> Path:
    from video_studio.resources import demo_dir  # noqa: PLC0415 - loaded when the command runs

    return demo_dir() / "demo.yaml"


def add_demo_parser(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="render the bundled demo project (offline, local engine)",
        description="Render the bundled demo project with the local engine; needs no network.",
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=DEFAULT_OUTPUT, help=f"default {DEFAULT_OUTPUT}"
    )
    add_output_options(parser)
    parser.set_defaults(handler=demo_command)


def demo_command(args: argparse.Namespace) -> int:
    from video_studio.commands.inputs import EXIT_OK, load_storyboard, run_reporting  # noqa: PLC0415
    from video_studio.commands.render import apply_overrides, render_to, summary  # noqa: PLC0415

    def run() -> int:
        storyboard = apply_overrides(load_storyboard(demo_script()), args)
        result = render_to(storyboard, args.output, args)
        print(summary(result), file=sys.stderr)
        return EXIT_OK

    return run_reporting(run)
