"""The File menu's project entries (New, Open, Open Recent, Save, Save As, Find Missing
Media, Close) in the action registry, and which of them need an open project."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QMenu

from gui.actions import ActionRegistry, ActionSpec

NEEDS_PROJECT = ("file.save", "file.save_as", "file.relink", "file.close")


class FileCommands(Protocol):
    """What the entries call (gui.project_actions.ProjectActions)."""

    def show_new_project_dialog(self) -> object: ...
    def show_open_dialog(self) -> object: ...
    def save(self) -> bool: ...
    def show_save_as_dialog(self) -> object: ...
    def show_missing_media(self) -> None: ...
    def close_project(self) -> bool: ...


def add_file_actions(actions: ActionRegistry, commands: FileCommands, recent: QMenu) -> None:
    """Register the entries, in menu order; Open Recent opens `recent`."""
    add = actions.add
    add(
        ActionSpec("file.new", "&New Project...", "File", "Ctrl+N",
                   tip="Create a new project folder", icon="mdi6.folder-plus-outline"),
        commands.show_new_project_dialog,
    )  # fmt: skip
    add(
        ActionSpec("file.open", "&Open Project...", "File", "Ctrl+O",
                   tip="Open a project folder or its project.json",
                   icon="mdi6.folder-open-outline", toolbar=True),
        commands.show_open_dialog,
    )  # fmt: skip
    recent_action = add(ActionSpec("file.open_recent", "Open &Recent", "File"))
    recent_action.setMenu(recent)
    add(
        ActionSpec("file.save", "&Save", "File", "Ctrl+S", tip="Save the project",
                   icon="mdi6.content-save-outline", toolbar=True, section=1),
        commands.save,
    )  # fmt: skip
    add(
        ActionSpec("file.save_as", "Save &As...", "File", "Ctrl+Shift+S",
                   tip="Copy the project to a new folder and continue there", section=1),
        commands.show_save_as_dialog,
    )  # fmt: skip
    add(
        ActionSpec("file.relink", "Find &Missing Media...", "File",
                   tip="List the files the project uses that cannot be found", section=2),
        commands.show_missing_media,
    )  # fmt: skip
    add(
        ActionSpec("file.close", "&Close Project", "File", "Ctrl+W", section=2),
        commands.close_project,
    )


def update_file_actions(actions: ActionRegistry, *, has_project: bool) -> None:
    """Enable the entries that act on the open project while there is one."""
    for action_id in NEEDS_PROJECT:
        actions.action(action_id).setEnabled(has_project)
