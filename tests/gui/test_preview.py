"""The Preview panel on Qt's offscreen platform: real projects with real photos, frames from
the render thread compared with the engine's Compositor, real key presses, and the music
sync decisions as pure functions."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import math
import statistics
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.docks.preview import (
    LOADING_TEXT,
    NO_PROJECT_TEXT,
    PreviewPanel,
    format_time,
    playback_frame,
    shuttle_speed,
)
from gui.preview_audio import (
    NO_OUTPUT_TEXT,
    SEEK_SETTLE,
    MusicTrack,
    loop_period,
    music_gain,
    music_position,
    plan_audio,
    position_error,
    probe_audio_output,
)
from gui.preview_renderer import (
    NO_SCENES_TEXT,
    PreviewRenderer,
    preview_size,
    resolve_storyboard,
    warm_order,
)
from gui.services import Services
from gui.widgets.preview_canvas import PreviewCanvas, fit_rect, safe_area_rect
from video_studio import edits
from video_studio.models import AudioConfig
from video_studio.project import Project
from video_studio.render.compositor import Compositor
from video_studio.storyboard import Storyboard

pytestmark = pytest.mark.timeout(60)

FPS = 30
FIRST_FRAME_MS = 15_000  # a loaded 2-core machine: generous, the render is not timed here


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def panel(qtbot: QtBot, services: Services) -> Iterator[PreviewPanel]:
    made = PreviewPanel(services, None)
    services.window.setCentralWidget(made)
    services.window.resize(1000, 700)
    yield made
    made.shutdown()


def open_project(qtbot: QtBot, panel: PreviewPanel, project: Project) -> None:
    panel.session.set_project(project)
    qtbot.waitUntil(lambda: panel.last_frame_time is not None, timeout=FIRST_FRAME_MS)


def show_frame_at(qtbot: QtBot, panel: PreviewPanel, seconds: float) -> None:
    panel.seek(seconds)
    qtbot.waitUntil(lambda: panel.last_frame_time == pytest.approx(seconds), timeout=10_000)


def show_focused(qtbot: QtBot, services: Services, panel: PreviewPanel) -> None:
    window = services.window
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    panel.canvas.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.canvas)


def key(panel: PreviewPanel, which: Qt.Key, modifier: Qt.KeyboardModifier | None = None) -> None:
    if modifier is None:
        QTest.keyClick(panel.canvas, which)
    else:
        QTest.keyClick(panel.canvas, which, modifier)


def pixels(image: QImage) -> np.ndarray:
    """An RGB array of a QImage (any format)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = rgb.width(), rgb.height()
    data = np.frombuffer(rgb.constBits(), np.uint8, count=rgb.bytesPerLine() * height)
    rows = data.reshape(height, rgb.bytesPerLine())[:, : width * 3]
    return rows.reshape(height, width, 3).copy()  # the QImage's memory goes with it


def reference_frame(project: Project, seconds: float) -> np.ndarray:
    """What the engine renders at `seconds` at the preview's size (a fresh compositor)."""
    storyboard = project.storyboard()
    return Compositor(storyboard, size=(960, 540)).frame_rgb(seconds)


def write_tone(path: Path, seconds: float, rate: int = 48000) -> Path:
    samples = np.arange(round(seconds * rate))
    tone = (0.2 * 32767 * np.sin(2 * np.pi * 440 * samples / rate)).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(tone.tobytes())
    return path


# --- frames -------------------------------------------------------------------------------


def test_frames_arrive_and_match_the_compositor(
    qtbot: QtBot, panel: PreviewPanel, project: Project
) -> None:
    open_project(qtbot, panel, project)
    doc = panel.document
    assert doc is not None
    assert doc.size == (960, 540) and doc.fps == FPS
    assert doc.duration == pytest.approx(6.0) and doc.frame_count == 180
    assert panel.time_label.text() == "00:00.00 / 00:06.00"

    show_frame_at(qtbot, panel, 3.1)
    frame = panel.canvas.frame()
    assert frame is not None and frame.size() == QSize(960, 540)
    expected = reference_frame(project, 3.1)
    shown = pixels(frame)
    assert np.array_equal(shown, expected)
    assert panel.time_label.text() == "00:03.03 / 00:06.00"
    assert panel.slider.value() == 93

    # What is painted: the frame scaled into the letterboxed rectangle.
    grabbed = pixels(panel.canvas.grab().toImage())
    target = panel.canvas.image_rect()
    assert target.width() / target.height() == pytest.approx(16 / 9, abs=0.01)
    inside = grabbed[target.top() : target.bottom() + 1, target.left() : target.right() + 1]
    assert np.abs(inside.mean(axis=(0, 1)) - expected.mean(axis=(0, 1))).max() < 3.0
    for fx, fy in ((0.25, 0.25), (0.5, 0.5), (0.75, 0.6)):
        gx = round(target.left() + fx * target.width())
        gy = round(target.top() + fy * target.height())
        patch = expected[
            round(fy * 540) - 6 : round(fy * 540) + 6, round(fx * 960) - 6 : round(fx * 960) + 6
        ]
        assert np.abs(grabbed[gy, gx].astype(float) - patch.mean(axis=(0, 1))).max() < 40
    if target.top() > 0:  # letterbox bars are black
        assert grabbed[: target.top()].max() == 0


def test_canvas_draws_the_frame_one_to_one_and_letterboxes(qtbot: QtBot) -> None:
    canvas = PreviewCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(960, 700)
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (540, 960, 3), dtype=np.uint8)
    image = QImage(frame.data, 960, 540, 960 * 3, QImage.Format.Format_RGB888).copy()
    canvas.show_frame(image)
    target = canvas.image_rect()
    assert target == QRect(0, 80, 960, 540)
    grabbed = pixels(canvas.grab().toImage())
    assert np.array_equal(grabbed[80:620], frame)
    assert grabbed[:80].max() == 0 and grabbed[620:].max() == 0
    assert fit_rect(QSize(1080, 1920), QRect(0, 0, 900, 400)) == QRect(337, 0, 225, 400)


def test_a_scrub_burst_renders_only_the_newest_position(
    qtbot: QtBot, panel: PreviewPanel, project: Project
) -> None:
    open_project(qtbot, panel, project)
    show_frame_at(qtbot, panel, 4.5)
    before = panel.renderer.frames_rendered
    positions = [round(0.1 + i * 0.27, 1) for i in range(20)]
    for seconds in positions:  # as the timeline scrubs: through the session's playhead
        panel.session.set_playhead(seconds)
    last = positions[-1]
    qtbot.waitUntil(lambda: panel.last_frame_time == pytest.approx(last), timeout=10_000)
    qtbot.wait(150)  # nothing else is still on its way
    rendered = panel.renderer.frames_rendered - before
    assert 1 <= rendered <= 3  # the newest, and at most what was in progress
    assert panel.last_frame_time == pytest.approx(last)
    assert panel.current_time == pytest.approx(last)
    assert np.array_equal(pixels(panel.canvas.frame() or QImage()), reference_frame(project, last))


def test_a_scrub_returns_to_the_event_loop_at_once(
    qtbot: QtBot, panel: PreviewPanel, project: Project
) -> None:
    open_project(qtbot, panel, project)
    qtbot.wait(300)  # the warm-up has touched every scene
    durations = []
    values = list(range(5, 180, 6))
    for value in values:  # dragging the scrub slider
        started = time.perf_counter()
        panel.slider.setValue(value)
        durations.append((time.perf_counter() - started) * 1000)
    last = values[-1] / FPS
    assert panel.session.playhead == pytest.approx(last)
    assert statistics.median(durations) < 5.0, durations
    qtbot.waitUntil(lambda: panel.last_frame_time == pytest.approx(last), timeout=10_000)


# --- playback -----------------------------------------------------------------------------


def test_space_plays_in_real_time_and_k_pauses(
    qtbot: QtBot, services: Services, panel: PreviewPanel, project: Project
) -> None:
    open_project(qtbot, panel, project)
    show_focused(qtbot, services, panel)
    frames_before = panel.renderer.frames_rendered
    key(panel, Qt.Key.Key_Space)
    started = time.monotonic()
    assert panel.playing and panel.play_action.text() == "&Pause"
    qtbot.wait(700)
    elapsed = time.monotonic() - started
    assert services.session.playhead == pytest.approx(elapsed, abs=0.2)
    key(panel, Qt.Key.Key_K)
    assert not panel.playing and panel.play_action.text() == "&Play"
    stopped_at = services.session.playhead
    assert panel.renderer.frames_rendered - frames_before >= 5  # frames kept coming
    qtbot.wait(200)
    assert services.session.playhead == stopped_at
    assert panel.current_time == stopped_at

    key(panel, Qt.Key.Key_Space)
    assert panel.playing
    key(panel, Qt.Key.Key_Space)
    assert not panel.playing


def test_j_k_l_shuttle(
    qtbot: QtBot, services: Services, panel: PreviewPanel, project: Project
) -> None:
    open_project(qtbot, panel, project)
    show_focused(qtbot, services, panel)
    panel.seek(3.0)
    key(panel, Qt.Key.Key_L)
    assert panel.playing and panel.speed == 1.0
    key(panel, Qt.Key.Key_L)
    assert panel.speed == 2.0 and panel.speed_label.text() == "2×"
    for _ in range(4):
        key(panel, Qt.Key.Key_L)
    assert panel.speed == 8.0
    key(panel, Qt.Key.Key_J)
    assert panel.playing and panel.speed == -1.0
    before = panel.current_time
    qtbot.waitUntil(lambda: panel.current_time < before - 0.1, timeout=5000)
    key(panel, Qt.Key.Key_J)
    assert panel.speed == -2.0 and panel.speed_label.text() == "◀ 2×"
    key(panel, Qt.Key.Key_K)
    assert not panel.playing and not panel.speed_label.isVisible()


def test_arrow_keys_step_exactly_one_frame(
    qtbot: QtBot, services: Services, panel: PreviewPanel, project: Project
) -> None:
    open_project(qtbot, panel, project)
    show_focused(qtbot, services, panel)
    session = services.session
    assert session.playhead == 0.0
    key(panel, Qt.Key.Key_Right)
    assert session.playhead == pytest.approx(1 / FPS)
    key(panel, Qt.Key.Key_Right)
    assert session.playhead == pytest.approx(2 / FPS)
    key(panel, Qt.Key.Key_Left)
    assert session.playhead == pytest.approx(1 / FPS)
    key(panel, Qt.Key.Key_Left)
    key(panel, Qt.Key.Key_Left)  # stays on the first frame
    assert session.playhead == 0.0
    key(panel, Qt.Key.Key_End)
    assert session.playhead == pytest.approx(179 / FPS)
    key(panel, Qt.Key.Key_Right)  # stays on the last frame
    assert session.playhead == pytest.approx(179 / FPS)
    assert panel.time_label.text() == "00:05.29 / 00:06.00"
    key(panel, Qt.Key.Key_Home)
    assert session.playhead == 0.0
    # A step pauses playback.
    key(panel, Qt.Key.Key_Space)
    assert panel.playing
    key(panel, Qt.Key.Key_Right)
    assert not panel.playing
    qtbot.waitUntil(lambda: panel.last_frame_time == pytest.approx(panel.current_time))


def test_loop_wraps_at_the_end_and_without_it_playback_stops(
    qtbot: QtBot, services: Services, panel: PreviewPanel, project: Project
) -> None:
    open_project(qtbot, panel, project)
    show_focused(qtbot, services, panel)
    panel.seek(5.7)
    panel.play()
    qtbot.waitUntil(lambda: not panel.playing, timeout=5000)
    assert panel.current_time == pytest.approx(179 / FPS)  # stopped on the last frame

    QTest.keyClick(panel.canvas, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert panel.loop and panel.loop_action.isChecked()
    panel.seek(5.7)
    panel.play()
    qtbot.waitUntil(lambda: panel.current_time < 1.0, timeout=5000)
    assert panel.playing  # wrapped to the start and goes on
    panel.pause()
    QTest.keyClick(panel.canvas, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not panel.loop


def test_playback_follows_the_playhead_moved_elsewhere(
    qtbot: QtBot, panel: PreviewPanel, project: Project
) -> None:
    open_project(qtbot, panel, project)
    panel.session.set_playhead(2.5)
    assert panel.current_time == pytest.approx(2.5)
    assert panel.slider.value() == 75
    qtbot.waitUntil(lambda: panel.last_frame_time == pytest.approx(2.5), timeout=10_000)
    panel.play()
    panel.session.set_playhead(1.0)  # the timeline jumps while playing
    qtbot.wait(300)
    assert panel.playing
    assert 1.1 < panel.current_time < 2.0
    panel.pause()


# --- overlay, edits, empty states ---------------------------------------------------------


def test_title_safe_overlay_toggles(
    qtbot: QtBot, services: Services, panel: PreviewPanel, project: Project
) -> None:
    open_project(qtbot, panel, project)
    show_focused(qtbot, services, panel)
    without = pixels(panel.canvas.grab().toImage()).copy()
    QTest.keyClick(panel.canvas, Qt.Key.Key_Apostrophe, Qt.KeyboardModifier.ControlModifier)
    assert panel.canvas.overlay_visible() and panel.safe_action.isChecked()
    with_overlay = pixels(panel.canvas.grab().toImage()).copy()
    target = panel.canvas.image_rect()
    area = safe_area_rect(QSize(960, 540), target, doc_safe_area(panel))
    # The engine's title-safe rectangle: 5% in from each edge for a 0.9 safe area.
    assert area.left() == pytest.approx(target.left() + 48 * target.width() / 960, abs=0.01)
    row = round(area.top())
    assert np.abs(with_overlay[row].astype(int) - without[row].astype(int)).max() > 30
    middle = (target.top() + target.bottom()) // 2
    centre = slice(round(area.left()) + 60, round(area.right()) - 60)
    assert np.array_equal(with_overlay[middle, centre], without[middle, centre])
    panel.safe_action.trigger()
    assert not panel.canvas.overlay_visible()
    assert np.array_equal(pixels(panel.canvas.grab().toImage()), without)


def doc_safe_area(panel: PreviewPanel) -> float:
    assert panel.document is not None
    return panel.document.safe_area


def test_an_edit_updates_the_preview(qtbot: QtBot, panel: PreviewPanel, project: Project) -> None:
    open_project(qtbot, panel, project)
    show_frame_at(qtbot, panel, 3.0)
    before = pixels(panel.canvas.frame() or QImage()).copy()
    first = project.document.storyboard.scenes[0].id
    assert panel.session.edit(lambda p: edits.set_durations(p, [first], 4.0))
    qtbot.waitUntil(
        lambda: panel.document is not None and panel.document.duration == pytest.approx(8.0),
        timeout=10_000,
    )
    assert panel.time_label.text() == "00:03.00 / 00:08.00"
    assert panel.slider.maximum() == 239
    expected = reference_frame(project, 3.0)  # now the first scene, lengthened
    qtbot.waitUntil(
        lambda: np.array_equal(pixels(panel.canvas.frame() or QImage()), expected),
        timeout=10_000,
    )
    assert not np.array_equal(before, expected)

    panel.session.undo_stack.undo()  # shorter again, and the playhead past the new end
    panel.seek(7.5)  # still the longer document: allowed
    qtbot.waitUntil(
        lambda: panel.document is not None and panel.document.duration == pytest.approx(6.0),
        timeout=10_000,
    )
    assert panel.current_time == pytest.approx(179 / FPS)  # clamped to the last frame
    qtbot.waitUntil(lambda: panel.last_frame_time == pytest.approx(179 / FPS), timeout=10_000)


def test_a_clear_message_when_there_is_nothing_to_preview(
    qtbot: QtBot, tmp_path: Path, panel: PreviewPanel, project: Project
) -> None:
    assert panel.canvas.message() == NO_PROJECT_TEXT
    assert panel.document is None
    assert not panel.play_action.isEnabled() and not panel.slider.isEnabled()
    panel.toggle_play()  # nothing happens
    assert not panel.playing

    empty = Project.create(tmp_path / "empty", "Empty")
    panel.session.set_project(empty)
    assert panel.canvas.message() == LOADING_TEXT
    qtbot.waitUntil(lambda: panel.canvas.message() == NO_SCENES_TEXT, timeout=10_000)
    assert panel.canvas.frame() is None and not panel.play_action.isEnabled()

    open_project(qtbot, panel, project)
    assert panel.canvas.message() == "" and panel.play_action.isEnabled()
    panel.session.set_project(None)
    assert panel.canvas.message() == NO_PROJECT_TEXT and panel.canvas.frame() is None
    assert panel.time_label.text() == "--:--.-- / --:--.--"


def test_a_missing_image_is_explained(
    qtbot: QtBot, tmp_path: Path, panel: PreviewPanel, project: Project
) -> None:
    assert isinstance(resolve_storyboard(project), Storyboard)
    empty = Project.create(tmp_path / "empty", "Empty")
    assert resolve_storyboard(empty) == NO_SCENES_TEXT
    open_project(qtbot, panel, project)
    asset = project.document.storyboard.scenes[0].image.removeprefix("asset:")
    project.store.path_for(asset).unlink()
    scene = project.document.storyboard.scenes[2].id
    assert panel.session.edit(lambda p: edits.set_durations(p, [scene], 3.0))
    qtbot.waitUntil(lambda: panel.document is None, timeout=10_000)
    reason = resolve_storyboard(project)
    assert isinstance(reason, str) and reason.startswith("The preview cannot be shown:")
    assert panel.canvas.message() == reason
    assert panel.canvas.frame() is None and not panel.play_action.isEnabled()


# --- audio --------------------------------------------------------------------------------


def test_the_no_audio_indicator_shows_where_sound_cannot_play(
    qtbot: QtBot, services: Services, project: Project, tmp_path: Path
) -> None:
    reason = "No audio output device was found, so the preview plays without sound."
    panel = PreviewPanel(services, None, audio_probe=lambda: reason)
    services.window.setCentralWidget(panel)
    services.window.show()
    try:
        assert not panel.audio_label.isVisible()  # no music yet: no sound to miss
        music = write_tone(tmp_path / "music.wav", 1.5)
        project.document = edits.update_project(
            project, {"audio": AudioConfig(path=str(music), start=0.25, fade_in=1.0)}
        ).after
        open_project(qtbot, panel, project)
        track = panel.audio.track
        assert track is not None and track.path == music and track.start == 0.25
        assert track.video_duration == pytest.approx(6.0)
        assert panel.audio.player is None  # nothing to play on
        assert panel.audio_label.isVisible()
        assert panel.audio_label.text() == NO_OUTPUT_TEXT
        assert panel.audio_label.toolTip() == reason
        panel.play()  # the picture plays regardless
        qtbot.waitUntil(lambda: panel.current_time > 0.1, timeout=5000)
        panel.pause()
    finally:
        panel.shutdown()


def test_the_indicator_matches_this_machine(services: Services, panel: PreviewPanel) -> None:
    reason = probe_audio_output()
    services.window.show()
    assert not panel.audio_label.isVisible()  # no music: nothing to say
    panel.audio.set_track(make_track())
    shown = panel.audio_label.text() if panel.audio_label.isVisible() else None
    assert (shown == NO_OUTPUT_TEXT) == (reason is not None)
    if reason is not None:
        assert panel.audio_label.toolTip() == reason and "sound" in reason


def make_track(
    *,
    start: float = 0.0,
    loop: bool = True,
    volume: float = 1.0,
    fade_in: float = 0.0,
    fade_out: float = 0.0,
) -> MusicTrack:
    """A 10 s video's music."""
    return MusicTrack(
        path=Path("music.wav"),
        video_duration=10.0,
        volume=volume,
        fade_in=fade_in,
        fade_out=fade_out,
        start=start,
        loop=loop,
    )


def test_music_position_follows_the_engine() -> None:
    track = make_track(start=1.5)
    assert music_position(track, 0.0, 20.0) == 1.5
    assert music_position(track, 3.0, None) == 4.5  # length unknown yet: no wrap
    period = loop_period(4.0)
    assert period == pytest.approx(3.98)  # the seam's crossfade overlaps 20 ms
    assert music_position(track, 2.0, 4.0) == pytest.approx(3.5)
    assert music_position(track, 3.0, 4.0) == pytest.approx(4.5 - period)
    assert music_position(track, 9.0, 4.0) == pytest.approx(10.5 - 2 * period)
    once = make_track(start=1.5, loop=False)
    assert music_position(once, 2.0, 4.0) == pytest.approx(3.5)
    assert music_position(once, 2.5, 4.0) is None  # past the file: silence
    assert music_position(track, 10.0, 20.0) is None  # past the video


def test_music_gain_applies_volume_and_fades() -> None:
    track = make_track(volume=0.5, fade_in=2.0, fade_out=4.0)
    assert music_gain(track, 0.0) == 0.0
    assert music_gain(track, 1.0) == pytest.approx(0.25)
    assert music_gain(track, 4.0) == pytest.approx(0.5)
    assert music_gain(track, 8.0) == pytest.approx(0.25)
    loud = make_track(volume=2.0)
    assert music_gain(loud, 5.0) == 1.0  # an output cannot amplify
    # Fades longer than the video share it in proportion (as MusicStream does).
    long_fades = make_track(fade_in=10.0, fade_out=10.0)
    assert music_gain(long_fades, 2.5) == pytest.approx(0.5)
    assert music_gain(long_fades, 5.0) == pytest.approx(1.0)


def test_position_error_goes_the_short_way_round_a_loop() -> None:
    assert position_error(2.10, 2.0, None) == pytest.approx(0.10)
    assert position_error(0.02, 3.95, 3.98) == pytest.approx(0.05)
    assert position_error(3.95, 0.02, 3.98) == pytest.approx(-0.05)


def test_plan_audio_seeks_on_play_and_corrects_drift_over_80_ms() -> None:
    track = make_track(start=1.0)
    common = {"file_seconds": 30.0, "since_seek": 5.0}
    paused = plan_audio(
        track, 2.0, playing=False, speed=1.0, player_playing=True, player_position=3.0, **common
    )
    assert not paused.play and paused.seek_to is None
    start = plan_audio(
        track, 2.0, playing=True, speed=1.0, player_playing=False, player_position=0.0, **common
    )
    assert start.play and start.seek_to == pytest.approx(3.0)
    near = plan_audio(
        track, 2.0, playing=True, speed=1.0, player_playing=True, player_position=3.07, **common
    )
    assert near.play and near.seek_to is None
    drifted = plan_audio(
        track, 2.0, playing=True, speed=1.0, player_playing=True, player_position=3.09, **common
    )
    assert drifted.seek_to == pytest.approx(3.0)
    settling = plan_audio(
        track,
        2.0,
        playing=True,
        speed=1.0,
        player_playing=True,
        player_position=3.5,
        file_seconds=30.0,
        since_seek=SEEK_SETTLE / 2,
    )
    assert settling.seek_to is None  # the player's position lags a fresh seek
    fast = plan_audio(
        track, 2.0, playing=True, speed=2.0, player_playing=True, player_position=3.0, **common
    )
    assert not fast.play  # shuttle speeds and reverse play silent
    wrapped = plan_audio(
        make_track(),
        4.0,
        playing=True,
        speed=1.0,
        player_playing=True,
        player_position=0.01,
        file_seconds=4.0,
        since_seek=5.0,
    )
    assert wrapped.seek_to is None  # the player looped a moment early: 40 ms apart
    faded = plan_audio(
        make_track(fade_in=2.0),
        1.0,
        playing=True,
        speed=1.0,
        player_playing=True,
        player_position=1.0,
        **common,
    )
    assert faded.volume == pytest.approx(0.5)


# --- pure helpers -------------------------------------------------------------------------


def test_preview_size_keeps_the_aspect_within_960x540_pixels() -> None:
    assert preview_size((1920, 1080)) == (960, 540)
    assert preview_size((1280, 720)) == (960, 540)
    assert preview_size((3840, 2160)) == (960, 540)
    assert preview_size((1080, 1920)) == (540, 960)
    assert preview_size((1080, 1080)) == (720, 720)
    assert preview_size((640, 360)) == (640, 360)  # never larger than the output
    for size in ((1080, 1350), (2560, 1080), (854, 480)):
        width, height = preview_size(size)
        assert width % 2 == 0 and height % 2 == 0
        assert width / height == pytest.approx(size[0] / size[1], rel=0.01)


def test_format_time_and_playback_frames() -> None:
    assert format_time(0.0, 30) == "00:00.00"
    assert format_time(3.1, 30) == "00:03.03"
    assert format_time(65.5, 30) == "01:05.15"
    assert format_time(179 / 30, 30) == "00:05.29"
    # Forwards by the wall clock: frame 10, 0.5 s later frame 25 at 30 fps.
    assert playback_frame(10, 0.5, speed=1, fps=30, frame_count=180, loop=False) == (25, True)
    assert playback_frame(10, 0.5, speed=2, fps=30, frame_count=180, loop=False) == (40, True)
    assert playback_frame(10, 0.01, speed=-1, fps=30, frame_count=180, loop=False) == (10, True)
    assert playback_frame(10, 0.2, speed=-1, fps=30, frame_count=180, loop=False) == (4, True)
    assert playback_frame(170, 1.0, speed=1, fps=30, frame_count=180, loop=False) == (179, False)
    assert playback_frame(170, 1.0, speed=1, fps=30, frame_count=180, loop=True) == (20, True)
    assert playback_frame(5, 1.0, speed=-1, fps=30, frame_count=180, loop=False) == (0, False)
    assert playback_frame(5, 1.0, speed=-1, fps=30, frame_count=180, loop=True) == (155, True)
    assert shuttle_speed(1.0, False, 1) == 1.0
    assert shuttle_speed(1.0, True, 1) == 2.0
    assert shuttle_speed(8.0, True, 1) == 8.0
    assert shuttle_speed(4.0, True, -1) == -1.0
    assert shuttle_speed(-2.0, True, -1) == -4.0


def test_warm_order_starts_at_the_playhead_and_looks_ahead_while_playing() -> None:
    spans = [(0.0, 2.5), (2.0, 4.0), (4.0, 6.0), (6.0, 8.0), (8.0, 10.0)]
    assert warm_order(spans, 4.5, 0, 10) == [2, 1, 3, 0, 4]
    assert warm_order(spans, 4.5, 1, 10) == [2, 3, 4, 1, 0]
    assert warm_order(spans, 4.5, -1, 10) == [2, 1, 0, 3, 4]
    assert warm_order(spans, 4.5, 1, 2) == [2, 3]
    assert warm_order(spans, 2.2, 0, 2) == [0, 1]  # in a transition: both items


# --- shutdown -----------------------------------------------------------------------------


def test_shutdown_leaves_nothing_running(
    qtbot: QtBot, services: Services, project: Project
) -> None:
    panel = PreviewPanel(services, None)
    services.window.setCentralWidget(panel)
    assert not panel.renderer.running  # no project: no threads yet
    open_project(qtbot, panel, project)
    assert panel.renderer.running
    panel.play()
    panel.session.edit(
        lambda p: edits.set_durations(p, [p.document.storyboard.scenes[1].id], 2.5)
    )  # a rebuild is pending
    panel.shutdown()
    assert not panel.renderer.running
    assert not panel.playing
    assert not panel._playback_timer.isActive() and not panel._rebuild_timer.isActive()
    panel.shutdown()  # idempotent
    panel.session.set_project(None)  # signals after shutdown change nothing
    panel.session.set_project(project)
    assert not panel.renderer.running


def test_the_renderer_stops_with_a_request_in_flight(qtbot: QtBot, project: Project) -> None:
    renderer = PreviewRenderer()
    frames: list[float] = []
    renderer.frame_ready.connect(lambda t, _image: frames.append(t))
    renderer.set_source(lambda: resolve_storyboard(project), at=1.0)
    qtbot.waitUntil(lambda: frames == [1.0], timeout=FIRST_FRAME_MS)
    renderer.request(2.0)
    assert renderer.shutdown()
    assert not renderer.running
    renderer.request(3.0)  # after shutdown: ignored, nothing restarts
    assert not renderer.running
    assert math.isfinite(frames[-1])


def test_the_warm_up_waits_while_a_frame_is_being_made(
    qtbot: QtBot, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scrub gets the cores to itself: no scene starts warming while the render thread
    is making a frame; when it is idle the warm-up goes on and touches every scene."""
    renderer = PreviewRenderer()
    release = threading.Event()
    started: list[str] = []
    real_render = PreviewRenderer._render

    def held_render(self: PreviewRenderer, t: float) -> None:
        release.wait(5.0)  # the frame takes as long as the test says
        real_render(self, t)

    real_frame = Compositor.frame

    def noted_frame(self: Compositor, t: float) -> Any:
        started.append(threading.current_thread().name)
        return real_frame(self, t)

    monkeypatch.setattr(PreviewRenderer, "_render", held_render)
    monkeypatch.setattr(Compositor, "frame", noted_frame)
    try:
        renderer.set_source(lambda: resolve_storyboard(project), at=1.0)
        qtbot.wait(400)  # built, and the first frame held
        assert started == []  # nothing warmed meanwhile
        release.set()
        qtbot.waitUntil(lambda: len(started) >= len(project.document.storyboard.scenes))
    finally:
        release.set()
        assert renderer.shutdown()
