"""The Preview panel: the composed timeline played in real time at preview size, with
play/pause, J/K/L shuttle, frame steps, scrubbing, loop, the title-safe overlay, the time,
and the music in step where the system can play it.

Frames come from `PreviewRenderer` (a render thread; the newest request wins), so nothing
here waits for a decode. Playback is a QTimer at the document's frame rate that computes
the frame from the wall clock (frames are dropped rather than the picture drifting) and
moves the session's playhead; a playhead moved elsewhere (the timeline) is followed.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable

import qtawesome
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QHideEvent, QImage
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.actions import ActionSpec
from gui.preview_audio import MusicTrack, PreviewAudio, probe_audio_output
from gui.preview_renderer import PreviewDocument, PreviewRenderer, resolve_storyboard
from gui.services import Services
from gui.widgets.preview_canvas import PreviewCanvas

MAX_SPEED = 8.0
REBUILD_DELAY_MS = 120  # an edit burst (a drag) rebuilds the compositor once it settles
NO_PROJECT_TEXT = "No project is open: open or create one to preview it."
LOADING_TEXT = "Preparing the preview…"
_WIDGET = Qt.ShortcutContext.WidgetWithChildrenShortcut


def format_time(seconds: float, fps: float) -> str:
    """ "mm:ss.ff": minutes, seconds and the frame within the second."""
    rate = max(1, round(fps))
    frames = max(0, round(seconds * rate))
    whole, frame = divmod(frames, rate)
    minutes, secs = divmod(whole, 60)
    return f"{minutes:02d}:{secs:02d}.{frame:02d}"


def playback_frame(
    start: float,
    elapsed: float,
    *,
    speed: float,
    fps: float,
    frame_count: int,
    loop: bool,
) -> tuple[int, bool]:
    """The frame to show `elapsed` wall-clock seconds after playback left frame `start`
    at `speed` (negative: backwards), and whether playback goes on (it stops on the first
    or last frame unless it loops)."""
    position = start + elapsed * speed * fps
    # A frame is left once it has been shown for a whole frame time, either way.
    index = math.floor(position + 1e-6) if speed > 0 else math.ceil(position - 1e-6)
    last = frame_count - 1
    if loop:
        return index % frame_count, True
    if speed > 0 and index >= last:
        return last, False
    if speed < 0 and index <= 0:
        return 0, False
    return min(max(index, 0), last), True


def shuttle_speed(speed: float, playing: bool, direction: int) -> float:
    """J/L: the first press plays at 1x that way; each further press doubles, up to 8x."""
    if playing and speed * direction > 0:
        return direction * min(MAX_SPEED, abs(speed) * 2)
    return float(direction)


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
        self._playing = False
        self._speed = 1.0
        self._anchor_frame = 0.0  # playback: the frame at _anchor_wall
        self._anchor_wall = 0.0
        self._loop = False
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
        self._playback_timer = QTimer(self)
        self._playback_timer.setObjectName("preview_playback")
        self._playback_timer.setTimerType(Qt.TimerType.PreciseTimer)
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
        add = self.services.actions.add

        def spec(
            action_id: str,
            text: str,
            key: str,
            icon: str,
            section: int,
            *,
            local: bool = True,
            checkable: bool = False,
            tip: str = "",
        ) -> ActionSpec:
            return ActionSpec(
                action_id,
                text,
                "Playback",
                key,
                tip=tip,
                icon=icon,
                checkable=checkable,
                section=section,
                context=_WIDGET if local else Qt.ShortcutContext.WindowShortcut,
            )

        def local(made: ActionSpec, handler: Callable[[], object]) -> QAction:
            return add(made, handler, widget=self)

        self.play_action = local(
            spec("playback.play_pause", "&Play", "Space", "mdi6.play", 0, tip="Play or pause"),
            self.toggle_play,
        )
        local(
            spec("playback.shuttle_back", "Shuttle &Back", "J", "mdi6.rewind", 0,
                 tip="Play backwards; again: faster (up to 8x)"),
            functools.partial(self.shuttle, -1),
        )  # fmt: skip
        local(spec("playback.pause", "P&ause", "K", "mdi6.pause", 0), self.pause)
        local(
            spec("playback.shuttle_forward", "Shuttle &Forward", "L", "mdi6.fast-forward", 0,
                 tip="Play forwards; again: faster (up to 8x)"),
            functools.partial(self.shuttle, 1),
        )  # fmt: skip
        local(
            spec("playback.previous_frame", "Pre&vious Frame", "Left", "mdi6.step-backward", 1),
            functools.partial(self.step, -1),
        )
        local(
            spec("playback.next_frame", "&Next Frame", "Right", "mdi6.step-forward", 1),
            functools.partial(self.step, 1),
        )
        local(
            spec("playback.go_to_start", "Go to &Start", "Home", "mdi6.skip-previous", 1),
            self.go_to_start,
        )
        local(
            spec("playback.go_to_end", "Go to &End", "End", "mdi6.skip-next", 1),
            self.go_to_end,
        )
        self.loop_action = add(
            spec("playback.loop", "&Loop", "Ctrl+L", "mdi6.repeat", 2, local=False,
                 checkable=True, tip="Play the video over and over"),
            lambda: self.set_loop(self.loop_action.isChecked()),
        )  # fmt: skip
        self.safe_action = add(
            spec("playback.title_safe", "&Title-Safe Overlay", "Ctrl+'", "mdi6.crop-free", 2,
                 local=False, checkable=True, tip="Show where text stays clear of the edges"),
            lambda: self.canvas.set_overlay_visible(self.safe_action.isChecked()),
        )  # fmt: skip
        self._transport = [
            self.services.actions.action(name)
            for name in (
                "playback.play_pause",
                "playback.shuttle_back",
                "playback.pause",
                "playback.shuttle_forward",
                "playback.previous_frame",
                "playback.next_frame",
                "playback.go_to_start",
                "playback.go_to_end",
            )
        ]
        self._play_icon = qtawesome.icon("mdi6.play")
        self._pause_icon = qtawesome.icon("mdi6.pause")

    def _build_ui(self) -> None:
        actions = self.services.actions

        def button(action_id: str) -> QToolButton:
            made = QToolButton(self)
            made.setDefaultAction(actions.action(action_id))
            made.setAutoRaise(True)
            made.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            made.setIconSize(QSize(18, 18))
            made.setObjectName("preview_" + action_id.split(".", 1)[1])
            return made

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("preview_scrub")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Drag to scrub through the video")
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderPressed.connect(self._slider_pressed)
        self.slider.sliderReleased.connect(self._slider_released)

        self.time_label = QLabel(self)
        self.time_label.setObjectName("preview_time")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.time_label.setFont(mono)
        self.time_label.setToolTip("Time / length (minutes:seconds.frame)")

        self.speed_label = QLabel(self)
        self.speed_label.setObjectName("preview_speed")
        self.speed_label.setVisible(False)

        self.audio_label = QToolButton(self)
        self.audio_label.setObjectName("preview_audio_status")
        self.audio_label.setIcon(qtawesome.icon("mdi6.volume-off"))
        self.audio_label.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.audio_label.setAutoRaise(True)
        self.audio_label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.audio_label.setVisible(False)

        transport = QHBoxLayout()
        transport.setContentsMargins(4, 2, 4, 2)
        transport.setSpacing(2)
        for action_id in (
            "playback.go_to_start",
            "playback.previous_frame",
            "playback.play_pause",
            "playback.next_frame",
            "playback.go_to_end",
        ):
            transport.addWidget(button(action_id))
        transport.addSpacing(6)
        transport.addWidget(button("playback.loop"))
        transport.addWidget(button("playback.title_safe"))
        transport.addSpacing(6)
        transport.addWidget(self.slider, 1)
        transport.addWidget(self.speed_label)
        transport.addWidget(self.time_label)
        transport.addWidget(self.audio_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(transport)
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
        return self._playing

    @property
    def speed(self) -> float:
        """Playback speed, negative backwards."""
        return self._speed

    @property
    def loop(self) -> bool:
        return self._loop

    # --- transport --------------------------------------------------------------------------

    def toggle_play(self) -> None:
        """Space: play forwards at normal speed, or pause."""
        if self._playing:
            self.pause()
        else:
            self.play(1.0)

    def play(self, speed: float = 1.0) -> None:
        doc = self._doc
        if doc is None or speed == 0 or self._closed:
            return
        index = self._index()
        if not self._loop:  # at the end (start when backwards) playing starts over
            if speed > 0 and index >= doc.frame_count - 1:
                self._show(0.0)
            elif speed < 0 and index <= 0:
                self._show(doc.last_frame_time)
        self._speed = speed
        self._playing = True
        self._anchor()
        self._playback_timer.setInterval(max(1, round(1000 / doc.fps)))
        self._playback_timer.start()
        self.renderer.set_direction(1 if speed > 0 else -1)
        self._update_transport()
        self.audio.sync(self._time, playing=True, speed=self._speed)

    def pause(self) -> None:
        """K: stop where the picture is."""
        was_playing = self._playing
        self._playing = False
        self._speed = 1.0
        self._playback_timer.stop()
        self.renderer.set_direction(0)
        self._update_transport()
        if was_playing:
            self.audio.sync(self._time, playing=False)

    def shuttle(self, direction: int) -> None:
        """J (-1) / L (+1): play that way; pressed again, twice as fast (up to 8x)."""
        self.play(shuttle_speed(self._speed, self._playing, direction))

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
        if self._playing:
            self._anchor()
            self.audio.sync(self._time, playing=True, speed=self._speed)

    def set_loop(self, loop: bool) -> None:
        self._loop = loop
        if self.loop_action.isChecked() != loop:
            self.loop_action.setChecked(loop)

    def shutdown(self) -> None:
        """Stop the timers, the music and the render threads (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._playing = False
        self._playback_timer.stop()
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

    def _anchor(self) -> None:
        self._anchor_frame = float(self._index())
        self._anchor_wall = time.monotonic()

    def _tick(self) -> None:
        doc = self._doc
        if doc is None or not self._playing:
            self._playback_timer.stop()
            return
        index, going = playback_frame(
            self._anchor_frame,
            time.monotonic() - self._anchor_wall,
            speed=self._speed,
            fps=doc.fps,
            frame_count=doc.frame_count,
            loop=self._loop,
        )
        if index != self._index():
            self._show(index / doc.fps)
        if going:
            self.audio.sync(self._time, playing=True, speed=self._speed)
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
        if self._playing:
            self._anchor()
            self.audio.sync(self._time, playing=True, speed=self._speed)

    def _slider_moved(self, value: int) -> None:
        if self._doc is not None and value != self._index():
            self.seek(value / self._doc.fps)

    def _slider_pressed(self) -> None:
        self._resume_after_drag = self._playing
        if self._playing:
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
        self.slider.blockSignals(True)
        self.slider.setRange(0, doc.frame_count - 1)
        self.slider.setPageStep(max(1, round(doc.fps)))
        self.slider.blockSignals(False)
        self.canvas.set_frame_size(QSize(*doc.size))
        self.canvas.set_safe_area(doc.safe_area)
        self.audio.set_track(MusicTrack.from_storyboard(doc.storyboard))
        index = min(max(0, round(self._time * doc.fps)), doc.frame_count - 1)
        # The renderer shows the new document at the time the source was set for; a time
        # that moved meanwhile (a seek while loading, a shorter video) is asked for again.
        self._show(index / doc.fps, render=index / doc.fps != self._source_at)
        if self._playing:
            self._anchor()
            self._playback_timer.setInterval(max(1, round(1000 / doc.fps)))
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
            self.time_label.setText("--:--.-- / --:--.--")
            self.slider.blockSignals(True)
            self.slider.setRange(0, 0)
            self.slider.blockSignals(False)
            return
        self.time_label.setText(
            f"{format_time(self._time, doc.fps)} / {format_time(doc.duration, doc.fps)}"
        )
        self.slider.blockSignals(True)
        self.slider.setValue(self._index())
        self.slider.blockSignals(False)

    def _update_transport(self) -> None:
        enabled = self._doc is not None
        for action in self._transport:
            action.setEnabled(enabled)
        self.slider.setEnabled(enabled)
        playing = self._playing
        self.play_action.setText("&Pause" if playing else "&Play")
        self.play_action.setIcon(self._pause_icon if playing else self._play_icon)
        self.play_action.setToolTip(f"{'Pause' if playing else 'Play'} (Space)")
        if playing and self._speed != 1.0:
            arrow = "◀ " if self._speed < 0 else ""
            self.speed_label.setText(f"{arrow}{abs(self._speed):g}×")
            self.speed_label.setVisible(True)
        else:
            self.speed_label.setVisible(False)

    def _update_audio_status(self) -> None:
        status = self.audio.status
        if status is None:
            self.audio_label.setVisible(False)
            self.audio_label.setToolTip("")
            return
        self.audio_label.setText(status.text)
        self.audio_label.setToolTip(status.reason)
        self.audio_label.setVisible(True)
