"""GUI test fixtures: real widgets on the offscreen platform, a project with real photos,
the panels' shared services, and a guard that fails any test leaving a QThread, a thread
pool task or a QTimer running."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import QThread, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from gui.actions import ActionRegistry
from gui.services import Services
from gui.session import ProjectSession
from gui.ui_state import UiState
from gui.workers import JobRunner
from tests.render.conftest import textured_image
from video_studio import edits
from video_studio.config import get_config
from video_studio.project import Project

_SETTLE_SECONDS = 5.0


def _running_qthreads() -> list[QThread]:
    main = QApplication.instance()
    main_thread = main.thread() if main is not None else None
    found = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, QThread) and obj is not main_thread and obj.isRunning():
                found.append(obj)
        except RuntimeError:  # its C++ object is already gone
            continue
    return found


def _active_timers() -> list[QTimer]:
    found = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, QTimer) and obj.isActive():
                found.append(obj)
        except RuntimeError:
            continue
    return found


@pytest.fixture(autouse=True)
def no_leftover_qt_work(qtbot: QtBot) -> Iterator[None]:
    """After the test (and qtbot closing its widgets): nothing of ours still runs."""
    yield
    QApplication.processEvents()
    pool = QThreadPool.globalInstance()
    pool_done = pool.waitForDone(int(_SETTLE_SECONDS * 1000))
    deadline_threads = _running_qthreads()
    if deadline_threads:  # give finishing threads a moment, then judge
        for thread in deadline_threads:
            thread.wait(int(_SETTLE_SECONDS * 1000))
    QApplication.processEvents()
    threads = [t.objectName() or type(t).__name__ for t in _running_qthreads()]
    timers = [
        f"{t.objectName() or 'QTimer'} (parent {type(t.parent()).__name__})"
        for t in _active_timers()
    ]
    problems = []
    if not pool_done or pool.activeThreadCount():
        problems.append(f"{pool.activeThreadCount()} thread pool task(s) still running")
    if threads:
        problems.append(f"QThreads still running: {threads}")
    if timers:
        problems.append(f"QTimers still active: {timers}")
    for timer in _active_timers():
        timer.stop()
    assert not problems, "; ".join(problems)


@pytest.fixture
def photo_files(tmp_path: Path) -> Callable[[int], list[Path]]:
    """`make(n)`: n real JPEG product-like photos (640x480, textured, different seeds)."""

    def make(count: int, width: int = 640, height: int = 480) -> list[Path]:
        folder = tmp_path / "photos"
        folder.mkdir(exist_ok=True)
        paths = []
        for index in range(count):
            path = folder / f"product-{index:03d}.jpg"
            pixels = cv2.cvtColor(textured_image(width, height, seed=index), cv2.COLOR_RGB2BGR)
            assert cv2.imwrite(str(path), pixels)
            paths.append(path)
        return paths

    return make


@pytest.fixture
def project(tmp_path: Path, photo_files: Callable[[int], list[Path]]) -> Project:
    """A saved project with 3 imported photos, each on a 2 s scene."""
    project = Project.create(tmp_path / "launch", "Launch")
    refs = [project.import_image(path) for path in photo_files(3)]
    project.document = edits.add_scenes(project, refs, duration=2.0).after
    project.save()
    return project


@pytest.fixture
def services(qtbot: QtBot, tmp_path: Path) -> Iterator[Services]:
    """The shared services of the panels, around a plain window (no panels)."""
    window = QMainWindow()
    qtbot.addWidget(window)
    session = ProjectSession(window)
    jobs = JobRunner(parent=window)
    messages: list[str] = []

    def status(text: str, timeout_ms: int = 0) -> None:
        messages.append(text)

    made = Services(
        window=window,
        session=session,
        jobs=jobs,
        actions=ActionRegistry(window),
        state=UiState(path=tmp_path / "ui-state.json"),
        config=get_config,
        status=status,
    )
    made.status_messages = messages  # type: ignore[attr-defined]
    yield made
    session.shutdown()
    jobs.shutdown()
