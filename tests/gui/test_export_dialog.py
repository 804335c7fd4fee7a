"""File > Export Video...: presets, a real export probed with PyAV, progress with fps and
ETA, Show in Folder, cancel leaving nothing, and the reasons an export cannot start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from gui.dialogs.export_choices import ExportChoices, format_eta, progress_text
from gui.dialogs.export_dialog import ExportController, ExportDialog
from gui.services import Services
from tests.render.conftest import probe
from video_studio import edits
from video_studio.jobs import Progress
from video_studio.media_formats import AspectRatio, VideoQuality
from video_studio.project import Project
from video_studio.render.codecs import Codec

pytestmark = pytest.mark.timeout(120)


def opened_dialog(
    services: Services, project: Project | None, opened: list[QUrl]
) -> tuple[ExportController, ExportDialog]:
    if project is not None:
        services.session.set_project(project)
    controller = ExportController(services, open_url=opened.append)
    action = services.actions.action("file.export")
    assert action.isEnabled() == (project is not None)
    if project is not None:
        action.trigger()
    else:
        controller.open_dialog()
    dialog = controller.dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    return controller, dialog


def small_and_fast(dialog: ExportDialog) -> None:
    dialog.form.set_choice(dialog.form.quality_combo, VideoQuality.HD_720P)
    dialog.form.scale_combo.setCurrentIndex(dialog.form.scale_combo.findData(0.25))
    dialog.form.fps_spin.setValue(10)
    dialog.form.look_combo.setCurrentIndex(dialog.form.look_combo.findData("draft"))


def click(qtbot: QtBot, button: QWidget) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_export_writes_the_snapshot_with_progress_and_shows_the_folder(
    qtbot: QtBot, services: Services, project: Project, tmp_path: Path
) -> None:
    opened: list[QUrl] = []
    controller, dialog = opened_dialog(services, project, opened)
    spec = next(s for s in services.actions.specs() if s.id == "file.export")
    assert (spec.menu, spec.shortcut, spec.toolbar, spec.icon) == (
        "File",
        "Ctrl+E",
        True,
        "mdi6.export",
    )
    # The project's settings and name fill the form.
    assert dialog.form.choices().aspect is AspectRatio.LANDSCAPE
    assert dialog.form.target() is not None and dialog.form.target().name == "Launch.mp4"  # type: ignore[union-attr]

    # A platform preset sets shape, size, rate and codec; the size shows what is written.
    dialog.form.platform_combo.setCurrentIndex(dialog.form.platform_combo.findData("reels"))
    reels = dialog.form.choices()
    assert (reels.aspect, reels.quality, reels.fps, reels.codec) == (
        AspectRatio.PORTRAIT,
        VideoQuality.FULL_HD_1080P,
        30,
        Codec.H264,
    )
    assert dialog.form.size_label.text() == "1080 × 1920 px"
    dialog.form.set_choice(dialog.form.codec_combo, Codec.VP9)
    assert dialog.form.target_edit.text().endswith("Launch.webm")  # the suffix follows the codec
    dialog.form.set_choice(dialog.form.codec_combo, Codec.H264)
    dialog.form.set_choice(dialog.form.aspect_combo, AspectRatio.LANDSCAPE)  # the user overrides
    small_and_fast(dialog)
    assert dialog.form.size_label.text() == "320 × 180 px"

    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "launch.mp4"
    target.write_bytes(b"an older export")  # replacing it is asked once
    dialog.form.target_edit.setText(str(target))
    click(qtbot, dialog.export_button)
    assert dialog.handle is None and "already exists" in dialog.message_label.text()
    assert dialog.export_button.text() == "&Replace"

    click(qtbot, dialog.export_button)
    handle = dialog.handle
    assert handle is not None
    shown: list[str] = []
    handle.progress.connect(lambda _p: shown.append(dialog.progress_label.text()))
    assert not dialog.form.isEnabled() and dialog.cancel_button.isVisible()
    # The app stays usable: an edit now does not reach the export (6 s at 10 fps).
    first = project.document.storyboard.scenes[0].id
    assert services.session.edit(lambda p: edits.set_durations(p, [first], 5.0))
    assert services.session.document.storyboard.scenes[0].duration == 5.0

    qtbot.waitUntil(lambda: dialog.handle is None, timeout=90_000)
    assert dialog.error is None, dialog.message_label.text()
    assert dialog.exported is not None and dialog.exported.path == target
    assert any(re.fullmatch(r"\d+ fps · ETA \d+:\d\d", text) for text in shown), shown
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum()
    assert "Exported launch.mp4" in dialog.message_label.text()
    video = probe(target)
    assert (video.codec, video.width, video.height) == ("h264", 320, 180)
    assert video.frames == 60
    assert services.state.last_export_folder == str(folder)

    assert dialog.show_folder_button.isVisible() and dialog.open_button.isVisible()
    click(qtbot, dialog.show_folder_button)
    click(qtbot, dialog.open_button)
    assert opened == [QUrl.fromLocalFile(str(folder)), QUrl.fromLocalFile(str(target))]
    controller.shutdown()


def test_cancel_stops_the_export_and_leaves_nothing(
    qtbot: QtBot, services: Services, project: Project, tmp_path: Path
) -> None:
    _controller, dialog = opened_dialog(services, project, [])
    dialog.form.set_choice(dialog.form.quality_combo, VideoQuality.FULL_HD_1080P)
    dialog.form.look_combo.setCurrentIndex(dialog.form.look_combo.findData("master"))
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "cancelled.mp4"
    dialog.form.target_edit.setText(str(target))
    click(qtbot, dialog.export_button)
    handle = dialog.handle
    assert handle is not None
    frames: list[Progress] = []
    handle.progress.connect(frames.append)
    qtbot.waitUntil(lambda: any((p.done or 0) > 0 for p in frames), timeout=60_000)
    click(qtbot, dialog.cancel_button)
    qtbot.waitUntil(lambda: dialog.handle is None, timeout=60_000)
    assert dialog.exported is None and dialog.error is None
    assert "cancelled" in dialog.message_label.text()
    assert not target.exists()
    assert list(folder.iterdir()) == []
    assert dialog.form.isEnabled() and not dialog.show_folder_button.isVisible()


def test_shutdown_cancels_a_running_export(
    qtbot: QtBot, services: Services, project: Project, tmp_path: Path
) -> None:
    controller, dialog = opened_dialog(services, project, [])
    target = tmp_path / "at-exit.mp4"
    dialog.form.target_edit.setText(str(target))
    click(qtbot, dialog.export_button)
    assert dialog.handle is not None
    controller.shutdown()
    assert not dialog.handle.running
    assert not target.exists()
    qtbot.waitUntil(lambda: dialog.handle is None)


def test_no_export_without_scenes_or_with_a_missing_image(
    qtbot: QtBot, services: Services, project: Project, tmp_path: Path
) -> None:
    empty = Project.create(tmp_path / "empty", "Empty")
    _controller, dialog = opened_dialog(services, empty, [])
    dialog.form.target_edit.setText(str(tmp_path / "empty.mp4"))
    click(qtbot, dialog.export_button)
    assert dialog.handle is None and services.jobs.jobs() == []
    assert "no scenes" in dialog.message_label.text()

    services.session.set_project(project)  # the dialog follows the open project
    assert dialog.form.target() is not None and dialog.form.target().name == "Launch.mp4"  # type: ignore[union-attr]
    reference = project.document.storyboard.scenes[1].image
    image = project.store.path_for(reference.removeprefix("asset:"))
    image.unlink()
    dialog.form.target_edit.setText(str(tmp_path / "launch.mp4"))
    click(qtbot, dialog.export_button)
    assert dialog.handle is None and services.jobs.jobs() == []
    assert "not in the project's asset store" in dialog.message_label.text()
    assert not (tmp_path / "launch.mp4").exists()


def test_a_failure_is_shown_in_the_dialog(
    qtbot: QtBot, services: Services, project: Project, tmp_path: Path
) -> None:
    _controller, dialog = opened_dialog(services, project, [])
    dialog.form.target_edit.setText(str(tmp_path / "no-such-folder" / "launch.mp4"))
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.handle is None, timeout=30_000)
    assert dialog.error is not None
    assert "does not exist" in dialog.message_label.text()
    assert dialog.form.isEnabled() and not dialog.open_button.isVisible()


def test_browse_starts_in_the_last_folder_and_remembers_the_choice(
    qtbot: QtBot, services: Services, project: Project, tmp_path: Path
) -> None:
    last = tmp_path / "last"
    last.mkdir()
    services.state.last_export_folder = str(last)
    _controller, dialog = opened_dialog(services, project, [])
    assert dialog.form.target() == last / "Launch.mp4"
    click(qtbot, dialog.form.browse_button)
    chooser = dialog.findChild(QFileDialog, "export_file_dialog")
    assert chooser is not None and chooser.isVisible() and not dialog.running
    assert Path(chooser.directory().absolutePath()) == last
    assert chooser.defaultSuffix() == "mp4"
    other = tmp_path / "other"
    other.mkdir()
    chooser.selectFile(str(other / "teaser.mp4"))
    chooser.accept()
    assert dialog.form.target() == other / "teaser.mp4"
    assert services.state.last_export_folder == str(other)


def test_choices_and_progress_text() -> None:
    choices = ExportChoices(
        platform="amazon",
        aspect=AspectRatio.PORTRAIT_4_5,
        quality=VideoQuality.HD_720P,
        fps=24,
        codec=Codec.GIF,
        look="draft",
        scale=0.25,
    )
    assert choices.scaled_size() == (180, 224)
    options = choices.options()
    assert options.size == (180, 224)
    assert (options.encode.codec, options.encode.crf, options.encode.preset) == (
        Codec.GIF,
        28,
        "ultrafast",
    )
    assert (
        ExportChoices(None, AspectRatio.SQUARE, VideoQuality.UHD_4K, 30, Codec.GIF).output_size()[0]
        == 720
    )  # GIFs are kept small by the encoder
    assert format_eta(12) == "0:12" and format_eta(3723) == "1:02:03"
    assert progress_text(Progress(0.5, "Rendering", rate=123.4, eta_seconds=12)) == (
        "123 fps · ETA 0:12"
    )
    assert progress_text(Progress(0.0, "Preparing")) == "Preparing…"


def test_every_label_shortcut_has_a_field_to_focus(
    qtbot: QtBot, services: Services, project: Project
) -> None:
    """A label with an "&" shortcut and no buddy shows the "&" literally and does nothing."""
    controller, dialog = opened_dialog(services, project, [])
    labels = [label for label in dialog.findChildren(QLabel) if "&" in label.text()]
    assert len(labels) >= 8
    assert [label.text() for label in labels if label.buddy() is None] == []
    controller.shutdown()
