"""The window's panels, each in a dock: where it goes and which class makes it.

A panel is a QWidget made as `Panel(services, parent)`; it may have `shutdown()`, called
when the window closes (stop timers, cancel its jobs). Panels load by name so that one
that fails to load is shown as a clear message in its dock instead of stopping the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

_Area = Qt.DockWidgetArea


@dataclass(frozen=True)
class DockSpec:
    name: str  # objectName of the dock: "dock_<name>" (saved layouts refer to it)
    title: str
    panel: str  # "module:Class"
    area: Qt.DockWidgetArea
    shortcut: str  # shows and focuses the dock


_LEFT, _TOP = _Area.LeftDockWidgetArea, _Area.TopDockWidgetArea
_RIGHT, _BOTTOM = _Area.RightDockWidgetArea, _Area.BottomDockWidgetArea
DOCKS: tuple[DockSpec, ...] = (
    DockSpec("image_bin", "Image Bin", "gui.docks.image_bin:ImageBinPanel", _LEFT, "Alt+1"),
    DockSpec("preview", "Preview", "gui.docks.preview:PreviewPanel", _TOP, "Alt+2"),
    DockSpec("inspector", "Inspector", "gui.docks.inspector:InspectorPanel", _RIGHT, "Alt+3"),
    DockSpec("tasks", "Tasks", "gui.docks.tasks:TasksPanel", _RIGHT, "Alt+4"),
    DockSpec("timeline", "Timeline", "gui.docks.timeline:TimelinePanel", _BOTTOM, "Alt+5"),
)
