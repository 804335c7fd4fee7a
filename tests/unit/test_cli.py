"""The `video-studio` command line: version, exit codes, the subcommand hook, and opening the
GUI, including the machine without a display, where it must explain itself instead of letting
Qt abort the process."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from video_studio import __version__, cli

REPO_ROOT = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = Path(sys.executable).parent / "video-studio"
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "XDG_SESSION_TYPE")
RUN_MAIN = "import sys; from video_studio.cli import main; sys.exit(main([]))"

pytestmark = pytest.mark.timeout(120)


def run(
    command: list[str], env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env=None if env is None else dict(env),
        check=False,
    )


def environment_without_display(**overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in (*DISPLAY_VARIABLES, "QT_QPA_PLATFORM")
    }
    env.update(overrides)
    return env


def unused_x_display() -> str:
    for number in range(917, 1000):
        socket = Path(f"/tmp/.X11-unix/X{number}")
        lock = Path(f"/tmp/.X{number}-lock")
        if not socket.exists() and not lock.exists():
            return f":{number}"
    raise AssertionError("no free X display number between 917 and 999")


def assert_explains_missing_display(result: subprocess.CompletedProcess[str]) -> None:
    """Exit code 1 and a readable message: no traceback, no SIGABRT from Qt."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("video-studio: cannot open the window: ")
    assert "xvfb-run" in result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert result.stdout == ""


# --- version, exit codes, parser ---------------------------------------------------------


def test_console_script_prints_the_version() -> None:
    assert CONSOLE_SCRIPT.is_file(), f"{CONSOLE_SCRIPT} is missing: pip install -e . creates it"
    result = run([str(CONSOLE_SCRIPT), "--version"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"video-studio {__version__}\n"


def test_main_version_returns_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"video-studio {__version__}\n"


def test_invalid_arguments_exit_with_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --no-such-option" in err
    assert err.startswith("usage: video-studio")


def test_help_exits_with_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "usage: video-studio" in capsys.readouterr().out


def test_a_subcommand_is_one_add_parser_function(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[argparse.Namespace] = []

    def hello(args: argparse.Namespace) -> int:
        calls.append(args)
        return int(args.code)

    def add_hello_parser(subparsers: cli.SubParsers) -> None:
        parser = subparsers.add_parser("hello", help="say hello")
        parser.add_argument("--code", type=int, default=0)
        parser.set_defaults(handler=hello)

    monkeypatch.setattr(cli, "SUBCOMMANDS", (add_hello_parser,))
    assert "hello" in cli.build_parser().format_help()
    assert cli.main(["hello", "--code", "7"]) == 7
    assert calls[-1].command == "hello"
    assert cli.main(["hello", "--code", "seven"]) == 2
    assert "invalid int value" in capsys.readouterr().err
    assert cli.main(["nonsense"]) == 2
    assert len(calls) == 1


def test_importing_the_cli_does_not_import_qt() -> None:
    code = (
        "import sys, video_studio.cli; "
        "loaded = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'gui'))]; "
        "assert not loaded, loaded"
    )
    result = run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr


# --- opening the GUI -----------------------------------------------------------------------


def test_no_arguments_open_the_gui(monkeypatch: pytest.MonkeyPatch) -> None:
    from gui import app as gui_app

    calls: list[list[str]] = []

    def fake_run(argv: list[str]) -> int:
        calls.append(argv)
        return 0

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(gui_app, "run", fake_run)
    assert cli.main([]) == 0
    assert calls == [["video-studio"]]


def test_no_display_is_detected_before_qt_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gui import app as gui_app

    def must_not_run(argv: list[str]) -> int:
        raise AssertionError("the GUI was started without a display")

    for name in DISPLAY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(gui_app, "run", must_not_run)
    assert cli.main([]) == 1
    assert "DISPLAY is not set" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([str(CONSOLE_SCRIPT)], id="console-script"),
        pytest.param([sys.executable, "main.py"], id="main.py"),
        pytest.param([sys.executable, "-c", RUN_MAIN], id="main([])"),
    ],
)
def test_xcb_without_display_exits_1_with_a_message(command: list[str]) -> None:
    result = run(command, environment_without_display(QT_QPA_PLATFORM="xcb"))
    assert_explains_missing_display(result)
    assert "DISPLAY is not set" in result.stderr


def test_no_display_variables_at_all_exits_1_with_a_message() -> None:
    result = run([str(CONSOLE_SCRIPT)], environment_without_display())
    assert_explains_missing_display(result)
    assert "no display found" in result.stderr


def test_unreachable_x_display_exits_1_with_a_message() -> None:
    display = unused_x_display()
    result = run(
        [str(CONSOLE_SCRIPT)], environment_without_display(QT_QPA_PLATFORM="xcb", DISPLAY=display)
    )
    assert_explains_missing_display(result)
    assert f"cannot connect to the X display '{display}'" in result.stderr


def test_missing_wayland_socket_exits_1_with_a_message(tmp_path: Path) -> None:
    env = environment_without_display(
        QT_QPA_PLATFORM="wayland", WAYLAND_DISPLAY="wayland-test", XDG_RUNTIME_DIR=str(tmp_path)
    )
    result = run([str(CONSOLE_SCRIPT)], env)
    assert_explains_missing_display(result)
    assert str(tmp_path / "wayland-test") in result.stderr


def test_missing_pyside6_exits_1_with_a_message() -> None:
    code = textwrap.dedent(
        """
        import importlib.abc, sys

        class BlockQt(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6"):
                    raise ImportError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, BlockQt())
        from video_studio.cli import main
        sys.exit(main([]))
        """
    )
    result = run([sys.executable, "-c", code], environment_without_display(DISPLAY=":0"))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("video-studio: cannot open the window: ")
    assert "PySide6" in result.stderr
    assert "./run.sh" in result.stderr


# --- the platform check itself -------------------------------------------------------------


def test_requested_platforms_follow_qt_rules() -> None:
    from gui.platform_check import requested_platforms

    assert requested_platforms({"QT_QPA_PLATFORM": "xcb:dpi=96; offscreen"}) == [
        "xcb",
        "offscreen",
    ]
    assert requested_platforms({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-1"}) == [
        "wayland",
        "xcb",
    ]
    assert requested_platforms({"XDG_SESSION_TYPE": "wayland"}) == ["wayland"]
    assert requested_platforms({"DISPLAY": ":0"}) == ["xcb"]
    assert requested_platforms({}) == []


def test_platform_problem_from_the_environment(tmp_path: Path) -> None:
    from gui.platform_check import find_platform_problem

    linux = "linux"
    assert find_platform_problem({"QT_QPA_PLATFORM": "offscreen"}, linux) is None
    assert find_platform_problem({"QT_QPA_PLATFORM": "xcb;offscreen"}, linux) is None
    assert find_platform_problem({}, "win32") is None
    assert find_platform_problem({}, "darwin") is None

    no_display = find_platform_problem({}, linux)
    assert no_display is not None
    assert no_display.startswith("no display found")
    xcb_alone = find_platform_problem({"QT_QPA_PLATFORM": "xcb"}, linux)
    assert xcb_alone is not None
    assert "DISPLAY is not set" in xcb_alone

    wayland = {"QT_QPA_PLATFORM": "wayland", "XDG_RUNTIME_DIR": str(tmp_path)}
    missing = find_platform_problem(wayland, linux)
    assert missing is not None
    assert str(tmp_path / "wayland-0") in missing
    (tmp_path / "wayland-0").touch()
    assert find_platform_problem(wayland, linux) is None
    no_runtime_dir = find_platform_problem({"QT_QPA_PLATFORM": "wayland"}, linux)
    assert no_runtime_dir is not None
    assert "XDG_RUNTIME_DIR" in no_runtime_dir


def test_unreachable_x_display_is_refused() -> None:
    from gui.platform_check import find_platform_problem, x_display_accepts_connection

    display = unused_x_display()
    assert not x_display_accepts_connection(display)
    problem = find_platform_problem({"DISPLAY": display}, "linux")
    assert problem is not None
    assert display in problem


def test_xcb_plugin_with_missing_libraries_is_reported(tmp_path: Path) -> None:
    from PySide6.QtCore import QLibraryInfo

    from gui.platform_check import xcb_plugin_problem

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "libqxcb.so").write_bytes(b"not a shared library")
    problem = xcb_plugin_problem([broken])
    assert problem is not None
    assert "xcb" in problem
    assert "cannot be loaded" in problem
    assert "apt-get install" in problem

    real = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    assert (real / "libqxcb.so").is_file()
    assert xcb_plugin_problem([real]) is None
    assert xcb_plugin_problem([tmp_path / "empty"]) is None  # not found: left to Qt


def test_commands_write_the_log_file_not_the_terminal(tmp_path: Path) -> None:
    """A command logs to the log file (named in Help > About), keeping the terminal for its
    own progress and messages."""
    log_dir = tmp_path / "logs"
    env = {**os.environ, "VIDEO_STUDIO_LOG_DIR": str(log_dir)}
    script = REPO_ROOT / "resources" / "demo" / "demo.yaml"
    result = run([str(CONSOLE_SCRIPT), "validate", str(script)], env)
    assert result.returncode == 0, result.stderr
    log_file = log_dir / "video_studio.log"
    assert log_file.is_file()
    assert "video_studio" not in result.stderr  # no log records on the terminal
