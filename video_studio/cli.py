"""The `video-studio` command line.

With no arguments it opens the desktop app. Subcommands (render, generate, validate, demo)
plug in through `SUBCOMMANDS`: each is one function `add_xxx_parser(subparsers)` that adds its
parser and sets `handler` (a function `Namespace -> int`) with `set_defaults`.

Exit codes: 0 success, 2 invalid input (argparse errors, bad files), 1 failure while working.

This module must not import Qt at import time: the GUI is imported inside `_open_gui` only,
so the command line works (and the engine stays testable) on machines without Qt or a display.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from video_studio import __version__
from video_studio.commands.demo import add_demo_parser
from video_studio.commands.generate import add_generate_parser
from video_studio.commands.render import add_render_parser
from video_studio.commands.validate import add_validate_parser

PROG = "video-studio"

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID_INPUT = 2

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Handler: TypeAlias = Callable[[argparse.Namespace], int]
ParserAdder: TypeAlias = Callable[[SubParsers], None]

# One entry per subcommand, in the order `--help` lists them. Each adds a parser to
# `subparsers` and sets `handler` on it; the command modules load the heavy parts of the
# engine only when their handler runs.
SUBCOMMANDS: tuple[ParserAdder, ...] = (
    add_render_parser,
    add_generate_parser,
    add_validate_parser,
    add_demo_parser,
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser: global options plus every subcommand in `SUBCOMMANDS`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Turn product photos into short marketing videos. "
            "With no command, opens the desktop app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.set_defaults(handler=None)
    if SUBCOMMANDS:
        subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
        for add_parser in SUBCOMMANDS:
            add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `video-studio` console script; returns the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exit_request:
        # argparse exits for --help/--version (0) and for invalid input (2).
        return _exit_code(exit_request.code)
    handler: Handler | None = args.handler
    if handler is None:
        return _open_gui()
    return handler(args)


def _exit_code(code: str | int | None) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return EXIT_FAILURE


def _error(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _open_gui() -> int:
    """Opens the desktop app, or explains why it cannot start (exit code 1)."""
    try:
        from gui import app as gui_app  # noqa: PLC0415 - Qt is loaded only for the GUI
    except ImportError as exc:
        _error(
            "cannot open the window: the Qt libraries (PySide6) could not be loaded "
            f"({exc}).\n"
            "  Install what the app needs with ./run.sh (it sets up PySide6 and the system "
            "libraries Qt uses),\n"
            "  or in this environment: pip install PySide6-Essentials PySide6-Addons\n"
            f"  The command line works without them: {PROG} --help"
        )
        return EXIT_FAILURE
    problem = gui_app.find_platform_problem()
    if problem is not None:
        _error(f"cannot open the window: {problem}")
        return EXIT_FAILURE
    return gui_app.run([PROG])
