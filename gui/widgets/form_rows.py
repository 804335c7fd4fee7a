"""Form rows whose field is a layout (a line edit with its Browse... button, say).

QFormLayout.addRow(text, layout) makes a label without a buddy, so its "&" shortcut marker
shows as a literal "&"; a real buddy makes Alt+letter focus the row's first field.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLayout, QWidget


def add_layout_row(form: QFormLayout, text: str, row: QLayout, buddy: QWidget) -> QLabel:
    """Adds `row` under a label whose mnemonic focuses `buddy`; returns the label."""
    label = QLabel(text)
    label.setBuddy(buddy)
    form.addRow(label, row)
    return label
