"""The main window and the app start-up, on Qt's offscreen platform (pytest-qt)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QMessageBox, QStatusBar
from pytestqt.qtbot import QtBot

from gui import app as gui_app
from gui.main_window import (
    DEFAULT_SIZE,
    PLACEHOLDER_TEXT,
    MainWindow,
    about_text,
    default_window_size,
)
from video_studio import __version__

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    main_window = gui_app.create_main_window()
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    return main_window


def menu_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def test_window_title_placeholder_and_status_bar(window: MainWindow) -> None:
    assert isinstance(window, MainWindow)
    assert window.windowTitle() == "Video Studio"
    central = window.centralWidget()
    assert isinstance(central, QLabel)
    assert central.text() == PLACEHOLDER_TEXT
    assert "Drop product images" in central.text()
    assert central.isVisible()
    status_bar = window.findChild(QStatusBar)
    assert status_bar is not None
    assert status_bar.isVisible()
    assert status_bar.currentMessage() == "Ready"


def test_default_size_fits_the_screen(window: MainWindow) -> None:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    assert window.size() == default_window_size(screen.availableSize())
    assert default_window_size(QSize(1920, 1080)) == QSize(1280, 800)
    assert default_window_size(QSize(1600, 1000)) == DEFAULT_SIZE
    assert default_window_size(QSize(1024, 600)) == QSize(921, 540)
    assert default_window_size(None) == QSize(1280, 800)


def test_file_and_help_menus(window: MainWindow) -> None:
    assert menu_titles(window) == ["&File", "&Help"]
    file_menu = window.findChild(QMenu, "menu_file")
    help_menu = window.findChild(QMenu, "menu_help")
    assert file_menu is window.file_menu
    assert help_menu is window.help_menu
    assert window.quit_action in file_menu.actions()
    assert window.about_action in help_menu.actions()
    assert window.quit_action.text() == "&Quit"
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert "About" in window.about_action.text()


def test_quit_action_closes_the_window(qtbot: QtBot, window: MainWindow) -> None:
    assert window.isVisible()
    window.quit_action.trigger()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_ctrl_q_closes_the_window(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_about_text_names_the_version() -> None:
    assert __version__ in about_text()
    assert "9.8.7" in about_text("9.8.7")
    assert "Video Studio" in about_text()


def test_about_action_opens_a_non_blocking_box_with_the_version(
    qtbot: QtBot, window: MainWindow
) -> None:
    blocked: list[bool] = []

    def end_blocking_dialog() -> None:  # only runs if trigger() sits in a modal exec() loop
        blocked.append(True)
        modal = QApplication.activeModalWidget()
        if modal is not None:
            modal.close()

    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(end_blocking_dialog)
    watchdog.start(5000)
    window.about_action.trigger()  # returns at once: the box is opened with open(), not exec()
    watchdog.stop()
    assert not blocked, "the About box blocked in a modal loop"
    box = window.findChild(QMessageBox, "about_box")
    assert box is not None
    qtbot.waitExposed(box)
    assert box.isVisible()
    assert f"Version {__version__}" in box.text()
    assert box.windowTitle() == "About Video Studio"
    box.close()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "about_box") is None, timeout=5000)


def test_create_app_names_the_application(qapp: QApplication) -> None:
    assert gui_app.create_app(["video-studio"]) is qapp
    assert QApplication.applicationName() == "Video Studio"
    assert QApplication.organizationName() == "Video Studio"
    assert QApplication.applicationVersion() == __version__
    assert QGuiApplication.desktopFileName() == "video-studio"


def test_run_shows_the_main_window_and_returns_when_it_is_closed(qapp: QApplication) -> None:
    seen: list[MainWindow] = []

    def quit_from_the_window() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        seen.extend(w for w in windows if w.isVisible())
        for main_window in seen:
            main_window.quit_action.trigger()

    QTimer.singleShot(200, quit_from_the_window)
    # If closing the window does not end the event loop, end it anyway (and fail below).
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(lambda: qapp.exit(99))
    watchdog.start(10_000)
    try:
        exit_code = gui_app.run(["video-studio"])
    finally:
        watchdog.stop()
    assert len(seen) == 1
    still_open = [type(w).__name__ for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert exit_code == 0, f"closing the main window did not end the event loop: {still_open}"
    assert not seen[0].isVisible()
    seen[0].deleteLater()
