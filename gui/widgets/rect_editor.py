"""The motion rectangle editor: the scene's image (a preview proxy, decoded off the GUI
thread) with the start and end windows of its camera motion, each draggable and resizable
by its corner handles, locked to the output's aspect ratio and kept inside the image.

Rectangles are MotionSpec's: (x, y, w, h) as fractions of the image. A finished drag
emits `rects_edited(start, end)` once, on release: one edit per gesture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.widgets import rect_geometry as geo
from gui.widgets.background_calls import BackgroundCalls
from video_studio.asset_cache import AssetCache
from video_studio.image_io import load_image

__all__ = [  # BackgroundCalls is re-exported for the modules that import it from here
    "END_COLOR",
    "HANDLE_PX",
    "MARGIN_PX",
    "PROXY_SIDE",
    "START_COLOR",
    "BackgroundCalls",
    "RectEditor",
    "load_proxy",
]

PROXY_SIDE = 1280  # the preview's proxy size: the same cache entry serves both
HANDLE_PX = 7.0  # half the side of a corner handle, and its grab radius
MARGIN_PX = 10.0
START_COLOR = QColor("#43A047")
END_COLOR = QColor("#FB8C00")


def _qimage(pixels: np.ndarray[Any, Any]) -> QImage:
    """An RGB(A) uint8 array as a QImage that owns its pixels (safe off the GUI thread)."""
    array = np.ascontiguousarray(pixels)
    height, width, channels = array.shape
    fmt = QImage.Format.Format_RGBA8888 if channels == 4 else QImage.Format.Format_RGB888
    return QImage(array.tobytes(), width, height, width * channels, fmt).copy()


def load_proxy(path: Path, cache: AssetCache | None) -> QImage:
    """The image at preview size (from the cache when given); slow: call it off the GUI
    thread."""
    pixels = (
        cache.proxy(path, PROXY_SIDE)
        if cache is not None
        else load_image(path, max_side=PROXY_SIDE)
    )
    return _qimage(pixels)


@dataclass
class _Drag:
    index: int  # 0 start, 1 end
    corner: geo.Corner | None  # None: moving
    origin: geo.Point
    rect: geo.Rect


class RectEditor(QWidget):
    rects_edited = Signal(object, object)  # (start, end) fractions, once per finished drag

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rect_editor")
        self.setMouseTracking(True)
        self.setMinimumSize(160, 120)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setToolTip(
            "Drag a rectangle to move it, a corner handle to resize it.\n"
            "Green: where the camera starts; orange: where it ends."
        )
        self._calls = BackgroundCalls(self)
        self._image: QImage | None = None
        self._scaled: QPixmap | None = None
        self._message = ""
        self._source: str | None = None  # what names the image shown (or being loaded)
        self._pending: tuple[str, Callable[[], Path], AssetCache | None] | None = None
        self._image_aspect = 4 / 3  # width / height of the image
        self._output_aspect = 16 / 9
        self._rects: list[geo.Rect] = [(0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 1.0, 1.0)]
        self._custom = True
        self._drag: _Drag | None = None
        self.disabled_text = ""  # shown over the image while the editor is disabled

    # --- what it shows ------------------------------------------------------------------

    @property
    def aspect(self) -> float:
        """The rectangles' aspect in fractions of the image."""
        return geo.fraction_aspect(self._output_aspect, self._image_aspect, 1.0)

    def set_frame(self, image_size: tuple[int, int] | None, output_aspect: float) -> None:
        """The image's pixel size (None: learn it from the loaded image) and the output's
        aspect ratio, which the rectangles keep."""
        if image_size is not None and image_size[0] > 0 and image_size[1] > 0:
            self._image_aspect = image_size[0] / image_size[1]
        self._output_aspect = output_aspect
        self._rects = [geo.conform(rect, geo.UNIT, self.aspect) for rect in self._rects]
        self.updateGeometry()
        self.update()

    def set_rects(self, start: geo.Rect, end: geo.Rect, *, custom: bool = True) -> None:
        """The windows to show (fractions); made valid for the current aspect. `custom`:
        the user's own (solid lines) rather than a preset's (dashed)."""
        self._drag = None  # the document has the last word
        self._rects = [geo.conform(rect, geo.UNIT, self.aspect) for rect in (start, end)]
        self._custom = custom
        self.update()

    def rects(self) -> tuple[geo.Rect, geo.Rect]:
        return self._rects[0], self._rects[1]

    def load(
        self, source: str | None, locate: Callable[[], Path], cache: AssetCache | None
    ) -> None:
        """Show the image `source` names (None: no image). `locate()` finds its file and
        the proxy is decoded, both on a worker thread."""
        if source == self._source and (self._image is not None or self._calls.busy):
            return
        self._source = source
        self._image, self._scaled = None, None
        self._message = "No image" if source is None else "Loading image…"
        self.update()
        if source is None:
            return
        if self._calls.busy:
            self._pending = (source, locate, cache)  # only the latest request matters
        else:
            self._start_load(source, locate, cache)

    def _start_load(
        self, source: str, locate: Callable[[], Path], cache: AssetCache | None
    ) -> None:
        self._calls.run(
            "inspector: image",
            lambda: load_proxy(locate(), cache),
            lambda image: self._loaded(source, image),
            lambda message: self._load_failed(source, message),
        )

    def _next_load(self) -> bool:
        pending, self._pending = self._pending, None
        if pending is not None:
            self._start_load(*pending)
        return pending is not None

    def _loaded(self, source: str, image: QImage) -> None:
        if self._next_load() or source != self._source:
            return
        self._image, self._scaled, self._message = image, None, ""
        if image.height() > 0:
            aspect = image.width() / image.height()
            if abs(aspect - self._image_aspect) > 0.02:  # the document did not know its size
                self.set_frame((image.width(), image.height()), self._output_aspect)
        self.update()

    def _load_failed(self, source: str, message: str) -> None:
        if self._next_load() or source != self._source:
            return
        self._message = f"Image not available: {message}"
        self.update()

    @property
    def image_loaded(self) -> bool:
        return self._image is not None

    @property
    def note(self) -> str:
        """What is shown instead of the image (loading, or why it cannot be shown)."""
        return self._message

    def shutdown(self) -> None:
        self._pending = None
        self._calls.shutdown()

    # --- geometry on screen ---------------------------------------------------------------

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return max(120, round((width - 2 * MARGIN_PX) / self._image_aspect + 2 * MARGIN_PX))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(320, self.heightForWidth(320))

    def image_area(self) -> QRectF:
        """Where the image is drawn in the widget."""
        room = QRectF(self.rect()).adjusted(MARGIN_PX, MARGIN_PX, -MARGIN_PX, -MARGIN_PX)
        width = min(room.width(), room.height() * self._image_aspect)
        height = width / self._image_aspect
        left = room.x() + (room.width() - width) / 2
        return QRectF(left, room.y() + (room.height() - height) / 2, width, height)

    def widget_rect(self, index: int) -> QRectF:
        """Where the start (0) or end (1) window is drawn."""
        area = self.image_area()
        x, y, w, h = self._rects[index]
        return QRectF(
            area.x() + x * area.width(),
            area.y() + y * area.height(),
            w * area.width(),
            h * area.height(),
        )

    def _to_fraction(self, point: QPointF) -> geo.Point:
        area = self.image_area()
        return (
            (point.x() - area.x()) / max(area.width(), 1.0),
            (point.y() - area.y()) / max(area.height(), 1.0),
        )

    def _hit(self, point: QPointF) -> tuple[int, geo.Corner | None] | None:
        area = self.image_area()
        fraction = self._to_fraction(point)
        radius = (HANDLE_PX / max(area.width(), 1.0), HANDLE_PX / max(area.height(), 1.0))
        for index in (1, 0):  # the end window is drawn on top
            corner = geo.hit_corner(self._rects[index], fraction, *radius)
            if corner is not None:
                return index, corner
        for index in (1, 0):
            if geo.contains(self._rects[index], fraction):
                return index, None
        return None

    # --- mouse ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        hit = self._hit(event.position()) if self.isEnabled() else None
        if event.button() != Qt.MouseButton.LeftButton or hit is None:
            super().mousePressEvent(event)
            return
        index, corner = hit
        self._drag = _Drag(index, corner, self._to_fraction(event.position()), self._rects[index])
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        drag = self._drag
        point = event.position()
        if drag is None:
            self._hover(point)
            return
        fx, fy = self._to_fraction(point)
        if drag.corner is None:
            dx, dy = fx - drag.origin[0], fy - drag.origin[1]
            rect = geo.move(drag.rect, (dx, dy), geo.UNIT)
        else:
            rect = geo.resize(drag.rect, drag.corner, (fx, fy), geo.UNIT, self.aspect)
        self._rects[drag.index] = rect
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        if self._rects[drag.index] != drag.rect:
            self._custom = True
            self.rects_edited.emit(self._rects[0], self._rects[1])
        self.update()

    def _hover(self, point: QPointF) -> None:
        hit = self._hit(point) if self.isEnabled() else None
        if hit is None:
            self.unsetCursor()
        elif hit[1] is None:
            self.setCursor(Qt.CursorShape.SizeAllCursor)
        elif hit[1] in (geo.Corner.TOP_LEFT, geo.Corner.BOTTOM_RIGHT):
            self.setCursor(Qt.CursorShape.SizeFDiagCursor)
        else:
            self.setCursor(Qt.CursorShape.SizeBDiagCursor)

    # --- painting -------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        self._scaled = None
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self.image_area()
        painter.fillRect(self.rect(), self.palette().window().color().darker(130))
        if self._image is not None:
            if self._scaled is None or self._scaled.size() != area.size().toSize():
                self._scaled = QPixmap.fromImage(self._image).scaled(
                    area.size().toSize(),
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            painter.drawPixmap(area.topLeft(), self._scaled)
        else:
            painter.fillRect(area, QColor(90, 90, 90))
            painter.setPen(QColor(230, 230, 230))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self._message)
        if not self.isEnabled():
            painter.fillRect(area, QColor(0, 0, 0, 110))
            painter.setPen(QColor(240, 240, 240))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(area, flags, self.disabled_text)
            return
        self._paint_path(painter)
        for index, color, label in ((0, START_COLOR, "Start"), (1, END_COLOR, "End")):
            self._paint_window(painter, self.widget_rect(index), color, label, top=index == 0)

    def _paint_path(self, painter: QPainter) -> None:
        start, end = self.widget_rect(0).center(), self.widget_rect(1).center()
        painter.setPen(QPen(QColor(255, 255, 255, 170), 1.5, Qt.PenStyle.DotLine))
        painter.drawLine(start, end)

    def _paint_window(
        self, painter: QPainter, rect: QRectF, color: QColor, label: str, *, top: bool
    ) -> None:
        """A window with its corner handles and its label: the start's at its top, the
        end's at its bottom, so nested windows keep both labels and handles readable."""
        style = Qt.PenStyle.SolidLine if self._custom else Qt.PenStyle.DashLine
        painter.setPen(QPen(color, 2.0, style))
        fill = QColor(color)
        fill.setAlpha(40)
        painter.setBrush(QBrush(fill))
        painter.drawRect(rect)
        painter.setBrush(QBrush(color))
        painter.setPen(QPen(QColor(0, 0, 0, 160), 1.0))
        for corner in (rect.topLeft(), rect.topRight(), rect.bottomLeft(), rect.bottomRight()):
            side = HANDLE_PX * 1.4
            painter.drawRect(QRectF(corner.x() - side / 2, corner.y() - side / 2, side, side))
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(label) + 10
        y = rect.y() + 4 if top else rect.bottom() - 22
        tag = QRectF(rect.center().x() - width / 2, y, width, 18)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(tag, 3, 3)
        painter.setPen(QColor("#000000"))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)
