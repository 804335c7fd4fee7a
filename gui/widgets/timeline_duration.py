"""A small popup that sets one duration on every chosen scene (one undo step). Non-modal:
Enter or Apply sets it, Escape or a click elsewhere closes it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QWidget

from gui.session import ProjectSession
from gui.widgets.timeline_geometry import DURATION_SNAP, MAX_DURATION, MIN_DURATION
from video_studio import edits


class DurationPopup(QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("timeline_duration_popup")
        self._session = session
        self._ids: list[str] = []
        self.label = QLabel(self)
        self.spin = QDoubleSpinBox(self)
        self.spin.setObjectName("scene_duration")
        self.spin.setRange(MIN_DURATION, MAX_DURATION)
        self.spin.setDecimals(1)
        self.spin.setSingleStep(DURATION_SNAP)
        self.spin.setSuffix(" s")
        self.apply_button = QPushButton("&Apply", self)
        self.apply_button.setDefault(True)
        row = QHBoxLayout(self)
        row.addWidget(self.label)
        row.addWidget(self.spin)
        row.addWidget(self.apply_button)
        self.apply_button.clicked.connect(self.apply)
        self.spin.lineEdit().returnPressed.connect(self.apply)

    @property
    def scene_ids(self) -> list[str]:
        return list(self._ids)

    def open_for(self, ids: list[str], at: QPoint) -> None:
        """Ask for the duration of the scenes `ids`; the popup's top left at `at`."""
        if not ids or not self._session.has_project:
            return
        self._ids = list(ids)
        by_id = {s.id: s for s in self._session.document.storyboard.scenes}
        current = [by_id[i].duration for i in self._ids if i in by_id]
        count = len(self._ids)
        self.label.setText("Duration of 1 scene" if count == 1 else f"Duration of {count} scenes")
        self.spin.setValue(current[0] if current else 5.0)
        self.adjustSize()
        self.move(at)
        self.show()
        self.spin.setFocus()
        self.spin.selectAll()

    def apply(self) -> None:
        if not self._session.has_project:
            self.close()
            return
        seconds = round(self.spin.value(), 3)
        known = {scene.id for scene in self._session.document.storyboard.scenes}
        ids = [scene_id for scene_id in self._ids if scene_id in known]
        if ids:
            self._session.edit(lambda project: edits.set_durations(project, ids, seconds))
        self.close()
