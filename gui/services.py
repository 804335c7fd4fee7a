"""What every panel of the window shares: the open project, the job runner, the action
registry, the remembered UI state and the engine config. Panels take it in their
constructor: `Panel(services, parent)`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QMainWindow

from gui.actions import ActionRegistry
from gui.session import ProjectSession
from gui.ui_state import UiState
from gui.workers import JobRunner
from video_studio.config import VideoStudioConfig

if TYPE_CHECKING:
    from gui.generation import GenerationController


class StatusSink(Protocol):
    def __call__(self, text: str, timeout_ms: int = ...) -> None: ...


@dataclass
class Services:
    window: QMainWindow
    session: ProjectSession
    jobs: JobRunner
    actions: ActionRegistry
    state: UiState
    config: Callable[[], VideoStudioConfig]  # the current config (it can be hot-reloaded)
    status: StatusSink  # a message in the status bar
    # Set by the window once the generation panel exists; None until then.
    generation: GenerationController | None = field(default=None)
