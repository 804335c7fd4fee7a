"""The Image Bin's commands in the action registry: File > Import Images... and Import
Image Folder..., Scene > Add Selected Images to Timeline (Enter in the bin), Edit > Remove
Images from Bin (Del in the bin); and what the last two do to the document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from gui.actions import ActionRegistry, ActionSpec
from gui.session import ProjectSession
from video_studio import edits
from video_studio.project_document import ProjectDocument
from video_studio.storyboard_paths import ASSET_PREFIX

ACTION_IMPORT = "file.import_images"
ACTION_IMPORT_FOLDER = "file.import_folder"
ACTION_ADD_TO_TIMELINE = "scene.add_images"
ACTION_REMOVE = "edit.remove_images"


class BinCommands(Protocol):
    """What the actions call (gui.docks.image_bin.ImageBinPanel)."""

    def open_import_dialog(self) -> object: ...
    def open_import_folder_dialog(self) -> object: ...
    def add_selected_to_timeline(self) -> bool: ...
    def remove_selected(self) -> bool: ...


@dataclass(frozen=True)
class BinActions:
    import_images: QAction
    import_folder: QAction
    add_to_timeline: QAction
    remove: QAction


def add_bin_actions(actions: ActionRegistry, commands: BinCommands, view: QWidget) -> BinActions:
    """Register the bin's actions; Enter and Del act only while `view` has the focus."""
    import_images = actions.add(
        ActionSpec(
            ACTION_IMPORT,
            "&Import Images...",
            "File",
            "Ctrl+I",
            tip="Copy photos into the project's image bin",
            icon="mdi6.image-plus",
            toolbar=True,
            section=2,
        ),
        commands.open_import_dialog,
    )
    import_folder = actions.add(
        ActionSpec(
            ACTION_IMPORT_FOLDER,
            "Import Image &Folder...",
            "File",
            tip="Import every image in a folder and its subfolders",
            icon="mdi6.folder-image",
            section=2,
        ),
        commands.open_import_folder_dialog,
    )
    in_bin = Qt.ShortcutContext.WidgetWithChildrenShortcut
    add_to_timeline = actions.add(
        ActionSpec(
            ACTION_ADD_TO_TIMELINE,
            "Add Selected &Images to Timeline",
            "Scene",
            ("Return", "Enter"),
            tip="New scenes for the images selected in the bin, after the selected scene",
            icon="mdi6.timeline-plus",
            context=in_bin,
        ),
        commands.add_selected_to_timeline,
        widget=view,
    )
    remove = actions.add(
        ActionSpec(
            ACTION_REMOVE,
            "Remove Images from &Bin",
            "Edit",
            QKeySequence.StandardKey.Delete,
            tip="Take the selected images out of the bin (not those the timeline uses)",
            icon="mdi6.image-remove",
            section=2,
            context=in_bin,
        ),
        commands.remove_selected,
        widget=view,
    )
    return BinActions(import_images, import_folder, add_to_timeline, remove)


def add_scenes_after_selection(session: ProjectSession, refs: list[str]) -> list[str] | None:
    """New scenes for `refs` after the selected scene if there is one, else at the end;
    one undo step. The new scenes are selected; their ids, or None when refused."""
    scenes = session.document.storyboard.scenes
    positions = {scene.id: index for index, scene in enumerate(scenes)}
    chosen = [positions[i] for i in session.selected_scene_ids if i in positions]
    at = max(chosen) + 1 if chosen else None
    before = set(positions)
    if not session.edit(lambda p: edits.add_scenes(p, refs, at=at)):
        return None
    added = [s.id for s in session.document.storyboard.scenes if s.id not in before]
    session.select_scenes(added)
    return added


def removal_refusal(document: ProjectDocument, asset_ids: list[str]) -> str | None:
    """Why these images cannot leave the bin (scenes show some of them, named), or None."""
    used = {scene.image.removeprefix(ASSET_PREFIX) for scene in document.storyboard.scenes}
    busy = [asset_id for asset_id in asset_ids if asset_id in used]
    if not busy:
        return None
    assets = document.assets
    names = [assets[key].original_name if key in assets else key[:12] for key in busy]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    verb = "is" if len(busy) == 1 else "are"
    return (
        f"Nothing was removed: {shown} {verb} used by scenes on the timeline. "
        "Delete those scenes first."
    )
