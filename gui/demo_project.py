"""Help > Open Demo Project: the bundled demo (photos, music, logo) as a project of the
user's own, made on first use in the data folder (a copy: edits never touch the bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from gui.actions import ActionSpec
from gui.services import Services
from gui.workers import error_text
from video_studio.error_types import ErrorInfo
from video_studio.jobs import CancelToken

DEMO_FOLDER_NAME = "Demo Project"


def demo_folder(services: Services) -> Path:
    return services.config().storage.base_path / DEMO_FOLDER_NAME


def make_demo_project(folder: Path) -> Path:
    """The demo as a project in `folder` (made once; an existing one is reused)."""
    from video_studio.project import PROJECT_FILE  # noqa: PLC0415 - engine loads on use
    from video_studio.project_from_script import project_from_script  # noqa: PLC0415
    from video_studio.resources import demo_dir  # noqa: PLC0415

    if not (folder / PROJECT_FILE).is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        project_from_script(demo_dir() / "demo.yaml", folder)
    return folder


class DemoProjectOpener(QObject):
    def __init__(self, services: Services) -> None:
        super().__init__(services.window)
        self._services = services
        services.actions.add(
            ActionSpec(
                "help.open_demo",
                "Open &Demo Project",
                "Help",
                tip="Open the bundled demo: five product photos, music and a logo",
                icon="mdi6.movie-open-star-outline",
            ),
            self.open_demo,
        )

    def open_demo(self) -> None:
        folder = demo_folder(self._services)
        self._services.status("Preparing the demo project…", 0)

        def work(cancel: CancelToken, progress: Any) -> Path:
            return make_demo_project(folder)

        self._services.jobs.start(
            "demo project", work, on_success=self._opened, on_failure=self._failed
        )

    def _opened(self, folder: object) -> None:
        opener = self._project_actions()
        if opener is not None and isinstance(folder, Path):
            opener.open_project(folder)

    def _failed(self, info: ErrorInfo) -> None:
        self._services.status(f"The demo project could not be made: {error_text(info)}", 15_000)

    def _project_actions(self) -> Any:
        from gui.project_actions import ProjectActions  # noqa: PLC0415

        for controller in getattr(self._services.window, "controllers", []):
            if isinstance(controller, ProjectActions):
                return controller
        return None
