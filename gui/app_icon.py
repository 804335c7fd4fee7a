"""The app's identity on the desktop: its id (the .desktop file's name) and its icon.

The icon PNGs are made from the SVG in packaging/linux/icons by scripts/make_icons.py. A
checkout has them there; the PyInstaller bundle puts packaging/linux under "linux" in its
data folder (packaging/video_studio.spec). Once installed (packaging/linux/install.sh) the
icon theme has them too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon

APP_ID = "io.github.videostudio.VideoStudio"  # = packaging/linux/<APP_ID>.desktop


def icon_folders() -> list[Path]:
    """Where the hicolor PNGs may be: the bundle's data folder first, then the checkout."""
    folders: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        folders.append(Path(bundle) / "linux" / "icons" / "hicolor")
    checkout = Path(__file__).resolve().parent.parent / "packaging" / "linux"
    folders.append(checkout / "icons" / "hicolor")
    return folders


def app_icon() -> QIcon:
    """The app icon at every size there is, else the icon theme's (null if neither)."""
    icon = QIcon()
    for folder in icon_folders():
        for png in sorted(folder.glob(f"*/apps/{APP_ID}.png")):
            icon.addFile(str(png))
        if not icon.isNull():
            return icon
    return QIcon.fromTheme(APP_ID)
