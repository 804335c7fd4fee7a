"""Task lifecycle, events, the FIFO queue and its concurrency limit, cancel, retry by the
user, and shutdown, with a scripted adapter."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.workflow.conftest import (
    MakeWorkflow,
    make_config,
    registry_of,
    wait_until,
    workflow_threads,
)
from tests.workflow.scripted_adapter import ScriptedAdapter, Step
from video_studio.adapters.base import GenerationRequest
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.models import TaskStatus
from video_studio.workflow import (
    GenerationWorkflow,
    WorkflowClosedError,
    WorkflowEvent,
    WorkflowEventKind,
)

S = TaskStatus


def request(photo: Path, output: Path, scene: str) -> GenerationRequest:
    """A request of its own per scene (its prompt differs, so the cache never answers)."""
    return GenerationRequest(image=photo, scene_id=scene, output_dir=output, prompt=scene)


def test_a_task_goes_queued_running_completed_and_reports_it(
    make_workflow: MakeWorkflow, photo: Path, sample_clip: Path
) -> None:
    adapter = ScriptedAdapter(default=Step(seconds=0.05, accept=True), sample_clip=sample_clip)
    h = make_workflow({"luma": adapter})
    submitted = h.workflow.submit(request(photo, h.output_dir, "scene-1"), "luma", scene_index=0)

    assert submitted.status is S.QUEUED
    assert submitted.model == "luma"
    done = h.workflow.wait(submitted.task_id, timeout=10)
    assert done.status is S.COMPLETED
    assert done.progress == 1.0
    assert done.result_path is not None and Path(done.result_path).is_file()
    assert Path(done.result_path).read_bytes() == sample_clip.read_bytes()
    assert done.remote_job_id == "luma-job-1"
    assert done.started_at is not None and done.completed_at is not None
    assert done.error_type is None and done.error_message is None

    h.workflow.shutdown()  # delivers every event before returning
    assert h.statuses(done.task_id) == [S.QUEUED, S.RUNNING, S.COMPLETED]
    progress = [info.progress for info in h.task_events(done.task_id)]
    assert progress == [*sorted(progress[:-1]), 1.0]
    messages = {info.message for info in h.task_events(done.task_id)}
    assert "Clip ready." in messages
    # The remote job was handed over as soon as the service accepted it, and let go at the end.
    assert [(j.model, j.job_id, j.scene_id) for j in h.saved_jobs] == [
        ("luma", "luma-job-1", "scene-1")
    ]
    assert h.saved_jobs[0].request_image == photo
    assert h.finished_jobs == ["scene-1"]
    assert [t.task_id for t in h.workflow.tasks()] == [done.task_id]


def test_events_carry_copies(make_workflow: MakeWorkflow, photo: Path) -> None:
    h = make_workflow({"luma": ScriptedAdapter()})
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    h.workflow.wait(task.task_id, 10)
    h.workflow.shutdown()
    first = h.task_events(task.task_id)[0]
    first.message = "changed by the listener"
    assert h.workflow.get(task.task_id).message != "changed by the listener"
    assert h.task_events(task.task_id)[-1] is not h.task_events(task.task_id)[-2]


def test_queue_is_fifo_with_positions_and_never_exceeds_the_limit(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    gate = threading.Event()
    adapter = ScriptedAdapter(steps=[Step(gate=gate)] * 3, default=Step(seconds=0.03))
    h = make_workflow({"luma": adapter}, workflow={"max_concurrent_tasks": 3})
    first = [h.workflow.submit(request(photo, h.output_dir, f"s{i}"), "luma") for i in range(3)]
    wait_until(lambda: adapter.active == 3)
    later = [h.workflow.submit(request(photo, h.output_dir, f"s{i}"), "luma") for i in range(3, 12)]

    # Three run; the rest wait in order, each told how many are ahead of it.
    assert [t.queue_position for t in later] == list(range(9))
    assert {h.workflow.get(t.task_id).status for t in first} == {S.RUNNING}
    assert {h.workflow.get(t.task_id).status for t in later} == {S.QUEUED}
    gate.set()
    for task in first + later:
        assert h.workflow.wait(task.task_id, 10).status is S.COMPLETED
    assert adapter.peak == 3
    # Tasks leave the queue in order; three workers may reach the adapter a moment apart.
    assert sorted(adapter.order) == sorted(f"s{i}" for i in range(12))
    assert all(abs(adapter.order.index(f"s{i}") - i) <= 2 for i in range(12))
    h.workflow.shutdown()
    positions = [info.queue_position for info in h.task_events(later[-1].task_id)]
    queued = [p for p in positions if p is not None]
    assert queued[0] == 8 and queued == sorted(queued, reverse=True)


def test_concurrency_limit_of_one(make_workflow: MakeWorkflow, photo: Path) -> None:
    adapter = ScriptedAdapter(default=Step(seconds=0.02))
    h = make_workflow({"luma": adapter}, workflow={"max_concurrent_tasks": 1})
    tasks = [h.workflow.submit(request(photo, h.output_dir, f"s{i}"), "luma") for i in range(5)]
    for task in tasks:
        h.workflow.wait(task.task_id, 10)
    assert adapter.peak == 1
    assert adapter.order == [f"s{i}" for i in range(5)]


def test_cancel_a_queued_task_drops_it(make_workflow: MakeWorkflow, photo: Path) -> None:
    gate = threading.Event()
    adapter = ScriptedAdapter(steps=[Step(gate=gate)])
    h = make_workflow({"luma": adapter}, workflow={"max_concurrent_tasks": 1})
    running = h.workflow.submit(request(photo, h.output_dir, "first"), "luma")
    wait_until(lambda: adapter.active == 1)
    queued = h.workflow.submit(request(photo, h.output_dir, "second"), "luma")
    third = h.workflow.submit(request(photo, h.output_dir, "third"), "luma")
    assert (queued.queue_position, third.queue_position) == (0, 1)

    assert h.workflow.cancel(queued.task_id) is True
    info = h.workflow.get(queued.task_id)
    assert info.status is S.CANCELLED and info.message == "Cancelled."
    assert info.error_type is None
    assert h.workflow.get(third.task_id).queue_position == 0
    assert h.workflow.cancel(queued.task_id) is False  # already over
    gate.set()
    assert h.workflow.wait(running.task_id, 10).status is S.COMPLETED
    assert h.workflow.wait(third.task_id, 10).status is S.COMPLETED
    assert adapter.order == ["first", "third"]


def test_cancel_a_running_task_stops_it_and_its_remote_job(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    adapter = ScriptedAdapter("runway", default=Step(accept=True, gate=threading.Event()))
    h = make_workflow({"runway": adapter})
    task = h.workflow.submit(request(photo, h.output_dir, "s1"), "runway")
    wait_until(lambda: h.workflow.get(task.task_id).remote_job_id is not None)

    assert h.workflow.cancel(task.task_id) is True
    assert h.workflow.get(task.task_id).status is S.CANCELLED  # at once, not when it ends
    done = h.workflow.wait(task.task_id, 10)
    assert done.status is S.CANCELLED
    wait_until(lambda: adapter.active == 0 and h.finished_jobs == ["s1"])
    assert adapter.cancelled_jobs == ["runway-job-1"]
    assert h.workflow.metrics()["runway"].cancelled == 1


def test_failure_has_a_plain_message_and_no_class_name(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    adapter = ScriptedAdapter(
        steps=[
            Step(error=VideoStudioError(VideoStudioErrorType.INVALID_INPUT, "The photo is tiny.")),
            Step(error=RuntimeError("internal detail: KeyError in parser")),
        ]
    )
    h = make_workflow({"pika": adapter})
    first = h.workflow.submit(request(photo, h.output_dir, "a"), "pika", scene_index=2)
    failed = h.workflow.wait(first.task_id, 10)
    assert failed.status is S.FAILED
    assert failed.error_type == "invalid_input"
    assert failed.error_message == "Scene 3: The photo is tiny."
    assert failed.message == failed.error_message
    assert failed.metadata["recovery_actions"] == ["change_input"]

    second = h.workflow.submit(request(photo, h.output_dir, "b"), "pika")
    unknown = h.workflow.wait(second.task_id, 10)
    assert unknown.status is S.FAILED and unknown.error_type == "unknown"
    assert unknown.error_message is not None
    assert "RuntimeError" not in unknown.error_message and "KeyError" not in unknown.error_message
    assert len(adapter.calls) == 2  # neither is worth a retry


def test_user_retry_queues_a_failed_task_again(make_workflow: MakeWorkflow, photo: Path) -> None:
    error = VideoStudioError(VideoStudioErrorType.CONTENT_POLICY, "Refused.", retryable=False)
    adapter = ScriptedAdapter(steps=[Step(error=error)])
    h = make_workflow({"luma": adapter})
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    assert h.workflow.wait(task.task_id, 10).status is S.FAILED

    again = h.workflow.retry(task.task_id)
    assert again.task_id == task.task_id
    assert again.status is S.QUEUED and again.error_type is None
    assert h.workflow.wait(task.task_id, 10).status is S.COMPLETED
    with pytest.raises(ValueError, match="not failed"):
        h.workflow.retry(task.task_id)
    h.workflow.shutdown()
    ran, ran_again = [S.QUEUED, S.RUNNING, S.FAILED], [S.QUEUED, S.RUNNING, S.COMPLETED]
    assert h.statuses(task.task_id) == ran + ran_again


def test_retry_of_a_cancelled_task_while_its_call_winds_down(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    slow_to_stop = threading.Event()
    adapter = ScriptedAdapter(steps=[Step(gate=slow_to_stop, ignore_cancel=True)])
    h = make_workflow({"luma": adapter}, workflow={"max_concurrent_tasks": 2})
    task = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    wait_until(lambda: adapter.active == 1)
    h.workflow.cancel(task.task_id)
    h.workflow.retry(task.task_id)  # the first call has not noticed the cancel yet
    assert adapter.active == 1 and len(adapter.calls) == 1  # not run twice at once
    slow_to_stop.set()
    assert h.workflow.wait(task.task_id, 10).status is S.COMPLETED
    assert adapter.peak == 1


def test_shutdown_cancels_everything_and_leaves_no_thread(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    before = set(threading.enumerate())
    adapter = ScriptedAdapter(default=Step(accept=True, gate=threading.Event()))
    h = make_workflow({"luma": adapter}, workflow={"max_concurrent_tasks": 2})
    tasks = [h.workflow.submit(request(photo, h.output_dir, f"s{i}"), "luma") for i in range(5)]
    wait_until(lambda: len(h.saved_jobs) == 2)  # both running calls have a remote job
    assert len(workflow_threads()) == 3  # two workers and the watchdog

    h.workflow.shutdown(cancel_running=True, wait=True)
    assert workflow_threads() == []
    assert set(threading.enumerate()) <= before
    infos = [h.workflow.get(t.task_id) for t in tasks]
    assert {i.status for i in infos} == {S.CANCELLED}
    assert all("closing" in i.message for i in infos)
    assert sorted(adapter.cancelled_jobs) == ["luma-job-1", "luma-job-2"]
    with pytest.raises(WorkflowClosedError):
        h.workflow.submit(request(photo, h.output_dir, "late"), "luma")
    h.workflow.shutdown()  # twice is harmless


def test_shutdown_can_let_running_tasks_finish(make_workflow: MakeWorkflow, photo: Path) -> None:
    adapter = ScriptedAdapter(default=Step(seconds=0.2))
    h = make_workflow({"luma": adapter}, workflow={"max_concurrent_tasks": 1})
    running = h.workflow.submit(request(photo, h.output_dir, "a"), "luma")
    queued = h.workflow.submit(request(photo, h.output_dir, "b"), "luma")
    wait_until(lambda: adapter.active == 1)
    h.workflow.shutdown(cancel_running=False)
    assert h.workflow.get(running.task_id).status is S.COMPLETED
    assert h.workflow.get(queued.task_id).status is S.CANCELLED
    assert workflow_threads() == []


def test_no_threads_before_the_first_task(make_workflow: MakeWorkflow) -> None:
    make_workflow({"luma": ScriptedAdapter()})
    assert workflow_threads() == []


def test_event_listener_may_call_back_into_the_workflow(tmp_path: Path, photo: Path) -> None:
    seen: list[tuple[str, int]] = []
    holder: list[GenerationWorkflow] = []

    def listener(event: WorkflowEvent) -> None:
        seen.append((event.kind.value, len(holder[0].tasks())))

    workflow = GenerationWorkflow(
        make_config(),
        registry_of({"luma": ScriptedAdapter()}),
        cache_dir=tmp_path / "cache",
        on_event=listener,
    )
    holder.append(workflow)
    try:
        task = workflow.submit(request(photo, tmp_path / "clips", "a"), "luma")
        assert workflow.wait(task.task_id, 10).status is S.COMPLETED
    finally:
        workflow.shutdown()
    assert seen and set(seen) == {(WorkflowEventKind.TASK_UPDATED.value, 1)}
