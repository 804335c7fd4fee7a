"""The banner that offers unsaved work found after a crash: "Unsaved changes from 14:02
were found" with Restore, Discard and a close button (not now). It never blocks: the
project opens as saved and the banner waits at the top of the window until answered.

It is a toolbar so that the main window lays it out above the panels; it stays hidden
whenever there is nothing to offer, even if a remembered window layout says otherwise.
"""

from __future__ import annotations

from datetime import datetime

import qtawesome
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QToolBar, QToolButton, QWidget

_ICON = "mdi6.backup-restore"
_NOTICE_ICON = "mdi6.alert-circle-outline"


def clock_text(moment: datetime, now: datetime | None = None) -> str:
    """HH:MM in local time; with the date when it is not today."""
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")


class RestoreBanner(QToolBar):
    restore_requested = Signal()
    discard_requested = Signal()
    dismissed = Signal()  # the close button: not now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Unsaved changes", parent)
        self.setObjectName("restore_banner")
        self.setMovable(False)
        self.setFloatable(False)
        self.setIconSize(QSize(20, 20))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        self.toggleViewAction().setVisible(False)  # not a toolbar people switch on
        self._active = False  # set before anything may call setVisible

        self.icon_label = QLabel(self)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("restore_banner_message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.restore_button = QPushButton("Restore", self)
        self.restore_button.setObjectName("restore_banner_restore")
        self.restore_button.setToolTip("Open the unsaved changes (save to keep them)")
        self.discard_button = QPushButton("Discard", self)
        self.discard_button.setObjectName("restore_banner_discard")
        self.discard_button.setToolTip("Delete the unsaved changes and keep the saved project")
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("restore_banner_close")
        self.close_button.setIcon(qtawesome.icon("mdi6.close"))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(
            "Not now: the changes stay in the project's .recovery folder and are offered "
            "again the next time it opens (until the project is saved)"
        )
        self.addWidget(self.icon_label)
        self.addWidget(self.message_label)
        self._button_actions = (
            self.addWidget(self.restore_button),
            self.addWidget(self.discard_button),
        )
        self.addWidget(self.close_button)
        self._buttons = False
        self.restore_button.clicked.connect(self.restore_requested)
        self.discard_button.clicked.connect(self.discard_requested)
        self.close_button.clicked.connect(self._close_clicked)
        self.setVisible(False)

    # --- what it shows ----------------------------------------------------------------------

    @property
    def offering(self) -> bool:
        """True while Restore and Discard are offered."""
        return self._active and self._buttons

    def offer(self, saved_at: datetime, copies: int = 1, note: str = "") -> None:
        """Offer the unsaved changes written at `saved_at` (`copies`: how many were found)."""
        text = f"Unsaved changes from {clock_text(saved_at)} were found."
        if copies > 1:
            text += f" ({copies} autosaved copies; the newest is offered.)"
        if note:
            text = f"{note} {text}"
        self._show(text, _ICON, buttons=True)

    def notice(self, text: str) -> None:
        """A message with only the close button (a copy that could not be read)."""
        self._show(text, _NOTICE_ICON, buttons=False)

    def withdraw(self) -> None:
        self._active = False
        self.setVisible(False)

    @property
    def message(self) -> str:
        return self.message_label.text()

    def _show(self, text: str, icon: str, *, buttons: bool) -> None:
        self.message_label.setText(text)
        self.icon_label.setPixmap(qtawesome.icon(icon).pixmap(QSize(20, 20)))
        for action in self._button_actions:
            action.setVisible(buttons)
        self._buttons = buttons
        self._active = True
        self.setVisible(True)
        if buttons:
            self.restore_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _close_clicked(self) -> None:
        self.withdraw()
        self.dismissed.emit()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt's name
        # Nothing to say: stay hidden (a restored window layout may ask to show it).
        super().setVisible(visible and self._active)
