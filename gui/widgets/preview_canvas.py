"""The preview's picture: the last delivered frame scaled to fit (letterboxed on black), the
title-safe area over it when asked, and a message when there is nothing to show."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from video_studio.render.text import safe_rect

_BACKGROUND = QColor(0, 0, 0)
_OVERLAY = QColor(255, 255, 255, 190)
_OVERLAY_SHADOW = QColor(0, 0, 0, 150)
_MESSAGE_BACKDROP = QColor(0, 0, 0, 170)
_MESSAGE_TEXT = QColor(230, 230, 230)


def fit_rect(image_size: QSize, area: QRect) -> QRect:
    """The largest rectangle of the image's aspect centred in `area` (letterboxing)."""
    if image_size.isEmpty() or area.isEmpty():
        return QRect()
    scaled = image_size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = area.x() + (area.width() - scaled.width()) // 2
    y = area.y() + (area.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())


def safe_area_rect(frame: QSize, target: QRect, safe_area: float) -> QRectF:
    """The engine's title-safe area of a `frame`-sized picture drawn into `target`."""
    x, y, w, h = safe_rect(frame.width(), frame.height(), safe_area)
    sx = target.width() / frame.width()
    sy = target.height() / frame.height()
    return QRectF(target.x() + x * sx, target.y() + y * sy, w * sx, h * sy)


class PreviewCanvas(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview_canvas")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._frame: QImage | None = None
        self._frame_size = QSize()  # the document's preview size (the frame's, once shown)
        self._message = ""
        self._safe_area = 0.9
        self._overlay = False

    # --- what is shown ----------------------------------------------------------------------

    def frame(self) -> QImage | None:
        """The frame on show (as delivered: preview size, before scaling)."""
        return self._frame

    def show_frame(self, image: QImage) -> None:
        self._frame = image
        self._frame_size = image.size()
        self._message = ""
        self.update()

    def clear(self, message: str) -> None:
        """No picture: only `message`."""
        self._frame = None
        self._message = message
        self.update()

    def message(self) -> str:
        return self._message

    def set_message(self, message: str) -> None:
        """A message over the picture (empty: none)."""
        self._message = message
        self.update()

    def set_frame_size(self, size: QSize) -> None:
        """The document's preview frame size (for the overlay before a frame arrives)."""
        self._frame_size = QSize(size)
        self.update()

    def set_safe_area(self, fraction: float) -> None:
        self._safe_area = fraction
        self.update()

    def overlay_visible(self) -> bool:
        return self._overlay

    def set_overlay_visible(self, visible: bool) -> None:
        self._overlay = visible
        self.update()

    def image_rect(self) -> QRect:
        """Where the frame is drawn in the widget."""
        size = self._frame.size() if self._frame is not None else self._frame_size
        return fit_rect(size, self.rect())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(480, 270)

    # --- painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), _BACKGROUND)
            target = self.image_rect()
            if self._frame is not None and not target.isEmpty():
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawImage(target, self._frame)
            if self._overlay and not target.isEmpty():
                self._paint_safe_area(painter, target)
            if self._message:
                self._paint_message(painter)
        finally:
            painter.end()

    def _paint_safe_area(self, painter: QPainter, target: QRect) -> None:
        size = self._frame.size() if self._frame is not None else self._frame_size
        area = safe_area_rect(size, target, self._safe_area)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        # A dark line under a light dashed one: visible on any picture.
        painter.setPen(QPen(_OVERLAY_SHADOW, 3))
        painter.drawRect(area.adjusted(0.5, 0.5, -0.5, -0.5))
        pen = QPen(_OVERLAY, 1, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRect(area.adjusted(0.5, 0.5, -0.5, -0.5))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        painter.drawText(
            area.adjusted(4, 2, -4, -2),
            int(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft),
            "Title safe",
        )

    def _paint_message(self, painter: QPainter) -> None:
        area = self.rect().adjusted(16, 16, -16, -16)
        flags = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
        bounds = painter.boundingRect(area, flags, self._message).adjusted(-12, -8, 12, 8)
        painter.fillRect(bounds, _MESSAGE_BACKDROP)
        painter.setPen(_MESSAGE_TEXT)
        painter.drawText(area, flags, self._message)
