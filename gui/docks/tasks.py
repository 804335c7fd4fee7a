"""The Tasks dock: every generation of the open project with its progress, place in the
queue, Cancel and Retry; a failure's plain message with buttons for what can be done about
it; an alert while a service is paused by its circuit breaker; and a Monitoring tab with
the numbers per model adapter."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.generation import GenerationController, model_label
from gui.services import Services
from gui.widgets.monitoring_view import MonitoringView
from gui.widgets.task_row import TaskRow
from video_studio.error_types import RecoveryAction
from video_studio.models import TaskInfo

SETTINGS_ACTION = "edit.settings"
UNAVAILABLE_TEXT = (
    "Generation is unavailable: its part of the window failed to start. The log file "
    "says why (Help > About)."
)
EMPTY_TEXT = "No generations yet. Select scenes and choose Generate > Generate Selected Scenes."


class TasksPanel(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._controller: GenerationController | None = services.generation
        self.rows: dict[str, TaskRow] = {}
        self._dismissed: frozenset[str] = frozenset()
        self._shut_down = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.monitoring: MonitoringView | None = None
        if self._controller is None:
            self.unavailable = QLabel(UNAVAILABLE_TEXT, self)
            self.unavailable.setObjectName("generation_unavailable")
            self.unavailable.setWordWrap(True)
            self.unavailable.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(self.unavailable)
            return
        controller = self._controller

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tasks_tabs")
        layout.addWidget(self.tabs)

        tasks_page = QWidget(self.tabs)
        page = QVBoxLayout(tasks_page)
        page.setContentsMargins(4, 4, 4, 4)
        self.banner, self.banner_text = self._make_banner(tasks_page)
        page.addWidget(self.banner)

        header = QHBoxLayout()
        self.summary = QLabel(tasks_page)
        self.summary.setObjectName("tasks_summary")
        self.clear_button = QPushButton("Clear finished", tasks_page)
        self.clear_button.setObjectName("clear_finished_button")
        self.clear_button.setToolTip("Remove the completed, failed and cancelled tasks")
        self.clear_button.clicked.connect(controller.clear_finished)
        header.addWidget(self.summary, 1)
        header.addWidget(self.clear_button)
        page.addLayout(header)

        self._make_list(tasks_page, page)
        self.tabs.addTab(tasks_page, "Tasks")

        self.monitoring = MonitoringView(controller.metrics, self.tabs)
        self.tabs.addTab(self.monitoring, "Monitoring")

        controller.task_updated.connect(self.show_task)
        controller.tasks_reset.connect(self._rebuild)
        controller.breaker_alert.connect(self._breakers_changed)
        controller.breaker_cleared.connect(self._breakers_changed)
        controller.metrics_changed.connect(self.monitoring.metrics_changed)
        services.session.document_changed.connect(self._rename_rows)
        self._rebuild()
        self._breakers_changed()

    def _make_list(self, parent: QWidget, page: QVBoxLayout) -> None:
        """The task rows in a scroll area, or a word on how to start when there are none."""
        self.empty = QLabel(EMPTY_TEXT, parent)
        self.empty.setObjectName("tasks_empty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        page.addWidget(self.empty)
        self.list_area = QScrollArea(parent)
        self.list_area.setObjectName("tasks_scroll")
        self.list_area.setWidgetResizable(True)
        self.list_area.setFrameShape(QFrame.Shape.NoFrame)
        self._list = QWidget(self.list_area)
        self._list.setObjectName("tasks_list")
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.setSpacing(4)
        self._list_layout.addStretch(1)
        self.list_area.setWidget(self._list)
        page.addWidget(self.list_area, 1)

    def _make_banner(self, parent: QWidget) -> tuple[QFrame, QLabel]:
        """The alert shown while a service is paused by its circuit breaker."""
        banner = QFrame(parent)
        banner.setObjectName("breaker_banner")
        banner.setStyleSheet(
            "QFrame#breaker_banner { background: #f0ad4e; border-radius: 4px; }"
            "QFrame#breaker_banner QLabel { color: #1a1a1a; }"
        )
        text = QLabel(banner)
        text.setObjectName("breaker_banner_text")
        text.setWordWrap(True)
        dismiss = QToolButton(banner)
        dismiss.setObjectName("breaker_banner_dismiss")
        dismiss.setText("✕")
        dismiss.setToolTip("Hide this alert")
        dismiss.setAutoRaise(True)
        dismiss.clicked.connect(self._dismiss_banner)
        layout = QHBoxLayout(banner)
        layout.setContentsMargins(8, 6, 4, 6)
        layout.addWidget(text, 1)
        layout.addWidget(dismiss, 0, Qt.AlignmentFlag.AlignTop)
        banner.hide()
        return banner, text

    # --- tasks --------------------------------------------------------------------------------

    def show_task(self, info: TaskInfo) -> None:
        row = self.rows.get(info.task_id)
        if row is None:
            row = TaskRow(info, self._list)
            row.cancel_requested.connect(self._cancel)
            row.retry_requested.connect(self._retry)
            row.recovery_requested.connect(self._recover)
            self._list_layout.insertWidget(self._list_layout.count() - 1, row)
            self.rows[info.task_id] = row
        self._fill(row, info)
        self._update_summary()

    def _fill(self, row: TaskRow, info: TaskInfo) -> None:
        assert self._controller is not None
        row.show_info(info, self._controller.scene_label(info), model_label(info.model))

    def _rebuild(self) -> None:
        assert self._controller is not None
        for row in self.rows.values():
            self._list_layout.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for info in self._controller.tasks():
            self.show_task(info)
        self._update_summary()
        self._breakers_changed()

    def _rename_rows(self) -> None:
        """Scenes moved or were removed: their numbers change."""
        for row in self.rows.values():
            self._fill(row, row.info)

    def _update_summary(self) -> None:
        infos = [row.info for row in self.rows.values()]
        active = sum(not info.is_terminal for info in infos)
        finished = len(infos) - active
        self.summary.setText(f"{active} running or queued, {finished} finished" if infos else "")
        self.clear_button.setEnabled(finished > 0)
        self.empty.setVisible(not infos)
        self.list_area.setVisible(bool(infos))

    def _cancel(self, task_id: str) -> None:
        assert self._controller is not None
        if not self._controller.cancel(task_id):
            self._services.status("That generation has already finished.")

    def _retry(self, task_id: str) -> None:
        assert self._controller is not None
        self._controller.retry(task_id)

    def _recover(self, task_id: str, value: str) -> None:
        assert self._controller is not None
        action = RecoveryAction(value)
        if action in (RecoveryAction.RETRY, RecoveryAction.RETRY_LATER):
            self._controller.retry(task_id)
        elif action is RecoveryAction.USE_LOCAL_ENGINE:
            self._controller.use_local_engine(task_id)
        elif action in (RecoveryAction.CHECK_API_KEY, RecoveryAction.FIX_CONFIGURATION):
            self.open_settings(action)

    def open_settings(self, action: RecoveryAction = RecoveryAction.FIX_CONFIGURATION) -> None:
        actions = self._services.actions
        if SETTINGS_ACTION in actions:
            actions.action(SETTINGS_ACTION).trigger()
            return
        what = (
            "check the model's API key"
            if action is RecoveryAction.CHECK_API_KEY
            else "fix the model's settings"
        )
        self._services.status(f"Open Settings (Edit > Settings) to {what}.", 10_000)

    # --- the breaker alert -----------------------------------------------------------------

    def _breakers_changed(self, _message: str = "") -> None:
        assert self._controller is not None
        open_now = self._controller.open_breakers()
        self._dismissed = self._dismissed & frozenset(open_now)
        shown = {name: text for name, text in open_now.items() if name not in self._dismissed}
        self.banner_text.setText("\n".join(shown.values()))
        self.banner.setVisible(bool(shown))

    def _dismiss_banner(self) -> None:
        assert self._controller is not None
        self._dismissed = frozenset(self._controller.open_breakers())
        self.banner.hide()

    # --- closing ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the monitor's timer and stop listening (the controller shuts down itself)."""
        controller = self._controller
        if controller is None or self.monitoring is None or self._shut_down:
            return
        self._shut_down = True
        self.monitoring.shutdown()
        for signal, slot in (
            (controller.task_updated, self.show_task),
            (controller.tasks_reset, self._rebuild),
            (controller.breaker_alert, self._breakers_changed),
            (controller.breaker_cleared, self._breakers_changed),
            (controller.metrics_changed, self.monitoring.metrics_changed),
            (self._services.session.document_changed, self._rename_rows),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
