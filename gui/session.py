"""The open project, as the GUI sees it: the engine Project, its undo stack of engine edits,
the selection, and debounced autosave to recovery copies.

Every change to the project goes through `perform`/`edit` (one QUndoStack step per gesture);
panels listen to `document_changed` and re-read `session.document`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from gui.responsiveness import freeze_long_lived_objects
from video_studio.config_errors import ConfigError

if TYPE_CHECKING:  # the engine's models load with the first project, not at start-up
    from video_studio import edits
    from video_studio.autosave import Autosaver
    from video_studio.project import Project
    from video_studio.project_document import ProjectDocument
    from video_studio.storyboard import Storyboard

_log = logging.getLogger("video_studio.gui.session")

AUTOSAVE_INTERVAL = 2.0  # seconds after the last change of a burst
AUTOSAVE_KEEP = 3  # rotated recovery copies
AUTOSAVE_MAX_DELAY = 4.0  # seconds: unbroken editing (a long drag) is copied this often
_AUTOSAVE_TICK_MS = 500
_MERGE_ID = 1  # QUndoCommand.id() of edits that can merge (same merge_key)


class EditCommand(QUndoCommand):
    """An engine Edit on the undo stack. The first redo() is the push itself."""

    def __init__(self, session: ProjectSession, edit: edits.Edit) -> None:
        super().__init__(edit.label)
        self._session = session
        self.edit = edit

    def id(self) -> int:
        return _MERGE_ID if self.edit.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, EditCommand) or other.edit.merge_key != self.edit.merge_key:
            return False
        self.edit = self.edit.merged_with(other.edit)
        self.setText(self.edit.label)
        self.setObsolete(self.edit.changes_nothing)  # a gesture back to where it began
        return True

    def redo(self) -> None:
        self._session._set_document(self.edit, undo=False)

    def undo(self) -> None:
        self._session._set_document(self.edit, undo=True)


class ProjectSession(QObject):
    project_changed = Signal()  # another project was opened, created or closed
    document_changed = Signal()  # an edit, undo or redo replaced the document
    selection_changed = Signal()  # the selected scenes changed
    dirty_changed = Signal(bool)
    error_raised = Signal(str)  # an edit refused: the plain reason, for the status bar
    autosaved = Signal(str)  # the recovery copy written
    playhead_changed = Signal(float)  # seconds into the video (preview, timeline)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._selected: list[str] = []
        self._restored = False  # the project came from a recovery copy and is not saved
        self._playhead = 0.0
        self._autosaver: Autosaver | None = None
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(_AUTOSAVE_TICK_MS)
        self._autosave_timer.timeout.connect(self._autosave_tick)

    def _clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean or self._restored)

    # --- the project ------------------------------------------------------------------------

    @property
    def document(self) -> ProjectDocument:
        if self.project is None:
            raise RuntimeError("no project is open")
        return self.project.document

    @property
    def has_project(self) -> bool:
        return self.project is not None

    @property
    def dirty(self) -> bool:
        return self.project is not None and (not self.undo_stack.isClean() or self._restored)

    def set_project(self, project: Project | None, *, dirty: bool = False) -> None:
        """Show `project` (None: none). `dirty`: it holds unsaved work (a restored copy)."""
        self._autosave_timer.stop()
        if self._autosaver is not None and self.project is not None:
            self._flush_autosave()
        self.project = project
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._restored = dirty
        self._selected = []
        self._autosaver = None
        if project is not None:
            from video_studio.autosave import Autosaver  # noqa: PLC0415

            self._autosaver = Autosaver(
                project,
                interval=AUTOSAVE_INTERVAL,
                keep=AUTOSAVE_KEEP,
                max_delay=AUTOSAVE_MAX_DELAY,
            )
            self._autosave_timer.start()
            if dirty:
                project.mark_dirty()
                self._autosaver.touch()
        self.project_changed.emit()
        self.document_changed.emit()
        self.selection_changed.emit()
        self.dirty_changed.emit(self.dirty)
        freeze_long_lived_objects()  # the project's models and the panels' views of it

    def save(self) -> None:
        """Write project.json (raises what Project.save raises: the caller reports it)."""
        if self.project is None:
            return
        self.project.save()
        self._restored = False
        self.undo_stack.setClean()
        self.dirty_changed.emit(False)

    def storyboard_problem(self) -> str | None:
        """Why there is nothing to render or preview, in plain words; None when there is."""
        if self.project is None:
            return "No project is open."
        if not self.project.document.storyboard.scenes:
            return "The timeline is empty: add images from the Image Bin."
        try:
            self.project.storyboard()
        except ConfigError as error:
            return _reason(error)
        return None

    def storyboard(self) -> Storyboard | None:
        """The storyboard for rendering and preview; None while it cannot be (no scenes,
        or a scene whose image is missing)."""
        if self.project is None or not self.project.document.storyboard.scenes:
            return None
        try:
            return self.project.storyboard()
        except ConfigError:
            return None

    def shutdown(self) -> None:
        """Stop the autosave timer (after a last copy of pending work)."""
        self._autosave_timer.stop()
        self._flush_autosave()

    # --- editing --------------------------------------------------------------------------

    def perform(self, edit: edits.Edit) -> None:
        """Push an edit (applied now, undoable as one step)."""
        if edit.changes_nothing:
            return
        self.undo_stack.push(EditCommand(self, edit))

    def edit(self, make: Callable[[Project], edits.Edit]) -> bool:
        """Make and push an edit; a refused edit is reported and changes nothing."""
        if self.project is None:
            return False
        try:
            edit = make(self.project)
        except ConfigError as error:
            self.error_raised.emit(_reason(error))
            return False
        self.perform(edit)
        return True

    def _set_document(self, edit: edits.Edit, *, undo: bool) -> None:
        from video_studio import edits  # noqa: PLC0415

        if self.project is None:
            return
        if undo:
            edits.revert(self.project, edit)
        else:
            edits.apply(self.project, edit)
        known = {scene.id for scene in self.project.document.storyboard.scenes}
        kept = [scene_id for scene_id in self._selected if scene_id in known]
        if self._autosaver is not None:
            self._autosaver.touch()
        self.document_changed.emit()
        if kept != self._selected:
            self._selected = kept
            self.selection_changed.emit()

    # --- selection ------------------------------------------------------------------------

    @property
    def selected_scene_ids(self) -> list[str]:
        return list(self._selected)

    def select_scenes(self, ids: Iterable[str]) -> None:
        chosen = list(dict.fromkeys(ids))
        if chosen != self._selected:
            self._selected = chosen
            self.selection_changed.emit()

    # --- the playhead -----------------------------------------------------------------------

    @property
    def playhead(self) -> float:
        return self._playhead

    def set_playhead(self, seconds: float) -> None:
        """Where preview and timeline stand, clamped to the video."""
        end = 0.0
        if self.project is not None:
            end = self.project.document.storyboard.duration  # intro and outro cards included
        seconds = min(max(0.0, float(seconds)), end)
        if seconds != self._playhead:
            self._playhead = seconds
            self.playhead_changed.emit(seconds)

    # --- autosave ---------------------------------------------------------------------------

    def _autosave_tick(self) -> None:
        if self._autosaver is None:
            return
        try:
            written = self._autosaver.maybe_save()
        except OSError as error:
            _log.warning("autosave failed: %s", error)
            return
        if written is not None:
            self.autosaved.emit(str(written))

    def _flush_autosave(self) -> None:
        if self._autosaver is None:
            return
        try:
            self._autosaver.flush()
        except OSError as error:
            _log.warning("autosave failed: %s", error)


def _reason(error: ConfigError) -> str:
    return "; ".join(str(issue) for issue in error.issues) or str(error)
