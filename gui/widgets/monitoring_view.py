"""The generation monitor: per model adapter, its calls, success rate, median latency,
retries, fallbacks to the local engine and the state of its circuit breaker (coloured).

It reads the numbers from a callable (the GenerationController's `metrics`), when told they
changed and from a slow timer, both only while it is visible (a hidden view only notes that
it is out of date and refreshes when shown)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.generation import model_label
from video_studio.workflow_metrics import AdapterMetrics

MetricsSource = Callable[[], Mapping[str, AdapterMetrics]]

COLUMNS: tuple[str, ...] = (
    "Model",
    "Calls",
    "Success rate",
    "Median latency",
    "Retries",
    "Fallbacks",
    "Breaker",
)
BREAKER_COLUMN = COLUMNS.index("Breaker")
REFRESH_MS = 2000
# Breaker state: (text, background colour); the text is dark on every background.
BREAKER_LOOK: dict[str, tuple[str, str]] = {
    "closed": ("closed", "#5cb85c"),
    "open": ("open", "#d9534f"),
    "half_open": ("half-open", "#f0ad4e"),
}


def percent_text(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def seconds_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.0f} s"


class MonitoringView(QWidget):
    def __init__(
        self, source: MetricsSource, parent: QWidget | None = None, interval_ms: int = REFRESH_MS
    ) -> None:
        super().__init__(parent)
        self.setObjectName("monitoring_view")
        self._source = source
        self._stale = True
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("metrics_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        # Every column as wide as its contents (a model's name must not be cut to "Runw…");
        # the table scrolls sideways in a narrow dock, the last column takes what is left.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.empty = QLabel("No generations yet: the numbers appear with the first one.", self)
        self.empty.setObjectName("metrics_empty")
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self._timer = QTimer(self)
        self._timer.setObjectName("monitoring_refresh")
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.refresh)
        self._show_rows({})

    def metrics_changed(self) -> None:
        """The numbers changed: show them now if visible, else when shown."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def refresh(self) -> None:
        self._stale = False
        self._show_rows(self._source())

    def rows(self) -> list[list[str]]:
        """The table as text, row by row (for tests and the log)."""
        found = []
        for row in range(self.table.rowCount()):
            cells = []
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                cells.append(item.text() if item is not None else "")
            found.append(cells)
        return found

    @property
    def auto_refreshing(self) -> bool:
        """Whether the slow timer runs (only while the view is visible)."""
        return self._timer.isActive()

    def shutdown(self) -> None:
        self._timer.stop()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.refresh()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        self._timer.stop()
        super().hideEvent(event)

    def _show_rows(self, metrics: Mapping[str, AdapterMetrics]) -> None:
        names = sorted(metrics)
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            record = metrics[name]
            cells = (
                model_label(name),
                str(record.calls),
                percent_text(record.success_rate),
                seconds_text(record.latency_median),
                str(record.retries),
                str(record.fallbacks_to_local),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if not column:
                    item.setToolTip(_details(record))
                self.table.setItem(row, column, item)
            self.table.setItem(row, BREAKER_COLUMN, _breaker_item(record))
        self.empty.setVisible(not names)
        self.table.setVisible(bool(names))


def _breaker_item(record: AdapterMetrics) -> QTableWidgetItem:
    text, colour = BREAKER_LOOK.get(record.breaker_state, (record.breaker_state, "#999999"))
    item = QTableWidgetItem(text)
    item.setBackground(QBrush(QColor(colour)))
    item.setForeground(QBrush(QColor("#1a1a1a")))
    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    tip = f"Opened {record.breaker_times_opened} time(s)"
    if record.breaker_opened_at is not None:
        tip += f", last at {record.breaker_opened_at.astimezone():%H:%M:%S}"
    item.setToolTip(tip)
    return item


def _details(record: AdapterMetrics) -> str:
    return (
        f"{record.successes} succeeded, {record.failures} failed, {record.cancelled} stopped, "
        f"{record.cache_hits} from the cache; 95% of the successful calls took at most "
        f"{seconds_text(record.latency_p95)}"
    )
