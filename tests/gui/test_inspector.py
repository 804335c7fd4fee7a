"""The Inspector dock on a real project with real photos: it follows the selection and the
document, every change is one undo step on the engine document, a refused value is put
back, the rectangle editor is dragged with real mouse events, and the project page sets
the template, shape, frame rate and a real music file."""

from __future__ import annotations

import math
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox
from pytestqt.qtbot import QtBot

from gui.docks.inspector import InspectorPanel
from gui.services import Services
from gui.widgets import scene_defaults
from gui.widgets.rect_editor import RectEditor
from video_studio import edits
from video_studio.media_formats import AspectRatio
from video_studio.models import Easing, FitMode, MotionType, Scene, TextPosition, TransitionType
from video_studio.project import Project
from video_studio.templates import get_template

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def panel(qtbot: QtBot, services: Services, project: Project) -> Iterator[InspectorPanel]:
    services.session.set_project(project)
    made = InspectorPanel(services, None)
    qtbot.addWidget(made)
    made.resize(460, 1400)
    made.show()
    qtbot.waitExposed(made)
    qtbot.waitUntil(lambda: made.ready, timeout=10_000)  # the templates, read off-thread
    yield made
    made.shutdown()


def scenes(services: Services) -> list[Scene]:
    return list(services.session.document.storyboard.scenes)


def ids(services: Services) -> list[str]:
    return [scene.id for scene in scenes(services)]


def steps(services: Services) -> int:
    return services.session.undo_stack.count()


def choose(box: QComboBox, key: str) -> None:
    """What picking an item does: the current index changes."""
    index = box.findData(key)
    assert index >= 0, f"{key} is not in {box.objectName()}"
    box.setCurrentIndex(index)


def type_into(spin: QDoubleSpinBox, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key.Key_Return)


def models_ready(qtbot: QtBot, panel: InspectorPanel) -> None:
    qtbot.waitUntil(lambda: panel.generation.catalogue.ready, timeout=20_000)


def image_ready(qtbot: QtBot, editor: RectEditor) -> None:
    qtbot.waitUntil(lambda: editor.image_loaded, timeout=10_000)


def write_wav(path: Path, seconds: float = 0.5, rate: int = 22_050) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytearray()
    for n in range(int(seconds * rate)):
        sample = int(12_000 * math.sin(2 * math.pi * 440 * n / rate))
        frames += sample.to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return path


# --- one scene ------------------------------------------------------------------------------


def test_selecting_a_scene_shows_its_values(
    qtbot: QtBot, services: Services, panel: InspectorPanel
) -> None:
    session = services.session
    second = ids(services)[1]
    values = {"duration": 3.25, "prompt": "a slow orbit", "model": "luma"}
    assert session.edit(lambda p: edits.update_scenes(p, [second], values))
    assert panel.showing_project
    session.select_scenes([second])
    assert panel.showing_scenes
    scene_page, generation = panel.scene, panel.generation
    assert scene_page.heading.text().startswith("Scene 2 of 3")
    assert scene_page.duration.value() == 3.25
    assert scene_page.preset.currentData() == ""  # the template's motion
    assert generation.prompt.toPlainText() == "a slow orbit"
    models_ready(qtbot, panel)
    assert generation.model.currentData() == "luma"
    assert "Luma" in generation.model.currentText()
    assert "credit" in generation.model_info.text()  # the model's cost hint
    image_ready(qtbot, scene_page.rect_editor)
    # The document changes under the panel (undo): it shows the new document.
    session.undo_stack.undo()
    assert scene_page.duration.value() == 2.0
    assert generation.prompt.toPlainText() == ""


def test_each_field_change_is_one_undo_step(
    qtbot: QtBot, services: Services, panel: InspectorPanel
) -> None:
    session = services.session
    first = ids(services)[0]
    session.select_scenes([first])
    page, generation = panel.scene, panel.generation

    type_into(page.duration, "3.5")
    assert scenes(services)[0].duration == 3.5 and steps(services) == 1

    choose(page.easing, "linear")
    motion = scenes(services)[0].motion
    assert motion is not None and motion.easing is Easing.LINEAR
    assert motion.type is MotionType.ZOOM_IN  # the template's motion, now the scene's own
    assert steps(services) == 2

    generation.prompt.setFocus()
    QTest.keyClicks(generation.prompt, "turntable spin")
    assert steps(services) == 2  # nothing per keystroke
    page.duration.setFocus()  # focus leaves the prompt: it commits
    qtbot.waitUntil(lambda: scenes(services)[0].prompt == "turntable spin")
    assert steps(services) == 3

    models_ready(qtbot, panel)
    choose(generation.model, "pika")
    assert scenes(services)[0].model == "pika" and steps(services) == 4
    assert "Pika" in generation.model_info.text() or "fal" in generation.model_info.text()

    page.strength.slider.setSliderDown(True)  # a slider drag: one step, on release
    for value in (20, 30, 40):
        page.strength.slider.setValue(value)
    assert steps(services) == 4
    page.strength.slider.setSliderDown(False)
    motion = scenes(services)[0].motion
    assert motion is not None and motion.amount == pytest.approx(0.4)
    assert steps(services) == 5

    page.text_content.setFocus()
    QTest.keyClicks(page.text_content, "Only today")
    QTest.keyClick(page.text_content, Qt.Key.Key_Return)
    text = scenes(services)[0].text
    assert text is not None and text.content == "Only today" and steps(services) == 6
    assert page.text_position.isEnabled()
    choose(page.text_position, "top")
    text = scenes(services)[0].text
    assert text is not None and text.position is TextPosition.TOP and steps(services) == 7

    for _ in range(7):
        session.undo_stack.undo()
    assert scenes(services)[0].motion is None and scenes(services)[0].duration == 2.0
    assert page.duration.value() == 2.0 and page.text_content.text() == ""


def test_a_prompt_being_typed_is_kept_when_the_selection_moves(
    services: Services, panel: InspectorPanel
) -> None:
    first, second, _ = ids(services)
    services.session.select_scenes([first])
    prompt = panel.generation.prompt
    prompt.setFocus()
    QTest.keyClicks(prompt, "close-up")
    services.session.select_scenes([second])
    assert scenes(services)[0].prompt == "close-up"
    assert scenes(services)[1].prompt == "" and prompt.toPlainText() == ""


# --- several scenes -------------------------------------------------------------------------


def test_two_scenes_show_common_values_and_change_as_one_step(
    services: Services, panel: InspectorPanel
) -> None:
    session = services.session
    first, second, third = ids(services)
    assert session.edit(lambda p: edits.set_durations(p, [first], 3.0))
    session.select_scenes([first, second])
    page = panel.scene
    assert page.heading.text() == "2 scenes selected"
    assert page.duration.text() == "Mixed"
    page.duration.stepUp()  # a step from "Mixed" does not set every scene to the minimum
    assert [s.duration for s in scenes(services)][:2] == [3.0, 2.0]
    assert page.preset.currentData() == ""  # both use the template's motion
    assert page.text_position.currentData() == "bottom" and not page.text_position.isEnabled()
    assert not page.rect_editor.isEnabled()  # framing is per image

    before = steps(services)
    choose(page.preset, "pan_left")
    changed = scenes(services)
    assert [s.motion.type if s.motion else None for s in changed] == [
        MotionType.PAN_LEFT,
        MotionType.PAN_LEFT,
        None,
    ]
    assert steps(services) == before + 1
    assert services.session.undo_stack.undoText() == "Change motion preset"

    choose(page.preset, "ken_burns")  # custom: each scene gets its own rectangles
    for scene in scenes(services)[:2]:
        assert scene.motion is not None and scene.motion.type is MotionType.KEN_BURNS
        assert scene.motion.start is not None and scene.motion.end is not None
    assert steps(services) == before + 2

    type_into(page.duration, "4")
    assert [s.duration for s in scenes(services)] == [4.0, 4.0, 2.0]
    assert steps(services) == before + 3
    session.undo_stack.undo()
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert [s.motion for s in scenes(services)] == [None, None, None]
    assert page.duration.text() == "Mixed"
    assert page.transition_box.isEnabled()
    session.select_scenes([third])  # the last scene has no transition to edit
    assert not page.transition_box.isEnabled()


# --- the rectangle editor -------------------------------------------------------------------


def drag(editor: RectEditor, start: QPointF, end: QPointF, moves: int = 5) -> None:
    begin = start.toPoint()
    QTest.mousePress(editor, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, begin)
    for step in range(1, moves + 1):
        t = step / moves
        point = QPoint(
            round(start.x() + (end.x() - start.x()) * t),
            round(start.y() + (end.y() - start.y()) * t),
        )
        QTest.mouseMove(editor, point)
    QTest.mouseRelease(
        editor, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end.toPoint()
    )


def assert_inside_with_aspect(rect: tuple[float, float, float, float], aspect: float) -> None:
    x, y, w, h = rect
    assert x >= -1e-6 and y >= -1e-6 and x + w <= 1 + 1e-6 and y + h <= 1 + 1e-6
    assert w / h == pytest.approx(aspect, rel=1e-6)


def test_dragging_the_end_rectangle_reframes_the_motion(
    qtbot: QtBot, services: Services, panel: InspectorPanel
) -> None:
    session = services.session
    first = ids(services)[0]
    # The template's zoom fits the whole (4:3) photo in the 16:9 frame: a window as wide
    # as the photo. Start from a custom motion whose end window has room to move.
    custom = {"type": "ken_burns", "start": (0, 0.125, 1, 0.75), "end": (0.3, 0.3, 0.4, 0.3)}
    assert session.edit(lambda p: edits.update_scenes(p, [first], {"motion": custom}))
    session.select_scenes([first])
    editor = panel.scene.rect_editor
    image_ready(qtbot, editor)
    aspect = 16 / 9 * 480 / 640  # a 16:9 window on a 640x480 photo, in image fractions
    start_before, end_before = editor.rects()
    area = editor.image_area()

    target = editor.widget_rect(1)
    drag(editor, target.center(), target.center() + QPointF(40, 25))
    motion = scenes(services)[0].motion
    assert motion is not None and motion.type is MotionType.KEN_BURNS
    assert motion.start is not None and motion.end is not None
    assert motion.start == pytest.approx(start_before, abs=1e-9)  # only the end moved
    assert motion.end[0] == pytest.approx(end_before[0] + 40 / area.width(), abs=0.01)
    assert motion.end[1] == pytest.approx(end_before[1] + 25 / area.height(), abs=0.01)
    assert_inside_with_aspect(motion.end, aspect)
    assert steps(services) == 2  # the whole drag is one step
    assert panel.scene.preset.currentData() == "ken_burns"

    # Resize by the bottom-right handle, far past the image: it stops at the edges.
    corner = editor.widget_rect(1).bottomRight()
    drag(editor, corner, corner + QPointF(600, 600))
    motion = scenes(services)[0].motion
    assert motion is not None and motion.end is not None
    assert motion.end[2] > end_before[2]
    assert_inside_with_aspect(motion.end, aspect)
    assert steps(services) == 3

    # Moved far out of the image: still inside.
    target = editor.widget_rect(1)
    drag(editor, target.center(), target.center() + QPointF(-900, -900))
    motion = scenes(services)[0].motion
    assert motion is not None and motion.end is not None
    assert motion.end[0] == pytest.approx(0, abs=1e-9) and motion.end[1] == pytest.approx(0)
    assert_inside_with_aspect(motion.end, aspect)
    for _ in range(3):
        session.undo_stack.undo()
    assert editor.rects()[1] == pytest.approx(end_before)
    session.undo_stack.undo()
    assert scenes(services)[0].motion is None


def test_dragging_a_preset_window_makes_the_motion_custom(
    qtbot: QtBot, services: Services, panel: InspectorPanel
) -> None:
    session = services.session
    assert session.edit(lambda p: edits.update_project(p, {"template_id": "social_bold"}))
    session.select_scenes([ids(services)[0]])  # the template's zoom in (cover fit)
    page = panel.scene
    editor = page.rect_editor
    image_ready(qtbot, editor)
    assert page.preset.currentData() == ""
    start_before, end_before = editor.rects()
    assert end_before[2] < start_before[2]  # zooming in: the end window is smaller

    target = editor.widget_rect(1)
    drag(editor, target.center(), target.center() + QPointF(-10, 6))
    motion = scenes(services)[0].motion
    assert motion is not None and motion.type is MotionType.KEN_BURNS
    assert motion.easing is Easing.EASE_OUT  # the preset's easing is kept
    assert motion.start == pytest.approx(start_before, abs=1e-9)
    assert motion.end is not None and motion.end[0] < end_before[0]
    assert motion.end[1] > end_before[1]
    assert_inside_with_aspect(motion.end, 16 / 9 * 480 / 640)
    assert page.preset.currentData() == "ken_burns" and steps(services) == 2


def test_a_missing_image_is_reported_in_the_editor(
    qtbot: QtBot, services: Services, panel: InspectorPanel, project: Project
) -> None:
    scene = scenes(services)[2]
    project.resolved_path(scene.image).unlink()
    services.session.select_scenes([scene.id])
    editor = panel.scene.rect_editor
    qtbot.waitUntil(lambda: "not available" in editor.note, timeout=10_000)
    assert not editor.image_loaded
    choose(panel.scene.preset, "zoom_out")  # the settings still work
    motion = scenes(services)[2].motion
    assert motion is not None and motion.type is MotionType.ZOOM_OUT


# --- refused values -------------------------------------------------------------------------


def test_a_transition_longer_than_the_scene_is_refused_and_put_back(
    services: Services, panel: InspectorPanel
) -> None:
    session = services.session
    errors: list[str] = []
    session.error_raised.connect(errors.append)
    session.select_scenes([ids(services)[0]])
    spin = panel.scene.transition_duration
    shown = spin.value()
    type_into(spin, "5")
    assert errors and "transition" in errors[0]
    assert spin.value() == shown  # the document's value again
    assert scenes(services)[0].transition is None and steps(services) == 0
    assert panel.message.isVisible() and "transition" in panel.message.text()

    choose(panel.scene.transition_type, "wipe")
    transition = scenes(services)[0].transition
    assert transition is not None and transition.type is TransitionType.WIPE
    assert panel.scene.transition_direction.isEnabled()
    assert not panel.message.isVisible()
    type_into(spin, "1.2")
    transition = scenes(services)[0].transition
    assert transition is not None and transition.duration == 1.2 and steps(services) == 2

    # It also overlaps the next scene: as long as that one is refused too.
    second = ids(services)[1]
    assert session.edit(lambda p: edits.set_durations(p, [second], 1.5))
    type_into(spin, "1.5")
    assert "next scene" in errors[-1] and spin.value() == 1.2
    assert scenes(services)[0].transition == transition and steps(services) == 3
    type_into(spin, "0.8")
    transition = scenes(services)[0].transition
    assert transition is not None and transition.duration == 0.8 and steps(services) == 4

    # A refusal elsewhere (not an edit of the inspector) is not explained here.
    panel.message.hide()
    assert not session.edit(lambda p: edits.set_durations(p, [second], -1))
    assert not panel.message.isVisible()


def test_generate_needs_the_generation_service(services: Services, panel: InspectorPanel) -> None:
    asked: list[list[str]] = []

    class Recorder:
        def generate(self, scene_ids: list[str]) -> None:
            asked.append(scene_ids)

    first, second, _ = ids(services)
    services.session.select_scenes([first])
    button = panel.generation.generate_button
    assert not button.isEnabled() and "not available" in button.toolTip()
    services.generation = Recorder()  # type: ignore[assignment]
    services.session.select_scenes([first, second])
    assert button.isEnabled()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked == [[first, second]]


# --- the project ----------------------------------------------------------------------------


def test_without_a_selection_it_shows_and_changes_the_project(
    services: Services, panel: InspectorPanel
) -> None:
    session = services.session
    page = panel.project
    assert panel.showing_project
    board = session.document.storyboard
    assert page.template.currentData() == board.template_id
    assert page.aspect_ratio.currentData() == "16:9" and page.fps.value() == board.fps

    choose(page.aspect_ratio, "9:16")
    choose(page.template, "social_bold")
    type_into(page.fps, "24")
    choose(page.quality, "720p")
    storyboard = session.storyboard()
    assert storyboard is not None
    assert storyboard.aspect_ratio is AspectRatio.PORTRAIT
    assert storyboard.template_id == "social_bold"
    assert storyboard.fps == 24 and storyboard.frame_size == (720, 1280)
    assert steps(services) == 4
    assert "720×1280 at 24 fps" in page.summary.text()

    # The scene page uses the new shape: its rectangles are 9:16 windows.
    session.select_scenes([ids(services)[0]])
    start, _end = panel.scene.rect_editor.rects()
    assert start[2] / start[3] == pytest.approx(9 / 16 * 480 / 640, rel=1e-6)
    session.select_scenes([])
    assert panel.showing_project
    session.undo_stack.undo()
    assert page.quality.currentData() == "1080p"


def test_choosing_music_stores_a_relative_or_absolute_path(
    qtbot: QtBot, services: Services, panel: InspectorPanel, project: Project, tmp_path: Path
) -> None:
    session = services.session
    page = panel.project
    assert not page.volume.isEnabled()
    inside = write_wav(project.folder / "music" / "theme.wav")
    page.choose_music_button.click()
    dialog = page.music_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.selectFile(str(inside))
    dialog.accept()
    audio = session.document.storyboard.audio
    assert audio is not None and audio.path == "music/theme.wav"
    storyboard = session.storyboard()
    assert storyboard is not None and storyboard.audio is not None
    assert storyboard.resolve_path(storyboard.audio.path) == inside
    assert page.music_file.text() == "theme.wav" and page.volume.isEnabled()

    page.volume.slider.setSliderDown(True)
    for value in (60, 70, 80):
        page.volume.slider.setValue(value)
    page.volume.slider.setSliderDown(False)
    type_into(page.fade_out, "1.5")
    audio = session.document.storyboard.audio
    assert audio is not None and audio.volume == pytest.approx(0.8) and audio.fade_out == 1.5
    assert steps(services) == 3

    outside = write_wav(tmp_path / "elsewhere" / "jingle.wav")
    assert page.set_music(outside)
    audio = session.document.storyboard.audio
    assert audio is not None and audio.path == str(outside)
    assert audio.volume == pytest.approx(0.8)  # the settings stay with a new file

    assert not page.set_music(tmp_path / "missing.wav")  # refused, nothing changes
    assert session.document.storyboard.audio == audio
    page.remove_music_button.click()
    assert session.document.storyboard.audio is None
    qtbot.waitUntil(lambda: page.music_dialog is None)


def test_no_project_shows_a_hint(services: Services, panel: InspectorPanel) -> None:
    services.session.set_project(None)
    assert panel.stack.currentWidget() is panel.placeholder


def test_template_motions_keep_moving_when_made_custom(project: Project) -> None:
    """Amazon Minimal shows photos whole (contain): its zooms start wider than the photo.
    The rectangles shown and taken by "Custom (start → end)" must still differ."""
    document = project.document
    template = get_template(document.storyboard.template_id)
    assert template.fit is FitMode.CONTAIN
    for index, scene in enumerate(document.storyboard.scenes):
        start, end = scene_defaults.motion_rects(document, template, scene, index)
        assert start != pytest.approx(end), (index, start, end)
