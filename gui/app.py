"""Starts the desktop app: the QApplication, the main window and the event loop."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from gui.main_window import MainWindow
from gui.platform_check import find_platform_problem
from video_studio import __version__

__all__ = ["create_app", "create_main_window", "find_platform_problem", "run"]

APP_NAME = "Video Studio"
ORGANIZATION_NAME = "Video Studio"
DESKTOP_FILE_NAME = "video-studio"


def create_app(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, named for settings and the desktop; reuses one that already exists.

    Check `find_platform_problem()` first: Qt aborts the process if no platform can start.
    """
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QApplication.setOrganizationName(ORGANIZATION_NAME)
    QApplication.setDesktopFileName(DESKTOP_FILE_NAME)
    existing = QApplication.instance()
    if existing is None:
        return QApplication(list(sys.argv[:1] if argv is None else argv))
    if not isinstance(existing, QApplication):
        raise RuntimeError(
            f"a {type(existing).__name__} already exists; the app needs a QApplication"
        )
    return existing


def create_main_window() -> MainWindow:
    """The app's main window (not shown yet)."""
    return MainWindow()


def run(argv: Sequence[str] | None = None) -> int:
    """Shows the main window and runs the event loop; returns the exit code."""
    app = create_app(argv)
    window = create_main_window()
    window.show()
    return int(app.exec())
