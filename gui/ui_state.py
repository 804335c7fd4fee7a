"""What the app remembers between runs that is not a setting: window geometry and dock
layout, theme, recent projects, last folders. A JSON file in the platformdirs state folder,
written atomically; a damaged or missing file means defaults, never a failed start."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from video_studio.atomic_io import atomic_write_text

_log = logging.getLogger("video_studio.gui.state")
APP_DIR_NAME = "video-studio"
MAX_RECENT = 10


def default_state_path() -> Path:
    return Path(platformdirs.user_state_dir(APP_DIR_NAME, appauthor=False)) / "ui-state.json"


@dataclass
class UiState:
    geometry: str = ""  # QMainWindow.saveGeometry(), base64
    window_state: str = ""  # QMainWindow.saveState(): docks and toolbars, base64
    theme: str = "dark"
    recent_projects: list[str] = field(default_factory=list)
    last_import_folder: str = ""
    last_export_folder: str = ""
    path: Path = field(default_factory=default_state_path, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> UiState:
        target = path or default_state_path()
        try:
            data: Any = json.loads(target.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path=target)
        except (OSError, ValueError) as error:
            _log.warning("ignoring the unreadable UI state %s: %s", target, error)
            return cls(path=target)
        state = cls(path=target)
        if isinstance(data, dict):
            for name in ("geometry", "window_state", "theme", "last_import_folder"):
                if isinstance(data.get(name), str):
                    setattr(state, name, data[name])
            if isinstance(data.get("last_export_folder"), str):
                state.last_export_folder = data["last_export_folder"]
            recent = data.get("recent_projects")
            if isinstance(recent, list):
                state.recent_projects = [p for p in recent if isinstance(p, str)][:MAX_RECENT]
        return state

    def save(self) -> None:
        data = asdict(self)
        del data["path"]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, json.dumps(data, indent=1))
        except OSError as error:  # losing the layout must not stop the app closing
            _log.warning("could not save the UI state to %s: %s", self.path, error)

    def add_recent(self, project_folder: Path) -> None:
        text = str(project_folder)
        self.recent_projects = [text, *(p for p in self.recent_projects if p != text)]
        del self.recent_projects[MAX_RECENT:]

    def forget_recent(self, project_folder: Path) -> None:
        self.recent_projects = [p for p in self.recent_projects if p != str(project_folder)]


def encode_bytes(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_bytes(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except ValueError:
        return b""
