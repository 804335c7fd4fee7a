"""One generation task in the Tasks dock: its scene and model, what it is doing, a progress
bar, its place in the queue, Cancel / Retry, and for a failure the plain message with a
button per recovery action that the app can carry out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from video_studio.error_types import RecoveryAction
from video_studio.models import TaskInfo, TaskStatus

# Recovery actions the Tasks dock can carry out, in the order their buttons appear.
ACTION_BUTTONS: tuple[RecoveryAction, ...] = (
    RecoveryAction.RETRY,
    RecoveryAction.RETRY_LATER,
    RecoveryAction.USE_LOCAL_ENGINE,
    RecoveryAction.CHECK_API_KEY,
    RecoveryAction.FIX_CONFIGURATION,
)
_RETRIES = (RecoveryAction.RETRY, RecoveryAction.RETRY_LATER)
_PROGRESS_STEPS = 1000
_STATUS_WORDS: dict[TaskStatus, str] = {
    TaskStatus.PENDING: "Waiting",
    TaskStatus.QUEUED: "Queued",
    TaskStatus.RUNNING: "Running",
    TaskStatus.COMPLETED: "Done",
    TaskStatus.FAILED: "Failed",
    TaskStatus.CANCELLED: "Cancelled",
}


def recovery_actions(info: TaskInfo) -> tuple[RecoveryAction, ...]:
    """The failure's recovery actions, as the workflow recorded them."""
    found = []
    for value in info.metadata.get("recovery_actions", ()):
        try:
            found.append(RecoveryAction(value))
        except ValueError:
            continue
    return tuple(found)


def queue_text(info: TaskInfo) -> str:
    """ "2 ahead" while it waits behind others, "next" at the head of a queue."""
    if info.is_terminal or info.queue_position is None:
        return ""
    if info.queue_position == 0:
        return "next" if info.status is TaskStatus.QUEUED else ""
    return f"{info.queue_position} ahead"


class TaskRow(QFrame):
    cancel_requested = Signal(str)  # task id
    retry_requested = Signal(str)
    recovery_requested = Signal(str, str)  # task id, RecoveryAction value

    def __init__(self, info: TaskInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task_id = info.task_id
        self.info = info
        self.setObjectName(f"task_{info.task_id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.title = QLabel(self)
        self.title.setObjectName("task_title")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.state = QLabel(self)
        self.state.setObjectName("task_state")
        self.queue = QLabel(self)
        self.queue.setObjectName("task_queue")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.clicked.connect(lambda: self.cancel_requested.emit(self.task_id))
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setObjectName("retry_button")
        self.retry_button.clicked.connect(lambda: self.retry_requested.emit(self.task_id))

        self.message = QLabel(self)
        self.message.setObjectName("task_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("task_progress")
        self.progress.setRange(0, _PROGRESS_STEPS)
        self.progress.setFormat("%p%")
        self._make_failure_widgets()

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.state)
        top.addWidget(self.queue)
        top.addWidget(self.cancel_button)
        top.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self._actions_box)
        layout.addWidget(self.hints)
        self.show_info(info, "", "")

    def _make_failure_widgets(self) -> None:
        self.error = QLabel(self)
        self.error.setObjectName("task_error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet("color: #d9534f;")
        self.hints = QLabel(self)
        self.hints.setObjectName("task_hints")
        self.hints.setWordWrap(True)
        self._actions_box = QWidget(self)
        self._actions_layout = QHBoxLayout(self._actions_box)
        self._actions_layout.setContentsMargins(0, 0, 0, 0)
        self._shown_actions: tuple[RecoveryAction, ...] | None = None
        self.action_buttons: dict[RecoveryAction, QPushButton] = {}

    def show_info(self, info: TaskInfo, scene: str, model: str) -> None:
        """Show the task's latest state; `scene` ("Scene 3") and `model` name it."""
        self.info = info
        self.title.setText(f"{scene} · {model}" if scene else model)
        self.state.setText(_STATUS_WORDS[info.status])
        self.queue.setText(queue_text(info))
        self.queue.setVisible(bool(self.queue.text()))
        failed = info.status is TaskStatus.FAILED
        self.message.setText("" if failed else info.message)
        self.message.setVisible(bool(self.message.text()))
        active = not info.is_terminal
        self.progress.setVisible(active)
        self.progress.setValue(round(info.progress * _PROGRESS_STEPS))
        self.cancel_button.setVisible(active)
        self.error.setText((info.error_message or info.message) if failed else "")
        self.error.setVisible(failed)
        actions = recovery_actions(info) if failed else ()
        self._show_actions(info, actions)
        retry_offered = any(action in self.action_buttons for action in _RETRIES)
        again = info.status in (TaskStatus.FAILED, TaskStatus.CANCELLED)
        self.retry_button.setVisible(again and not retry_offered)
        tip = f"Remote job: {info.remote_job_id}" if info.remote_job_id else ""
        if info.result_path:
            tip = f"{tip}\nClip: {info.result_path}".strip()
        self.setToolTip(tip)

    def _show_actions(self, info: TaskInfo, actions: tuple[RecoveryAction, ...]) -> None:
        if actions == self._shown_actions:
            return
        self._shown_actions = actions
        while self._actions_layout.count():
            item = self._actions_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.action_buttons = {}
        for action in ACTION_BUTTONS:
            if action not in actions:
                continue
            if action is RecoveryAction.USE_LOCAL_ENGINE and info.model == "local":
                continue
            if action is RecoveryAction.FIX_CONFIGURATION and (
                RecoveryAction.CHECK_API_KEY in self.action_buttons
            ):
                continue  # both open Settings: one button is enough
            if action is RecoveryAction.RETRY_LATER and RecoveryAction.RETRY in self.action_buttons:
                continue
            button = QPushButton(action.label, self._actions_box)
            button.setObjectName(f"recovery_{action.value}")
            button.clicked.connect(
                lambda _checked=False, value=action.value: self.recovery_requested.emit(
                    self.task_id, value
                )
            )
            self._actions_layout.addWidget(button)
            self.action_buttons[action] = button
        self._actions_layout.addStretch(1)
        self._actions_box.setVisible(bool(self.action_buttons))
        others = [
            a.label for a in actions if a not in ACTION_BUTTONS and a is not RecoveryAction.NONE
        ]
        self.hints.setText(f"You can also: {'; '.join(others)}." if others else "")
        self.hints.setVisible(bool(others))
