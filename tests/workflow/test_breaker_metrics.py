"""The circuit breaker per adapter: alerts when it opens and closes, tasks that wait for it
(or go to the local engine instead), and the per-adapter metrics."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from tests.workflow.conftest import MakeWorkflow, wait_until
from tests.workflow.scripted_adapter import ScriptedAdapter, Step
from video_studio.adapters.base import GenerationRequest, RemoteJob
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.models import TaskStatus
from video_studio.workflow import WorkflowEventKind
from video_studio.workflow_metrics import percentile

S = TaskStatus
K = WorkflowEventKind
COOLDOWN = 0.6
BREAKER = {
    "circuit_breaker_failure_threshold": 2,
    "circuit_breaker_cooldown_seconds": COOLDOWN,
    "max_concurrent_tasks": 1,
}


def request(photo: Path, output: Path, scene: str) -> GenerationRequest:
    return GenerationRequest(image=photo, scene_id=scene, output_dir=output, prompt=scene)


def outage() -> VideoStudioError:
    return VideoStudioError(VideoStudioErrorType.SERVICE_UNAVAILABLE, "503 from the service.")


def test_breaker_opens_alerts_and_waiting_task_runs_after_cooldown(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    luma = ScriptedAdapter(steps=[Step(error=outage()), Step(error=outage())])
    h = make_workflow({"luma": luma}, workflow=BREAKER, models={"luma": {"max_retries": 0}})
    failing = [h.workflow.submit(request(photo, h.output_dir, f"f{i}"), "luma") for i in range(2)]
    for task in failing:
        assert h.workflow.wait(task.task_id, 10).status is S.FAILED
    opened_at = time.monotonic()

    wait_until(lambda: bool(h.breaker_events(K.BREAKER_OPENED)))
    alert = h.breaker_events(K.BREAKER_OPENED)[0]
    assert alert.adapter == "luma"
    assert alert.retry_in_seconds == COOLDOWN
    assert alert.retry_at is not None and alert.retry_at > datetime.now(UTC).replace(microsecond=0)
    assert "Luma Dream Machine failed several times in a row" in alert.message

    waiting = h.workflow.submit(request(photo, h.output_dir, "w"), "luma")
    wait_until(lambda: "paused" in h.workflow.get(waiting.task_id).message)
    info = h.workflow.get(waiting.task_id)
    assert info.status is S.QUEUED
    assert "will try again at" in info.message and "in about 1 second" in info.message
    assert len(luma.calls) == 2  # no call while the breaker is open

    done = h.workflow.wait(waiting.task_id, 10)
    assert done.status is S.COMPLETED
    assert luma.calls[-1].started - opened_at >= COOLDOWN - 0.1
    wait_until(lambda: bool(h.breaker_events(K.BREAKER_CLOSED)))
    closed = h.breaker_events(K.BREAKER_CLOSED)[0]
    assert closed.adapter == "luma" and "works again" in closed.message

    metrics = h.workflow.metrics()["luma"]
    assert (metrics.calls, metrics.successes, metrics.failures) == (3, 1, 2)
    assert metrics.breaker_state == "closed"
    assert metrics.breaker_opened_at is not None and metrics.breaker_times_opened == 1
    assert metrics.success_rate == 1 / 3


def test_with_use_local_a_paused_service_falls_back_to_the_local_engine(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    luma = ScriptedAdapter(default=Step(error=outage()))
    local = ScriptedAdapter("local")
    h = make_workflow(
        {"luma": luma, "local": local},
        workflow={
            **BREAKER,
            "when_breaker_open": "use_local",
            "circuit_breaker_cooldown_seconds": 60,
        },
        models={"luma": {"max_retries": 0}},
    )
    for index in range(2):
        task = h.workflow.submit(request(photo, h.output_dir, f"f{index}"), "luma")
        assert h.workflow.wait(task.task_id, 10).status is S.FAILED
    assert h.workflow.metrics()["luma"].breaker_state == "open"

    task = h.workflow.submit(request(photo, h.output_dir, "scene-3"), "luma", scene_index=2)
    done = h.workflow.wait(task.task_id, 10)
    assert done.status is S.COMPLETED
    assert done.model == "luma" and done.metadata["generated_by"] == "local"
    assert done.message.startswith("Made by the local engine because Luma Dream Machine was paused")
    assert len(luma.calls) == 2 and [c.request.scene_id for c in local.calls] == ["scene-3"]
    running = [i.message for i in h.task_events(task.task_id) if i.status is S.RUNNING]
    assert any("the local engine is making this scene instead" in m for m in running)
    metrics = h.workflow.metrics()
    assert metrics["luma"].fallbacks_to_local == 1
    assert metrics["local"].successes == 1


def test_a_resumed_job_waits_for_its_own_service_even_with_use_local(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    luma = ScriptedAdapter(steps=[Step(error=outage()), Step(error=outage())])
    local = ScriptedAdapter("local")
    h = make_workflow(
        {"luma": luma, "local": local},
        workflow={**BREAKER, "when_breaker_open": "use_local"},
        models={"luma": {"max_retries": 0}},
    )
    for index in range(2):
        task = h.workflow.submit(request(photo, h.output_dir, f"f{index}"), "luma")
        h.workflow.wait(task.task_id, 10)
    job = RemoteJob(model="luma", job_id="paid-1", scene_id="s", request_image=photo)
    resumed = h.workflow.resume(job, request(photo, h.output_dir, "s"))
    assert h.workflow.wait(resumed.task_id, 10).status is S.COMPLETED
    assert local.calls == [] and luma.calls[-1].kind == "resume"


def test_failures_that_say_nothing_about_the_service_leave_the_breaker_closed(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    refused = VideoStudioError(VideoStudioErrorType.CONTENT_POLICY, "Refused.", retryable=False)
    luma = ScriptedAdapter(default=Step(error=refused))
    h = make_workflow({"luma": luma}, workflow=BREAKER)
    for index in range(4):
        task = h.workflow.submit(request(photo, h.output_dir, f"f{index}"), "luma")
        h.workflow.wait(task.task_id, 10)
    assert h.workflow.metrics()["luma"].breaker_state == "closed"
    assert h.breaker_events(K.BREAKER_OPENED) == []


def test_metrics_count_calls_outcomes_and_latency(make_workflow: MakeWorkflow, photo: Path) -> None:
    steps = [Step(seconds=0.05), Step(seconds=0.05), Step(seconds=0.2), Step(error=outage())]
    runway = ScriptedAdapter("runway", steps=steps)
    h = make_workflow({"runway": runway}, models={"runway": {"max_retries": 0}})
    for index in range(4):
        task = h.workflow.submit(request(photo, h.output_dir, f"s{index}"), "runway")
        h.workflow.wait(task.task_id, 10)
    metrics = h.workflow.metrics()["runway"]
    assert (metrics.calls, metrics.successes, metrics.failures) == (4, 3, 1)
    assert metrics.success_rate == 0.75
    assert metrics.latency_median is not None and 0.04 <= metrics.latency_median < 0.15
    assert metrics.latency_p95 is not None and metrics.latency_p95 >= 0.15
    assert metrics.breaker_state == "closed" and metrics.breaker_opened_at is None


def test_percentile() -> None:
    assert percentile([1.0], 0.95) == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert percentile([0.0, 10.0], 0.95) == 9.5
