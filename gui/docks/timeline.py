"""The Timeline panel: the project's scenes in order, as thumbnails as wide as they last.

A header (scene count, length, zoom buttons) over a horizontally scrolling TimelineView.
Commands go through the action registry:

| id | menu | keys |
| --- | --- | --- |
| scene.delete | Scene > Delete Scenes | Del (while the timeline has focus) |
| scene.duplicate | Scene > Duplicate Scenes | Ctrl+D |
| scene.set_duration | Scene > Set Duration... | |
| scene.select_all | Scene > Select All Scenes | Ctrl+A (while the timeline has focus) |
| view.timeline_zoom_in | View > Zoom In | Ctrl+= (and Ctrl++) |
| view.timeline_zoom_out | View > Zoom Out | Ctrl+- |
| view.timeline_zoom_fit | View > Zoom to Fit | Ctrl+0 |

Every gesture and command is one undo step (see gui/widgets/timeline_view.py).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.actions import ActionSpec
from gui.services import Services
from gui.widgets.timeline_duration import DurationPopup
from gui.widgets.timeline_geometry import ORIGIN, fit_pps, format_time, zoomed
from gui.widgets.timeline_thumbnails import ThumbnailLoader
from gui.widgets.timeline_view import TimelineView
from gui.widgets.transition_editor import TransitionEditor
from video_studio import edits

_WIDGET = Qt.ShortcutContext.WidgetWithChildrenShortcut
_REVEAL_MARGIN = 48  # pixels kept between a revealed x and the viewport's edge


class TimelinePanel(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline_panel")
        self._services = services
        self._session = session = services.session
        self.loader = ThumbnailLoader(self)
        self.view = TimelineView(session, self.loader)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("timeline_scroll")
        self.scroll_area.setWidget(self.view)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setFocusProxy(self.view)
        self.transition_editor = TransitionEditor(session, self)
        self.duration_popup = DurationPopup(session, self)

        self.summary = QLabel(self)
        self.summary.setObjectName("timeline_summary")
        self._actions = self._add_actions()
        header = QHBoxLayout()
        header.setContentsMargins(6, 2, 6, 2)
        header.addWidget(self.summary)
        header.addStretch(1)
        for action_id in (
            "view.timeline_zoom_out",
            "view.timeline_zoom_in",
            "view.timeline_zoom_fit",
        ):
            button = QToolButton(self)
            button.setObjectName(f"button_{action_id.rsplit('.', 1)[1]}")
            button.setDefaultAction(self._actions[action_id])
            button.setAutoRaise(True)
            header.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(header)
        column.addWidget(self.scroll_area, 1)

        self.view.transition_requested.connect(self.transition_editor.open_for)
        self.view.context_menu_requested.connect(self._show_context_menu)
        self.view.zoom_requested.connect(self._zoom_by)
        self.view.scroll_requested.connect(self._scroll_by)
        self.view.reveal_requested.connect(self.reveal)
        session.project_changed.connect(self._project_changed)
        session.document_changed.connect(self._update_state)
        session.selection_changed.connect(self._update_state)
        self._project_changed()

    # --- actions --------------------------------------------------------------------------

    def _add_actions(self) -> dict[str, QAction]:
        """The panel's commands; `local` ones have keys only while the timeline has focus."""
        specs: list[tuple[ActionSpec, Callable[[], None], bool]] = [
            (ActionSpec("scene.delete", "&Delete Scenes", "Scene", "Del", context=_WIDGET,
                        tip="Delete the selected scenes", icon="mdi6.delete-outline"),
             self.delete_selected, True),
            (ActionSpec("scene.duplicate", "D&uplicate Scenes", "Scene", "Ctrl+D",
                        tip="Copy the selected scenes", icon="mdi6.content-duplicate"),
             self.duplicate_selected, False),
            (ActionSpec("scene.set_duration", "&Set Duration...", "Scene",
                        tip="Give the selected scenes one duration", icon="mdi6.timer-outline"),
             self.ask_duration, False),
            (ActionSpec("scene.select_all", "Select &All Scenes", "Scene", "Ctrl+A",
                        context=_WIDGET, section=1, icon="mdi6.select-all"),
             self.select_all, True),
            (ActionSpec("view.timeline_zoom_in", "Zoom &In", "View", ("Ctrl+=", "Ctrl++"),
                        tip="Show the timeline larger", icon="mdi6.magnify-plus-outline",
                        section=2),
             self.zoom_in, False),
            (ActionSpec("view.timeline_zoom_out", "Zoom &Out", "View", "Ctrl+-",
                        tip="Show more of the timeline", icon="mdi6.magnify-minus-outline",
                        section=2),
             self.zoom_out, False),
            (ActionSpec("view.timeline_zoom_fit", "Zoom to &Fit", "View", "Ctrl+0",
                        tip="Show the whole timeline", icon="mdi6.fit-to-screen-outline",
                        section=2),
             self.zoom_to_fit, False),
        ]  # fmt: skip
        registry = self._services.actions
        return {
            spec.id: registry.add(spec, handler, widget=self if local else None)
            for spec, handler, local in specs
        }

    def action(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def _project_changed(self) -> None:
        project = self._session.project
        self.loader.set_cache_dir(project.cache_dir if project is not None else None)
        self.transition_editor.close()
        self.duration_popup.close()
        self.scroll_area.horizontalScrollBar().setValue(0)
        self._update_state()

    def _update_state(self) -> None:
        has_project = self._session.has_project
        scenes = self.view.scenes
        selected = self._session.selected_scene_ids
        for action_id in ("scene.delete", "scene.duplicate", "scene.set_duration"):
            self._actions[action_id].setEnabled(bool(selected))
        self._actions["scene.select_all"].setEnabled(bool(scenes))
        for action_id in ("view.timeline_zoom_in", "view.timeline_zoom_out"):
            self._actions[action_id].setEnabled(has_project)
        self._actions["view.timeline_zoom_fit"].setEnabled(bool(scenes))
        if not has_project:
            self.summary.setText("No project")
            return
        total = sum(scene.duration for scene in scenes)
        count = "1 scene" if len(scenes) == 1 else f"{len(scenes)} scenes"
        text = f"{count} · {format_time(total, 0.5)}"
        if selected:
            text += f" · {len(selected)} selected"
        self.summary.setText(text)

    # --- commands -------------------------------------------------------------------------

    def delete_selected(self) -> None:
        ids = self._session.selected_scene_ids
        if ids:
            self._session.edit(lambda p: edits.remove_scenes(p, ids))

    def duplicate_selected(self) -> None:
        ids = self._session.selected_scene_ids
        if not ids or not self._session.has_project:
            return
        before = {scene.id for scene in self._session.document.storyboard.scenes}
        if self._session.edit(lambda p: edits.duplicate_scenes(p, ids)):
            scenes = self._session.document.storyboard.scenes
            self._session.select_scenes(scene.id for scene in scenes if scene.id not in before)

    def select_all(self) -> None:
        self._session.select_scenes(scene.id for scene in self.view.scenes)

    def ask_duration(self) -> None:
        """The duration popup for the selection, under its first visible scene."""
        ids = self._session.selected_scene_ids
        if not ids:
            return
        index = next((i for i, s in enumerate(self.view.scenes) if s.id in set(ids)), 0)
        rect = self.view.scene_rect(index) if self.view.scenes else self.view.rect()
        at = self.view.mapToGlobal(QPoint(rect.left(), rect.bottom() + 4))
        self.duration_popup.open_for(ids, at)

    def edit_transition(self, index: int) -> None:
        """The transition editor for the join after scene `index`."""
        scenes = self.view.scenes
        if 0 <= index < len(scenes) - 1:
            rect = self.view.marker_rect(index)
            at = self.view.mapToGlobal(QPoint(rect.left(), rect.bottom() + 4))
            self.transition_editor.open_for(scenes[index].id, at)

    def context_menu(self, index: int) -> QMenu:
        """The menu for scene `index` (-1: the empty part of the timeline)."""
        menu = QMenu(self)
        menu.setObjectName("timeline_context_menu")
        for action_id in ("scene.delete", "scene.duplicate", "scene.set_duration"):
            menu.addAction(self._actions[action_id])
        menu.addSeparator()
        transition = menu.addAction("&Transition...")
        transition.setObjectName("timeline_edit_transition")
        transition.setEnabled(0 <= index < len(self.view.scenes) - 1)
        transition.triggered.connect(lambda _checked=False: self.edit_transition(index))
        menu.addSeparator()
        menu.addAction(self._actions["scene.select_all"])
        return menu

    def _show_context_menu(self, index: int, at: QPoint) -> None:
        menu = self.context_menu(index)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(at)

    # --- zoom and scrolling ---------------------------------------------------------------

    @property
    def pixels_per_second(self) -> float:
        return self.view.pixels_per_second

    def zoom_in(self) -> None:
        self._zoom_by(1, self._zoom_anchor())

    def zoom_out(self) -> None:
        self._zoom_by(-1, self._zoom_anchor())

    def zoom_to_fit(self) -> None:
        total = sum(scene.duration for scene in self.view.scenes)
        self.set_zoom(fit_pps(total, self.scroll_area.viewport().width()))
        self.scroll_area.horizontalScrollBar().setValue(0)

    def _zoom_anchor(self) -> float:
        """The x kept in place by the zoom commands: the playhead when it is in view."""
        bar, width = self.scroll_area.horizontalScrollBar(), self.scroll_area.viewport().width()
        playhead = self.view.timeline_layout.x_at(self.view.scene_time(self._session.playhead))
        if bar.value() <= playhead <= bar.value() + width:
            return playhead
        return bar.value() + width / 2

    def _zoom_by(self, steps: int, anchor_x: float) -> None:
        self.set_zoom(zoomed(self.view.pixels_per_second, steps), anchor_x)

    def set_zoom(self, pixels_per_second: float, anchor_x: float | None = None) -> None:
        """Zoom; the time at content x `anchor_x` stays where it is on screen."""
        bar = self.scroll_area.horizontalScrollBar()
        old = self.view.pixels_per_second
        anchor = bar.value() if anchor_x is None else anchor_x
        on_screen = anchor - bar.value()
        seconds = (anchor - ORIGIN) / old
        self.view.set_pixels_per_second(pixels_per_second)
        viewport = self.scroll_area.viewport().size()
        self.view.resize(
            max(self.view.minimumWidth(), viewport.width()),
            max(self.view.minimumHeight(), viewport.height()),
        )  # the scroll range follows at once, so the anchor can be placed now
        bar.setValue(round(ORIGIN + seconds * self.view.pixels_per_second - on_screen))
        self._update_state()

    def _scroll_by(self, pixels: int) -> None:
        bar = self.scroll_area.horizontalScrollBar()
        bar.setValue(bar.value() + pixels)

    def reveal(self, x: int) -> None:
        """Scroll so that content x is in view (with a margin)."""
        bar, width = self.scroll_area.horizontalScrollBar(), self.scroll_area.viewport().width()
        margin = min(_REVEAL_MARGIN, width // 4)
        if x < bar.value() + margin:
            bar.setValue(x - margin)
        elif x > bar.value() + width - margin:
            bar.setValue(x - width + margin)

    def shutdown(self) -> None:
        """Close the popups and stop the thumbnail thread."""
        self.transition_editor.close()
        self.duration_popup.close()
        self.loader.shutdown()
