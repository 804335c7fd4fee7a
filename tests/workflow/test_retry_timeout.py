"""Whole-generation retries (only when they cannot start a second paid job), backoff that
honours Retry-After, the per-task time limit, remote-job records and resuming them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.workflow.conftest import MakeWorkflow, wait_until
from tests.workflow.scripted_adapter import ScriptedAdapter, Step
from video_studio.adapters.base import GenerationRequest, RemoteJob, RemoteState
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.models import TaskStatus
from video_studio.service_failures import job_failure_error
from video_studio.workflow_tasks import Attempt, create_may_have_happened

S = TaskStatus
T = VideoStudioErrorType


def request(photo: Path, output: Path, scene: str) -> GenerationRequest:
    return GenerationRequest(image=photo, scene_id=scene, output_dir=output, prompt=scene)


def unavailable(retry_after: float | None = None) -> VideoStudioError:
    return VideoStudioError(
        T.SERVICE_UNAVAILABLE, "The service is overloaded.", retry_after=retry_after
    )


def test_a_passing_failure_is_retried(make_workflow: MakeWorkflow, photo: Path) -> None:
    adapter = ScriptedAdapter(steps=[Step(error=unavailable())])
    h = make_workflow({"luma": adapter})
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    assert h.workflow.wait(task.task_id, 10).status is S.COMPLETED
    assert [call.kind for call in adapter.calls] == ["generate", "generate"]
    h.workflow.shutdown()
    assert h.statuses(task.task_id) == [S.QUEUED, S.RUNNING, S.QUEUED, S.RUNNING, S.COMPLETED]
    waiting = [i.message for i in h.task_events(task.task_id) if "Trying again" in i.message]
    assert waiting and "(attempt 2 of 4)" in waiting[0]
    assert h.workflow.metrics()["luma"].retries == 1


def test_backoff_honours_retry_after(make_workflow: MakeWorkflow, photo: Path) -> None:
    adapter = ScriptedAdapter(steps=[Step(error=unavailable(retry_after=0.4))])
    h = make_workflow({"luma": adapter})
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    assert h.workflow.wait(task.task_id, 10).status is S.COMPLETED
    first, second = adapter.calls
    assert second.started - first.started >= 0.4


def test_retries_stop_at_max_retries(make_workflow: MakeWorkflow, photo: Path) -> None:
    adapter = ScriptedAdapter(default=Step(error=unavailable()))
    h = make_workflow({"runway": adapter}, models={"runway": {"max_retries": 2}})
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "runway", scene_index=0)
    done = h.workflow.wait(task.task_id, 10)
    assert done.status is S.FAILED
    assert len(adapter.calls) == 3
    assert done.error_type == "service_unavailable"
    assert done.error_message is not None and done.error_message.startswith("Scene 1:")


def test_no_retry_for_what_retrying_cannot_fix(make_workflow: MakeWorkflow, photo: Path) -> None:
    lost_create = VideoStudioError(
        T.SERVICE_UNAVAILABLE, "The answer was lost; check the dashboard.", retryable=False
    )
    adapter = ScriptedAdapter(
        steps=[
            Step(error=VideoStudioError(T.AUTHENTICATION, "Key refused.")),
            Step(error=lost_create),
        ]
    )
    h = make_workflow({"luma": adapter})
    first = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    assert h.workflow.wait(first.task_id, 10).error_type == "authentication"
    second = h.workflow.submit(request(photo, h.output_dir, "b"), "luma")
    assert h.workflow.wait(second.task_id, 10).status is S.FAILED
    assert len(adapter.calls) == 2


def test_after_the_service_accepted_the_job_a_retry_resumes_it(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    # The job was accepted, then the download failed: the retry polls the same job.
    network = VideoStudioError(T.NETWORK, "The connection dropped.")
    adapter = ScriptedAdapter(steps=[Step(accept=True, error=network)])
    h = make_workflow({"luma": adapter})
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    done = h.workflow.wait(task.task_id, 10)
    assert done.status is S.COMPLETED
    assert [(c.kind, c.job.job_id if c.job else None) for c in adapter.calls] == [
        ("generate", None),
        ("resume", "luma-job-1"),
    ]
    assert done.remote_job_id == "luma-job-1"
    assert [job.job_id for job in h.saved_jobs] == ["luma-job-1"]  # saved once
    wait_until(lambda: h.finished_jobs == ["a"])


def test_a_job_the_service_failed_is_not_paid_for_again(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    # fal says the runner disconnected: retryable in itself, but the job is over, and a new
    # create would be a second job.
    failure = job_failure_error("Runner disconnected", code="runner_disconnected", model="pika")
    assert failure.retryable
    adapter = ScriptedAdapter("pika", steps=[Step(accept=True, error=failure)])
    h = make_workflow({"pika": adapter})
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "pika")
    done = h.workflow.wait(task.task_id, 10)
    assert done.status is S.FAILED and done.error_type == "model_failure"
    assert len(adapter.calls) == 1
    wait_until(lambda: h.finished_jobs == ["a"])
    assert adapter.cancelled_jobs == []

    # The user's own retry makes a new job: the old one is gone.
    h.workflow.retry(task.task_id)
    assert h.workflow.wait(task.task_id, 10).status is S.COMPLETED
    assert [c.kind for c in adapter.calls] == ["generate", "generate"]


def test_user_retry_after_a_passing_failure_resumes_the_live_job(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    network = VideoStudioError(T.NETWORK, "The connection dropped.")
    adapter = ScriptedAdapter(steps=[Step(accept=True, error=network), Step(error=network)])
    h = make_workflow({"luma": adapter}, models={"luma": {"max_retries": 1}})
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    assert h.workflow.wait(task.task_id, 10).status is S.FAILED
    wait_until(lambda: h.finished_jobs == ["a"])
    h.workflow.retry(task.task_id)
    assert h.workflow.wait(task.task_id, 10).status is S.COMPLETED
    assert [c.kind for c in adapter.calls] == ["generate", "resume", "resume"]
    # Saved again for the new run, and let go when it ended.
    assert [job.job_id for job in h.saved_jobs] == ["luma-job-1", "luma-job-1"]
    wait_until(lambda: h.finished_jobs == ["a", "a"])


def test_a_task_past_its_time_limit_fails_and_its_job_is_cancelled(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    adapter = ScriptedAdapter("runway", default=Step(accept=True, gate=threading.Event()))
    h = make_workflow({"runway": adapter}, workflow={"task_timeout_minutes": 0.005})  # 0.3 s
    started = time.monotonic()
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "runway", scene_index=4)
    done = h.workflow.wait(task.task_id, 10)
    assert 0.25 <= time.monotonic() - started < 3
    assert done.status is S.FAILED
    assert done.error_type == "timeout"
    assert done.error_message is not None
    assert done.error_message.startswith("Scene 5: The clip was not ready within")
    assert "task_timeout_minutes" in done.error_message
    wait_until(lambda: adapter.cancelled_jobs == ["runway-job-1"] and h.finished_jobs == ["a"])
    assert len(adapter.calls) == 1
    breaker = h.workflow.metrics()["runway"]
    assert breaker.cancelled == 1


def test_the_time_limit_also_ends_a_wait_between_retries(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    adapter = ScriptedAdapter(default=Step(seconds=0.1, error=unavailable(retry_after=0.15)))
    h = make_workflow(
        {"luma": adapter},
        workflow={"task_timeout_minutes": 0.01},  # 0.6 s
        models={"luma": {"max_retries": 20}},
    )
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    done = h.workflow.wait(task.task_id, 10)
    assert done.status is S.FAILED
    assert done.error_type in ("timeout", "service_unavailable")
    assert 2 <= len(adapter.calls) <= 5


def test_resume_polls_the_saved_job_and_never_creates(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    adapter = ScriptedAdapter(default=Step(seconds=0.02))
    h = make_workflow({"luma": adapter})
    job = RemoteJob(model="luma", job_id="saved-42", scene_id="scene-9", request_image=photo)
    task = h.workflow.resume(job, request(photo, h.output_dir, "scene-9"))
    assert task.remote_job_id == "saved-42" and task.metadata["resumed"] is True
    done = h.workflow.wait(task.task_id, 10)
    assert done.status is S.COMPLETED
    assert [(c.kind, c.job) for c in adapter.calls] == [("resume", job)]
    assert h.saved_jobs == []  # the project has it already
    wait_until(lambda: h.finished_jobs == ["scene-9"])


def test_cancelling_a_queued_resume_cancels_the_remote_job(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    gate = threading.Event()
    adapter = ScriptedAdapter(steps=[Step(gate=gate)])
    h = make_workflow({"luma": adapter}, workflow={"max_concurrent_tasks": 1})
    blocker = h.workflow.submit(request(photo, h.output_dir, "first"), "luma")
    wait_until(lambda: adapter.active == 1)
    job = RemoteJob(model="luma", job_id="saved-7", scene_id="s7", request_image=photo)
    task = h.workflow.resume(job, request(photo, h.output_dir, "s7"))
    assert h.workflow.cancel(task.task_id)
    gate.set()
    h.workflow.wait(blocker.task_id, 10)
    wait_until(lambda: adapter.cancelled_jobs == ["saved-7"] and h.finished_jobs == ["s7"])
    assert [c.kind for c in adapter.calls] == ["generate"]


def test_a_create_whose_answer_was_lost_is_not_sent_again() -> None:
    submitting = Attempt("plugin", last_state=RemoteState.SUBMITTING)
    polling = Attempt("plugin", last_state=RemoteState.RUNNING)
    # A plugin raising a bare connection error while submitting: the job may exist.
    assert create_may_have_happened(ConnectionResetError(), submitting)
    assert not create_may_have_happened(ConnectionResetError(), polling)
    # Our adapters say so themselves; an answered request is never in doubt.
    flagged = VideoStudioError(T.NETWORK, "lost", details={"create_outcome_unknown": True})
    assert create_may_have_happened(flagged, polling)
    answered = VideoStudioError(T.SERVICE_UNAVAILABLE, "503", status_code=503)
    assert not create_may_have_happened(answered, submitting)
