"""One interface for every image-to-video model: the local engine and the cloud services.

An adapter turns a GenerationRequest into a GeneratedClip: a validated video file placed
atomically in the clip folder. It reports progress (fraction, message, queue position,
the remote job id as soon as it is known), honours a CancelToken (also cancelling the remote
job, unless the token `keeps_remote`: then it only stops following it), and raises
VideoStudioError subclasses for every failure. Retries, circuit breakers, queueing and
caching live in the workflow, around adapters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from video_studio.config import ModelConfig
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio
from video_studio.models import MotionSpec


class RemoteState(StrEnum):
    """Where a job stands, in words common to every service."""

    SUBMITTING = "submitting"
    QUEUED = "queued"  # Luma queued, Runway PENDING/THROTTLED, fal IN_QUEUE
    RUNNING = "running"  # Luma dreaming, Runway RUNNING, fal IN_PROGRESS, local rendering
    DOWNLOADING = "downloading"
    DONE = "done"


@dataclass(frozen=True)
class Capabilities:
    """What a model accepts and makes, for the UI and for validating requests early."""

    aspect_ratios: tuple[AspectRatio, ...]
    durations: tuple[float, ...]  # seconds the model can make (the local engine: any)
    resolutions: tuple[str, ...]  # e.g. ("720p", "1080p")
    max_image_bytes: int | None  # after any re-encoding the adapter does itself
    image_formats: tuple[str, ...] = ("jpeg", "png", "webp")
    needs_api_key: bool = True
    needs_public_image_url: bool = False  # Luma only reads images from a public URL
    cost_hint: str = ""  # e.g. "about $0.20 per 5 s clip at 720p"
    any_duration: bool = False  # the local engine makes clips of any length


@dataclass(frozen=True)
class GenerationRequest:
    """One clip to make from one product image."""

    image: Path
    prompt: str = ""
    duration: float = 5.0
    aspect_ratio: AspectRatio = AspectRatio.LANDSCAPE
    resolution: str = "720p"
    motion: MotionSpec | None = None  # the local engine's motion (cloud models use the prompt)
    fps: int = 30
    seed: int | None = None
    scene_id: str = ""  # for progress reports, error messages and remote-job records
    output_dir: Path = field(default_factory=lambda: Path("clips"))


@dataclass(frozen=True)
class GenerationProgress:
    state: RemoteState
    fraction: float | None = None  # 0..1 when the service says; None when it cannot
    message: str = ""
    queue_position: int | None = None  # jobs ahead of ours, when the service says
    remote_job_id: str | None = None


ProgressCallback = Callable[[GenerationProgress], None]


@dataclass(frozen=True)
class GeneratedClip:
    path: Path  # a decodable video inside request.output_dir
    model: str
    duration: float
    width: int
    height: int
    remote_job_id: str | None = None


@dataclass(frozen=True)
class RemoteJob:
    """A paid job a service accepted: saved in the project so a restart resumes polling
    instead of paying again."""

    model: str
    job_id: str
    scene_id: str
    request_image: Path
    status_url: str | None = None  # fal returns these; Luma and Runway derive them
    result_url: str | None = None
    cancel_url: str | None = None


@runtime_checkable
class ModelAdapter(Protocol):
    name: str  # "local", "luma", "runway", "pika" or a plugin's name
    display_name: str

    def capabilities(self) -> Capabilities: ...

    def generate(
        self,
        request: GenerationRequest,
        *,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        """Make the clip. Reports RemoteState.QUEUED with `remote_job_id` as soon as the
        service accepted the job (the workflow saves it), raises VideoStudioError.

        When `cancel` is cancelled, raises CancelledByUser at the next check and cancels the
        accepted job at the service, except when `cancel.keeps_remote` (the job was saved
        and is resumed later): then the job is left running."""
        ...

    def resume(
        self,
        job: RemoteJob,
        request: GenerationRequest,
        *,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        """Continue a job accepted before a restart: poll it and download its result."""
        ...

    def cancel_remote(self, job: RemoteJob) -> None:
        """Ask the service to stop a job (best effort; never raises for a finished job)."""
        ...


AdapterFactory = Callable[[ModelConfig], ModelAdapter]
