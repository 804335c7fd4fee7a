"""The GenerationController: the real local engine and the Luma emulator make clips that
land in their scenes as one undo step; cloud jobs are recorded in project.json (and only
they: unsaved edits stay unsaved), survive undo, and survive closing the app (resumed, not
cancelled, not paid twice); cancel, retry, a removed scene, new settings; no thread left."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from gui.actions import ActionRegistry
from gui.generation import GenerationController, SceneOrder, build_request
from gui.services import Services
from gui.session import ProjectSession
from gui.ui_state import UiState
from gui.workers import JobRunner
from tests.emulators.image_host import ImageHost
from tests.emulators.luma import LumaEmulator
from tests.render.conftest import probe
from tests.workflow.conftest import make_config, registry_of, write_sample_clip
from tests.workflow.scripted_adapter import ScriptedAdapter, Step
from video_studio import edits
from video_studio.adapters.base import Capabilities, GenerationRequest
from video_studio.adapters.local import CAPABILITIES as LOCAL_CAPABILITIES
from video_studio.adapters.registry import AdapterRegistry
from video_studio.config import VideoStudioConfig, get_config, set_config
from video_studio.error_types import RecoveryAction
from video_studio.media_formats import AspectRatio, VideoQuality
from video_studio.models import MotionSpec, TaskInfo, TaskStatus
from video_studio.project import Project

pytestmark = pytest.mark.timeout(120)

S = TaskStatus
MakeController = Callable[..., GenerationController]


# --- helpers, also used by test_tasks_panel.py --------------------------------------------


def workflow_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("video-studio-generation")]


def scene_ids(project: Project) -> list[str]:
    return [scene.id for scene in project.document.storyboard.scenes]


def saved_jobs(project: Project) -> dict[str, Any]:
    """The remote-job records in project.json on disk."""
    data = json.loads(project.json_path.read_text(encoding="utf-8"))
    jobs: dict[str, Any] = data.get("remote_jobs", {})
    return jobs


def quick_local_project(project: Project) -> Project:
    """Scenes of 1 s at 10 fps and 720p: the local engine renders one in a moment."""
    project.document = edits.update_project(project, {"fps": 10, "quality": "720p"}).after
    project.document = edits.set_durations(project, scene_ids(project), 1.0).after
    project.save()
    return project


def use_model(project: Project, model: str) -> Project:
    project.document = edits.update_scenes(project, scene_ids(project), {"model": model}).after
    project.save()
    return project


def luma_config(
    luma: LumaEmulator,
    host: ImageHost,
    *,
    api_key: str | None = None,
    workflow: dict[str, Any] | None = None,
) -> VideoStudioConfig:
    return VideoStudioConfig.from_dict(
        {
            "models": {
                "luma": {
                    "base_url": luma.base_url,
                    "api_key": api_key or luma.api_key,
                    "image_host_url": host.root_url + "/images",
                    "poll_interval_seconds": 0.05,
                    "request_timeout_seconds": 5.0,
                }
            },
            "workflow": {
                "retry_base_delay_seconds": 0.01,
                "retry_max_delay_seconds": 0.05,
                **(workflow or {}),
            },
        },
        environment=False,
    )


def scripted(sample: Path, *steps: Step, default: Step | None = None) -> ScriptedAdapter:
    """A scripted "luma" adapter whose clips are real MP4 files."""
    return ScriptedAdapter(
        name="luma", steps=list(steps), default=default or Step(), sample_clip=sample
    )


def wait_for(
    qtbot: QtBot,
    controller: GenerationController,
    check: Callable[[TaskInfo], bool],
    timeout: float = 30.0,
) -> TaskInfo:
    """The first task, once it satisfies `check` (events are handled meanwhile)."""
    qtbot.waitUntil(
        lambda: any(check(info) for info in controller.tasks()), timeout=int(timeout * 1000)
    )
    return next(info for info in controller.tasks() if check(info))


def status_is(*statuses: TaskStatus) -> Callable[[TaskInfo], bool]:
    return lambda info: info.status in statuses


def make_services(qtbot: QtBot, folder: Path) -> Services:
    """Another set of the shared services (a second window, as after a restart)."""
    window = QMainWindow()
    qtbot.addWidget(window)
    return Services(
        window=window,
        session=ProjectSession(window),
        jobs=JobRunner(parent=window),
        actions=ActionRegistry(window),
        state=UiState(path=folder / "ui-state-2.json"),
        config=get_config,
        status=lambda text, timeout_ms=0: None,
    )


@pytest.fixture
def sample_mp4(tmp_path: Path) -> Path:
    return write_sample_clip(tmp_path / "sample.mp4")


@pytest.fixture
def make_controller(services: Services) -> Iterator[MakeController]:
    """`make(services=..., registry=...)`; every controller is shut down afterwards, which
    must leave no workflow thread."""
    made: list[tuple[GenerationController, Services]] = []

    def make(
        registry: AdapterRegistry | None = None, on: Services | None = None
    ) -> GenerationController:
        target = on or services
        controller = GenerationController(target, registry=registry)
        target.generation = controller
        made.append((controller, target))
        return controller

    yield make
    for controller, target in made:
        controller.shutdown()
        target.session.shutdown()
        target.jobs.shutdown()
    assert workflow_threads() == []


def messages(services: Services) -> list[str]:
    found: list[str] = services.status_messages  # type: ignore[attr-defined]
    return found


# --- requests -------------------------------------------------------------------------------


def test_requests_fit_what_the_model_makes(tmp_path: Path) -> None:
    order = SceneOrder(
        scene_id="s1",
        index=0,
        model="local",
        image=tmp_path / "a.jpg",
        prompt="slow push in",
        duration=2.0,
        motion=MotionSpec(type="zoom_in"),
        aspect_ratio=AspectRatio.PORTRAIT,
        quality=VideoQuality.UHD_4K,
        fps=24,
        output_dir=tmp_path / "clips",
    )
    local = build_request(order, LOCAL_CAPABILITIES)
    assert (local.duration, local.resolution, local.fps) == (2.0, "1080p", 24)
    assert local.aspect_ratio is AspectRatio.PORTRAIT and local.scene_id == "s1"
    assert local.motion == order.motion and local.output_dir == tmp_path / "clips"
    cloud = Capabilities(
        aspect_ratios=(AspectRatio.SQUARE,),
        durations=(5.0, 9.0),
        resolutions=("540p", "720p"),
        max_image_bytes=None,
    )

    def fitted(**changes: Any) -> GenerationRequest:
        return build_request(dataclasses.replace(order, model="luma", **changes), cloud)

    assert fitted(duration=2.0).duration == 5.0  # the shortest that is long enough
    assert fitted(duration=7.0).duration == 9.0
    assert fitted(duration=12.0).duration == 9.0  # the longest it makes
    assert fitted(duration=9.0).duration == 9.0
    assert fitted().aspect_ratio is AspectRatio.SQUARE
    assert fitted().resolution == "720p"  # the nearest lower one
    assert fitted().motion is None  # cloud models follow the prompt
    assert fitted().prompt == "slow push in"
    assert build_request(order, None).resolution == "4k"  # unknown model: asked as it is


# --- the local engine -------------------------------------------------------------------------


def test_local_engine_clip_lands_in_its_scene_as_one_undo_step(
    qtbot: QtBot, services: Services, project: Project, make_controller: MakeController
) -> None:
    quick_local_project(project)
    controller = make_controller()
    services.session.set_project(project)
    seen: list[TaskInfo] = []
    controller.task_updated.connect(seen.append)
    first = scene_ids(project)[0]

    controller.generate([first])
    info = wait_for(qtbot, controller, lambda i: i.is_terminal, timeout=90)

    assert info.status is S.COMPLETED, info.error_message
    assert info.model == "local" and info.scene_index == 0
    assert {i.status for i in seen} >= {S.QUEUED, S.RUNNING, S.COMPLETED}
    assert any(0 < i.progress < 1 for i in seen if i.status is S.RUNNING)
    scene = services.session.document.storyboard.scenes[0]
    assert scene.clip is not None and scene.clip.startswith("clips/")  # portable
    clip = project.resolved_path(scene.clip)
    facts = probe(clip)
    assert (facts.width, facts.height, facts.frames) == (1280, 720, 10)
    stack = services.session.undo_stack
    assert stack.count() == 1 and stack.undoText() == "Generated clip for scene 1"
    assert services.session.dirty
    stack.undo()
    assert services.session.document.storyboard.scenes[0].clip is None
    assert clip.is_file()  # undo keeps the file: redo brings the clip back
    stack.redo()
    assert services.session.document.storyboard.scenes[0].clip == scene.clip

    controller.shutdown()
    assert workflow_threads() == []


def test_generate_actions_and_their_shortcuts(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,
    sample_mp4: Path,
) -> None:
    adapter = scripted(sample_mp4)
    set_config(make_config())
    controller = make_controller(registry_of({"luma": adapter}))
    actions = services.actions
    selected, every = actions.action("generate.selected"), actions.action("generate.all")
    assert selected.shortcut() == QKeySequence("Ctrl+G")
    assert every.shortcut() == QKeySequence("Ctrl+Shift+G")
    assert "generate.cancel_all" in actions
    assert not selected.isEnabled() and not every.isEnabled()  # no project yet

    services.session.set_project(use_model(project, "luma"))
    assert every.isEnabled() and not selected.isEnabled()  # nothing selected
    services.session.select_scenes(scene_ids(project)[1:])
    assert selected.isEnabled()
    selected.trigger()
    qtbot.waitUntil(lambda: len(controller.tasks()) == 2)
    qtbot.waitUntil(lambda: all(i.status is S.COMPLETED for i in controller.tasks()))
    assert sorted(call.request.scene_id for call in adapter.calls) == sorted(scene_ids(project)[1:])
    assert services.session.undo_stack.count() == 2  # one step per clip

    every.trigger()  # the cache answers the two made before; the first one is new
    qtbot.waitUntil(lambda: len(controller.tasks()) == 5)
    qtbot.waitUntil(lambda: all(i.status is S.COMPLETED for i in controller.tasks()))
    assert len(adapter.calls) == 3
    clips = [scene.clip for scene in services.session.document.storyboard.scenes]
    assert all(clip and clip.startswith("clips/") for clip in clips)


# --- cloud: the Luma emulator ------------------------------------------------------------------


def test_luma_generation_records_its_job_in_the_saved_file_only(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,
    luma_emulator: LumaEmulator,
    image_host: ImageHost,
) -> None:
    set_config(luma_config(luma_emulator, image_host))
    luma_emulator.polls_to_finish = 1_000_000  # runs until the test lets it finish
    controller = make_controller()
    session = services.session
    session.set_project(use_model(project, "luma"))
    first, _, third = scene_ids(project)
    session.edit(lambda p: edits.set_durations(p, [third], 4.0))  # unsaved work
    assert session.dirty

    controller.generate([first])
    qtbot.waitUntil(lambda: first in saved_jobs(project), timeout=20_000)

    [job] = luma_emulator.created_jobs
    assert saved_jobs(project)[first]["job_id"] == job.id
    on_disk = Project.open(project.folder).document
    assert on_disk.storyboard.scenes[2].duration == 2.0  # the unsaved edit stays unsaved
    assert session.dirty
    session.undo_stack.undo()  # the edit's older document has no record: it is kept
    assert first in session.document.remote_jobs
    assert wait_for(qtbot, controller, lambda i: i.remote_job_id == job.id).status is S.RUNNING

    luma_emulator.polls_to_finish = 1
    info = wait_for(qtbot, controller, status_is(S.COMPLETED, S.FAILED))
    assert info.status is S.COMPLETED, info.error_message
    assert info.remote_job_id == job.id
    assert saved_jobs(project) == {}  # forgotten once the clip is in
    assert session.document.remote_jobs == {}
    scene = session.document.storyboard.scenes[0]
    assert scene.clip is not None
    assert probe(project.resolved_path(scene.clip)).frames > 0
    assert len(luma_emulator.created_jobs) == 1


def test_a_wrong_api_key_fails_plainly_and_new_settings_apply_on_retry(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,
    luma_emulator: LumaEmulator,
    image_host: ImageHost,
) -> None:
    set_config(luma_config(luma_emulator, image_host, api_key="luma-wrong-key-0000000000"))
    controller = make_controller()
    services.session.set_project(use_model(project, "luma"))
    first = scene_ids(project)[0]

    controller.generate([first])
    failed = wait_for(qtbot, controller, lambda i: i.is_terminal)

    assert failed.status is S.FAILED
    assert failed.error_message and "API key" in failed.error_message
    assert "Traceback" not in failed.error_message and "Error(" not in failed.error_message
    assert RecoveryAction.CHECK_API_KEY.value in failed.metadata["recovery_actions"]
    assert any("API key" in text for text in messages(services))
    assert luma_emulator.created_jobs == []

    set_config(luma_config(luma_emulator, image_host))  # the key fixed in Settings
    controller.retry(failed.task_id)
    done = wait_for(qtbot, controller, lambda i: i.status is S.COMPLETED)
    assert done.task_id != failed.task_id  # made anew with the new settings
    assert [i.task_id for i in controller.tasks()] == [done.task_id]
    assert services.session.document.storyboard.scenes[0].clip is not None


def test_a_model_turned_off_in_settings_is_not_used(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,
    luma_emulator: LumaEmulator,
    image_host: ImageHost,
) -> None:
    config = luma_config(luma_emulator, image_host)
    config.models["luma"] = config.models["luma"].model_copy(update={"enabled": False})
    set_config(config)
    controller = make_controller()
    services.session.set_project(use_model(project, "luma"))

    controller.generate(scene_ids(project)[:2])
    qtbot.wait(200)

    assert controller.tasks() == []
    assert luma_emulator.created_jobs == []
    assert any("Scene 1, 2: Luma" in text and "turned off" in text for text in messages(services))


# --- cancel, retry, a removed scene --------------------------------------------------------


def test_cancel_stops_the_job_and_retry_queues_it_again(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,
    sample_mp4: Path,
) -> None:
    gate = threading.Event()
    adapter = scripted(sample_mp4, default=Step(accept=True, gate=gate))
    set_config(make_config())
    controller = make_controller(registry_of({"luma": adapter}))
    services.session.set_project(use_model(project, "luma"))
    first = scene_ids(project)[0]

    controller.generate([first])
    running = wait_for(qtbot, controller, lambda i: i.remote_job_id is not None)
    qtbot.waitUntil(lambda: first in saved_jobs(project))
    assert controller.cancel(running.task_id)
    cancelled = wait_for(qtbot, controller, status_is(S.CANCELLED))
    assert cancelled.message == "Cancelled."
    qtbot.waitUntil(lambda: saved_jobs(project) == {})
    assert adapter.cancelled_jobs == ["luma-job-1"]  # the user's cancel stops the paid job
    assert not controller.cancel(running.task_id)  # already finished

    again = controller.retry(running.task_id)
    assert again is not None and again.status is S.QUEUED
    wait_for(qtbot, controller, lambda i: i.remote_job_id == "luma-job-2")
    gate.set()
    done = wait_for(qtbot, controller, status_is(S.COMPLETED))
    assert done.task_id == running.task_id
    assert services.session.document.storyboard.scenes[0].clip is not None


def test_a_clip_for_a_removed_scene_is_reported_not_applied(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,
    sample_mp4: Path,
) -> None:
    gate = threading.Event()
    adapter = scripted(sample_mp4, default=Step(gate=gate))
    set_config(make_config())
    controller = make_controller(registry_of({"luma": adapter}))
    session = services.session
    session.set_project(use_model(project, "luma"))
    second = scene_ids(project)[1]

    controller.generate([second])
    wait_for(qtbot, controller, status_is(S.RUNNING))
    controller.generate([second])  # already under way: not twice
    assert any("Already generating scene 2" in text for text in messages(services))
    session.edit(lambda p: edits.remove_scenes(p, [second]))
    gate.set()
    wait_for(qtbot, controller, status_is(S.COMPLETED))

    assert any("has been removed" in text for text in messages(services))
    assert session.undo_stack.count() == 1  # only the removal
    assert len(adapter.calls) == 1


# --- closing keeps paid jobs ------------------------------------------------------------------


def test_closing_leaves_the_cloud_job_running_and_the_next_start_resumes_it(
    qtbot: QtBot,
    tmp_path: Path,
    services: Services,
    project: Project,
    make_controller: MakeController,
    sample_mp4: Path,
) -> None:
    gate = threading.Event()
    adapter = scripted(sample_mp4, default=Step(accept=True, gate=gate))
    registry = registry_of({"luma": adapter})
    set_config(make_config())
    controller = make_controller(registry)
    services.session.set_project(use_model(project, "luma"))
    first = scene_ids(project)[0]
    controller.generate([first])
    qtbot.waitUntil(lambda: first in saved_jobs(project))
    assert len(workflow_threads()) > 0

    controller.shutdown()  # the window closes while the service makes the clip

    assert workflow_threads() == []
    assert adapter.cancelled_jobs == []  # not cancelled: it is paid for
    assert "cancel_remote" not in vars(adapter)  # the adapter is as it was
    assert saved_jobs(project)[first]["job_id"] == "luma-job-1"

    gate.set()  # meanwhile the service finished the job
    again = make_services(qtbot, tmp_path)
    resumed = make_controller(registry, on=again)
    again.session.set_project(Project.open(project.folder))
    done = wait_for(qtbot, resumed, lambda i: i.is_terminal)

    assert done.status is S.COMPLETED, done.error_message
    assert done.remote_job_id == "luma-job-1" and done.metadata.get("resumed") is True
    assert [call.kind for call in adapter.calls] == ["generate", "resume"]  # paid once
    assert again.session.document.storyboard.scenes[0].clip is not None
    assert again.session.undo_stack.undoText() == "Generated clip for scene 1"
    qtbot.waitUntil(lambda: saved_jobs(project) == {})


def test_closing_the_project_stops_local_renders_and_leaves_no_thread(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,
) -> None:
    project.document = edits.set_durations(project, scene_ids(project), 20.0).after
    project.save()
    controller = make_controller()
    services.session.set_project(project)
    controller.generate(scene_ids(project)[:1])
    wait_for(qtbot, controller, status_is(S.RUNNING), timeout=60)

    services.session.set_project(None)  # closing the project stops its workflow

    assert workflow_threads() == []
    assert controller.tasks() == [] and controller.metrics() == {}
    assert project.document.storyboard.scenes[0].clip is None


def test_closing_leaves_only_recorded_jobs_running(
    qtbot: QtBot,
    services: Services,
    project: Project,
    make_controller: MakeController,
    sample_mp4: Path,
) -> None:
    gate = threading.Event()
    adapter = scripted(sample_mp4, Step(accept=True, gate=gate), default=Step(gate=gate))
    set_config(make_config())
    controller = make_controller(registry_of({"luma": adapter}))
    services.session.set_project(use_model(project, "luma"))
    first, second, _ = scene_ids(project)
    controller.generate([first])  # accepted and recorded
    qtbot.waitUntil(lambda: first in saved_jobs(project))
    controller.generate([second])  # still working, no job accepted
    qtbot.waitUntil(lambda: len(adapter.calls) == 2)

    controller.shutdown()

    assert workflow_threads() == []
    assert adapter.cancelled_jobs == []  # the recorded job goes on; the other had none
    assert list(saved_jobs(project)) == [first]
    assert saved_jobs(project)[first]["job_id"] == "luma-job-1"
