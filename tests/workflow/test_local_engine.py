"""The workflow with the real local engine: real renders of a small photo at 720p."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import av

from tests.workflow.conftest import MakeWorkflow, wait_until
from tests.workflow.scripted_adapter import ScriptedAdapter, Step
from video_studio.adapters.base import GenerationRequest
from video_studio.adapters.registry import AdapterRegistry
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.models import MotionSpec, MotionType, TaskStatus

S = TaskStatus


def probe(path: Path) -> tuple[int, int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return stream.codec_context.width, stream.codec_context.height, frames


def local_request(photo: Path, output: Path, scene: str, **fields: object) -> GenerationRequest:
    values: dict[str, object] = {"duration": 1.0, "fps": 10, "resolution": "720p"}
    values.update(fields)
    return GenerationRequest(image=photo, scene_id=scene, output_dir=output, **values)  # type: ignore[arg-type]


def test_local_generations_render_real_clips_in_parallel(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    h = make_workflow({}, registry=AdapterRegistry(discover_plugins=False))
    zoom = MotionSpec(type=MotionType.ZOOM_IN)
    tasks = [
        h.workflow.submit(local_request(photo, h.output_dir, f"s{i}", motion=zoom, seed=i), "local")
        for i in range(3)
    ]
    for task in tasks:
        done = h.workflow.wait(task.task_id, 60)
        assert done.status is S.COMPLETED, done.error_message
        assert done.result_path is not None
        assert probe(Path(done.result_path)) == (1280, 720, 10)
    h.workflow.shutdown()
    progress = [i.progress for i in h.task_events(tasks[0].task_id)]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert len({i.progress for i in h.task_events(tasks[0].task_id)}) >= 3  # it moved
    metrics = h.workflow.metrics()["local"]
    assert metrics.successes == 3 and metrics.latency_median is not None


def test_a_second_identical_local_generation_is_served_from_the_cache(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    h = make_workflow({}, registry=AdapterRegistry(discover_plugins=False))
    first = h.workflow.wait(
        h.workflow.submit(local_request(photo, h.output_dir, "a"), "local").task_id, 60
    )
    assert first.status is S.COMPLETED
    started = time.monotonic()
    again = h.workflow.wait(
        h.workflow.submit(local_request(photo, h.output_dir / "b", "b"), "local").task_id, 60
    )
    assert again.status is S.COMPLETED and again.metadata["from_cache"] is True
    assert time.monotonic() - started < 1.0
    assert again.result_path is not None and probe(Path(again.result_path)) == (1280, 720, 10)
    assert h.workflow.metrics()["local"].calls == 1


def test_cancelling_a_local_render_stops_it_and_leaves_no_partial_file(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    h = make_workflow({}, registry=AdapterRegistry(discover_plugins=False))
    long = local_request(photo, h.output_dir, "long", duration=20.0, fps=30)
    task = h.workflow.submit(long, "local")
    wait_until(lambda: h.workflow.get(task.task_id).progress > 0.06, timeout=30)
    started = time.monotonic()
    assert h.workflow.cancel(task.task_id)
    h.workflow.shutdown()  # waits for the render thread to stop
    assert time.monotonic() - started < 5
    assert h.workflow.get(task.task_id).status is S.CANCELLED
    assert list(h.output_dir.glob("*")) == []
    # The export's render pool lives in a generator that a cancel noticed by the encoder
    # leaves suspended inside a reference cycle: its idle thread goes with the next garbage
    # collection (render/export.py could close the generator; not the workflow's code).
    gc.collect()


def test_a_paused_cloud_model_falls_back_to_real_local_renders(
    make_workflow: MakeWorkflow, photo: Path
) -> None:
    outage = VideoStudioError(VideoStudioErrorType.SERVICE_UNAVAILABLE, "503")
    runway = ScriptedAdapter("runway", default=Step(error=outage))
    registry = AdapterRegistry(discover_plugins=False)
    registry.register("runway", lambda config: runway, replace=True)
    h = make_workflow(
        {},
        registry=registry,
        workflow={
            "when_breaker_open": "use_local",
            "circuit_breaker_failure_threshold": 1,
            "max_concurrent_tasks": 1,
        },
        models={"runway": {"max_retries": 0}},
    )
    failed = h.workflow.submit(local_request(photo, h.output_dir, "x", prompt="a"), "runway")
    assert h.workflow.wait(failed.task_id, 10).status is S.FAILED
    task = h.workflow.submit(local_request(photo, h.output_dir, "y", prompt="pan left"), "runway")
    done = h.workflow.wait(task.task_id, 60)
    assert done.status is S.COMPLETED and done.metadata["generated_by"] == "local"
    assert "local engine" in done.message
    assert done.result_path is not None and probe(Path(done.result_path))[:2] == (1280, 720)
    assert len(runway.calls) == 1
