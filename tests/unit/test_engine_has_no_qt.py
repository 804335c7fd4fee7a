"""The engine (video_studio/) never imports Qt: it must import, and every module of it, with
PySide6 made unimportable; and no engine source imports Qt, even inside a function."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import video_studio

ENGINE = Path(video_studio.__file__).parent
QT_PACKAGES = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2", "qtpy", "superqt", "gui")
# The command line opens the GUI on request: the one place the engine may reach into gui/.
LAZY_GUI_LAUNCHERS = {"cli.py"}

BLOCKED_IMPORT_SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    BLOCKED = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2")

    class BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked: the engine must not import Qt")
            return None

    sys.meta_path.insert(0, BlockQt())
    import video_studio
    names = [m.name for m in pkgutil.walk_packages(video_studio.__path__, "video_studio.")]
    for name in names:
        importlib.import_module(name)
    from video_studio import *  # noqa: F403  (the public API)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED + ("gui",))
    assert not loaded, loaded
    print(len(names))
    """
)


def test_every_engine_module_imports_with_qt_blocked() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 8  # the walk really found the engine's modules


def imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


def test_no_engine_source_imports_qt_anywhere() -> None:
    offenders: dict[str, set[str]] = {}
    sources = sorted(ENGINE.rglob("*.py"))
    assert len(sources) >= 8
    for source in sources:
        roots = imported_roots(ast.parse(source.read_text(encoding="utf-8")))
        allowed = {"gui"} if source.name in LAZY_GUI_LAUNCHERS else set()
        bad = (roots & set(QT_PACKAGES)) - allowed
        if bad:
            offenders[str(source.relative_to(ENGINE))] = bad
    assert offenders == {}
