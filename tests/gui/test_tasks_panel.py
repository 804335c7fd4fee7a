"""The Tasks dock: rows with progress and queue place against the Luma emulator, a failure's
plain message and its recovery buttons, Cancel and Retry clicked, the breaker alert, the
monitoring table, Clear finished; and nothing left running."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from gui.actions import ActionSpec
from gui.docks.tasks import TasksPanel
from gui.services import Services
from gui.widgets.monitoring_view import BREAKER_COLUMN
from gui.widgets.task_row import TaskRow
from tests.emulators.image_host import ImageHost
from tests.emulators.luma import LumaEmulator
from tests.gui.test_generation import (
    MakeController,
    luma_config,
    make_controller,  # noqa: F401 - a fixture
    messages,
    quick_local_project,
    sample_mp4,  # noqa: F401 - a fixture
    scene_ids,
    scripted,
    status_is,
    use_model,
    wait_for,
    workflow_threads,
)
from tests.workflow.conftest import make_config, registry_of
from tests.workflow.scripted_adapter import Step
from video_studio.config import set_config
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.models import TaskInfo, TaskStatus
from video_studio.project import Project

pytestmark = pytest.mark.timeout(120)

S = TaskStatus
MakePanel = Callable[[], TasksPanel]


@pytest.fixture
def make_panel(qtbot: QtBot, services: Services) -> Iterator[MakePanel]:
    made: list[TasksPanel] = []

    def make() -> TasksPanel:
        panel = TasksPanel(services, None)
        qtbot.addWidget(panel)
        panel.resize(520, 600)
        panel.show()
        made.append(panel)
        return panel

    yield make
    for panel in made:
        panel.shutdown()
        if panel.monitoring is not None:
            assert not panel.monitoring.auto_refreshing


def row_of(panel: TasksPanel, info: TaskInfo) -> TaskRow:
    return panel.rows[info.task_id]


def click(button: QPushButton) -> None:
    assert button.isVisible(), button.text()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_without_generation_the_panel_says_it_is_unavailable(
    qtbot: QtBot, services: Services
) -> None:
    assert services.generation is None
    panel = TasksPanel(services, None)
    qtbot.addWidget(panel)
    assert "unavailable" in panel.unavailable.text()
    panel.shutdown()


def test_rows_show_queue_places_and_progress_until_the_luma_clips_are_in(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,  # noqa: F811 - the fixture
    make_panel: MakePanel,
    luma_emulator: LumaEmulator,
    image_host: ImageHost,
) -> None:
    luma_emulator.polls_to_finish = 4
    luma_emulator.queue_steps = 2
    set_config(luma_config(luma_emulator, image_host, workflow={"max_concurrent_tasks": 1}))
    controller = make_controller()
    panel = make_panel()
    assert panel.empty.isVisible() and panel.rows == {}
    services.session.set_project(use_model(project, "luma"))
    seen: list[tuple[str, str, str, int, bool]] = []

    def note(info: TaskInfo) -> None:  # after the panel's own slot showed it
        row = row_of(panel, info)
        seen.append(
            (
                row.title.text(),
                row.queue.text(),
                row.message.text(),
                row.progress.value(),
                not row.cancel_button.isHidden(),
            )
        )

    controller.task_updated.connect(note)
    controller.generate_all()
    qtbot.waitUntil(lambda: len(panel.rows) == 3)
    qtbot.waitUntil(
        lambda: all(i.status is S.COMPLETED for i in controller.tasks()), timeout=30_000
    )

    titles = {title for title, *_ in seen}
    assert titles == {f"Scene {n} · Luma Dream Machine" for n in (1, 2, 3)}
    queues = {queue for _, queue, *_ in seen}
    assert {"1 ahead", "next"} <= queues  # one runs at a time: the others wait their turn
    assert any("Luma's queue" in message for _, _, message, _, _ in seen)  # the service's
    assert any(0 < value < 1000 for _, _, _, value, _ in seen)
    assert all(cancel for _, queue, *_, cancel in seen if queue)  # waiting: can cancel
    for info in controller.tasks():
        row = row_of(panel, info)
        assert row.state.text() == "Done"
        assert not row.progress.isVisible() and not row.cancel_button.isVisible()
        assert not row.retry_button.isVisible()
        assert info.remote_job_id and f"Remote job: {info.remote_job_id}" in row.toolTip()
    assert panel.summary.text() == "0 running or queued, 3 finished"

    click(panel.clear_button)
    assert panel.rows == {} and controller.tasks() == []
    assert panel.empty.isVisible()


def test_a_failure_shows_its_message_and_what_can_be_done(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,  # noqa: F811
    make_panel: MakePanel,
    luma_emulator: LumaEmulator,
    image_host: ImageHost,
) -> None:
    set_config(luma_config(luma_emulator, image_host, api_key="luma-wrong-key-0000000000"))
    controller = make_controller()
    panel = make_panel()
    session = services.session
    session.set_project(use_model(quick_local_project(project), "luma"))
    first = scene_ids(project)[0]
    controller.generate([first])
    failed = wait_for(qtbot, controller, lambda i: i.is_terminal)
    assert failed.status is S.FAILED
    row = row_of(panel, failed)

    assert row.state.text() == "Failed"
    assert row.error.isVisible() and row.error.text() == failed.error_message
    assert "API key" in row.error.text() and "Traceback" not in row.error.text()
    check_key = row.findChild(QPushButton, "recovery_check_api_key")
    assert check_key is not None and check_key.text() == "Check the API key in Settings"
    assert not row.cancel_button.isVisible()

    click(check_key)  # no Settings action in this window: it says where to go
    assert "Open Settings" in messages(services)[-1]
    opened: list[bool] = []
    services.actions.add(
        ActionSpec("edit.settings", "&Settings...", "Edit"), lambda: opened.append(True)
    )
    click(check_key)
    assert opened == [True]

    use_local = row.findChild(QPushButton, "recovery_use_local_engine")
    assert use_local is not None and use_local.text() == "Use the local engine"
    click(use_local)
    assert session.document.storyboard.scenes[0].model == "local"
    assert session.undo_stack.undoText() == "Use the local engine for scene 1"
    done = wait_for(qtbot, controller, status_is(S.COMPLETED), timeout=90)
    assert done.model == "local"
    assert session.document.storyboard.scenes[0].clip is not None
    assert failed.task_id not in panel.rows  # replaced by the local one
    assert row_of(panel, done).title.text() == "Scene 1 · Local engine"


def test_cancel_and_retry_buttons(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,  # noqa: F811
    make_panel: MakePanel,
    sample_mp4: Path,  # noqa: F811
) -> None:
    gate = threading.Event()
    adapter = scripted(sample_mp4, default=Step(accept=True, gate=gate))
    set_config(make_config())
    controller = make_controller(registry_of({"luma": adapter}))
    panel = make_panel()
    services.session.set_project(use_model(project, "luma"))
    controller.generate(scene_ids(project)[:1])
    running = wait_for(qtbot, controller, lambda i: i.remote_job_id is not None)
    row = row_of(panel, running)
    assert row.state.text() == "Running" and not row.retry_button.isVisible()

    click(row.cancel_button)
    qtbot.waitUntil(lambda: row.state.text() == "Cancelled")
    assert row.message.text() == "Cancelled."
    assert not row.cancel_button.isVisible() and not row.progress.isVisible()
    assert adapter.cancelled_jobs == ["luma-job-1"]

    click(row.retry_button)
    qtbot.waitUntil(lambda: row.state.text() == "Running")
    assert row.cancel_button.isVisible() and not row.retry_button.isVisible()
    gate.set()
    qtbot.waitUntil(lambda: row.state.text() == "Done")
    assert panel.rows.keys() == {running.task_id}  # the same task, queued again
    assert services.session.document.storyboard.scenes[0].clip is not None


def test_breaker_alert_and_monitoring_table(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,  # noqa: F811
    make_panel: MakePanel,
    sample_mp4: Path,  # noqa: F811
) -> None:
    down = VideoStudioError(
        VideoStudioErrorType.SERVICE_UNAVAILABLE, "Luma is down.", retryable=False
    )
    adapter = scripted(sample_mp4, Step(error=down))
    cooldown = 0.5
    set_config(
        make_config(
            workflow={
                "circuit_breaker_failure_threshold": 1,
                "circuit_breaker_cooldown_seconds": cooldown,
            }
        )
    )
    controller = make_controller(registry_of({"luma": adapter}))
    panel = make_panel()
    alerts: list[str] = []
    controller.breaker_alert.connect(alerts.append)
    services.session.set_project(use_model(project, "luma"))
    monitoring = panel.monitoring
    assert monitoring is not None and not monitoring.auto_refreshing  # not shown yet

    controller.generate(scene_ids(project)[:1])
    failed = wait_for(qtbot, controller, status_is(S.FAILED))
    opened_at = time.monotonic()
    qtbot.waitUntil(panel.banner.isVisible)
    assert alerts and "paused" in alerts[0]
    assert panel.banner_text.text() == alerts[0]

    panel.tabs.setCurrentWidget(monitoring)  # shown: read now, then every few seconds
    assert monitoring.auto_refreshing
    [cells] = monitoring.rows()
    assert cells[:6] == ["Luma Dream Machine", "1", "0%", "–", "0", "0"]
    assert cells[BREAKER_COLUMN] == "open"
    table = monitoring.table
    table.resize(220, 200)  # a narrow dock: the name still shows whole (it scrolls)
    qtbot.wait(20)
    name_width = table.fontMetrics().horizontalAdvance("Luma Dream Machine")
    assert table.columnWidth(0) >= name_width
    panel.tabs.setCurrentIndex(0)
    assert not monitoring.auto_refreshing

    row = row_of(panel, failed)
    assert row.error.text() == failed.error_message
    again = row.findChild(QPushButton, "recovery_retry_later")
    assert again is not None and again.text() == "Try again later"
    assert not row.retry_button.isVisible()  # the recovery button is the retry
    qtbot.wait(max(0, int((cooldown - (time.monotonic() - opened_at)) * 1000) + 100))
    click(again)
    qtbot.waitUntil(lambda: row.state.text() == "Done")
    qtbot.waitUntil(lambda: not panel.banner.isVisible())  # the service works again

    panel.tabs.setCurrentWidget(monitoring)
    [cells] = monitoring.rows()
    assert cells[1:3] == ["2", "50%"] and cells[BREAKER_COLUMN] == "closed"
    panel.tabs.setCurrentIndex(0)


def test_the_banner_can_be_dismissed_and_closing_leaves_nothing_running(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,  # noqa: F811
    make_panel: MakePanel,
    sample_mp4: Path,  # noqa: F811
) -> None:
    down = VideoStudioError(VideoStudioErrorType.SERVICE_UNAVAILABLE, "Down.", retryable=False)
    adapter = scripted(sample_mp4, Step(error=down))
    set_config(make_config(workflow={"circuit_breaker_failure_threshold": 1}))  # 60 s pause
    controller = make_controller(registry_of({"luma": adapter}))
    panel = make_panel()
    services.session.set_project(use_model(project, "luma"))
    controller.generate(scene_ids(project)[:1])
    qtbot.waitUntil(panel.banner.isVisible)
    close = panel.banner.findChild(QToolButton, "breaker_banner_dismiss")
    assert close is not None
    QTest.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not panel.banner.isVisible()
    assert controller.open_breakers()  # still open: only the alert is hidden

    controller.generate(scene_ids(project)[1:])  # waits for the paused service
    qtbot.waitUntil(lambda: len(panel.rows) == 3)
    waiting = [i for i in controller.tasks() if not i.is_terminal]
    assert waiting and all(i.status is S.QUEUED for i in waiting)
    qtbot.waitUntil(
        lambda: any("paused" in row.message.text() for row in panel.rows.values()), timeout=5000
    )

    panel.shutdown()
    controller.shutdown()
    assert workflow_threads() == []
    assert panel.monitoring is not None and not panel.monitoring.auto_refreshing
