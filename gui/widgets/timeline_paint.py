"""Drawing the timeline's parts with a QPainter: the ruler, a scene (its thumbnail tiled
across its width, number and duration, selection, a badge when a generated clip replaces
the image), a transition marker, the playhead and the drop indicator. Colours come from
the widget's palette, so both themes work."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPalette, QPixmap, QPolygonF

from gui.widgets.timeline_geometry import (
    RULER_HEIGHT,
    TRACK_HEIGHT,
    TRACK_TOP,
    Rect,
    TimelineLayout,
    format_time,
    ruler_ticks,
    tick_steps,
)
from gui.widgets.transition_editor import short_label
from video_studio.models import Scene, TransitionType

PLAYHEAD_COLOR = QColor("#e5484d")
_LABEL_HEIGHT = 16.0
_BADGE = 16.0
_RADIUS = 4.0


Thumbnails = Callable[[Scene], tuple[QPixmap | None, bool]]  # (pixmap, failed)


@dataclass(frozen=True)
class ViewState:
    """What the view shows at one moment."""

    layout: TimelineLayout
    scenes: Sequence[Scene]
    selected: frozenset[str]
    playhead: float
    has_project: bool
    active_marker: int = -1  # the marker being clicked
    drop_gap: int | None = None  # where a drag would land
    video_offset: float = 0.0  # the intro card's seconds: the ruler counts video time


def paint_timeline(
    painter: QPainter,
    area: QRectF,
    state: ViewState,
    thumbnails: Thumbnails,
    *,
    message: QRectF,
    palette: QPalette,
) -> None:
    """Everything in `area` (the exposed part); `message`: where a hint goes."""
    painter.fillRect(area, palette.color(QPalette.ColorRole.Base))
    left, right = area.left(), area.right() + 1
    layout = state.layout
    paint_ruler(painter, layout, left, right, palette, offset=state.video_offset)
    if not state.has_project:
        paint_message(painter, message, "No project open", palette)
        return
    if not state.scenes:
        paint_message(painter, message, "Drag images here from the Image Bin", palette)
    for index in layout.visible_scenes(left, right):
        scene = state.scenes[index]
        pixmap, failed = thumbnails(scene)
        selected = scene.id in state.selected
        paint_scene(
            painter, layout.scene_rect(index), scene, index + 1,
            selected=selected, pixmap=pixmap, failed=failed, palette=palette,
        )  # fmt: skip
    for index in layout.visible_scenes(left - 20, right + 20):
        if index < layout.count - 1:
            active = index == state.active_marker
            rect = layout.marker_rect(index)
            paint_marker(painter, rect, state.scenes[index], active=active, palette=palette)
    if state.drop_gap is not None:
        x = layout.gap_x(state.drop_gap)
        color = palette.color(QPalette.ColorRole.Highlight)
        paint_drop_gap(painter, x, TRACK_TOP, TRACK_TOP + TRACK_HEIGHT, color)
    paint_playhead(painter, layout.x_at(state.playhead), float(painter.device().height()))


def qrect(rect: Rect) -> QRectF:
    return QRectF(rect.x, rect.y, rect.width, rect.height)


def small_font(base: QFont, bold: bool = False) -> QFont:
    font = QFont(base)
    font.setPointSizeF(max(6.0, base.pointSizeF() * 0.8))
    font.setBold(bold)
    return font


def paint_ruler(
    painter: QPainter,
    layout: TimelineLayout,
    left: float,
    right: float,
    palette: QPalette,
    *,
    offset: float = 0.0,
) -> None:
    """Ticks and labels in video time, as the preview counts it: a scene starting `offset`
    seconds into the video (after the intro card) is labelled from there."""
    band = QRectF(left, 0.0, right - left, RULER_HEIGHT)
    painter.fillRect(band, palette.color(QPalette.ColorRole.Window).darker(115))
    text = palette.color(QPalette.ColorRole.WindowText)
    painter.setPen(palette.color(QPalette.ColorRole.Mid))
    painter.drawLine(QPointF(left, RULER_HEIGHT - 0.5), QPointF(right, RULER_HEIGHT - 0.5))
    major_step, _ = tick_steps(layout.pixels_per_second)
    start = max(0.0, layout.time_at(left) - major_step) + offset  # nothing before scene 1
    end = max(start, (right - layout.x_at(0.0)) / layout.pixels_per_second + offset)
    painter.setFont(small_font(painter.font()))
    for tick in ruler_ticks(layout.pixels_per_second, start, end):
        x = round(layout.x_at(tick.seconds - offset)) + 0.5
        height = 9.0 if tick.major else 4.0
        painter.setPen(text if tick.major else palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(QPointF(x, RULER_HEIGHT - height), QPointF(x, RULER_HEIGHT))
        if tick.major:
            label = QRectF(x + 3, 1.0, 80.0, RULER_HEIGHT - 8)
            painter.drawText(
                label, Qt.AlignmentFlag.AlignLeft, format_time(tick.seconds, major_step)
            )


def paint_scene(
    painter: QPainter,
    rect: Rect,
    scene: Scene,
    number: int,
    *,
    selected: bool,
    pixmap: QPixmap | None,
    failed: bool,
    palette: QPalette,
) -> None:
    box = QRectF(rect.x + 1, rect.y, max(1.0, rect.width - 2), rect.height)
    outline = QPainterPath()
    outline.addRoundedRect(box, _RADIUS, _RADIUS)
    painter.save()
    painter.setClipPath(outline)
    painter.fillRect(box, palette.color(QPalette.ColorRole.Base).darker(120))
    if pixmap is not None and not pixmap.isNull() and pixmap.height() > 0:
        _tile(painter, box, pixmap)
    elif failed:
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.setFont(small_font(painter.font()))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "missing\nimage")
    strip = QRectF(box.left(), box.bottom() - _LABEL_HEIGHT, box.width(), _LABEL_HEIGHT)
    painter.fillRect(strip, QColor(0, 0, 0, 150))
    painter.setPen(QColor("#ffffff"))
    painter.setFont(small_font(painter.font()))
    label = f"{number}  {scene.duration:g} s"
    text = painter.fontMetrics().elidedText(
        label, Qt.TextElideMode.ElideRight, max(0, int(strip.width() - 6))
    )
    painter.drawText(strip.adjusted(4, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter, text)
    painter.restore()
    if scene.clip and box.width() > _BADGE + 6:
        _paint_clip_badge(painter, QPointF(box.right() - _BADGE - 3, box.top() + 3), palette)
    if selected:
        _set_pen(painter, palette.color(QPalette.ColorRole.Highlight), 2.0)
        painter.drawRoundedRect(box.adjusted(1, 1, -1, -1), _RADIUS, _RADIUS)
    else:
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), _RADIUS, _RADIUS)


def _set_pen(painter: QPainter, color: QColor, width: float) -> None:
    pen = painter.pen()
    pen.setColor(color)
    pen.setWidthF(width)
    painter.setPen(pen)


def _tile(painter: QPainter, box: QRectF, pixmap: QPixmap) -> None:
    """The thumbnail repeated across the scene, like a film strip."""
    width = pixmap.width() * box.height() / pixmap.height()
    if width <= 0:
        return
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    source = QRectF(pixmap.rect())
    x = box.left()
    while x < box.right():
        painter.drawPixmap(QRectF(x, box.top(), width, box.height()), pixmap, source)
        x += width


def _paint_clip_badge(painter: QPainter, at: QPointF, palette: QPalette) -> None:
    """A round badge with a play triangle: a generated clip replaces the photo."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    badge = QRectF(at.x(), at.y(), _BADGE, _BADGE)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
    painter.drawEllipse(badge)
    c = badge.center()
    triangle = QPolygonF(
        [QPointF(c.x() - 3, c.y() - 4), QPointF(c.x() - 3, c.y() + 4), QPointF(c.x() + 4, c.y())]
    )
    painter.setBrush(palette.color(QPalette.ColorRole.HighlightedText))
    painter.drawPolygon(triangle)
    painter.restore()


def paint_marker(
    painter: QPainter, rect: Rect, scene: Scene, *, active: bool, palette: QPalette
) -> None:
    """The join after `scene`: its short label in a small rounded box."""
    box = qrect(rect)
    transition = scene.transition
    is_cut = transition is None or transition.type is TransitionType.CUT
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if is_cut:
        fill = palette.color(QPalette.ColorRole.Window)
        text = palette.color(QPalette.ColorRole.WindowText)
    else:
        fill = palette.color(QPalette.ColorRole.Highlight)
        text = palette.color(QPalette.ColorRole.HighlightedText)
    if active:
        fill = fill.lighter(130)
    painter.setBrush(fill)
    painter.setPen(palette.color(QPalette.ColorRole.Mid))
    painter.drawRoundedRect(box, 4.0, 4.0)
    painter.setPen(text)
    painter.setFont(small_font(painter.font(), bold=True))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, short_label(transition))
    painter.restore()


def paint_playhead(painter: QPainter, x: float, height: float) -> None:
    """A crisp line on the pixel column holding `x`, with a handle in the ruler."""
    painter.save()
    painter.setPen(PLAYHEAD_COLOR)
    line = round(x) + 0.5
    painter.drawLine(QPointF(line, 0.0), QPointF(line, height))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(PLAYHEAD_COLOR)
    head = QPolygonF([QPointF(x - 6, 0.0), QPointF(x + 6, 0.0), QPointF(x, 9.0)])
    painter.drawPolygon(head)
    painter.restore()


def paint_drop_gap(painter: QPainter, x: float, top: float, bottom: float, color: QColor) -> None:
    painter.save()
    _set_pen(painter, color, 3.0)
    painter.drawLine(QPointF(x, top - 4), QPointF(x, bottom + 4))
    painter.restore()


def paint_message(painter: QPainter, area: QRectF, text: str, palette: QPalette) -> None:
    painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
    painter.drawText(area, Qt.AlignmentFlag.AlignCenter, text)
