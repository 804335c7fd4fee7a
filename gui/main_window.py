"""The main window: menus, status bar and, for now, a placeholder where the image bin goes."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QWidget

from video_studio import __version__

WINDOW_TITLE = "Video Studio"
DEFAULT_SIZE = QSize(1280, 800)
PLACEHOLDER_TEXT = "Drop product images here to start"
# On screens smaller than the default size the window takes this share of the free area.
_SMALL_SCREEN_SHARE = 0.9

_PLACEHOLDER_STYLE = """
QLabel#drop_placeholder {
    border: 2px dashed palette(mid);
    border-radius: 12px;
    margin: 24px;
    font-size: 16pt;
}
"""


def default_window_size(available: QSize | None) -> QSize:
    """1280x800, shrunk to fit screens whose free area (`available`) is smaller."""
    if available is None or available.isEmpty():
        return QSize(DEFAULT_SIZE)
    return QSize(
        min(DEFAULT_SIZE.width(), int(available.width() * _SMALL_SCREEN_SHARE)),
        min(DEFAULT_SIZE.height(), int(available.height() * _SMALL_SCREEN_SHARE)),
    )


def about_text(version: str = __version__) -> str:
    """The rich text of the About box."""
    return (
        f"<h3>{WINDOW_TITLE}</h3>"
        f"<p>Version {version}</p>"
        "<p>Turns product photos into short marketing videos.</p>"
    )


class MainWindow(QMainWindow):
    """The application window. Later work adds docks and actions around the central area."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle(WINDOW_TITLE)
        screen = QGuiApplication.primaryScreen()
        self.resize(default_window_size(screen.availableSize() if screen else None))

        self.placeholder = QLabel(PLACEHOLDER_TEXT, self)
        self.placeholder.setObjectName("drop_placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet(_PLACEHOLDER_STYLE)
        self.setCentralWidget(self.placeholder)

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setObjectName("action_quit")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.setStatusTip("Close Video Studio")
        self.quit_action.triggered.connect(self.close)

        self.about_action = QAction("&About Video Studio", self)
        self.about_action.setObjectName("action_about")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.setStatusTip("Show the version of Video Studio")
        self.about_action.triggered.connect(self.show_about)

        menu_bar = self.menuBar()
        self.file_menu = menu_bar.addMenu("&File")
        self.file_menu.setObjectName("menu_file")
        self.file_menu.addAction(self.quit_action)
        self.help_menu = menu_bar.addMenu("&Help")
        self.help_menu.setObjectName("menu_help")
        self.help_menu.addAction(self.about_action)

        self.statusBar().showMessage("Ready")

    def show_about(self) -> QMessageBox:
        """Opens the About box without blocking (window-modal, deleted when closed)."""
        box = QMessageBox(self)
        box.setObjectName("about_box")
        box.setWindowTitle(f"About {WINDOW_TITLE}")
        box.setIcon(QMessageBox.Icon.Information)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(about_text())
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box
