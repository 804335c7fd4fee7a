"""The timeline's canvas: scenes as thumbnails as wide as they last, transition markers
between them, the ruler and the playhead; and the mouse gestures on them.

Gestures, each one undo step:
- press on the ruler and drag: the playhead follows (session.set_playhead);
- click a scene: select it (Ctrl+click toggles, Shift+click selects the range);
- drag a scene: the selected scenes move to the gap under the mouse on release;
- drag a scene's right edge: its duration, snapped to 0.1 s, follows the mouse; with
  several scenes selected and the edge of one of them, all of them get that duration;
- click a transition marker: `transition_requested` (the panel opens the editor);
- drop images from the bin (gui.mime.ASSETS_MIME): new scenes at the gap.

The view re-reads the session's document on every change (`refresh`), never keeping scenes.
What a gesture decides (selection, destination, cursor, tooltip) is in
gui.widgets.timeline_pointer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from gui import mime
from gui.session import ProjectSession
from gui.widgets import timeline_paint as paint
from gui.widgets.timeline_geometry import (
    DEFAULT_PPS,
    TRACK_HEIGHT,
    TRACK_TOP,
    Hit,
    HitKind,
    TimelineLayout,
    clamp_pps,
    snap_duration,
)
from gui.widgets.timeline_pointer import (
    Gesture,
    GestureKind,
    hover_cursor,
    hover_text,
    id_range,
    move_destination,
    toggled,
)
from gui.widgets.timeline_thumbnails import ThumbnailLoader
from video_studio import edits
from video_studio.models import Scene
from video_studio.project import Project


class TimelineView(QWidget):
    transition_requested = Signal(str, QPoint)  # scene id, where the editor goes (global)
    context_menu_requested = Signal(int, QPoint)  # scene index (-1: none), global position
    zoom_requested = Signal(int, float)  # steps (+ in), the x to keep in place
    scroll_requested = Signal(int)  # pixels to scroll horizontally
    reveal_requested = Signal(int)  # an x that should be scrolled into view

    def __init__(
        self, session: ProjectSession, loader: ThumbnailLoader, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("timeline_view")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._session = session
        self._loader = loader
        self._scenes: list[Scene] = []
        self._layout = TimelineLayout.of([], DEFAULT_PPS)
        self._gesture: Gesture | None = None
        self._presses = itertools.count(1)
        self._anchor: str | None = None  # the scene Shift+click ranges from
        self.drop_gap: int | None = None  # the gap a drag would land in, while dragging
        loader.loaded.connect(self._repaint)
        session.document_changed.connect(self.refresh)
        session.selection_changed.connect(self._repaint)
        session.playhead_changed.connect(self._playhead_changed)
        self.refresh()

    # --- state ----------------------------------------------------------------------------

    @property
    def timeline_layout(self) -> TimelineLayout:
        return self._layout

    @property
    def scenes(self) -> list[Scene]:
        return list(self._scenes)

    @property
    def pixels_per_second(self) -> float:
        return self._layout.pixels_per_second

    def set_pixels_per_second(self, pixels_per_second: float) -> None:
        self._relayout(self._scenes, clamp_pps(pixels_per_second))

    def refresh(self) -> None:
        """Re-read the document (an edit replaced it)."""
        session = self._session
        scenes = list(session.document.storyboard.scenes) if session.has_project else []
        self._relayout(scenes, self._layout.pixels_per_second)

    def _relayout(self, scenes: list[Scene], pixels_per_second: float) -> None:
        self._scenes = scenes
        self._layout = TimelineLayout.of([s.duration for s in scenes], pixels_per_second)
        width, height = self._layout.content_width, self._layout.content_height
        self.setMinimumSize(int(width) + 1, int(height) + 1)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.minimumSize()

    def scene_rect(self, index: int) -> QRect:
        return paint.qrect(self._layout.scene_rect(index)).toRect()

    def marker_rect(self, index: int) -> QRect:
        return paint.qrect(self._layout.marker_rect(index)).toRect()

    def _selected(self) -> set[str]:
        return set(self._session.selected_scene_ids)

    def _selected_in_order(self) -> list[str]:
        chosen = self._selected()
        return [scene.id for scene in self._scenes if scene.id in chosen]

    # --- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        gesture = self._gesture
        state = paint.ViewState(
            layout=self._layout,
            scenes=self._scenes,
            selected=frozenset(self._session.selected_scene_ids),
            playhead=self.scene_time(self._session.playhead),
            has_project=self._session.has_project,
            active_marker=gesture.index if gesture and gesture.kind is GestureKind.MARKER else -1,
            drop_gap=self.drop_gap,
            video_offset=self._intro_seconds(),
        )
        painter = QPainter(self)
        try:
            area, message = QRectF(event.rect()), self._message_area()
            paint.paint_timeline(
                painter, area, state, self._thumbnail, message=message, palette=self.palette()
            )
        finally:
            painter.end()

    def _thumbnail(self, scene: Scene) -> tuple[QPixmap | None, bool]:
        """The scene's thumbnail if loaded (else asked for), and whether it failed."""
        project = self._session.project
        if project is not None:
            self._loader.request(scene.image, _resolver(project, scene.image))
        return self._loader.pixmap(scene.image), self._loader.failed(scene.image)

    def _message_area(self) -> QRectF:
        visible = QRectF(self.visibleRegion().boundingRect())
        return QRectF(visible.left(), TRACK_TOP, max(visible.width(), 200.0), TRACK_HEIGHT)

    def _repaint(self, *_args: object) -> None:
        self.update()

    def _intro_seconds(self) -> float:
        """The intro card plays before the first scene: the session's playhead is video
        time (as the preview plays it), the timeline shows scene time."""
        project = self._session.project
        intro = project.document.storyboard.intro if project is not None else None
        return intro.duration if intro is not None else 0.0

    def scene_time(self, video_time: float) -> float:
        return video_time - self._intro_seconds()

    def video_time(self, scene_time: float) -> float:
        return scene_time + self._intro_seconds()

    def _playhead_changed(self, _seconds: float) -> None:
        """Repaint the playhead; keep it in view unless the user is dragging it."""
        self.update()
        if self._gesture is None:
            x = self._layout.x_at(self.scene_time(self._session.playhead))
            visible = self.visibleRegion().boundingRect()
            if not visible.isEmpty() and not visible.left() <= x <= visible.right():
                self.reveal_requested.emit(round(x))

    # --- mouse ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() != Qt.MouseButton.LeftButton or not self._session.has_project:
            event.ignore()
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        hit = self._layout.hit(pos.x(), pos.y())
        self._gesture = self._start(hit, pos, event.modifiers())
        self.update()

    def _start(self, hit: Hit, pos: QPointF, modifiers: Qt.KeyboardModifier) -> Gesture | None:
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        key = f"timeline-{id(self)}-{next(self._presses)}"
        if hit.kind is HitKind.RULER:
            self._session.set_playhead(self.video_time(self._layout.time_at(pos.x())))
            return Gesture(GestureKind.SCRUB, -1, pos)
        if hit.kind is HitKind.MARKER:
            return Gesture(GestureKind.MARKER, hit.index, pos)
        if hit.kind is HitKind.EDGE:
            scene_id = self._scenes[hit.index].id
            chosen = self._selected_in_order()
            if scene_id not in chosen:
                chosen = [scene_id]
                self._select(chosen, anchor=scene_id)
            start = self._layout.starts[hit.index]
            return Gesture(GestureKind.RESIZE, hit.index, pos, chosen, start, key=key)
        if hit.kind is HitKind.SCENE:
            return self._press_scene(hit.index, pos, ctrl=ctrl, shift=shift, key=key)
        if not (ctrl or shift):
            self._select([], anchor=None)
        return None

    def _press_scene(
        self, index: int, pos: QPointF, *, ctrl: bool, shift: bool, key: str
    ) -> Gesture | None:
        scene_id = self._scenes[index].id
        chosen = self._selected_in_order()
        if ctrl:
            self._select(toggled(chosen, scene_id), anchor=scene_id)
            return None
        if shift:
            ids = [scene.id for scene in self._scenes]
            self._session.select_scenes(id_range(ids, self._anchor, index))
            return None
        later: str | None = None
        if scene_id in chosen:
            later = scene_id  # a click (no drag) on a selected scene selects only it
        else:
            self._select([scene_id], anchor=scene_id)
        gesture = Gesture(GestureKind.MOVE, index, pos, self._selected_in_order(), key=key)
        gesture.select_on_release = later
        return gesture

    def _select(self, ids: list[str], *, anchor: str | None) -> None:
        self._anchor = anchor
        self._session.select_scenes(ids)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        pos = event.position()
        gesture = self._gesture
        if gesture is None:
            self._hover(pos)
            return
        if not gesture.moved:
            distance = (pos - gesture.press).manhattanLength()
            if (
                distance < QApplication.startDragDistance()
                and gesture.kind is not GestureKind.SCRUB
            ):
                return
            gesture.moved = True
        layout = self._layout
        if gesture.kind is GestureKind.SCRUB:
            self._session.set_playhead(self.video_time(layout.time_at(pos.x())))
        elif gesture.kind is GestureKind.RESIZE:
            self._resize(gesture, pos.x())
        elif gesture.kind is GestureKind.MOVE:
            self.drop_gap = layout.drop_index(pos.x())
            self.update()
        self.reveal_requested.emit(round(pos.x()))

    def _resize(self, gesture: Gesture, x: float) -> None:
        pps = self._layout.pixels_per_second
        seconds = snap_duration((x - self._layout.x_at(gesture.start)) / pps)
        if seconds == gesture.last:
            return
        gesture.last = seconds
        ids, key = list(gesture.ids), gesture.key
        self._session.edit(lambda p: edits.set_durations(p, ids, seconds, merge_key=key))

    def _hover(self, pos: QPointF) -> None:
        self.setCursor(hover_cursor(self._layout.hit(pos.x(), pos.y()).kind))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() != Qt.MouseButton.LeftButton:
            return
        gesture, self._gesture = self._gesture, None
        if gesture is None:
            return
        if gesture.kind is GestureKind.MOVE:
            if gesture.moved:
                self._finish_move(gesture, event.position().x())
            elif gesture.select_on_release is not None:
                self._select([gesture.select_on_release], anchor=gesture.select_on_release)
        elif gesture.kind is GestureKind.MARKER and not gesture.moved:
            self._request_transition(gesture.index)
        self.drop_gap = None
        self.update()

    def _finish_move(self, gesture: Gesture, x: float) -> None:
        to = move_destination(self._scenes, self._layout.drop_index(x), set(gesture.ids))
        ids = list(gesture.ids)
        self._session.edit(lambda p: edits.move_scenes(p, ids, to))

    def _request_transition(self, index: int) -> None:
        if 0 <= index < len(self._scenes) - 1:
            rect = self.marker_rect(index)
            at = self.mapToGlobal(QPoint(rect.left(), rect.bottom() + 4))
            self.transition_requested.emit(self._scenes[index].id, at)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = 1 if delta.y() > 0 else -1 if delta.y() < 0 else 0
            if steps:
                self.zoom_requested.emit(steps, event.position().x())
        else:
            amount = delta.x() or delta.y()
            self.scroll_requested.emit(-round(amount / 2))
        event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt's name
        if not self._session.has_project:
            return
        hit = self._layout.hit(event.pos().x(), event.pos().y())
        index = hit.index if hit.kind in (HitKind.SCENE, HitKind.EDGE, HitKind.MARKER) else -1
        if index >= 0 and self._scenes[index].id not in self._selected():
            self._select([self._scenes[index].id], anchor=self._scenes[index].id)
        self.context_menu_requested.emit(index, event.globalPos())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            pos = event.pos()
            text = hover_text(self._layout.hit(pos.x(), pos.y()), self._scenes)
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    # --- dropping images from the bin -----------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self._session.has_project and event.mimeData().hasFormat(mime.ASSETS_MIME):
            event.acceptProposedAction()
            self.drop_gap = self._layout.drop_index(event.position().x())
            self.update()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt's name
        if not event.mimeData().hasFormat(mime.ASSETS_MIME):
            event.ignore()
            return
        event.acceptProposedAction()
        gap = self._layout.drop_index(event.position().x())
        if gap != self.drop_gap:
            self.drop_gap = gap
            self.update()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 - Qt's name
        self.drop_gap = None
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        self.drop_gap = None
        self.update()
        refs = mime.decode_list(event.mimeData(), mime.ASSETS_MIME)
        if not refs or not self._session.has_project:
            event.ignore()
            return
        at = self._layout.drop_index(event.position().x())
        if self._session.edit(lambda p: edits.add_scenes(p, refs, at=at)):
            added = [scene.id for scene in self._session.document.storyboard.scenes]
            self._select(added[at : at + len(refs)], anchor=added[at])
            event.acceptProposedAction()
        else:
            event.ignore()


def _resolver(project: Project, image: str) -> Callable[[], Path]:
    return lambda: project.resolved_path(image)
