"""Workflows built for tests: a config with small delays, a registry of given adapters, an
event log, and a check at teardown that the workflow left no thread running."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from tests.emulators.fixtures import (  # noqa: F401 - fixtures for the chaos test
    fal_emulator,
    image_host,
    luma_emulator,
    runway_emulator,
)
from video_studio.adapters.base import ModelAdapter, RemoteJob
from video_studio.adapters.registry import AdapterRegistry
from video_studio.config import ModelConfig, VideoStudioConfig
from video_studio.models import TaskInfo, TaskStatus
from video_studio.workflow import GenerationWorkflow, WorkflowEvent, WorkflowEventKind

FAST_WORKFLOW: dict[str, Any] = {
    "max_concurrent_tasks": 2,
    "retry_base_delay_seconds": 0.01,
    "retry_max_delay_seconds": 0.05,
    "circuit_breaker_cooldown_seconds": 60.0,
}


def write_photo(path: Path, width: int = 320, height: int = 240, seed: int = 0) -> Path:
    """A small real photo-like JPEG: a gradient, a shaded box, some texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.dstack([200 + 40 * y / height, 190 + 30 * x / width, 180 + 0 * x])
    image[height // 4 : height * 3 // 4, width // 3 : width * 2 // 3] = (40, 110, 200)
    image += rng.normal(0, 6, image.shape)
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(path, quality=90)
    return path


def write_sample_clip(path: Path, frames: int = 3) -> Path:
    """A tiny real H.264 MP4."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for index in range(frames):
            pixels = np.full((64, 64, 3), 40 * index, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="session")
def sample_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_clip(tmp_path_factory.mktemp("clip") / "sample.mp4")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return write_photo(tmp_path / "product.jpg")


def make_config(
    workflow: Mapping[str, Any] | None = None, models: Mapping[str, Any] | None = None
) -> VideoStudioConfig:
    return VideoStudioConfig.from_dict(
        {"workflow": {**FAST_WORKFLOW, **(workflow or {})}, "models": dict(models or {})},
        environment=False,
    )


def registry_of(adapters: Mapping[str, ModelAdapter]) -> AdapterRegistry:
    registry = AdapterRegistry(discover_plugins=False)
    for name, adapter in adapters.items():

        def factory(config: ModelConfig, adapter: ModelAdapter = adapter) -> ModelAdapter:
            return adapter

        registry.register(name, factory, replace=True)
    return registry


@dataclass
class Harness:
    """A workflow with everything it reported."""

    workflow: GenerationWorkflow
    output_dir: Path
    events: list[WorkflowEvent] = field(default_factory=list)
    saved_jobs: list[RemoteJob] = field(default_factory=list)
    finished_jobs: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def task_events(self, task_id: str) -> list[TaskInfo]:
        with self.lock:
            return [
                event.task
                for event in self.events
                if event.task is not None and event.task.task_id == task_id
            ]

    def statuses(self, task_id: str) -> list[TaskStatus]:
        """The task's statuses as its events told them, repeats collapsed."""
        seen: list[TaskStatus] = []
        for info in self.task_events(task_id):
            if not seen or seen[-1] is not info.status:
                seen.append(info.status)
        return seen

    def breaker_events(self, kind: WorkflowEventKind) -> list[WorkflowEvent]:
        with self.lock:
            return [event for event in self.events if event.kind is kind]


MakeWorkflow = Callable[..., Harness]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def workflow_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("video-studio-generation")]


@pytest.fixture
def make_workflow(tmp_path: Path) -> Iterator[MakeWorkflow]:
    """`make_workflow(adapters, workflow={...}, models={...})`; shut down at teardown,
    which must leave no thread behind."""
    before = set(threading.enumerate())
    made: list[GenerationWorkflow] = []

    def make(
        adapters: Mapping[str, ModelAdapter],
        *,
        workflow: Mapping[str, Any] | None = None,
        models: Mapping[str, Any] | None = None,
        config: VideoStudioConfig | None = None,
        registry: AdapterRegistry | None = None,
        **kwargs: Any,
    ) -> Harness:
        harness_box: list[Harness] = []

        def on_event(event: WorkflowEvent) -> None:
            harness = harness_box[0]
            with harness.lock:
                harness.events.append(event)

        def on_job(job: RemoteJob) -> None:
            harness_box[0].saved_jobs.append(job)

        def on_done(scene_id: str) -> None:
            harness_box[0].finished_jobs.append(scene_id)

        instance = GenerationWorkflow(
            config if config is not None else make_config(workflow, models),
            registry if registry is not None else registry_of(adapters),
            cache_dir=tmp_path / f"cache{len(made)}",
            on_event=on_event,
            on_remote_job=on_job,
            on_remote_job_done=on_done,
            **kwargs,
        )
        harness = Harness(instance, tmp_path / "clips")
        harness_box.append(harness)
        made.append(instance)
        return harness

    yield make
    for instance in made:
        instance.shutdown()
    assert not workflow_threads(), "a workflow thread outlived shutdown()"
    # Other threads (an emulator's connection handlers) may take a moment to notice closed
    # connections.
    end = time.monotonic() + 3.0
    while (leftover := [t for t in set(threading.enumerate()) - before if t.is_alive()]) and (
        time.monotonic() < end
    ):
        time.sleep(0.02)
    assert not leftover, f"threads left running: {leftover}"
