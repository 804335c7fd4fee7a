"""Starts the desktop app: the QApplication, the remembered theme, the main window, the
project given on the command line, and the event loop."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from gui.app_icon import APP_ID, app_icon
from gui.main_window import MainWindow
from gui.platform_check import find_platform_problem
from gui.theme import Theme, apply_theme
from gui.ui_state import UiState
from video_studio import __version__

__all__ = [
    "after_first_paint",
    "apply_saved_theme",
    "create_app",
    "create_main_window",
    "find_platform_problem",
    "launch",
    "open_in_window",
    "project_actions",
    "run",
]

if TYPE_CHECKING:  # the project commands load with the panels, after the window shows
    from gui.project_actions import ProjectActions

_log = logging.getLogger("video_studio.gui")

APP_NAME = "Video Studio"
ORGANIZATION_NAME = "Video Studio"
DESKTOP_FILE_NAME = APP_ID  # Qt tells the desktop which launcher (and icon) is ours


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
        app = QApplication(list(sys.argv[:1] if argv is None else argv))
    elif isinstance(existing, QApplication):
        app = existing
    else:
        raise RuntimeError(
            f"a {type(existing).__name__} already exists; the app needs a QApplication"
        )
    app.setWindowIcon(app_icon())
    return app


def apply_saved_theme(app: QApplication, state: UiState) -> Theme:
    """The theme the user chose last time (dark when unknown)."""
    try:
        return apply_theme(app, state.theme)
    except ValueError:
        _log.warning("unknown theme %r in the UI state; using dark", state.theme)
        return apply_theme(app, Theme.DARK)


def create_main_window(state: UiState | None = None, *, load_parts: bool = True) -> MainWindow:
    """The app's main window (not shown yet); `load_parts=False`: its panels come with
    window.load_parts() (see run)."""
    return MainWindow(state, load_parts=load_parts)


def project_actions(window: MainWindow) -> ProjectActions | None:
    """The window's project commands (None if that part failed to start)."""
    from gui.project_actions import ProjectActions  # noqa: PLC0415

    for controller in window.controllers:
        if isinstance(controller, ProjectActions):
            return controller
    return None


def open_in_window(window: MainWindow, project: Path) -> bool:
    """Open `project` (a folder or its project.json) in the window; problems are shown
    in the window, never raised."""
    actions = project_actions(window)
    if actions is None:
        window.show_status(f"Cannot open {project}: the project commands failed to start")
        return False
    return actions.open_project(project)


def launch(
    argv: Sequence[str] | None = None, project: Path | None = None
) -> tuple[QApplication, MainWindow]:
    """The app with its window shown and `project` opened (before the event loop runs)."""
    app = create_app(argv)
    state = UiState.load()
    apply_saved_theme(app, state)
    window = create_main_window(state)
    window.show()
    if project is not None:
        open_in_window(window, project)
    return app, window


def run(argv: Sequence[str] | None = None, project: Path | None = None) -> int:
    """Shows the main window at once, then loads its panels and opens `project` (if given)
    from the event loop, and runs it; returns the exit code."""
    app = create_app(argv)
    state = UiState.load()
    apply_saved_theme(app, state)
    window = create_main_window(state, load_parts=False)

    def finish_start() -> None:
        window.load_parts()
        if project is not None:
            open_in_window(window, project)

    # A zero timer would run before the window's first paint: the user would look at an
    # empty frame until every panel had loaded.
    after_first_paint(window, finish_start)
    window.show()
    return int(app.exec())


class _FirstPaintWatch(QObject):
    """Lives as the widget's child; its two timers are its own, so nothing outlives it."""

    def __init__(self, widget: QWidget, then: Callable[[], None], fallback_ms: int) -> None:
        super().__init__(widget)
        self._widget = widget
        self._then = then
        self._fired = False
        self._after_paint = self._single_shot(0)  # once the first paint has been delivered
        self._fallback = self._single_shot(fallback_ms)  # never painted (a hidden start)
        self._fallback.start()
        widget.installEventFilter(self)

    def _single_shot(self, interval_ms: int) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(interval_ms)
        timer.timeout.connect(self._fire)
        return timer

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not self._fired and watched is self._widget and event.type() == QEvent.Type.Paint:
            self._after_paint.start()
        return False

    def _fire(self) -> None:
        if self._fired:
            return
        self._fired = True
        self._after_paint.stop()
        self._fallback.stop()
        self._widget.removeEventFilter(self)
        self._then()


def after_first_paint(widget: QWidget, then: Callable[[], None], fallback_ms: int = 1000) -> None:
    """Call `then` once from the event loop, right after `widget` is first painted (or after
    `fallback_ms` if it never is)."""
    _FirstPaintWatch(widget, then, fallback_ms)
