"""The form fields both inspector pages use: values shown without re-committing them,
"Mixed" where the selected scenes differ, commits when editing is finished (not per
keystroke, never during a drag), and no value changed by the mouse wheel of a scroll over
the inspector."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TypeVar

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QWidget,
)

T = TypeVar("T")


class Mixed(Enum):
    MIXED = "mixed"


MIXED = Mixed.MIXED  # the selected scenes differ in this value


def common(values: Iterable[T]) -> T | Mixed:
    """The value all items share, else MIXED."""
    items = list(values)
    return items[0] if items and all(v == items[0] for v in items[1:]) else MIXED


class FieldCombo(QComboBox):
    """A combo the mouse wheel changes only once it has focus: scrolling the inspector
    over it scrolls the inspector."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


def combo(name: str, items: Iterable[tuple[str, str]]) -> QComboBox:
    """A combo of (key, text) items; -1 (no item) reads "Mixed"."""
    box = FieldCombo()
    box.setObjectName(name)
    box.setPlaceholderText("Mixed")
    for key, text in items:
        box.addItem(text, key)
    return box


def set_combo(box: QComboBox, key: str | Mixed) -> None:
    with QSignalBlocker(box):
        box.setCurrentIndex(-1 if isinstance(key, Mixed) else box.findData(key))


def combo_key(box: QComboBox) -> str | None:
    """The chosen item's key; None while nothing (or "Mixed") is chosen."""
    data = box.currentData() if box.currentIndex() >= 0 else None
    return str(data) if data is not None else None


def set_text(edit: QLineEdit, value: str | Mixed) -> None:
    """Show a value, unless the user is typing a new one there."""
    if edit.hasFocus() and edit.isModified():
        return
    with QSignalBlocker(edit):
        edit.setText("" if isinstance(value, Mixed) else value)
        edit.setPlaceholderText("Mixed" if isinstance(value, Mixed) else "No text")
        edit.setModified(False)


class MixedSpin(QDoubleSpinBox):
    """Commits when editing is finished or a step button is pressed, not per keystroke;
    can read "Mixed" (one step below its range) until the user sets a value."""

    committed = Signal(float)

    def __init__(
        self, name: str, low: float, high: float, *, step: float, decimals: int, suffix: str
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self._low = low
        self.setDecimals(decimals)
        self.setRange(low, high)
        self.setSingleStep(step)
        self.setSuffix(suffix)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.valueChanged.connect(self._changed)

    @property
    def mixed(self) -> bool:
        return self.value() < self._low

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        if not self.mixed:  # a step from "Mixed" would set every scene to the minimum
            super().stepBy(steps)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # the inspector scrolls

    def show_value(self, value: float | Mixed) -> None:
        with QSignalBlocker(self):
            if isinstance(value, Mixed):
                self.setMinimum(self._low - self.singleStep())
                self.setSpecialValueText("Mixed")
                self.setValue(self.minimum())
            else:
                self.setSpecialValueText("")
                self.setMinimum(self._low)
                self.setValue(value)

    def _changed(self, value: float) -> None:
        if not self.mixed:
            self.committed.emit(value)


class FieldSlider(QSlider):
    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class ValueSlider(QWidget):
    """A slider with its value as text; commits once when released (or on a key press or
    a click beside the handle), never during a drag."""

    committed = Signal(int)

    def __init__(self, name: str, low: int, high: int, unit: str) -> None:
        super().__init__()
        self._unit = unit
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.slider = FieldSlider()
        self.slider.setObjectName(name)
        self.slider.setRange(low, high)
        self.slider.setPageStep(max(1, (high - low) // 10))
        self.label = QLabel()
        self.label.setMinimumWidth(48)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._changed)
        self.slider.sliderReleased.connect(lambda: self.committed.emit(self.slider.value()))

    def show_value(self, value: int | Mixed) -> None:
        with QSignalBlocker(self.slider):
            if not isinstance(value, Mixed):
                self.slider.setValue(value)
        self.label.setText("Mixed" if isinstance(value, Mixed) else f"{value} {self._unit}")

    def _changed(self, value: int) -> None:
        self.label.setText(f"{value} {self._unit}")
        if not self.slider.isSliderDown():
            self.committed.emit(value)
