"""The `video-studio` command line.

With no arguments it opens the desktop app; `video-studio PROJECT` opens a project in it (a
folder or its project.json). Subcommands (render, generate, validate, demo)
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
from pathlib import Path
from typing import TypeAlias

from video_studio import __version__
from video_studio.commands.demo import add_demo_parser
from video_studio.commands.generate import add_generate_parser
from video_studio.commands.render import add_render_parser
from video_studio.commands.validate import add_validate_parser
from video_studio.logging_config import setup_logging

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
        usage=f"{PROG} [-h] [--version] [PROJECT | COMMAND ...]",
        description=(
            "Turn product photos into short marketing videos. "
            "With no command, opens the desktop app; with a PROJECT (a project folder or "
            "its project.json), opens that project in it."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.set_defaults(handler=None)
    if SUBCOMMANDS:
        subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
        for add_parser in SUBCOMMANDS:
            add_parser(subparsers)
    return parser


def build_project_parser() -> argparse.ArgumentParser:
    """The `video-studio PROJECT` form: the app with a project open."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Open the desktop app with a project open."
    )
    parser.add_argument("project", type=Path, help="a project folder, or its project.json")
    return parser


def command_names(parser: argparse.ArgumentParser) -> frozenset[str]:
    """The subcommands `parser` knows."""
    names: set[str] = set()
    for action in parser._actions:  # argparse offers no public listing of them
        if isinstance(action, argparse._SubParsersAction):
            names.update(action.choices)
    return frozenset(names)


def is_project_form(arguments: Sequence[str], parser: argparse.ArgumentParser) -> bool:
    """True when the first argument is not an option or a subcommand: a project path."""
    if not arguments:
        return False
    first = arguments[0]
    if first == "--":
        return len(arguments) > 1
    return not first.startswith("-") and first not in command_names(parser)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `video-studio` console script; returns the process exit code."""
    parser = build_parser()
    arguments = sys.argv[1:] if argv is None else list(argv)
    if is_project_form(arguments, parser):
        try:
            project_args = build_project_parser().parse_args(arguments)
        except SystemExit as exit_request:
            return _exit_code(exit_request.code)
        return _open_project(project_args.project, command_names(parser))
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_request:
        # argparse exits for --help/--version (0) and for invalid input (2).
        return _exit_code(exit_request.code)
    handler: Handler | None = args.handler
    if handler is None:
        return _open_gui()
    # Commands log to the file only: their own progress and messages own the terminal.
    setup_logging(console=False)
    return handler(args)


def project_problem(path: Path) -> tuple[bool, str | None]:
    """(whether the app should start, what is wrong with `path` or None). A path that does
    not exist stops here; one that exists but cannot be opened (not a project, a damaged
    project.json) is reported and the app still starts, to explain it and to offer the
    backup."""
    if not path.exists():
        return False, f"{path}: no such project folder or file"
    from video_studio.project import Project  # noqa: PLC0415 - only for this check

    try:
        Project.open(path)
    except ValueError as error:  # ConfigError: each issue names the file and the field
        return True, str(error)
    except OSError as error:
        return True, f"{path}: {error.strerror or error}"
    return True, None


def _open_project(path: Path, commands: frozenset[str]) -> int:
    start, problem = project_problem(path)
    if not start:
        hint = ""
        if commands and len(path.parts) == 1 and not path.suffix:
            hint = f" (commands: {', '.join(sorted(commands))}; see {PROG} --help)"
        _error(f"{problem}{hint}")
        return EXIT_INVALID_INPUT
    if problem is not None:
        _error(f"cannot open the project: {problem}")
    return _open_gui(path)


def _exit_code(code: str | int | None) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return EXIT_FAILURE


def _error(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _open_gui(project: Path | None = None) -> int:
    """Opens the desktop app (with `project` open), or explains why it cannot start (exit
    code 1)."""
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
    setup_logging()
    if project is None:
        return gui_app.run([PROG])
    return gui_app.run([PROG], project=project)
