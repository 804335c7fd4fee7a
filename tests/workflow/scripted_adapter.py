"""A model adapter for workflow tests whose every call follows a script: how long it works,
whether the service accepts a job (and reports its id), how it ends. A real class that
implements the ModelAdapter protocol, writing a real (tiny) MP4 as its clip."""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from video_studio.adapters.base import (
    Capabilities,
    GeneratedClip,
    GenerationProgress,
    GenerationRequest,
    ProgressCallback,
    RemoteJob,
    RemoteState,
)
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio


@dataclass(frozen=True)
class Step:
    """What one call does. `seconds` of work (cut short by a cancel); `accept` reports a
    remote job id first; `error` is raised at the end instead of making a clip; `gate` makes
    the call wait until the event is set (or the call is cancelled)."""

    seconds: float = 0.0
    accept: bool = False
    error: BaseException | None = None
    gate: threading.Event | None = None
    ignore_cancel: bool = False  # keeps working after a cancel (a stuck HTTP request)


@dataclass(frozen=True)
class Call:
    kind: str  # "generate" or "resume"
    request: GenerationRequest
    job: RemoteJob | None
    started: float


@dataclass
class ScriptedAdapter:
    """ModelAdapter. Steps are used in order, then `default` for every further call."""

    name: str = "luma"
    display_name: str = "Scripted"
    steps: list[Step] = field(default_factory=list)
    default: Step = field(default_factory=Step)
    sample_clip: Path | None = None
    calls: list[Call] = field(default_factory=list)
    cancelled_jobs: list[str] = field(default_factory=list)
    active: int = 0
    peak: int = 0
    order: list[str] = field(default_factory=list)  # scene ids in the order calls started
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    started: threading.Event = field(default_factory=threading.Event)

    def capabilities(self) -> Capabilities:
        return Capabilities(
            aspect_ratios=tuple(AspectRatio),
            durations=(5.0,),
            resolutions=("720p",),
            max_image_bytes=None,
            needs_api_key=False,
        )

    def _next_step(self) -> Step:
        with self._lock:
            return self.steps.pop(0) if self.steps else self.default

    def generate(
        self, request: GenerationRequest, *, cancel: CancelToken, progress: ProgressCallback
    ) -> GeneratedClip:
        return self._run("generate", request, None, cancel, progress)

    def resume(
        self,
        job: RemoteJob,
        request: GenerationRequest,
        *,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        return self._run("resume", request, job, cancel, progress)

    def cancel_remote(self, job: RemoteJob) -> None:
        with self._lock:
            self.cancelled_jobs.append(job.job_id)

    @property
    def generate_calls(self) -> list[Call]:
        return [call for call in self.calls if call.kind == "generate"]

    def _run(
        self,
        kind: str,
        request: GenerationRequest,
        job: RemoteJob | None,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        step = self._next_step()
        with self._lock:
            self.calls.append(Call(kind, request, job, time.monotonic()))
            self.order.append(request.scene_id)
            self.active += 1
            self.peak = max(self.peak, self.active)
            number = next(self._ids)
        self.started.set()
        try:
            job_id = job.job_id if job is not None else None
            if step.accept and job_id is None:
                progress(GenerationProgress(RemoteState.SUBMITTING))
                job_id = f"{self.name}-job-{number}"
                progress(GenerationProgress(RemoteState.QUEUED, remote_job_id=job_id))
            progress(GenerationProgress(RemoteState.RUNNING, 0.5, remote_job_id=job_id))
            if step.gate is not None:
                while not step.gate.wait(0.01):
                    if not step.ignore_cancel:
                        cancel.raise_if_cancelled()
            if step.ignore_cancel:
                time.sleep(step.seconds)
            else:
                cancel.sleep(step.seconds)
                cancel.raise_if_cancelled()
            if step.error is not None:
                raise step.error
            return self._clip(request, number, job_id)
        finally:
            with self._lock:
                self.active -= 1

    def _clip(self, request: GenerationRequest, number: int, job_id: str | None) -> GeneratedClip:
        output = Path(request.output_dir)
        output.mkdir(parents=True, exist_ok=True)
        path = output / f"{request.scene_id or 'clip'}-{self.name}-{number}.mp4"
        if self.sample_clip is not None:
            shutil.copyfile(self.sample_clip, path)
        else:
            path.write_bytes(f"clip {number}".encode())
        return GeneratedClip(
            path=path, model=self.name, duration=1.0, width=64, height=64, remote_job_id=job_id
        )
