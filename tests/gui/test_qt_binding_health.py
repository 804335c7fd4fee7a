"""The Qt binding itself must not leak: PySide6 6.12.0 dropped a reference to None on every
Qt call that returns nothing, and on Python < 3.12 the app then aborted after a few
thousand calls (a minute of playback). Pinned away in constraints.txt; this keeps it so."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_qt_calls_keep_the_reference_count_of_none(qtbot: QtBot) -> None:
    label = QLabel("x")
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("y")
        label.update()
    # Immortal None (Python 3.12+) reports a huge constant; otherwise allow small noise.
    assert abs(sys.getrefcount(None) - before) < 100
