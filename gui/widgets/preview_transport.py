"""The preview's transport: the Playback menu's actions with their shortcuts (Space, J/K/L,
Left/Right, Home/End act while the preview has the focus; Ctrl+L loop and Ctrl+' title-safe
anywhere), and the row under the picture (buttons, scrub slider, speed, time, sound)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import qtawesome
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from gui.actions import ActionRegistry, ActionSpec
from gui.preview_audio import AudioStatus
from gui.widgets.playback_clock import format_time

_WIDGET = Qt.ShortcutContext.WidgetWithChildrenShortcut
TRANSPORT_IDS = (
    "playback.play_pause",
    "playback.shuttle_back",
    "playback.pause",
    "playback.shuttle_forward",
    "playback.previous_frame",
    "playback.next_frame",
    "playback.go_to_start",
    "playback.go_to_end",
)  # the actions that need a document to preview
_BUTTON_IDS = (
    "playback.go_to_start",
    "playback.previous_frame",
    "playback.play_pause",
    "playback.next_frame",
    "playback.go_to_end",
)


class PlaybackCommands(Protocol):
    """What the actions call (gui.docks.preview.PreviewPanel)."""

    def toggle_play(self) -> None: ...
    def shuttle(self, direction: int) -> None: ...
    def pause(self) -> None: ...
    def step(self, frames: int) -> None: ...
    def go_to_start(self) -> None: ...
    def go_to_end(self) -> None: ...
    def set_loop(self, loop: bool) -> None: ...


@dataclass(frozen=True)
class PlaybackActions:
    play: QAction
    loop: QAction
    title_safe: QAction


def add_playback_actions(
    actions: ActionRegistry,
    commands: PlaybackCommands,
    panel: QWidget,
    show_overlay: Callable[[bool], None],
) -> PlaybackActions:
    """Register the Playback menu; the transport keys act while `panel` has the focus."""
    add = actions.add

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
        return add(made, handler, widget=panel)

    play = local(
        spec("playback.play_pause", "&Play", "Space", "mdi6.play", 0, tip="Play or pause"),
        commands.toggle_play,
    )
    local(
        spec("playback.shuttle_back", "Shuttle &Back", "J", "mdi6.rewind", 0,
             tip="Play backwards; again: faster (up to 8x)"),
        functools.partial(commands.shuttle, -1),
    )  # fmt: skip
    local(spec("playback.pause", "P&ause", "K", "mdi6.pause", 0), commands.pause)
    local(
        spec("playback.shuttle_forward", "Shuttle &Forward", "L", "mdi6.fast-forward", 0,
             tip="Play forwards; again: faster (up to 8x)"),
        functools.partial(commands.shuttle, 1),
    )  # fmt: skip
    local(
        spec("playback.previous_frame", "Pre&vious Frame", "Left", "mdi6.step-backward", 1),
        functools.partial(commands.step, -1),
    )
    local(
        spec("playback.next_frame", "&Next Frame", "Right", "mdi6.step-forward", 1),
        functools.partial(commands.step, 1),
    )
    local(
        spec("playback.go_to_start", "Go to &Start", "Home", "mdi6.skip-previous", 1),
        commands.go_to_start,
    )
    local(
        spec("playback.go_to_end", "Go to &End", "End", "mdi6.skip-next", 1),
        commands.go_to_end,
    )
    loop = add(
        spec("playback.loop", "&Loop", "Ctrl+L", "mdi6.repeat", 2, local=False,
             checkable=True, tip="Play the video over and over"),
        lambda: commands.set_loop(loop.isChecked()),
    )  # fmt: skip
    title_safe = add(
        spec("playback.title_safe", "&Title-Safe Overlay", "Ctrl+'", "mdi6.crop-free", 2,
             local=False, checkable=True, tip="Show where text stays clear of the edges"),
        lambda: show_overlay(title_safe.isChecked()),
    )  # fmt: skip
    return PlaybackActions(play, loop, title_safe)


class TransportRow:
    """The row under the picture: buttons for the transport actions, the scrub slider,
    the speed (while not 1x), the time and why there is no sound. Its widgets are the
    panel's children, laid out by `layout`."""

    def __init__(self, panel: QWidget, actions: ActionRegistry, play: QAction) -> None:
        self._play = play
        self._transport = [actions.action(name) for name in TRANSPORT_IDS]
        self._play_icon = qtawesome.icon("mdi6.play")
        self._pause_icon = qtawesome.icon("mdi6.pause")

        def button(action_id: str) -> QToolButton:
            made = QToolButton(panel)
            made.setDefaultAction(actions.action(action_id))
            made.setAutoRaise(True)
            made.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            made.setIconSize(QSize(18, 18))
            made.setObjectName("preview_" + action_id.split(".", 1)[1])
            return made

        self.slider = QSlider(Qt.Orientation.Horizontal, panel)
        self.slider.setObjectName("preview_scrub")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Drag to scrub through the video")

        self.time_label = QLabel(panel)
        self.time_label.setObjectName("preview_time")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.time_label.setFont(mono)
        self.time_label.setToolTip("Time / length (minutes:seconds.frame)")

        self.speed_label = QLabel(panel)
        self.speed_label.setObjectName("preview_speed")
        self.speed_label.setVisible(False)

        self.audio_label = QToolButton(panel)
        self.audio_label.setObjectName("preview_audio_status")
        self.audio_label.setIcon(qtawesome.icon("mdi6.volume-off"))
        self.audio_label.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.audio_label.setAutoRaise(True)
        self.audio_label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.audio_label.setVisible(False)

        self.layout = QHBoxLayout()
        self.layout.setContentsMargins(4, 2, 4, 2)
        self.layout.setSpacing(2)
        for action_id in _BUTTON_IDS:
            self.layout.addWidget(button(action_id))
        self.layout.addSpacing(6)
        self.layout.addWidget(button("playback.loop"))
        self.layout.addWidget(button("playback.title_safe"))
        self.layout.addSpacing(6)
        self.layout.addWidget(self.slider, 1)
        self.layout.addWidget(self.speed_label)
        self.layout.addWidget(self.time_label)
        self.layout.addWidget(self.audio_label)

    def show_position(self, seconds: float, duration: float, fps: float, frame: int) -> None:
        self.time_label.setText(f"{format_time(seconds, fps)} / {format_time(duration, fps)}")
        self.slider.blockSignals(True)
        self.slider.setValue(frame)
        self.slider.blockSignals(False)

    def show_no_position(self) -> None:
        self.time_label.setText("--:--.-- / --:--.--")
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)

    def set_frames(self, frame_count: int, fps: float) -> None:
        """The slider's frames, a page a second."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, frame_count - 1)
        self.slider.setPageStep(max(1, round(fps)))
        self.slider.blockSignals(False)

    def show_state(self, *, enabled: bool, playing: bool, speed: float) -> None:
        """The transport enabled when there is something to play; Play or Pause; the speed."""
        for action in self._transport:
            action.setEnabled(enabled)
        self.slider.setEnabled(enabled)
        self._play.setText("&Pause" if playing else "&Play")
        self._play.setIcon(self._pause_icon if playing else self._play_icon)
        self._play.setToolTip(f"{'Pause' if playing else 'Play'} (Space)")
        if playing and speed != 1.0:
            arrow = "◀ " if speed < 0 else ""
            self.speed_label.setText(f"{arrow}{abs(speed):g}×")
            self.speed_label.setVisible(True)
        else:
            self.speed_label.setVisible(False)

    def show_audio(self, status: AudioStatus | None) -> None:
        """Why the music cannot be heard (hidden when it can, or there is none)."""
        if status is None:
            self.audio_label.setVisible(False)
            self.audio_label.setToolTip("")
            return
        self.audio_label.setText(status.text)
        self.audio_label.setToolTip(status.reason)
        self.audio_label.setVisible(True)
