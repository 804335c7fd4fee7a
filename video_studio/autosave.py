"""Debounced autosave to rotated recovery copies, and finding them again after a crash.

Copies live in `<project>/.recovery/autosave-<n>.json` (1 is the newest) in the project.json
layout, with `modified` set to when the copy was written. They never touch project.json; a
clean save removes them, so any copy newer than project.json holds unsaved work.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from video_studio.atomic_io import atomic_write_text
from video_studio.config_errors import ConfigError
from video_studio.project_document import (
    document_modified,
    document_text,
    read_document,
    utc_now,
)

if TYPE_CHECKING:
    from video_studio.project import Project

RECOVERY_DIR = ".recovery"
_PREFIX, _SUFFIX = "autosave-", ".json"

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecoveryCopy:
    path: Path
    saved_at: datetime  # UTC
    scene_count: int


def recovery_dir(folder: Path) -> Path:
    return folder / RECOVERY_DIR


def copy_path(folder: Path, number: int) -> Path:
    return recovery_dir(folder) / f"{_PREFIX}{number}{_SUFFIX}"


class Autosaver:
    """Writes the project to a recovery copy `interval` seconds after the last change of a
    burst. The GUI calls `touch()` on each edit and `maybe_save()` from a timer.

    So that a long unbroken burst (dragging for a minute) is not left unsaved, a copy is
    also written once changes have been pending for `max_delay` seconds.
    """

    def __init__(
        self,
        project: Project,
        *,
        interval: float = 2.0,
        keep: int = 3,
        clock: Callable[[], float] = time.monotonic,
        max_delay: float | None = None,
    ) -> None:
        if interval < 0 or keep < 1:
            raise ValueError("interval must be >= 0 and keep >= 1")
        self._project = project
        self._interval = interval
        self._keep = keep
        self._clock = clock
        self._max_delay = 10 * interval if max_delay is None else max_delay
        self._first_change: float | None = None
        self._last_change = 0.0

    @property
    def pending(self) -> bool:
        return self._first_change is not None

    def touch(self) -> None:
        """Mark a change; the copy waits until the changes stop for `interval` seconds."""
        now = self._clock()
        if self._first_change is None:
            self._first_change = now
        self._last_change = now

    def maybe_save(self) -> Path | None:
        """Write a copy if the changes have settled (or waited too long); its path, or None."""
        if self._first_change is None:
            return None
        now = self._clock()
        settled = now - self._last_change >= self._interval
        overdue = now - self._first_change >= self._max_delay
        return self.flush() if settled or overdue else None

    def flush(self) -> Path | None:
        """Write a copy now if changes are pending and not yet saved to project.json."""
        if self._first_change is None:
            return None
        if not self._project.dirty:
            self._first_change = None
            return None  # saved meanwhile: a copy would only prompt a needless restore
        folder = self._project.folder
        self._rotate(folder)
        snapshot = self._project.document.model_copy(update={"modified": utc_now()})
        target = copy_path(folder, 1)
        atomic_write_text(target, document_text(snapshot))
        self._first_change = None  # only now: a failed write is tried again next time
        return target

    def _rotate(self, folder: Path) -> None:
        copy_path(folder, self._keep).unlink(missing_ok=True)
        for number in range(self._keep - 1, 0, -1):
            older = copy_path(folder, number)
            if older.exists():
                older.replace(copy_path(folder, number + 1))


def recovery_candidates(folder: Path, project_json: Path) -> list[RecoveryCopy]:
    """Readable recovery copies newer than `project_json`, newest first."""
    saved = document_modified(project_json)
    found: list[RecoveryCopy] = []
    for path in sorted(recovery_dir(folder).glob(f"{_PREFIX}*{_SUFFIX}")):
        try:
            document, _version = read_document(path)
        except (ConfigError, OSError) as error:
            _log.warning("skipping unreadable recovery copy %s: %s", path, error)
            continue
        if saved is None or document.modified > saved:
            found.append(RecoveryCopy(path, document.modified, len(document.storyboard.scenes)))
    return sorted(found, key=lambda copy: copy.saved_at, reverse=True)


def discard_recovery(folder: Path) -> None:
    """Delete the recovery copies (after a clean save, or when the user declines them)."""
    folder_of_copies = recovery_dir(folder)
    for path in folder_of_copies.glob(f"{_PREFIX}*{_SUFFIX}"):
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder_of_copies.rmdir()
