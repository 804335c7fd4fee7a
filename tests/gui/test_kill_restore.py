"""Kill and restore: the real app, started with `gui.app.launch(argv, project)` in another
process, is edited like a person works (a few quick edits, a pause, more edits), killed
with SIGKILL in the middle of a burst, and the project is opened again: the restore
banner is offered and brings back everything but the last few seconds of work."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from gui.project_actions import ProjectActions
from gui.services import Services
from gui.session import AUTOSAVE_INTERVAL
from video_studio.project import Project

pytestmark = pytest.mark.timeout(240)

REPO_ROOT = Path(__file__).resolve().parents[2]
BURST = 3  # edits 0.3 s apart...
PAUSE_TICKS = 12  # ...then 3.6 s without edits, as a person pauses between gestures
KILL_AFTER = 8  # the second edit of the third burst
# Work older than this before the kill must come back: the autosave debounce
# (AUTOSAVE_INTERVAL after the last edit), its 0.5 s timer, and slack for a busy machine.
LOSS_BOUND = AUTOSAVE_INTERVAL + 2.0

# The app, launched the way `video-studio PROJECT` launches it, with a driver that edits
# the first scene's prompt ("edit N") through the session and reports each step.
DRIVER = r"""
import sys, time
from pathlib import Path
from PySide6.QtCore import QTimer
from gui import app as gui_app
from gui.theme import current_theme
from video_studio import edits

project, burst, pause = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
app, window = gui_app.launch(["video-studio"], project)
session = window.services.session
opened = session.project is not None and session.project.folder == project
print(f"ready {opened} {current_theme(app).value}", flush=True)
scene_id = session.document.storyboard.scenes[0].id
state = {"count": 0, "tick": 0}

def saved(_path):
    print(f"autosaved {state['count']} {time.time():.3f}", flush=True)

def step():
    if state["tick"] % (burst + pause) < burst:
        state["count"] += 1
        text = f"edit {state['count']}"
        session.edit(lambda p: edits.update_scenes(p, [scene_id], {"prompt": text}))
        print(f"edit {state['count']} {time.time():.3f}", flush=True)
    state["tick"] += 1

session.autosaved.connect(saved)
timer = QTimer()
timer.timeout.connect(step)
timer.start(300)
sys.exit(app.exec())
"""


class App:
    """The app process and its output lines, read on a plain thread."""

    def __init__(self, folder: Path, home: Path) -> None:
        env = dict(os.environ)
        env.update(
            QT_QPA_PLATFORM="offscreen",
            XDG_STATE_HOME=str(home / "state"),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_CACHE_HOME=str(home / "cache"),
            XDG_DATA_HOME=str(home / "data"),
            PYTHONPATH=str(REPO_ROOT),
        )
        self.stderr_path = home / "stderr.txt"
        with self.stderr_path.open("w", encoding="utf-8") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-c", DRIVER, str(folder), str(BURST), str(PAUSE_TICKS)],
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def next_line(self, timeout: float) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"the app said nothing for {timeout} s; its stderr:\n{self.stderr()}"
            ) from None

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def kill(self) -> float:
        killed_at = time.time()
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return killed_at

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def app_home(tmp_path: Path) -> Path:
    """XDG folders for the app process, with a remembered light theme."""
    home = tmp_path / "home"
    state = home / "state" / "video-studio"
    state.mkdir(parents=True)
    (state / "ui-state.json").write_text(json.dumps({"theme": "light"}), encoding="utf-8")
    return home


@pytest.fixture
def running_app(project: Project, app_home: Path) -> Iterator[App]:
    started = App(project.folder, app_home)
    yield started
    started.stop()


def test_killed_app_restores_all_but_the_last_seconds(
    running_app: App, project: Project, services: Services, qtbot: QtBot
) -> None:
    assert running_app.next_line(timeout=150) == "ready True light"  # theme remembered
    edits_at: dict[int, float] = {}
    autosaved: list[int] = []
    while KILL_AFTER not in edits_at:
        word, number, stamp = running_app.next_line(timeout=30).split()
        if word == "edit":
            edits_at[int(number)] = float(stamp)
        elif word == "autosaved":
            autosaved.append(int(number))
    killed_at = running_app.kill()  # mid-burst: edit 7 and 8 are seconds old at most
    assert running_app.process.returncode == -signal.SIGKILL
    assert Project.open(project.folder).document.storyboard.scenes[0].prompt == ""  # unsaved

    actions = ProjectActions(services)
    try:
        with qtbot.waitSignal(actions.recovery_offered, timeout=20_000):
            assert actions.open_project(project.folder)
        assert actions.banner.message.startswith("Unsaved changes from ")
        QTest.mouseClick(actions.banner.restore_button, Qt.MouseButton.LeftButton)

        session = services.session
        assert session.dirty
        prompt = session.document.storyboard.scenes[0].prompt
        restored = int(prompt.removeprefix("edit "))
        must_have = max(n for n, at in edits_at.items() if killed_at - at > LOSS_BOUND)
        assert autosaved, "no autosave happened before the kill"
        assert restored >= must_have, (restored, must_have, edits_at, autosaved, killed_at)
        assert restored >= autosaved[-1]  # at least the newest copy the app reported
        assert restored <= KILL_AFTER
        lost_seconds = killed_at - edits_at.get(restored + 1, killed_at)
        assert lost_seconds <= LOSS_BOUND, (lost_seconds, edits_at, restored)
        assert actions.save()
        assert Project.open(project.folder).document.storyboard.scenes[0].prompt == prompt
        assert Project.recovery_candidates(project.folder) == []
    finally:
        actions.shutdown()
        for job in services.jobs.jobs():
            job.wait(10)
