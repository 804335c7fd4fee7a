"""The main window and the app start-up, on Qt's offscreen platform (pytest-qt): docks,
menus from the action registry, title with unsaved changes, remembered layout, themes,
and an orderly close."""

from __future__ import annotations

import gc
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPaintEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMessageBox,
    QScrollArea,
    QWidget,
)
from pytestqt.qtbot import QtBot

from gui import app as gui_app
from gui.app_icon import APP_ID
from gui.docks import DOCKS
from gui.main_window import MainWindow, about_text, default_window_size
from gui.theme import Theme, apply_theme, current_theme
from gui.ui_state import UiState
from video_studio import __version__, edits
from video_studio.project import Project

pytestmark = pytest.mark.timeout(90)


REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def state(tmp_path: Path) -> UiState:
    return UiState(path=tmp_path / "ui-state.json")


@pytest.fixture
def window(qtbot: QtBot, state: UiState) -> Iterator[MainWindow]:
    main_window = gui_app.create_main_window(state)
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    yield main_window
    main_window.shutdown()


def menu_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def test_every_panel_loads_in_its_dock(window: MainWindow) -> None:
    assert window.windowTitle() == "Video Studio"
    for spec in DOCKS:
        dock = window.findChild(QDockWidget, f"dock_{spec.name}")
        assert dock is not None and dock.isVisible(), spec.name
        panel = dock.widget()
        # A panel that failed to load is a QLabel with the reason: none may fail.
        assert not isinstance(panel, QLabel), f"{spec.title}: {panel.text()}"
    assert all(controller is not None for controller in window.controllers)
    assert window.services.generation is not None


def test_menus_come_from_the_action_registry(window: MainWindow) -> None:
    titles = [title.replace("&", "") for title in menu_titles(window)]
    assert titles[:2] == ["File", "Edit"] and titles[-1] == "Help"
    assert {"Scene", "Playback", "Generate", "View"} <= set(titles)
    registry = window.services.actions
    expected = {
        "file.new": "Ctrl+N",
        "file.open": "Ctrl+O",
        "file.save": "Ctrl+S",
        "file.import_images": "Ctrl+I",
        "file.export": "Ctrl+E",
        "file.quit": "Ctrl+Q",
        "edit.undo": "Ctrl+Z",
        "edit.settings": "Ctrl+,",
        "generate.selected": "Ctrl+G",
        "scene.duplicate": "Ctrl+D",
    }
    for action_id, keys in expected.items():
        assert action_id in registry, action_id
        shortcuts = [s.toString() for s in registry.action(action_id).shortcuts()]
        assert keys in shortcuts, (action_id, shortcuts)
    # No key does two things in the same place: window-wide shortcuts are unique.
    window_wide: dict[str, str] = {}
    for spec in registry.specs():
        if spec.context is not Qt.ShortcutContext.WindowShortcut:
            continue
        for sequence in registry.action(spec.id).shortcuts():
            key = sequence.toString()
            assert key not in window_wide, (key, window_wide.get(key), spec.id)
            window_wide[key] = spec.id


def test_title_shows_the_project_and_unsaved_changes(window: MainWindow, project: Project) -> None:
    session = window.services.session
    session.set_project(project)
    assert window.windowTitle() == "Launch[*] — Video Studio"
    assert not window.isWindowModified()
    session.edit(lambda p: edits.set_durations(p, [p.document.storyboard.scenes[0].id], 3.0))
    assert window.isWindowModified()
    window.services.actions.action("edit.undo").trigger()
    assert not window.isWindowModified()
    assert "Undo" in window.services.actions.action("edit.undo").text()


def test_layout_and_theme_are_remembered(qtbot: QtBot, state: UiState) -> None:
    first = gui_app.create_main_window(state)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.docks["tasks"].hide()
    first.resize(first.width() - 40, first.height() - 30)
    closed_size = first.size()
    first.close()
    saved = UiState.load(state.path)
    assert saved.window_state and saved.geometry
    second = gui_app.create_main_window(saved)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    try:
        assert not second.docks["tasks"].isVisible()
        # The offscreen screen is 800 px wide: a wider window is fitted back onto it.
        assert second.height() == closed_size.height()
        second.services.actions.action("view.reset_layout").trigger()
        assert second.docks["tasks"].isVisibleTo(second)
    finally:
        second.shutdown()


def test_theme_toggle(window: MainWindow) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, Theme.DARK)
    toggle = window.services.actions.action("view.dark_theme")
    try:
        toggle.setChecked(False)
        assert current_theme(app) is Theme.LIGHT and window.state.theme == "light"
        toggle.setChecked(True)
        assert current_theme(app) is Theme.DARK
    finally:
        apply_theme(app, Theme.DARK)


def test_default_size_fits_the_screen() -> None:
    assert default_window_size(QSize(1920, 1080)) == QSize(1280, 800)
    assert default_window_size(QSize(1024, 600)) == QSize(921, 540)
    assert default_window_size(None) == QSize(1280, 800)


def test_ctrl_q_closes_the_window(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_closing_with_unsaved_changes_asks_and_can_stay(
    qtbot: QtBot, window: MainWindow, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = window.services.session
    session.set_project(project)
    session.edit(lambda p: edits.set_durations(p, [p.document.storyboard.scenes[0].id], 3.0))
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save])
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: next(answers))
    window.close()
    assert window.isVisible()  # Cancel: nothing lost, the window stays
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert Project.open(project.folder).document.storyboard.scenes[0].duration == 3.0


def test_about_is_non_blocking_and_names_the_version(qtbot: QtBot, window: MainWindow) -> None:
    assert __version__ in about_text() and "9.8.7" in about_text("9.8.7")
    assert "/var/log/vs.log" in about_text(log_file=Path("/var/log/vs.log"))
    blocked: list[bool] = []
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(lambda: blocked.append(True))
    watchdog.start(5000)
    window.services.actions.action("help.about").trigger()
    watchdog.stop()
    assert not blocked
    box = window.findChild(QMessageBox, "about_box")
    assert box is not None and f"Version {__version__}" in box.text()
    box.close()


def test_create_app_names_the_application(qapp: QApplication) -> None:
    assert gui_app.create_app(["video-studio"]) is qapp
    assert QApplication.applicationName() == "Video Studio"
    assert QApplication.applicationVersion() == __version__
    # The launcher's file name and the icon the window manager shows for the window.
    desktop_file = (
        REPO_ROOT / "packaging" / "linux" / f"{QGuiApplication.desktopFileName()}.desktop"
    )
    assert desktop_file.is_file()
    assert f"Icon={APP_ID}" in desktop_file.read_text(encoding="utf-8")
    icon = qapp.windowIcon()
    assert not icon.isNull() and {16, 48, 256} <= {size.width() for size in icon.availableSizes()}


def test_run_opens_a_project_and_returns_when_the_window_closes(
    qapp: QApplication, project: Project
) -> None:
    seen: list[MainWindow] = []

    def quit_from_the_window() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        seen.extend(w for w in windows if w.isVisible())
        for main_window in seen:
            main_window.services.actions.action("file.quit").trigger()

    QTimer.singleShot(1500, quit_from_the_window)
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(lambda: qapp.exit(99))
    watchdog.start(20_000)
    try:
        exit_code = gui_app.run(["video-studio"], project=project.folder)
    finally:
        watchdog.stop()
    assert len(seen) == 1 and exit_code == 0
    session = seen[0].services.session
    assert session.project is not None and session.project.folder == project.folder
    seen[0].deleteLater()


def test_the_window_keeps_the_gui_thread_first(qtbot: QtBot, state: UiState) -> None:
    """A short GIL switch interval and long-lived objects out of full collections: both
    keep the GUI thread answering while workers render (see gui/responsiveness.py). Both
    are process-wide, so they are reset first: this window must set them itself."""
    sys.setswitchinterval(0.005)
    gc.unfreeze()
    window = gui_app.create_main_window(state, load_parts=False)
    qtbot.addWidget(window)
    assert gc.get_freeze_count() == 0  # nothing frozen before the panels exist
    window.load_parts()
    try:
        assert sys.getswitchinterval() == pytest.approx(0.001)
        assert gc.get_freeze_count() > 10_000
    finally:
        window.shutdown()


def test_the_inspector_is_never_narrower_than_its_fields(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    """A new project shows the project settings first: they must not be clipped."""
    actions = gui_app.project_actions(window)
    assert actions is not None and actions.new_project(tmp_path / "p", "P")
    qtbot.wait(50)
    areas = window.panels["inspector"].findChildren(QScrollArea)
    assert areas
    for area in areas:
        page = area.widget()
        assert page is not None
        assert page.width() >= page.minimumSizeHint().width(), area.objectName()


class _CountingWidget(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        self.paints += 1


def test_the_panels_load_after_the_window_is_painted(qtbot: QtBot) -> None:
    """The start-up work waits for the first paint: the user sees the window at once."""
    widget = _CountingWidget()
    qtbot.addWidget(widget)
    seen: list[int] = []
    gui_app.after_first_paint(widget, lambda: seen.append(widget.paints))
    widget.show()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0] >= 1  # painted before the work began
    qtbot.wait(50)
    widget.update()
    qtbot.wait(50)
    assert len(seen) == 1  # once only

    hidden: list[bool] = []
    never_shown = QWidget()
    gui_app.after_first_paint(never_shown, lambda: hidden.append(True), fallback_ms=50)
    qtbot.waitUntil(lambda: hidden == [True], timeout=2000)  # never shown: still runs
