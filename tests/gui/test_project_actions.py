"""Projects in the app: File > New, Open, Open Recent, Save, Save As, Close with real
project folders; the unsaved-changes question; errors that name the file and field with
the backup offered; the restore banner after a crash; the Missing Media panel; and
`video-studio PROJECT` on the command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from gui.project_actions import ProjectActions, folder_name
from gui.services import Services
from gui.ui_state import UiState
from video_studio import cli, edits
from video_studio.autosave import Autosaver, copy_path, recovery_dir
from video_studio.project import Project
from video_studio.relink import MissingMedia

pytestmark = pytest.mark.timeout(90)

Button = QMessageBox.StandardButton


@pytest.fixture
def actions(services: Services, qtbot: QtBot) -> Iterator[ProjectActions]:
    made = ProjectActions(services)
    services.actions.build_menus(services.window.menuBar())
    services.window.show()
    qtbot.waitExposed(services.window)
    yield made
    made.shutdown()
    for job in services.jobs.jobs():
        job.wait(10)


def messages(services: Services) -> list[str]:
    found: list[str] = services.status_messages  # type: ignore[attr-defined]
    return found


def jobs_done(services: Services, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not services.jobs.jobs(), timeout=10_000)


def first_scene(project: Project) -> str:
    return project.document.storyboard.scenes[0].id


def answer(monkeypatch: pytest.MonkeyPatch, reply: Button) -> list[str]:
    """Patch QMessageBox.question to answer `reply`; the questions asked."""
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_args: object) -> Button:
        asked.append(text)
        return reply

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def autosave_copy(folder: Path, seconds: float) -> None:
    """What the app leaves after a crash: a recovery copy with the first scene at
    `seconds`, newer than project.json."""
    working = Project.open(folder)
    edits.apply(working, edits.set_durations(working, [first_scene(working)], seconds))
    saver = Autosaver(working, interval=0)
    saver.touch()
    assert saver.flush() is not None


# --- the menu -----------------------------------------------------------------------------------


def test_file_menu_has_the_project_commands_with_shortcuts(
    services: Services, actions: ProjectActions
) -> None:
    registry = services.actions
    expected = {
        "file.new": "Ctrl+N",
        "file.open": "Ctrl+O",
        "file.save": "Ctrl+S",
        "file.save_as": "Ctrl+Shift+S",
        "file.close": "Ctrl+W",
    }
    for action_id, keys in expected.items():
        assert registry.action(action_id).shortcut() == QKeySequence(keys)
    file_menu = services.window.findChild(QMenu, "menu_file")
    assert file_menu is not None
    texts = [a.text() for a in file_menu.actions() if not a.isSeparator()]
    assert texts == [
        "&New Project...",
        "&Open Project...",
        "Open &Recent",
        "&Save",
        "Save &As...",
        "Find &Missing Media...",
        "&Close Project",
    ]
    assert registry.action("file.open_recent").menu() is actions.recent_menu
    assert not registry.action("file.save").isEnabled()  # no project yet
    assert registry.action("file.new").isEnabled()


# --- new, open, save, recent ----------------------------------------------------------------


def test_new_open_save_and_recent_projects_with_real_folders(
    services: Services, actions: ProjectActions, project: Project, tmp_path: Path
) -> None:
    session = services.session
    alpha = tmp_path / "Alpha.vsproj"
    assert actions.new_project(alpha, "Alpha")
    assert session.project is not None and session.project.folder == alpha
    assert (alpha / "project.json").is_file() and (alpha / "assets").is_dir()
    assert not session.dirty and services.actions.action("file.save").isEnabled()

    assert actions.open_project(project.folder / "project.json")  # the file works too
    assert session.project is not None and session.project.folder == project.folder
    session.edit(lambda p: edits.set_durations(p, [first_scene(p)], 3.5))
    assert session.dirty
    assert actions.save()
    assert not session.dirty
    assert Project.open(project.folder).document.storyboard.scenes[0].duration == 3.5

    state = services.state
    assert state.recent_projects == [str(project.folder), str(alpha)]
    assert UiState.load(state.path).recent_projects == state.recent_projects  # saved now
    actions.refresh_recent_menu()
    entries = [a for a in actions.recent_menu.actions() if a.data()]
    assert [a.text() for a in entries] == ["&1 launch", "&2 Alpha.vsproj"]
    assert all(a.isEnabled() for a in entries)

    entries[1].trigger()  # Open Recent > Alpha
    assert session.project is not None and session.project.folder == alpha
    assert actions.close_project() and session.project is None
    assert not services.actions.action("file.save").isEnabled()


def test_missing_recent_projects_are_greyed_and_removable(
    services: Services, actions: ProjectActions, tmp_path: Path
) -> None:
    gone = tmp_path / "Gone.vsproj"
    kept = tmp_path / "Kept.vsproj"
    Project.create(kept, "Kept")
    services.state.recent_projects = [str(gone), str(kept)]
    actions.recent_menu.aboutToShow.emit()  # the menu is rebuilt as it opens
    by_path = {a.data(): a for a in actions.recent_menu.actions() if a.data()}
    assert not by_path[str(gone)].isEnabled()
    assert by_path[str(gone)].toolTip() == f"Not found: {gone}"
    assert by_path[str(kept)].isEnabled() and by_path[str(kept)].toolTip() == str(kept)
    assert actions.recent_menu.toolTipsVisible()
    [remove] = [a for a in actions.recent_menu.actions() if a.text() == "Remove Missing Projects"]
    assert remove.isEnabled()
    remove.trigger()
    assert services.state.recent_projects == [str(kept)]
    assert UiState.load(services.state.path).recent_projects == [str(kept)]
    [clear] = [a for a in actions.recent_menu.actions() if a.text() == "Clear List"]
    clear.trigger()
    assert services.state.recent_projects == []
    assert [a.text() for a in actions.recent_menu.actions()] == ["No Recent Projects"]


def test_the_new_project_dialog_does_not_block_and_makes_a_folder(
    services: Services, actions: ProjectActions, tmp_path: Path, qtbot: QtBot
) -> None:
    dialog = actions.show_new_project_dialog()
    assert dialog.isVisible()  # open(), not exec(): this line runs while it is shown
    dialog.location_edit.setText(str(tmp_path))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.name_edit.clear()
    assert not ok.isEnabled() and "name" in dialog.result_label.text()
    (tmp_path / "Taken.vsproj").mkdir()
    (tmp_path / "Taken.vsproj" / "notes.txt").write_text("x", encoding="utf-8")
    QTest.keyClicks(dialog.name_edit, "Taken")
    assert not ok.isEnabled() and "already exists" in dialog.result_label.text()
    dialog.name_edit.setText("Spring: sale")
    assert ok.isEnabled()
    assert dialog.result_label.text().endswith(str(tmp_path / "Spring- sale.vsproj"))
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    project = services.session.project
    assert project is not None
    assert project.folder == tmp_path / "Spring- sale.vsproj"
    assert project.document.name == "Spring: sale"
    assert folder_name(" ../x ") == "-x.vsproj"  # no way out of the chosen folder


def test_the_open_dialog_opens_a_chosen_project_folder(
    services: Services, actions: ProjectActions, project: Project, qtbot: QtBot
) -> None:
    dialog = actions.show_open_dialog()
    assert dialog.isVisible()
    dialog.selectFile(str(project.folder))
    dialog.accept()  # the Open button on a project folder opens it
    assert services.session.project is not None
    assert services.session.project.folder == project.folder
    assert actions.close_project()
    dialog = actions.show_open_dialog()
    dialog.directoryEntered.emit(str(project.folder))  # a double click into the folder
    assert services.session.project is not None
    assert not dialog.isVisible()


# --- unsaved changes --------------------------------------------------------------------------


def test_unsaved_changes_are_asked_about_save_discard_or_cancel(
    services: Services,
    actions: ProjectActions,
    project: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = services.session
    other = Project.create(tmp_path / "Other.vsproj", "Other")
    assert actions.open_project(project.folder)
    session.edit(lambda p: edits.set_durations(p, [first_scene(p)], 4.5))

    asked = answer(monkeypatch, Button.Cancel)
    assert not actions.open_project(other.folder)
    assert not actions.close_project()
    assert not actions.new_project(tmp_path / "New.vsproj", "New")
    assert len(asked) == 3 and "Save the changes to Launch" in asked[0]
    assert session.project is not None and session.project.folder == project.folder
    assert session.dirty and not (tmp_path / "New.vsproj").exists()

    answer(monkeypatch, Button.Discard)
    assert actions.open_project(other.folder)
    assert session.project is not None and session.project.folder == other.folder
    assert Project.open(project.folder).document.storyboard.scenes[0].duration == 2.0
    assert Project.recovery_candidates(project.folder) == []  # discarded means gone

    assert actions.open_project(project.folder)
    session.edit(lambda p: edits.set_durations(p, [first_scene(p)], 5.5))
    answer(monkeypatch, Button.Save)
    assert actions.close_project()
    assert session.project is None
    assert Project.open(project.folder).document.storyboard.scenes[0].duration == 5.5


# --- errors opening ---------------------------------------------------------------------------


def test_a_damaged_project_json_names_file_and_field_and_offers_the_backup(
    services: Services, actions: ProjectActions, project: Project, qtbot: QtBot
) -> None:
    data = json.loads(project.json_path.read_text(encoding="utf-8"))
    data["storyboard"]["scenes"][1]["duration"] = -1
    project.json_path.write_text(json.dumps(data), encoding="utf-8")

    assert not actions.open_project(project.folder)  # no crash, no modal loop

    assert services.session.project is None
    status = messages(services)[-1]
    assert str(project.json_path) in status and "storyboard.scenes[1].duration" in status
    box = actions.message_box
    assert box is not None and box.isVisible() and not box.isModal()
    assert box.windowModality() == Qt.WindowModality.NonModal
    assert "storyboard.scenes[1].duration" in box.informativeText()
    backup = box.findChild(QPushButton, "open_backup_button")
    assert backup is not None and backup.text() == "Open the backup"
    QTest.mouseClick(backup, Qt.MouseButton.LeftButton)

    session = services.session
    assert session.project is not None and session.dirty  # save makes it project.json
    assert actions.save()
    assert Project.open(project.folder).document == session.document


def test_unreadable_files_and_other_folders_are_explained(
    services: Services, actions: ProjectActions, project: Project, tmp_path: Path
) -> None:
    project.json_path.write_text('{"schema_version": 1,\n "name": ', encoding="utf-8")
    assert not actions.open_project(project.json_path)
    assert str(project.json_path) in messages(services)[-1]
    assert "line 2" in messages(services)[-1]

    plain = tmp_path / "holiday photos"
    plain.mkdir()
    assert not actions.open_project(plain)
    assert "project.json is missing" in messages(services)[-1]
    box = actions.message_box
    assert box is not None and box.findChild(QPushButton, "open_backup_button") is None
    assert not actions.open_project(tmp_path / "nowhere")
    assert "no such project folder" in messages(services)[-1]
    assert services.session.project is None


# --- Save As --------------------------------------------------------------------------------------


def test_save_as_copies_the_folder_and_continues_there(
    services: Services, actions: ProjectActions, project: Project, tmp_path: Path, qtbot: QtBot
) -> None:
    session = services.session
    assert actions.open_project(project.folder)
    session.edit(lambda p: edits.set_durations(p, [first_scene(p)], 4.0))
    saved_json = project.json_path.read_bytes()
    target = tmp_path / "Launch v2.vsproj"

    with qtbot.waitSignal(actions.saved_as, timeout=20_000) as done:
        assert actions.save_as(target, "Launch v2")
    assert done.args == [str(target)]

    copied = session.project
    assert copied is not None and copied.folder == target and not session.dirty
    assert copied.document.name == "Launch v2"
    reopened = Project.open(target)
    assert reopened.document.storyboard.scenes[0].duration == 4.0
    assert reopened.check() == []  # every image came along
    assert project.json_path.read_bytes() == saved_json  # the old project is untouched
    assert not recovery_dir(project.folder).exists()
    assert services.state.recent_projects[:2] == [str(target), str(project.folder)]

    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x", encoding="utf-8")
    assert not actions.save_as(tmp_path / "full")
    assert "is not empty" in messages(services)[-1]
    assert session.project is not None and session.project.folder == target


def test_the_save_as_dialog_suggests_a_copy_next_to_the_project(
    services: Services, actions: ProjectActions, project: Project, qtbot: QtBot
) -> None:
    assert actions.open_project(project.folder)
    dialog = actions.show_save_as_dialog()
    assert dialog is not None and dialog.isVisible()
    assert dialog.folder() == project.folder.parent / "Launch copy.vsproj"
    with qtbot.waitSignal(actions.saved_as, timeout=20_000):
        QTest.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )
    assert services.session.project is not None
    assert services.session.project.document.name == "Launch copy"


# --- restore after a crash --------------------------------------------------------------------


def test_the_banner_offers_unsaved_work_and_restore_brings_it_back(
    services: Services, actions: ProjectActions, project: Project, qtbot: QtBot
) -> None:
    autosave_copy(project.folder, 4.0)
    session = services.session
    with qtbot.waitSignal(actions.recovery_offered, timeout=10_000):
        assert actions.open_project(project.folder)
    # the saved project is open and usable meanwhile: nothing modal
    assert session.document.storyboard.scenes[0].duration == 2.0
    assert QApplication.activeModalWidget() is None
    banner = actions.banner
    assert banner.isVisible() and banner.offering
    offered = actions.offered_copy
    assert offered is not None
    clock = offered.saved_at.astimezone().strftime("%H:%M")
    assert banner.message.startswith(f"Unsaved changes from {clock} were found")

    QTest.mouseClick(banner.restore_button, Qt.MouseButton.LeftButton)

    assert session.document.storyboard.scenes[0].duration == 4.0
    assert session.dirty and not banner.isVisible()
    assert actions.save()
    assert Project.recovery_candidates(project.folder) == []
    assert Project.open(project.folder).document.storyboard.scenes[0].duration == 4.0


def test_discard_removes_the_copies_and_skip_keeps_them(
    services: Services, actions: ProjectActions, project: Project, qtbot: QtBot
) -> None:
    autosave_copy(project.folder, 4.0)
    with qtbot.waitSignal(actions.recovery_offered, timeout=10_000):
        actions.open_project(project.folder)
    QTest.mouseClick(actions.banner.close_button, Qt.MouseButton.LeftButton)  # not now
    assert not actions.banner.isVisible()
    assert len(Project.recovery_candidates(project.folder)) == 1  # kept for next time
    assert "offered again" in messages(services)[-1]

    assert actions.close_project()
    with qtbot.waitSignal(actions.recovery_offered, timeout=10_000):
        actions.open_project(project.folder)  # offered again, still without a question
    QTest.mouseClick(actions.banner.discard_button, Qt.MouseButton.LeftButton)
    assert Project.recovery_candidates(project.folder) == []
    assert not copy_path(project.folder, 1).exists()
    assert services.session.document.storyboard.scenes[0].duration == 2.0
    assert not services.session.dirty and not actions.banner.isVisible()

    actions.close_project()
    actions.open_project(project.folder)
    jobs_done(services, qtbot)
    assert not actions.banner.isVisible() and actions.offered_copy is None


def test_a_broken_copy_is_set_aside_and_never_offered_again(
    services: Services,
    actions: ProjectActions,
    project: Project,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    autosave_copy(project.folder, 4.0)  # older
    autosave_copy(project.folder, 6.0)  # newest: autosave-1.json
    session = services.session
    with qtbot.waitSignal(actions.recovery_offered, timeout=10_000):
        actions.open_project(project.folder)
    newest = copy_path(project.folder, 1)
    assert actions.offered_copy is not None and actions.offered_copy.path == newest
    assert "2 autosaved copies" in actions.banner.message
    newest.write_text('{"schema_version": 1, "name": ', encoding="utf-8")  # damaged since

    assert not actions.restore_recovery()

    aside = newest.with_name("autosave-1.json.damaged")
    assert aside.is_file() and not newest.exists()
    assert "could not be read" in actions.banner.message
    assert "autosave-1.json.damaged" in actions.banner.message
    assert session.document.storyboard.scenes[0].duration == 2.0 and not session.dirty
    assert actions.banner.offering  # the older copy is offered next
    assert actions.restore_recovery()
    assert session.document.storyboard.scenes[0].duration == 4.0

    answer(monkeypatch, Button.Discard)
    assert actions.close_project()
    copy_path(project.folder, 1).parent.mkdir(exist_ok=True)
    copy_path(project.folder, 1).write_text("not json", encoding="utf-8")  # unreadable now
    actions.open_project(project.folder)
    jobs_done(services, qtbot)
    assert not actions.banner.isVisible()  # an unreadable copy is never offered
    assert session.project is not None and not session.dirty


# --- missing media ------------------------------------------------------------------------------


def test_relink_by_file_and_by_folder_search_each_one_undo_step(
    services: Services,
    actions: ProjectActions,
    project: Project,
    photo_files: Callable[[int], list[Path]],
    tmp_path: Path,
    qtbot: QtBot,
) -> None:
    photos = photo_files(4)  # the first 3 are the project's photos; the 4th is new
    scenes = project.document.storyboard.scenes
    for scene in scenes[:2]:
        project.store.path_for(scene.image.removeprefix("asset:")).unlink()
    clip = project.clips_dir / "scene-3.mp4"
    clip.write_bytes(b"clip")
    project.document = edits.update_scenes(
        project, [scenes[2].id], {"clip": "clips/scene-3.mp4"}
    ).after
    project.save()
    (tmp_path / "found" / "deep").mkdir(parents=True)
    clip.replace(tmp_path / "found" / "deep" / "scene-3.mp4")

    session = services.session
    assert actions.open_project(project.folder)
    panel = actions.relink_panel
    assert panel.isVisible()  # a panel, not a dialog
    assert QApplication.activeModalWidget() is None
    assert [(item.name, item.used_by) for item in panel.items] == [
        ("product-000.jpg", "scene 1"),
        ("product-001.jpg", "scene 2"),
        ("scene-3.mp4", "clip of scene 3"),
    ]
    assert panel.tree.topLevelItemCount() == 3

    first: MissingMedia = panel.items[0]
    with qtbot.waitSignal(actions.relinked, timeout=10_000):
        assert actions.relink_file(first, photos[3]) is not None
    jobs_done(services, qtbot)
    assert session.undo_stack.count() == 1
    assert session.undo_stack.undoText() == "Relink product-000.jpg"
    assert session.document.storyboard.scenes[0].image != scenes[0].image
    assert [item.name for item in actions.missing] == ["product-001.jpg", "scene-3.mp4"]

    with qtbot.waitSignal(actions.relinked, timeout=10_000):
        assert actions.search_folder(tmp_path) is not None  # photos/ and found/deep/
    jobs_done(services, qtbot)
    assert session.undo_stack.count() == 2  # both files in one step
    assert session.undo_stack.undoText() == "Relink 2 files"
    document = session.document.storyboard
    assert document.scenes[1].image == scenes[1].image  # same content: same asset
    assert document.scenes[2].clip == str(tmp_path / "found" / "deep" / "scene-3.mp4")
    assert actions.missing == [] and not panel.isVisible()
    assert "Relinked 2 files" in messages(services)[-1]

    session.undo_stack.undo()
    assert [item.name for item in actions.missing] == ["scene-3.mp4"]
    assert panel.isVisible()


def test_the_missing_media_panel_stays_closed_until_the_list_changes(
    services: Services, actions: ProjectActions, project: Project, qtbot: QtBot
) -> None:
    assert actions.open_project(project.folder)
    assert not actions.relink_panel.isVisible()
    actions.relink_panel.setVisible(True)  # e.g. a restored layout: nothing to show
    assert not actions.relink_panel.isVisible()
    actions.show_missing_media()
    assert "Every file the project uses is in place" in messages(services)[-1]
    scene = services.session.document.storyboard.scenes[0]
    services.session.edit(lambda p: edits.update_scenes(p, [scene.id], {"clip": "clips/none.mp4"}))
    assert actions.relink_panel.isVisible()
    actions.relink_panel.close()
    services.session.edit(lambda p: edits.set_durations(p, [scene.id], 3.0))
    assert not actions.relink_panel.isVisible()  # the same list: it stays closed
    actions.show_missing_media()
    assert actions.relink_panel.isVisible()


# --- the command line -------------------------------------------------------------------------


def test_video_studio_project_opens_that_project(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[Path | None] = []

    def fake_open_gui(path: Path | None = None) -> int:
        opened.append(path)
        return 0

    monkeypatch.setattr(cli, "_open_gui", fake_open_gui)
    assert cli.main([str(project.folder)]) == 0
    assert cli.main([str(project.json_path)]) == 0
    assert cli.main(["--", str(project.folder)]) == 0
    assert opened == [project.folder, project.json_path, project.folder]
    assert capsys.readouterr().err == ""

    assert cli.main([str(project.folder / "nowhere")]) == 2  # nothing to open: no window
    assert "no such project folder or file" in capsys.readouterr().err
    assert cli.main(["rendr"]) == 2
    assert "commands: demo, generate, render, validate" in capsys.readouterr().err
    assert cli.main([str(project.folder), "extra"]) == 2
    assert "unrecognized arguments: extra" in capsys.readouterr().err

    project.json_path.write_text("{", encoding="utf-8")  # damaged: the app explains it
    assert cli.main([str(project.folder)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("video-studio: cannot open the project: ")
    assert str(project.json_path) in err and "project.json.bak" in err
    assert opened[-1] == project.folder
    assert cli.main([]) == 0 and opened[-1] is None
    assert cli.is_project_form(["render", "x"], cli.build_parser()) is False
    assert "PROJECT" in cli.build_parser().format_usage()


def test_the_project_reaches_gui_run(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from gui import app as gui_app

    calls: list[tuple[list[str], Path | None]] = []

    def fake_run(argv: list[str], project: Path | None = None) -> int:
        calls.append((argv, project))
        return 0

    monkeypatch.setattr(gui_app, "run", fake_run)
    assert cli.main([str(project.folder)]) == 0
    assert calls == [(["video-studio"], project.folder)]
