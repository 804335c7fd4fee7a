"""Dark (default) and light themes: Qt's Fusion style with a palette of our own, so the app
looks the same on every desktop, and icons coloured to match."""

from __future__ import annotations

import sys
from enum import StrEnum

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


class Theme(StrEnum):
    DARK = "dark"
    LIGHT = "light"


_ROLES = QPalette.ColorRole
_DARK: dict[QPalette.ColorRole, str] = {
    _ROLES.Window: "#2b2d31",
    _ROLES.WindowText: "#e6e6e6",
    _ROLES.Base: "#1f2023",
    _ROLES.AlternateBase: "#26282c",
    _ROLES.ToolTipBase: "#3a3d42",
    _ROLES.ToolTipText: "#f0f0f0",
    _ROLES.PlaceholderText: "#8a8d93",
    _ROLES.Text: "#e6e6e6",
    _ROLES.Button: "#34363b",
    _ROLES.ButtonText: "#e6e6e6",
    _ROLES.BrightText: "#ff6b6b",
    _ROLES.Light: "#45484e",
    _ROLES.Midlight: "#3b3e43",
    _ROLES.Mid: "#55585e",
    _ROLES.Dark: "#18191b",
    _ROLES.Shadow: "#000000",
    _ROLES.Highlight: "#3d8bfd",
    _ROLES.HighlightedText: "#ffffff",
    _ROLES.Link: "#6ea8fe",
}
_LIGHT: dict[QPalette.ColorRole, str] = {
    _ROLES.Window: "#f3f3f5",
    _ROLES.WindowText: "#1d1d1f",
    _ROLES.Base: "#ffffff",
    _ROLES.AlternateBase: "#f0f1f4",
    _ROLES.ToolTipBase: "#ffffe8",
    _ROLES.ToolTipText: "#1d1d1f",
    _ROLES.PlaceholderText: "#8a8d93",
    _ROLES.Text: "#1d1d1f",
    _ROLES.Button: "#e9e9ec",
    _ROLES.ButtonText: "#1d1d1f",
    _ROLES.BrightText: "#c62828",
    _ROLES.Light: "#ffffff",
    _ROLES.Midlight: "#e3e3e6",
    _ROLES.Mid: "#b8b9bd",
    _ROLES.Dark: "#9d9ea3",
    _ROLES.Shadow: "#505050",
    _ROLES.Highlight: "#0b63d6",
    _ROLES.HighlightedText: "#ffffff",
    _ROLES.Link: "#0b63d6",
}
_DISABLED_TEXT = {Theme.DARK: "#7a7c80", Theme.LIGHT: "#a0a1a5"}


def palette_for(theme: Theme) -> QPalette:
    palette = QPalette()
    for role, colour in (_DARK if theme is Theme.DARK else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    disabled = QColor(_DISABLED_TEXT[theme])
    for role in (_ROLES.WindowText, _ROLES.Text, _ROLES.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply_theme(app: QApplication, theme: Theme | str) -> Theme:
    """Set the style, palette and icon colours of the running app."""
    chosen = Theme(theme)
    app.setStyle("Fusion")
    palette = palette_for(chosen)
    app.setPalette(palette)
    app.setProperty("video_studio_theme", chosen.value)
    if "qtawesome" in sys.modules:  # icons made from now on follow the theme
        configure_icons(app)
    return chosen


def configure_icons(app: QApplication) -> None:
    """Icon colours for the current theme. qtawesome loads here, on first use, not at
    start-up: its fonts cost a fifth of a second before the window could show."""
    import qtawesome  # noqa: PLC0415

    theme = current_theme(app)
    text = palette_for(theme).color(_ROLES.WindowText).name()
    qtawesome.set_defaults(color=text, color_disabled=_DISABLED_TEXT[theme])


def current_theme(app: QApplication) -> Theme:
    value = app.property("video_studio_theme")
    return Theme(value) if value in (Theme.DARK.value, Theme.LIGHT.value) else Theme.DARK
