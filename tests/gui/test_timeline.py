"""The Timeline panel with real widgets and real events (offscreen): drags reorder and
resize scenes as one undo step each, selection with Ctrl/Shift, Del and Ctrl+D, drops from
the bin, the transition editor, zoom, the ruler and playhead, thumbnails from the cache."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QPalette,
    QWheelEvent,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from gui import mime
from gui.docks.timeline import TimelinePanel
from gui.services import Services
from gui.widgets import timeline_paint
from gui.widgets.timeline_geometry import ORIGIN, RULER_HEIGHT, TRACK_TOP
from gui.widgets.timeline_paint import PLAYHEAD_COLOR
from video_studio import edits
from video_studio.models import Transition, TransitionType
from video_studio.project import Project
from video_studio.storyboard import CardConfig

pytestmark = pytest.mark.timeout(60)

LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
BODY_Y = int(TRACK_TOP + 12)  # inside the scenes, above the transition markers


@pytest.fixture
def panel(services: Services, project: Project, qtbot: QtBot) -> Iterator[TimelinePanel]:
    services.session.set_project(project)
    central = QWidget()
    made = TimelinePanel(services, central)
    outside = QPushButton("Elsewhere", central)
    outside.setObjectName("outside")
    column = QVBoxLayout(central)
    column.addWidget(made, 1)
    column.addWidget(outside)
    services.window.setCentralWidget(central)
    services.window.resize(900, 320)
    services.window.show()
    services.window.activateWindow()
    qtbot.waitExposed(services.window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is services.window, timeout=2000)
    made.view.setFocus()
    yield made
    made.shutdown()


def ids(project: Project) -> list[str]:
    return [scene.id for scene in project.document.storyboard.scenes]


def durations(project: Project) -> list[float]:
    return [scene.duration for scene in project.document.storyboard.scenes]


def center(panel: TimelinePanel, index: int) -> QPoint:
    rect = panel.view.scene_rect(index)
    return QPoint(rect.center().x(), BODY_Y)


def drag(panel: TimelinePanel, start: QPoint, *stops: QPoint) -> None:
    view = panel.view
    QTest.mousePress(view, LEFT, NO_KEYS, start)
    for stop in stops:
        QTest.mouseMove(view, stop)
    QTest.mouseRelease(view, LEFT, NO_KEYS, stops[-1])


def click(panel: TimelinePanel, at: QPoint, keys: Qt.KeyboardModifier = NO_KEYS) -> None:
    QTest.mouseClick(panel.view, LEFT, keys, at)


def test_scenes_are_as_wide_as_they_last_and_zoom_changes_the_width(
    panel: TimelinePanel, project: Project
) -> None:
    view = panel.view
    pps = view.pixels_per_second
    assert [view.scene_rect(i).width() for i in range(3)] == [round(2 * pps)] * 3
    assert view.scene_rect(1).left() == view.scene_rect(0).right() + 1
    QTest.keyClick(view, Qt.Key.Key_Equal, CTRL)  # View > Zoom In
    assert view.pixels_per_second == pytest.approx(pps * 1.25)
    assert view.scene_rect(0).width() == round(2 * pps * 1.25)
    QTest.keyClick(view, Qt.Key.Key_Minus, CTRL)
    QTest.keyClick(view, Qt.Key.Key_Minus, CTRL)
    assert view.scene_rect(0).width() == round(2 * pps / 1.25)
    QTest.keyClick(view, Qt.Key.Key_0, CTRL)  # to fit: the 6 s fill the visible width
    viewport = panel.scroll_area.viewport().width()
    assert viewport - 60 < view.scene_rect(2).right() <= viewport
    panel.action("view.timeline_zoom_in").trigger()
    assert view.minimumWidth() > viewport  # scrolls horizontally now
    bar = panel.scroll_area.horizontalScrollBar()
    assert bar.maximum() > 0
    # Ctrl+wheel zooms around the mouse; the plain wheel scrolls sideways
    before = view.pixels_per_second
    wheel(view, QPointF(200, BODY_Y), 120, CTRL)
    assert view.pixels_per_second == pytest.approx(before * 1.25)
    bar.setValue(0)
    wheel(view, QPointF(200, BODY_Y), -120, NO_KEYS)
    assert bar.value() == 60


def wheel(view: QWidget, at: QPointF, delta: int, keys: Qt.KeyboardModifier) -> None:
    event = QWheelEvent(
        at,
        view.mapToGlobal(at),
        QPoint(),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        keys,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, event)


def test_dragging_a_scene_reorders_as_one_undo_step(panel: TimelinePanel, project: Project) -> None:
    first, second, third = ids(project)
    end = panel.view.scene_rect(2)
    past_middle = QPoint(end.center().x() + end.width() // 4, BODY_Y)
    drag(panel, center(panel, 0), center(panel, 1), past_middle)
    assert ids(project) == [second, third, first]
    stack = panel._session.undo_stack
    assert stack.count() == 1 and stack.undoText() == "Move 1 scene"
    stack.undo()
    assert ids(project) == [first, second, third]
    # a selection moves together: the last two to the front
    click(panel, center(panel, 1))
    click(panel, center(panel, 2), CTRL)
    drag(panel, center(panel, 2), QPoint(panel.view.scene_rect(0).left() + 5, BODY_Y))
    assert ids(project) == [second, third, first]
    assert stack.count() == 1  # the first move was undone, this is the only step


def test_dragging_the_right_edge_sets_the_duration_snapped(
    panel: TimelinePanel, project: Project
) -> None:
    view = panel.view
    edge = QPoint(view.scene_rect(0).right() + 1, BODY_Y)
    pps = view.pixels_per_second
    stops = [QPoint(round(ORIGIN + s * pps), BODY_Y) for s in (2.3, 2.61, 3.04, 2.72)]
    drag(panel, edge, *stops)
    assert durations(project) == [2.7, 2.0, 2.0]
    stack = panel._session.undo_stack
    assert stack.count() == 1 and stack.undoText() == "Set duration to 2.7 s"
    assert view.scene_rect(0).width() == round(2.7 * pps)  # the view follows the document
    stack.undo()
    assert durations(project) == [2.0, 2.0, 2.0]


def test_dragging_an_edge_of_a_selected_scene_sets_all_selected(
    panel: TimelinePanel, project: Project
) -> None:
    click(panel, center(panel, 0))
    click(panel, center(panel, 2), CTRL)
    assert panel._session.selected_scene_ids == [ids(project)[0], ids(project)[2]]
    view = panel.view
    edge = QPoint(view.scene_rect(2).right() + 1, BODY_Y)
    start_x = view.scene_rect(2).left()
    drag(panel, edge, QPoint(edge.x() + 20, BODY_Y), QPoint(round(start_x + 1.5 * 60), BODY_Y))
    assert durations(project) == [1.5, 2.0, 1.5]
    assert panel._session.undo_stack.count() == 1


def test_ctrl_click_selects_several_and_del_deletes_them(
    panel: TimelinePanel, project: Project
) -> None:
    first, second, third = ids(project)
    click(panel, center(panel, 0))
    click(panel, center(panel, 1), CTRL)
    assert panel._session.selected_scene_ids == [first, second]
    click(panel, center(panel, 1), CTRL)  # toggles off
    assert panel._session.selected_scene_ids == [first]
    click(panel, center(panel, 1), CTRL)
    QTest.keyClick(panel.view, Qt.Key.Key_Delete)
    assert ids(project) == [third]
    stack = panel._session.undo_stack
    assert stack.count() == 1
    assert panel._session.selected_scene_ids == []
    stack.undo()
    assert ids(project) == [first, second, third]
    # Del means "delete scenes" only while the timeline has focus
    outside = panel.window().findChild(QPushButton, "outside")
    assert outside is not None
    outside.setFocus()
    QTest.keyClick(outside, Qt.Key.Key_Delete)
    assert ids(project) == [first, second, third] and stack.count() == 1


def test_shift_click_ranges_and_ctrl_a_selects_all(panel: TimelinePanel, project: Project) -> None:
    click(panel, center(panel, 2))
    click(panel, center(panel, 0), SHIFT)
    assert panel._session.selected_scene_ids == ids(project)
    click(panel, center(panel, 1))  # a plain click on a selected scene: only it
    assert panel._session.selected_scene_ids == ids(project)[1:2]
    click(panel, QPoint(panel.view.scene_rect(2).right() + 80, BODY_Y))  # empty track
    assert panel._session.selected_scene_ids == []
    QTest.keyClick(panel.view, Qt.Key.Key_A, CTRL)
    assert panel._session.selected_scene_ids == ids(project)
    assert panel.summary.text() == "3 scenes · 0:06.0 · 3 selected"


def test_ctrl_d_duplicates_the_selection(panel: TimelinePanel, project: Project) -> None:
    first, second, third = ids(project)
    click(panel, center(panel, 1))
    QTest.keyClick(panel.view, Qt.Key.Key_D, CTRL)
    scenes = project.document.storyboard.scenes
    assert [s.id for s in scenes][:2] == [first, second] and scenes[3].id == third
    assert scenes[2].image == scenes[1].image and scenes[2].id not in (first, second, third)
    assert panel._session.selected_scene_ids == [scenes[2].id]
    assert panel._session.undo_stack.count() == 1


def test_dropping_images_from_the_bin_inserts_scenes_at_the_gap(
    panel: TimelinePanel, project: Project
) -> None:
    view = panel.view
    images = [scene.image for scene in project.document.storyboard.scenes]
    before = ids(project)
    data = QMimeData()
    mime.encode_list(data, mime.ASSETS_MIME, [images[2], images[0]])
    gap = QPointF(view.scene_rect(1).left() + 8, BODY_Y)  # just after scene 1 starts
    action = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(gap.toPoint(), action, data, LEFT, NO_KEYS)
    QApplication.sendEvent(view, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(gap.toPoint(), action, data, LEFT, NO_KEYS)
    QApplication.sendEvent(view, move)
    assert move.isAccepted() and view.drop_gap == 1
    drop = QDropEvent(gap, action, data, LEFT, NO_KEYS)
    QApplication.sendEvent(view, drop)
    assert drop.isAccepted() and view.drop_gap is None
    scenes = project.document.storyboard.scenes
    assert [s.image for s in scenes] == [images[0], images[2], images[0], images[1], images[2]]
    assert [scenes[0].id, scenes[3].id, scenes[4].id] == before
    assert panel._session.selected_scene_ids == [scenes[1].id, scenes[2].id]
    assert panel._session.undo_stack.count() == 1
    refused = QMimeData()
    refused.setText("not images")
    other = QDragEnterEvent(gap.toPoint(), action, refused, LEFT, NO_KEYS)
    QApplication.sendEvent(view, other)
    assert not other.isAccepted()


def test_the_transition_marker_opens_an_editor_that_sets_the_transition(
    panel: TimelinePanel, project: Project, qtbot: QtBot
) -> None:
    view = panel.view
    click(panel, view.marker_rect(0).center())
    editor = panel.transition_editor
    qtbot.waitUntil(editor.isVisible, timeout=2000)
    assert editor.scene_id == ids(project)[0]
    assert editor.type_combo.currentText() == "Cut"
    assert editor.duration_spin.maximum() == 1.99  # shorter than the scenes it joins
    QTest.keyClick(editor.type_combo, Qt.Key.Key_Down)  # Cut -> Crossfade
    assert editor.type_combo.currentText() == "Crossfade"
    spin = editor.duration_spin
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin.lineEdit(), "1.2")
    QTest.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin.lineEdit(), "0.5")
    QTest.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    scene = project.document.storyboard.scenes[0]
    assert scene.transition == Transition(type=TransitionType.CROSSFADE, duration=0.5)
    stack = panel._session.undo_stack
    assert stack.count() == 1  # everything changed in the open editor is one step
    assert stack.undoText() == "Set crossfade transition"
    editor.close()
    # the context menu opens it too; "Cut" removes the transition
    menu = panel.context_menu(0)
    [item] = [a for a in menu.actions() if a.objectName() == "timeline_edit_transition"]
    item.trigger()
    assert editor.isVisible() and editor.type_combo.currentText() == "Crossfade"
    editor.type_combo.setCurrentIndex(editor.type_combo.findText("Cut"))
    assert project.document.storyboard.scenes[0].transition is None
    assert stack.count() == 2
    editor.close()
    menu.deleteLater()


def test_the_context_menu_sets_one_duration_on_all_selected(
    panel: TimelinePanel, project: Project
) -> None:
    click(panel, center(panel, 0))
    click(panel, center(panel, 1), CTRL)
    menu = panel.context_menu(1)
    texts = [a.text().replace("&", "") for a in menu.actions() if a.text()]
    assert texts[:4] == ["Delete Scenes", "Duplicate Scenes", "Set Duration...", "Transition..."]
    panel.action("scene.set_duration").trigger()
    popup = panel.duration_popup
    assert popup.isVisible() and popup.scene_ids == ids(project)[:2]
    popup.spin.lineEdit().selectAll()
    QTest.keyClicks(popup.spin.lineEdit(), "3.5")
    QTest.mouseClick(popup.apply_button, LEFT)
    assert durations(project) == [3.5, 3.5, 2.0]
    assert not popup.isVisible() and panel._session.undo_stack.count() == 1
    menu.deleteLater()
    # a right click on an unselected scene selects it and shows the menu
    at = center(panel, 2)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, at, panel.view.mapToGlobal(at), NO_KEYS
    )
    QApplication.sendEvent(panel.view, event)
    assert panel._session.selected_scene_ids == ids(project)[2:]
    shown = [m for m in panel.findChildren(QMenu) if m.isVisible()]
    assert [m.objectName() for m in shown] == ["timeline_context_menu"]
    shown[0].close()


def test_the_ruler_moves_the_playhead(panel: TimelinePanel, project: Project) -> None:
    view = panel.view
    pps = view.pixels_per_second
    seen: list[float] = []
    panel._session.playhead_changed.connect(seen.append)
    ruler_y = int(RULER_HEIGHT / 2)
    click(panel, QPoint(round(ORIGIN + 3.0 * pps), ruler_y))
    assert panel._session.playhead == pytest.approx(3.0, abs=0.02)
    drag(panel, QPoint(round(ORIGIN + 1.0 * pps), ruler_y), QPoint(round(ORIGIN + 4.5 * pps), 90))
    assert panel._session.playhead == pytest.approx(4.5, abs=0.02)
    assert seen[-1] == panel._session.playhead
    assert panel._session.undo_stack.count() == 0  # the playhead is not an edit
    image = view.grab().toImage()
    x = round(ORIGIN + 4.5 * pps)
    assert image.pixelColor(x, int(TRACK_TOP + 40)) == PLAYHEAD_COLOR
    # zoomed in far, the view follows a playhead that moves out of sight (playback)
    panel.set_zoom(400.0)
    bar = panel.scroll_area.horizontalScrollBar()
    bar.setValue(0)
    panel._session.set_playhead(5.5)
    x = round(ORIGIN + 5.5 * 400.0)
    assert bar.value() < x < bar.value() + panel.scroll_area.viewport().width()


def test_thumbnails_load_off_the_gui_thread_and_clips_get_a_badge(
    panel: TimelinePanel, project: Project, qtbot: QtBot
) -> None:
    loader = panel.view._loader
    images = [scene.image for scene in project.document.storyboard.scenes]
    panel.view.repaint()
    qtbot.waitUntil(lambda: all(loader.pixmap(image) for image in images), timeout=10_000)
    assert list((project.cache_dir / "v1" / "thumb").rglob("*.jpg"))
    view = panel.view
    base = view.palette().color(QPalette.ColorRole.Base).darker(120)
    image = view.grab().toImage()
    rect = view.scene_rect(1)
    assert image.pixelColor(rect.center().x(), int(TRACK_TOP + 20)) != base
    first = ids(project)[0]
    panel._session.edit(lambda p: edits.update_scenes(p, [first], {"clip": "clips/a.mp4"}))
    badge = view.grab().toImage().pixelColor(view.scene_rect(0).right() - 10, int(TRACK_TOP + 5))
    highlight = view.palette().color(QPalette.ColorRole.Highlight)
    assert _close(badge, highlight)


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 40


def test_without_a_project_the_panel_is_empty_and_follows_project_changes(
    services: Services, project: Project, qtbot: QtBot
) -> None:
    panel = TimelinePanel(services, None)
    qtbot.addWidget(panel)
    assert panel.summary.text() == "No project"
    assert not panel.action("scene.delete").isEnabled()
    assert panel.view.scenes == []
    services.session.set_project(project)
    assert len(panel.view.scenes) == 3
    assert panel.summary.text() == "3 scenes · 0:06.0"
    assert not panel.action("scene.delete").isEnabled()
    services.session.select_scenes(ids(project)[:1])
    assert panel.action("scene.delete").isEnabled()
    services.session.set_project(None)
    assert panel.view.scenes == [] and panel.summary.text() == "No project"
    panel.shutdown()


def test_the_ruler_counts_video_time_like_the_preview(
    panel: TimelinePanel, project: Project, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    """With a 2 s intro card the first scene starts 2 s into the video: the ruler is
    labelled from 0:02 there, and the playhead at video time 3 s sits 1 s into scene 1."""
    offsets: list[float] = []
    real = timeline_paint.paint_ruler

    def spy(*args: Any, offset: float = 0.0, **kwargs: Any) -> None:
        offsets.append(offset)
        real(*args, offset=offset, **kwargs)

    monkeypatch.setattr(timeline_paint, "paint_ruler", spy)
    session = panel._session
    assert session.edit(lambda p: edits.update_project(p, {"intro": CardConfig(duration=2.0)}))
    session.set_playhead(3.0)
    panel.view.repaint()
    assert offsets and offsets[-1] == 2.0
    image = panel.view.grab().toImage()
    x = round(ORIGIN + 1.0 * panel.view.pixels_per_second)
    assert image.pixelColor(x, int(TRACK_TOP + 40)) == PLAYHEAD_COLOR
