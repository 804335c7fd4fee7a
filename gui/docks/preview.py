"""The Preview panel: the composed timeline played in real time at preview size, with
play/pause, J/K/L shuttle, frame steps, scrubbing, loop, the title-safe overlay, the time,
and the music in step where the system can play it.

Frames come from `PreviewRenderer` (a render thread; the newest request wins), so nothing
here waits for a decode. Playback is a QTimer at the document's frame rate that computes
the frame from the wall clock (frames are dropped rather than the picture drifting) and
moves the session's playhead; a playhead moved elsewhere (the timeline) is followed.

The clock is gui.widgets.playback_clock; the actions, their shortcuts and the row under the
picture are gui.widgets.preview_transport.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QHideEvent, QImage
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from gui.preview_audio import MusicTrack, PreviewAudio, probe_audio_output
from gui.preview_renderer import PreviewDocument, PreviewRenderer, resolve_storyboard
from gui.services import Services
from gui.widgets.playback_clock import (
    MAX_SPEED,
    PlaybackClock,
    format_time,
    playback_frame,
    shuttle_speed,
)
from gui.widgets.preview_canvas import PreviewCanvas
from gui.widgets.preview_transport import TransportRow, add_playback_actions

__all__ = [
    "LOADING_TEXT",
    "MAX_SPEED",
    "NO_PROJECT_TEXT",
    "REBUILD_DELAY_MS",
    "PreviewPanel",
    "format_time",
    "playback_frame",
    "shuttle_speed",
]

REBUILD_DELAY_MS = 120  # an edit burst (a drag) rebuilds the compositor once it settles
NO_PROJECT_TEXT = "No project is open: open or create one to preview it."
LOADING_TEXT = "Preparing the preview…"


class PreviewPanel(QWidget):
    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        *,
        audio_probe: Callable[[], str | None] = probe_audio_output,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.session = services.session
        self._doc: PreviewDocument | None = None
        self._time = 0.0  # seconds, on a frame
        self._setting_playhead = False
        self._source_at = 0.0  # the time the renderer's current source was set for
        self._resume_after_drag = False
        self._built_for: object | None = None  # the document last sent to the renderer
        self._closed = False
        self.last_frame_time: float | None = None  # t of the frame on show

        self.renderer = PreviewRenderer(self)
        self.audio = PreviewAudio(self, probe=audio_probe)
        self.canvas = PreviewCanvas(self)
        self.setFocusProxy(self.canvas)
        self._clock = PlaybackClock(self)
        self._playback_timer = self._clock.timer
        self._playback_timer.timeout.connect(self._tick)
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setObjectName("preview_rebuild")
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(REBUILD_DELAY_MS)
        self._rebuild_timer.timeout.connect(self._rebuild)

        self._add_actions()
        self._build_ui()

        self.renderer.frame_ready.connect(self._frame_ready)
        self.renderer.frame_failed.connect(self._frame_failed)
        self.renderer.document_ready.connect(self._document_ready)
        self.renderer.unavailable.connect(self._unavailable)
        self.audio.status_changed.connect(self._update_audio_status)
        self.session.project_changed.connect(self._project_changed)
        self.session.document_changed.connect(self._document_changed)
        self.session.playhead_changed.connect(self._playhead_moved)
        self._update_audio_status()
        self._project_changed()

    # --- building ---------------------------------------------------------------------------

    def _add_actions(self) -> None:
        made = add_playback_actions(
            self.services.actions, self, self, self.canvas.set_overlay_visible
        )
        self.play_action = made.play
        self.loop_action = made.loop
        self.safe_action = made.title_safe

    def _build_ui(self) -> None:
        self.transport = TransportRow(self, self.services.actions, self.play_action)
        self.slider = self.transport.slider
        self.time_label = self.transport.time_label
        self.speed_label = self.transport.speed_label
        self.audio_label = self.transport.audio_label
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderPressed.connect(self._slider_pressed)
        self.slider.sliderReleased.connect(self._slider_released)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(self.transport.layout)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # --- state for callers and tests -------------------------------------------------------

    @property
    def document(self) -> PreviewDocument | None:
        """The document being previewed (None: nothing to preview)."""
        return self._doc

    @property
    def current_time(self) -> float:
        return self._time

    @property
    def playing(self) -> bool:
        return self._clock.playing

    @property
    def speed(self) -> float:
        """Playback speed, negative backwards."""
        return self._clock.speed

    @property
    def loop(self) -> bool:
        return self._clock.loop

    # --- transport --------------------------------------------------------------------------

    def toggle_play(self) -> None:
        """Space: play forwards at normal speed, or pause."""
        if self._clock.playing:
            self.pause()
        else:
            self.play(1.0)

    def play(self, speed: float = 1.0) -> None:
        doc = self._doc
        if doc is None or speed == 0 or self._closed:
            return
        index = self._index()
        if not self._clock.loop:  # at the end (start when backwards) playing starts over
            if speed > 0 and index >= doc.frame_count - 1:
                self._show(0.0)
            elif speed < 0 and index <= 0:
                self._show(doc.last_frame_time)
        self._clock.start(speed, self._index(), doc.fps)
        self.renderer.set_direction(1 if speed > 0 else -1)
        self._update_transport()
        self.audio.sync(self._time, playing=True, speed=self._clock.speed)

    def pause(self) -> None:
        """K: stop where the picture is."""
        was_playing = self._clock.stop()
        self.renderer.set_direction(0)
        self._update_transport()
        if was_playing:
            self.audio.sync(self._time, playing=False)

    def shuttle(self, direction: int) -> None:
        """J (-1) / L (+1): play that way; pressed again, twice as fast (up to 8x)."""
        self.play(shuttle_speed(self._clock.speed, self._clock.playing, direction))

    def step(self, frames: int) -> None:
        """Left/Right: pause and move by whole frames."""
        doc = self._doc
        if doc is None:
            return
        self.pause()
        index = min(max(0, self._index() + frames), doc.frame_count - 1)
        self._show(index / doc.fps)

    def go_to_start(self) -> None:
        self.seek(0.0)

    def go_to_end(self) -> None:
        if self._doc is not None:
            self.seek(self._doc.last_frame_time)

    def seek(self, seconds: float) -> None:
        """Show the frame at `seconds` (playback, if on, goes on from there)."""
        doc = self._doc
        if doc is None:
            return
        index = min(max(0, round(seconds * doc.fps)), doc.frame_count - 1)
        self._show(index / doc.fps)
        self._follow_on()

    def set_loop(self, loop: bool) -> None:
        self._clock.loop = loop
        if self.loop_action.isChecked() != loop:
            self.loop_action.setChecked(loop)

    def shutdown(self) -> None:
        """Stop the timers, the music and the render threads (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._clock.playing = False
        self._clock.timer.stop()
        self._rebuild_timer.stop()
        self.audio.shutdown()
        self.renderer.shutdown()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        """A closed or covered dock stops playing (and stops using the CPU for it)."""
        self.pause()
        super().hideEvent(event)

    # --- playback ---------------------------------------------------------------------------

    def _index(self) -> int:
        doc = self._doc
        return 0 if doc is None else round(self._time * doc.fps)

    def _follow_on(self) -> None:
        """Playback, if on, goes on from the frame shown."""
        if self._clock.playing:
            self._clock.anchor(self._index())
            self.audio.sync(self._time, playing=True, speed=self._clock.speed)

    def _tick(self) -> None:
        doc = self._doc
        if doc is None or not self._clock.playing:
            self._clock.timer.stop()
            return
        index, going = self._clock.due(doc.fps, doc.frame_count)
        if index != self._index():
            self._show(index / doc.fps)
        if going:
            self.audio.sync(self._time, playing=True, speed=self._clock.speed)
        else:
            self.pause()

    def _show(self, seconds: float, *, from_session: bool = False, render: bool = True) -> None:
        """Make `seconds` the current time: slider, label, playhead, a frame requested."""
        self._time = seconds
        self._update_position_widgets()
        if render:
            self.renderer.request(seconds)
        if not from_session:
            self._setting_playhead = True
            try:
                self.session.set_playhead(seconds)
            finally:
                self._setting_playhead = False

    def _playhead_moved(self, seconds: float) -> None:
        """The playhead moved elsewhere (the timeline): show it, playing on from there."""
        if self._setting_playhead or self._closed:
            return
        doc = self._doc
        if doc is None:  # still loading: the document opens there
            self._time = seconds
            return
        index = min(max(0, round(seconds * doc.fps)), doc.frame_count - 1)
        self._show(index / doc.fps, from_session=True)
        self._follow_on()

    def _slider_moved(self, value: int) -> None:
        if self._doc is not None and value != self._index():
            self.seek(value / self._doc.fps)

    def _slider_pressed(self) -> None:
        self._resume_after_drag = self._clock.playing
        if self._clock.playing:
            self.pause()

    def _slider_released(self) -> None:
        if self._resume_after_drag:
            self._resume_after_drag = False
            self.play(1.0)

    # --- the document -----------------------------------------------------------------------

    def _project_changed(self) -> None:
        if self._closed:
            return
        self.pause()
        self._rebuild_timer.stop()
        self._built_for = None
        if self.session.project is None:
            self._doc = None
            self.renderer.clear()
            self.audio.set_track(None)
            self.last_frame_time = None
            self.canvas.clear(NO_PROJECT_TEXT)
            self._time = 0.0
            self._update_transport()
            self._update_position_widgets()
            return
        self._doc = None
        self.last_frame_time = None
        self._time = self.session.playhead
        self.canvas.clear(LOADING_TEXT)
        self._rebuild()

    def _document_changed(self) -> None:
        if self._closed or self.session.project is None:
            return
        if self.session.document is self._built_for:
            return  # already sent (the document_changed that follows project_changed)
        self._rebuild_timer.start()

    def _rebuild(self) -> None:
        project = self.session.project
        if self._closed or project is None:
            return
        self._built_for = project.document
        self._source_at = self._time
        self.renderer.set_source(functools.partial(resolve_storyboard, project), at=self._time)

    def _document_ready(self, doc: PreviewDocument) -> None:
        if self._closed or self.session.project is None:
            return
        self._doc = doc
        self.transport.set_frames(doc.frame_count, doc.fps)
        self.canvas.set_frame_size(QSize(*doc.size))
        self.canvas.set_safe_area(doc.safe_area)
        self.audio.set_track(MusicTrack.from_storyboard(doc.storyboard))
        index = min(max(0, round(self._time * doc.fps)), doc.frame_count - 1)
        # The renderer shows the new document at the time the source was set for; a time
        # that moved meanwhile (a seek while loading, a shorter video) is asked for again.
        self._show(index / doc.fps, render=index / doc.fps != self._source_at)
        if self._clock.playing:
            self._clock.anchor(self._index())
            self._clock.set_rate(doc.fps)
        self._update_transport()

    def _unavailable(self, message: str) -> None:
        if self._closed or self.session.project is None:
            return
        self.pause()
        self._doc = None
        self.last_frame_time = None
        self.audio.set_track(None)
        self.canvas.clear(message)
        self._update_transport()
        self._update_position_widgets()

    def _frame_ready(self, seconds: float, image: QImage) -> None:
        if self._closed or self._doc is None:
            return
        self.last_frame_time = seconds
        self.canvas.show_frame(image)

    def _frame_failed(self, seconds: float, message: str) -> None:
        if self._closed or self._doc is None:
            return
        when = format_time(seconds, self._doc.fps)
        self.canvas.set_message(f"The frame at {when} could not be shown: {message}")

    # --- widgets ----------------------------------------------------------------------------

    def _update_position_widgets(self) -> None:
        doc = self._doc
        if doc is None:
            self.transport.show_no_position()
        else:
            self.transport.show_position(self._time, doc.duration, doc.fps, self._index())

    def _update_transport(self) -> None:
        self.transport.show_state(
            enabled=self._doc is not None, playing=self._clock.playing, speed=self._clock.speed
        )

    def _update_audio_status(self) -> None:
        self.transport.show_audio(self.audio.status)
