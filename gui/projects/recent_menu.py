"""File > Open Recent: the remembered projects (UiState.recent_projects), those that are
gone greyed with a tooltip, and entries to remove them or clear the list."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QWidget

from gui.ui_state import UiState
from video_studio.project import PROJECT_FILE


class RecentProjectsMenu(QMenu):
    """The Open Recent menu; rebuilt each time it is about to show. Choosing a project
    emits `open_requested(folder: Path)`."""

    open_requested = Signal(object)  # the Path of the project folder

    def __init__(self, state: UiState, parent: QWidget) -> None:
        super().__init__("Open &Recent", parent)
        self._state = state
        self.setObjectName("menu_recent")
        self.setToolTipsVisible(True)
        self.aboutToShow.connect(self.refresh)

    def refresh(self) -> None:
        """Rebuild the menu: projects that are gone are greyed, with a tooltip, and the
        "Remove Missing Projects" entry takes them out of the list."""
        self.clear()
        missing = 0
        for index, text in enumerate(self._state.recent_projects):
            folder = Path(text)
            label = folder.name.replace("&", "&&")
            if index < 9:
                label = f"&{index + 1} {label}"
            action = self.addAction(label)
            action.setData(text)
            if (folder / PROJECT_FILE).is_file():
                action.setToolTip(text)
                action.triggered.connect(
                    lambda _checked=False, path=folder: self.open_requested.emit(path)
                )
            else:
                missing += 1
                action.setEnabled(False)
                action.setToolTip(f"Not found: {text}")
        if self.isEmpty():
            self.addAction("No Recent Projects").setEnabled(False)
            return
        self.addSeparator()
        remove = self.addAction("Remove Missing Projects")
        remove.setObjectName("action_recent_remove_missing")
        remove.setEnabled(missing > 0)
        remove.triggered.connect(self.remove_missing)
        clear = self.addAction("Clear List")
        clear.setObjectName("action_recent_clear")
        clear.triggered.connect(self.clear_list)

    def remove_missing(self) -> None:
        state = self._state
        state.recent_projects = [
            text for text in state.recent_projects if (Path(text) / PROJECT_FILE).is_file()
        ]
        state.save()
        self.refresh()

    def clear_list(self) -> None:
        self._state.recent_projects = []
        self._state.save()
        self.refresh()

    def remember(self, folder: Path) -> None:
        """Put `folder` first in the list, saved at once (a crash does not forget it)."""
        self._state.add_recent(folder)
        self._state.save()
        self.refresh()
