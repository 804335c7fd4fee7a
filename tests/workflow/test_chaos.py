"""Chaos: 20 scenes over Luma, Runway and Pika (their loopback emulators, through the real
adapters) and the local engine, with seeded random faults: 429 with and without Retry-After,
503s, connection resets, slow answers, truncated downloads, a lost create on each service,
a content-policy refusal, a stuck job against a short task time limit, and a run of ingress
503s that opens Pika's circuit breaker until its cool-down passes.

Every scene must end COMPLETED or FAILED with a plain message, no scene may have two remote
jobs (a lost create: exactly one), no thread may outlive the workflow, and all of it must
finish in bounded time."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.base import Emulator, Outcome
from tests.emulators.fal import FalEmulator
from tests.emulators.image_host import ImageHost
from tests.emulators.luma import LumaEmulator
from tests.emulators.runway import RunwayEmulator
from tests.workflow.conftest import workflow_threads, write_photo
from video_studio.adapters.base import GenerationRequest, RemoteJob
from video_studio.adapters.registry import AdapterRegistry
from video_studio.config import VideoStudioConfig, temporary_config
from video_studio.models import TaskStatus
from video_studio.workflow import GenerationWorkflow, WorkflowEvent, WorkflowEventKind

S = TaskStatus
SEED = 20261124
TIME_LIMIT = 60.0
TASK_TIMEOUT_SECONDS = 6.0
COOLDOWN = 1.0
# What a plain message must never show: exception class names, tracebacks, Python reprs.
RAW = re.compile(r"Traceback|Error\(|Exception\b|\w+Error\b(?! id)|httpx|<\w+ object")
PROMPT_KEYS = {"luma": "prompt", "runway": "promptText", "pika": "prompt"}


def chaos_config(
    tmp_path: Path, luma: LumaEmulator, runway: RunwayEmulator, fal: FalEmulator, host: ImageHost
) -> VideoStudioConfig:
    def model(emulator: Emulator, **extra: Any) -> dict[str, Any]:
        return {
            "base_url": emulator.base_url,
            "api_key": emulator.api_key,
            "poll_interval_seconds": 0.01,
            "request_timeout_seconds": 1.0,
            "timeout": 45.0,
            "max_retries": 3,
            **extra,
        }

    return VideoStudioConfig.from_dict(
        {
            "models": {
                "luma": model(luma, image_host_url=host.root_url + "/images"),
                "runway": model(runway),
                "pika": model(fal),
            },
            "workflow": {
                "max_concurrent_tasks": 4,
                "task_timeout_minutes": TASK_TIMEOUT_SECONDS / 60,
                "circuit_breaker_failure_threshold": 3,
                "circuit_breaker_cooldown_seconds": COOLDOWN,
                "retry_base_delay_seconds": 0.01,
                "retry_max_delay_seconds": 0.05,
                "when_breaker_open": "wait",
            },
            "storage": {"base_path": str(tmp_path / "data"), "temp_path": str(tmp_path / "tmp")},
            "logging": {"directory": str(tmp_path / "logs"), "console": False},
        },
        environment=False,
    )


def arm_faults(rng: random.Random, luma: LumaEmulator, runway: RunwayEmulator) -> list[str]:
    """A seeded choice of transport and HTTP faults on Luma and Runway; returns their names.
    Every service also gets one lost create (Luma finds the job again by listing; Runway
    cannot, and must not send it twice)."""
    catalogue: list[tuple[str, Callable[[Emulator], None]]] = [
        ("429 + Retry-After", lambda e: e.fail("create", status=429, retry_after="0.2")),
        ("429 no Retry-After", lambda e: e.fail("create", status=429)),
        ("429 retry-after-ms", lambda e: e.fail("create", status=429, retry_after_ms="150")),
        ("503 on poll x2", lambda e: e.fail("poll", status=503, times=2)),
        ("reset on poll", lambda e: e.fail("poll", reset=True)),
        ("slow poll", lambda e: e.fail("poll", delay=1.5)),
        ("truncated download", lambda e: e.fail("download", truncate=True)),
        ("502 on poll", lambda e: e.fail("poll", status=502)),
    ]
    armed: list[str] = []
    for emulator in (luma, runway):
        emulator.fail("create", lose_response=True)
        armed.append(f"{emulator.name}: lost create")
        for name, arm in rng.sample(catalogue, 5):
            arm(emulator)
            armed.append(f"{emulator.name}: {name}")
    return armed


@pytest.fixture
def emulators(
    luma_emulator: LumaEmulator,
    runway_emulator: RunwayEmulator,
    fal_emulator: FalEmulator,
    image_host: ImageHost,
) -> Iterator[tuple[LumaEmulator, RunwayEmulator, FalEmulator, ImageHost]]:
    yield luma_emulator, runway_emulator, fal_emulator, image_host


@pytest.mark.slow
def test_chaos_twenty_scenes_over_four_models(
    tmp_path: Path,
    emulators: tuple[LumaEmulator, RunwayEmulator, FalEmulator, ImageHost],
) -> None:
    luma, runway, fal, host = emulators
    rng = random.Random(SEED)
    by_name: dict[str, Emulator] = {"luma": luma, "runway": runway, "pika": fal}
    config = chaos_config(tmp_path, luma, runway, fal, host)
    armed = arm_faults(rng, luma, runway)
    # Pika: a run of ingress 503s (the adapter retries them, then the workflow does) until
    # its breaker opens; the faults are cleared when the alert arrives.
    fal.fail_ingress("create", status=503, times=1000)

    models = ["luma", "runway", "pika", "local"] * 5
    rng.shuffle(models)
    scenes = [f"scene-{index:02d}" for index in range(20)]
    # The last scenes of a service: the faults armed above go to the first creates.
    policy_scene = [s for s, m in zip(scenes, models, strict=True) if m == "luma"][-1]
    stuck_scene = [s for s, m in zip(scenes, models, strict=True) if m == "runway"][-1]
    events: list[WorkflowEvent] = []
    saved: list[RemoteJob] = []
    done_scenes: list[str] = []
    lock = threading.Lock()

    def on_event(event: WorkflowEvent) -> None:
        with lock:
            events.append(event)
        if event.kind is WorkflowEventKind.BREAKER_OPENED and event.adapter == "pika":
            fal.clear_faults()  # the service is healthy again; the breaker must find out

    def on_remote_job(job: RemoteJob) -> None:
        # Called as soon as the service accepted the job, before the adapter polls it.
        with lock:
            saved.append(job)
        emulator = by_name[job.model]
        if job.scene_id == policy_scene:
            emulator.job(job.job_id).outcome = Outcome("content_policy")
        elif job.scene_id == stuck_scene:
            emulator.job(job.job_id).outcome = Outcome("stuck")

    def on_done(scene_id: str) -> None:
        with lock:
            done_scenes.append(scene_id)

    photos = [write_photo(tmp_path / f"photo{i}.jpg", seed=i) for i in range(4)]
    threads_before = set(threading.enumerate())
    started = time.monotonic()
    with temporary_config(config):
        workflow = GenerationWorkflow(
            config,
            AdapterRegistry(discover_plugins=False),
            cache_dir=tmp_path / "cache",
            on_event=on_event,
            on_remote_job=on_remote_job,
            on_remote_job_done=on_done,
        )
        try:
            tasks = {
                scene: workflow.submit(
                    GenerationRequest(
                        image=photos[index % len(photos)],
                        prompt=f"slow push-in on product {scene}",
                        duration=1.0 if model == "local" else 5.0,
                        fps=10,
                        resolution="720p",
                        scene_id=scene,
                        output_dir=tmp_path / "clips",
                    ),
                    model,
                    scene_index=index,
                )
                for index, (scene, model) in enumerate(zip(scenes, models, strict=True))
            }
            finished = {
                scene: workflow.wait(task.task_id, TIME_LIMIT) for scene, task in tasks.items()
            }
        finally:
            workflow.shutdown()
    elapsed = time.monotonic() - started
    report = {s: (i.model, i.status.value, i.error_type, i.message) for s, i in finished.items()}

    # Bounded time; every scene ended, and a failure says what happened in plain words.
    assert elapsed < TIME_LIMIT, report
    for scene, info in finished.items():
        assert info.status in (S.COMPLETED, S.FAILED), (scene, report[scene], armed)
        if info.status is S.FAILED:
            assert info.error_type and info.error_message, report[scene]
            assert not RAW.search(info.error_message), report[scene]
        else:
            assert info.result_path and Path(info.result_path).is_file(), report[scene]

    # The scripted outcomes happened.
    assert finished[policy_scene].error_type == "content_policy", report[policy_scene]
    stuck = finished[stuck_scene]
    assert stuck.error_type == "timeout", report[stuck_scene]
    stuck_job = runway.job(stuck.remote_job_id or "")
    assert stuck_job.cancelled or stuck_job.deleted  # its remote job was cancelled
    local_scenes = [s for s, m in zip(scenes, models, strict=True) if m == "local"]
    assert all(finished[s].status is S.COMPLETED for s in local_scenes)

    # No scene paid twice: at most one job per scene, and creates <= submissions.
    for name, emulator in by_name.items():
        submitted = models.count(name)
        prompts = [job.request.get(PROMPT_KEYS[name]) for job in emulator.created_jobs]
        assert len(prompts) == len(set(prompts)), (name, prompts)
        assert len(emulator.created_jobs) <= submitted
    # The lost creates: Luma found its job again (one job, completed); Runway's scene failed
    # with the advice to check the dashboard, and still has exactly one job.
    lost_runway = [
        s
        for s, i in finished.items()
        if i.model == "runway" and i.error_message and "may have started" in i.error_message
    ]
    assert len(lost_runway) == 1, report
    prompt = f"slow push-in on product {lost_runway[0]}"
    assert [j.request.get("promptText") for j in runway.created_jobs].count(prompt) == 1

    # Pika's breaker opened with an alert, its tasks waited, and it closed again.
    with lock:
        opened = [e for e in events if e.kind is WorkflowEventKind.BREAKER_OPENED]
        closed = [e for e in events if e.kind is WorkflowEventKind.BREAKER_CLOSED]
        paused = [
            e.task
            for e in events
            if e.task is not None and e.task.model == "pika" and "paused" in e.task.message
        ]
    assert [e.adapter for e in opened if e.adapter == "pika"], report
    assert any(e.adapter == "pika" for e in closed), report
    assert paused and all(task.status is S.QUEUED for task in paused)
    pika_scenes = [s for s, m in zip(scenes, models, strict=True) if m == "pika"]
    assert any(finished[s].status is S.COMPLETED for s in pika_scenes)
    metrics = workflow.metrics()
    assert metrics["pika"].breaker_times_opened >= 1 and metrics["pika"].breaker_state == "closed"

    # Remote-job records: every saved job was let go again.
    assert sorted({job.scene_id for job in saved}) == sorted(set(done_scenes))

    # Nothing left running.
    assert workflow_threads() == []
    deadline = time.monotonic() + 3
    while (extra := [t for t in threading.enumerate() if t not in threads_before]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.02)
    assert not extra, extra
