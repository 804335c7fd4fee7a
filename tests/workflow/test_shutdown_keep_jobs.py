"""Closing the app keeps paid cloud jobs: `shutdown(keep_remote_jobs=True)` stops polling at
once without cancelling a job the project recorded, and without forgetting its record; a new
workflow resumes it to completion, paid once. A job a service accepts while the app closes,
before it could be recorded, is cancelled rather than left running untracked. The real Luma
and Runway adapters against their loopback emulators, a scripted adapter for the queue, and
the CancelToken's detach mode."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.emulators.base import Emulator, Job
from tests.emulators.image_host import ImageHost
from tests.workflow.conftest import MakeWorkflow, wait_until, workflow_threads
from tests.workflow.scripted_adapter import ScriptedAdapter, Step
from video_studio.adapters.base import GenerationRequest, ModelAdapter, RemoteJob
from video_studio.adapters.cloud_adapter import CloudAdapter
from video_studio.adapters.luma import LumaAdapter
from video_studio.adapters.registry import AdapterRegistry
from video_studio.adapters.runway import RunwayAdapter
from video_studio.config import ModelConfig, VideoStudioConfig
from video_studio.error_types import CancelledByUser, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken
from video_studio.models import TaskStatus

pytestmark = pytest.mark.timeout(60)

S = TaskStatus
SCENE = "scene-1"
POLL_INTERVAL = 3.0  # seconds between polls: a close that waited for one would show
REQUEST_TIMEOUT = 5.0
QUICK = 1.5  # "at once": well under a poll interval plus a request timeout
ADAPTERS: dict[str, type[CloudAdapter]] = {"luma": LumaAdapter, "runway": RunwayAdapter}


# --- helpers ----------------------------------------------------------------------------------


def cloud_config(tmp_path: Path, emulator: Emulator, host: ImageHost) -> VideoStudioConfig:
    model: dict[str, object] = {
        "base_url": emulator.base_url,
        "api_key": emulator.api_key,
        "poll_interval_seconds": POLL_INTERVAL,
        "request_timeout_seconds": REQUEST_TIMEOUT,
        "max_retries": 1,
    }
    if emulator.name == "luma":
        model["image_host_url"] = host.root_url + "/images"
    return VideoStudioConfig.from_dict(
        {
            "models": {emulator.name: model},
            "workflow": {"retry_base_delay_seconds": 0.01, "retry_max_delay_seconds": 0.05},
            "storage": {"base_path": str(tmp_path / "data"), "temp_path": str(tmp_path / "tmp")},
        },
        environment=False,
    )


def cloud_registry(config: VideoStudioConfig) -> AdapterRegistry:
    """The real adapters, a new one for each workflow (shutdown closes a workflow's)."""
    registry = AdapterRegistry(discover_plugins=False)
    for name, kind in ADAPTERS.items():

        def factory(model: ModelConfig, kind: type[CloudAdapter] = kind) -> ModelAdapter:
            return kind(model, storage=config.storage, workflow=config.workflow)

        registry.register(name, factory, replace=True)
    return registry


def stopped_at_service(job: Job) -> bool:
    """Cancelled (Runway) or deleted (Luma, which has no cancel)."""
    return job.cancelled or job.deleted


@pytest.fixture(params=sorted(ADAPTERS))
def service(request: pytest.FixtureRequest) -> Emulator:
    emulator: Emulator = request.getfixturevalue(f"{request.param}_emulator")
    emulator.polls_to_finish = 1_000_000  # the job runs until the test lets it finish
    return emulator


@pytest.fixture
def scene_request(photo: Path, tmp_path: Path) -> GenerationRequest:
    return GenerationRequest(
        image=photo, prompt="slow orbit", scene_id=SCENE, output_dir=tmp_path / "clips"
    )


# --- the real services ------------------------------------------------------------------------


def test_closing_keeps_a_recorded_job_and_a_new_workflow_resumes_it(
    tmp_path: Path,
    make_workflow: MakeWorkflow,
    service: Emulator,
    image_host: ImageHost,
    scene_request: GenerationRequest,
) -> None:
    config = cloud_config(tmp_path, service, image_host)
    h = make_workflow({}, config=config, registry=cloud_registry(config))
    task = h.workflow.submit(scene_request, service.name)
    wait_until(lambda: bool(h.saved_jobs) and service.count("poll") >= 1, timeout=20)
    [job] = h.saved_jobs
    assert len(workflow_threads()) > 0

    started = time.monotonic()
    h.workflow.shutdown(keep_remote_jobs=True)
    elapsed = time.monotonic() - started

    assert elapsed < QUICK, f"the close took {elapsed:.2f} s"
    assert workflow_threads() == []
    assert service.count("cancel") == 0  # not cancelled: it is paid for
    [remote] = service.created_jobs
    assert remote.id == job.job_id and not stopped_at_service(remote)
    assert h.finished_jobs == []  # its record stays
    info = h.workflow.get(task.task_id)
    assert info.status is S.CANCELLED and "closing" in info.message
    assert info.metadata["remote_job_kept"] is True

    service.polls_to_finish = 1  # meanwhile the service finishes the job
    again = make_workflow({}, config=config, registry=cloud_registry(config))
    resumed = again.workflow.resume(job, scene_request)
    done = again.workflow.wait(resumed.task_id, 30)

    assert done.status is S.COMPLETED, done.error_message
    assert done.remote_job_id == job.job_id
    assert done.result_path is not None and Path(done.result_path).is_file()
    assert len(service.created_jobs) == 1 and service.count("create") == 1  # paid once
    assert service.count("cancel") == 0
    assert again.finished_jobs == [SCENE]  # forgotten once the clip is in


def test_a_poll_in_flight_holds_the_close_at_most_until_its_answer(
    tmp_path: Path,
    make_workflow: MakeWorkflow,
    runway_emulator: Emulator,
    image_host: ImageHost,
    scene_request: GenerationRequest,
) -> None:
    runway = runway_emulator
    runway.polls_to_finish = 1_000_000
    runway.fail("poll", delay=1.0)  # the first poll is answered a second late
    config = cloud_config(tmp_path, runway, image_host)
    h = make_workflow({}, config=config, registry=cloud_registry(config))
    h.workflow.submit(scene_request, "runway")
    wait_until(lambda: bool(h.saved_jobs) and runway.count("poll") >= 1, timeout=20)

    started = time.monotonic()
    h.workflow.shutdown(keep_remote_jobs=True)
    elapsed = time.monotonic() - started

    # The request already sent cannot be interrupted: the close waits for its answer (here
    # up to the injected second), never longer than the request timeout.
    assert elapsed < 1.0 + QUICK < REQUEST_TIMEOUT
    assert workflow_threads() == []
    assert runway.count("poll") == 1 and runway.count("cancel") == 0
    assert not stopped_at_service(runway.created_jobs[0])
    assert h.finished_jobs == []


def test_a_job_accepted_while_closing_is_cancelled_not_left_untracked(
    tmp_path: Path,
    make_workflow: MakeWorkflow,
    service: Emulator,
    image_host: ImageHost,
    scene_request: GenerationRequest,
) -> None:
    service.fail("create", delay=1.0)  # the create is answered a second late
    config = cloud_config(tmp_path, service, image_host)
    h = make_workflow({}, config=config, registry=cloud_registry(config))
    task = h.workflow.submit(scene_request, service.name)
    wait_until(lambda: service.count("create") == 1, timeout=20)  # sent, no answer yet

    started = time.monotonic()
    h.workflow.shutdown(keep_remote_jobs=True)
    elapsed = time.monotonic() - started

    # It waits for the create's answer, then cancels the job it names.
    assert elapsed < 1.0 + QUICK + REQUEST_TIMEOUT
    assert workflow_threads() == []
    [remote] = service.created_jobs
    assert stopped_at_service(remote), "a paid job was left running without a record"
    assert service.count("cancel") == 1 and service.count("poll") == 0
    assert h.saved_jobs == [] and h.finished_jobs == []  # never recorded: nothing to keep
    info = h.workflow.get(task.task_id)
    assert info.status is S.CANCELLED and "remote_job_kept" not in info.metadata


# --- the queue, with a scripted adapter -------------------------------------------------------


def request_for(photo: Path, output_dir: Path, scene_id: str) -> GenerationRequest:
    return GenerationRequest(image=photo, scene_id=scene_id, output_dir=output_dir)


@pytest.mark.parametrize("keep", [True, False])
def test_queued_and_running_tasks_with_recorded_jobs(
    make_workflow: MakeWorkflow, photo: Path, keep: bool
) -> None:
    adapter = ScriptedAdapter(default=Step(accept=True, gate=threading.Event()))
    h = make_workflow({"luma": adapter}, workflow={"max_concurrent_tasks": 1})
    running = h.workflow.submit(request_for(photo, h.output_dir, "a"), "luma")
    wait_until(lambda: len(h.saved_jobs) == 1)
    old_job = RemoteJob(model="luma", job_id="luma-old", scene_id="b", request_image=photo)
    resuming = h.workflow.resume(old_job, request_for(photo, h.output_dir, "b"))
    fresh = h.workflow.submit(request_for(photo, h.output_dir, "c"), "luma")  # no job yet

    h.workflow.shutdown(keep_remote_jobs=keep)

    assert workflow_threads() == []
    infos = {t.task_id: h.workflow.get(t.task_id) for t in (running, resuming, fresh)}
    assert {i.status for i in infos.values()} == {S.CANCELLED}
    assert len(adapter.calls) == 1  # the queued ones never ran
    if keep:
        assert adapter.cancelled_jobs == []
        assert h.finished_jobs == []  # both records stay for the next start
        kept = [i.task_id for i in infos.values() if i.metadata.get("remote_job_kept")]
        assert kept == [running.task_id, resuming.task_id]
        assert "goes on" in infos[running.task_id].message
    else:  # the plain shutdown still cancels the paid jobs
        assert sorted(adapter.cancelled_jobs) == ["luma-job-1", "luma-old"]
        assert sorted(h.finished_jobs) == ["a", "b"]


@pytest.mark.parametrize(
    "error",
    [None, VideoStudioError(VideoStudioErrorType.SERVICE_UNAVAILABLE, "poll failed")],
    ids=["clip-arrives", "call-fails"],
)
def test_a_kept_record_stays_whatever_the_call_does_after_the_stop(
    make_workflow: MakeWorkflow, photo: Path, error: BaseException | None
) -> None:
    adapter = ScriptedAdapter(
        default=Step(accept=True, seconds=0.3, ignore_cancel=True, error=error)
    )
    h = make_workflow({"luma": adapter})
    task = h.workflow.submit(request_for(photo, h.output_dir, "a"), "luma")
    wait_until(lambda: len(h.saved_jobs) == 1)

    h.workflow.shutdown(keep_remote_jobs=True)  # the call ends on its own meanwhile

    assert workflow_threads() == []
    assert h.workflow.get(task.task_id).status is S.CANCELLED
    assert adapter.cancelled_jobs == [] and h.finished_jobs == []


def test_a_plain_cancel_under_way_is_not_turned_into_keeping(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    slow_to_stop = threading.Event()
    step = Step(accept=True, gate=slow_to_stop, ignore_cancel=True, error=CancelledByUser())
    adapter = ScriptedAdapter(default=step)
    h = make_workflow({"luma": adapter}, workflow={"max_concurrent_tasks": 1})
    task = h.workflow.submit(request_for(photo, h.output_dir, "a"), "luma")
    wait_until(lambda: len(h.saved_jobs) == 1)
    h.workflow.cancel(task.task_id)
    h.workflow.retry(task.task_id)  # queued again while the cancelled call winds down
    assert h.workflow.get(task.task_id).status is S.QUEUED

    closing = threading.Thread(target=h.workflow.shutdown, kwargs={"keep_remote_jobs": True})
    closing.start()
    wait_until(lambda: h.workflow.get(task.task_id).status is S.CANCELLED)
    slow_to_stop.set()  # the cancelled call notices only now
    closing.join(10)

    assert not closing.is_alive() and workflow_threads() == []
    assert adapter.cancelled_jobs == ["luma-job-1"]  # the user asked: it is cancelled
    assert h.finished_jobs == ["a"]


# --- the token --------------------------------------------------------------------------------


def test_cancel_token_detach_mode() -> None:
    calls: list[str] = []
    token = CancelToken()
    token.on_cancel(lambda: calls.append("stop"))
    assert not token.cancelled and not token.keeps_remote

    token.cancel(keep_remote=True)
    assert token.cancelled and token.keeps_remote and calls == ["stop"]
    with pytest.raises(CancelledByUser):
        token.raise_if_cancelled()
    with pytest.raises(CancelledByUser):
        token.sleep(5.0)  # at once
    token.cancel(keep_remote=True)
    assert token.keeps_remote and calls == ["stop"]
    token.cancel()  # a plain cancel afterwards is a full stop
    assert token.cancelled and not token.keeps_remote and calls == ["stop"]

    plain = CancelToken()
    plain.cancel()
    plain.cancel(keep_remote=True)  # never weakens a plain cancel
    assert plain.cancelled and not plain.keeps_remote
