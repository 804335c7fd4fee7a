"""The GUI's core: the session over the engine's edits, jobs on QThreads, the action
registry, remembered UI state and themes."""

from __future__ import annotations

import functools
import os
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QMenuBar, QToolBar
from pytestqt.qtbot import QtBot

from gui.actions import ActionRegistry, ActionSpec
from gui.services import Services
from gui.theme import Theme, apply_theme, current_theme
from gui.ui_state import UiState, decode_bytes, encode_bytes
from gui.workers import error_text
from video_studio import edits
from video_studio.error_types import ErrorInfo, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken, Progress
from video_studio.project import Project

pytestmark = pytest.mark.timeout(60)


def scene_ids(project: Project) -> list[str]:
    return [scene.id for scene in project.document.storyboard.scenes]


def test_edits_undo_redo_and_dirty_title_state(services: Services, project: Project) -> None:
    session = services.session
    seen: list[bool] = []
    session.dirty_changed.connect(seen.append)
    session.set_project(project)
    assert not session.dirty
    first = scene_ids(project)[0]
    assert session.edit(lambda p: edits.set_durations(p, [first], 3.5))
    assert session.dirty and seen[-1] is True
    assert session.document.storyboard.scenes[0].duration == 3.5
    assert session.undo_stack.undoText() == "Set duration to 3.5 s"
    session.undo_stack.undo()
    assert session.document.storyboard.scenes[0].duration == 2.0
    assert not session.dirty
    session.undo_stack.redo()
    assert session.document.storyboard.scenes[0].duration == 3.5
    session.save()
    assert not session.dirty
    assert Project.open(project.folder).document.storyboard.scenes[0].duration == 3.5


def test_a_drag_is_one_undo_step(services: Services, project: Project) -> None:
    session = services.session
    session.set_project(project)
    first = scene_ids(project)[0]
    for target in (1, 2, 2, 1, 2):
        session.edit(functools.partial(edits.move_scenes, ids=[first], to=target, merge_key="d7"))
    assert session.undo_stack.count() == 1
    assert scene_ids(project)[2] == first
    session.undo_stack.undo()
    assert scene_ids(project)[0] == first


def test_a_refused_edit_is_reported_and_changes_nothing(
    services: Services, project: Project
) -> None:
    session = services.session
    session.set_project(project)
    errors: list[str] = []
    session.error_raised.connect(errors.append)
    before = session.document
    assert not session.edit(lambda p: edits.set_durations(p, scene_ids(p)[1:2], -2))
    assert "scenes[1].duration" in errors[0]
    assert session.document is before and session.undo_stack.count() == 0


def test_selection_follows_deleted_scenes(services: Services, project: Project) -> None:
    session = services.session
    session.set_project(project)
    ids = scene_ids(project)
    session.select_scenes(ids[:2])
    session.edit(lambda p: edits.remove_scenes(p, ids[:1]))
    assert session.selected_scene_ids == ids[1:2]


def test_autosave_writes_a_recovery_copy(
    services: Services, project: Project, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gui.session.AUTOSAVE_INTERVAL", 0.1)
    session = services.session
    session.set_project(project)
    session.edit(lambda p: edits.set_durations(p, scene_ids(p)[:1], 4.0))
    qtbot.waitUntil(lambda: bool(Project.recovery_candidates(project.folder)), timeout=5000)
    [copy] = Project.recovery_candidates(project.folder)
    restored = Project.restore(project.folder, copy)
    assert restored.document.storyboard.scenes[0].duration == 4.0


def test_jobs_report_progress_result_failure_and_cancel(services: Services, qtbot: QtBot) -> None:
    runner = services.jobs

    def work(cancel: CancelToken, progress: object) -> str:
        assert threading.current_thread() is not threading.main_thread()
        niceness = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert niceness > os.getpriority(os.PRIO_PROCESS, os.getpid())  # yields to the GUI
        progress(Progress(0.5, "half"))  # type: ignore[operator]
        return "done"

    got: list[object] = []
    results: list[object] = []
    runner.start("ok", work, on_progress=got.append, on_success=results.append)
    qtbot.waitUntil(lambda: results == ["done"], timeout=5000)
    assert isinstance(got[0], Progress) and got[0].message == "half"

    def fail(cancel: CancelToken, progress: object) -> None:
        raise VideoStudioError(
            VideoStudioErrorType.INVALID_INPUT, "The file bottle.jpg is not a photo."
        )

    failures: list[ErrorInfo] = []
    runner.start("bad", fail, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert "The file bottle.jpg is not a photo." in error_text(failures[0])

    def slow(cancel: CancelToken, progress: object) -> None:
        while True:
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    cancelled: list[bool] = []
    stopping = runner.start("slow", slow, on_cancel=lambda: cancelled.append(True))
    stopping.cancel()
    qtbot.waitUntil(lambda: cancelled == [True], timeout=5000)
    qtbot.waitUntil(lambda: not runner.jobs(), timeout=5000)


def test_actions_build_menus_toolbar_and_shortcut_table(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    registry = ActionRegistry(window)
    hits: list[str] = []
    save = ActionSpec(
        "file.save", "&Save", "File", QKeySequence.StandardKey.Save, icon="mdi6.content-save",
        toolbar=True,
    )  # fmt: skip
    registry.add(save, lambda: hits.append("save"))
    delete = ActionSpec("scene.delete", "&Delete Scenes", "Scene", "Del", section=1)
    registry.add(delete, lambda: hits.append("delete"))
    with pytest.raises(ValueError, match="declared twice"):
        registry.add(ActionSpec("file.save", "Again", "File"))
    bar = QMenuBar()
    menus = registry.build_menus(bar)
    assert list(menus) == ["File", "Scene"]
    toolbar = QToolBar()
    registry.build_toolbar(toolbar)
    assert [a.objectName() for a in toolbar.actions()] == ["action_file_save"]
    registry.action("scene.delete").trigger()
    assert hits == ["delete"]
    assert ("Scene", "Delete Scenes", "Del") in registry.shortcut_table()
    assert "(Ctrl+S)" in registry.action("file.save").toolTip()


def test_ui_state_round_trip_and_damage(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ui.json"
    state = UiState(path=path, theme="light", geometry=encode_bytes(b"\x01\x02"))
    for number in range(12):
        state.add_recent(tmp_path / f"p{number}")
    state.add_recent(tmp_path / "p3")
    state.save()
    loaded = UiState.load(path)
    assert loaded.theme == "light" and decode_bytes(loaded.geometry) == b"\x01\x02"
    assert loaded.recent_projects[0] == str(tmp_path / "p3") and len(loaded.recent_projects) == 10
    path.write_text("{broken", encoding="utf-8")
    assert UiState.load(path).theme == "dark"


def test_themes_switch_the_palette(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        apply_theme(app, "light")
        light = app.palette().color(QPalette.ColorRole.Window).lightness()
        apply_theme(app, Theme.DARK)
        dark = app.palette().color(QPalette.ColorRole.Window).lightness()
        assert current_theme(app) is Theme.DARK and dark < light
    finally:
        apply_theme(app, Theme.DARK)
