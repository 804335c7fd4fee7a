"""The workflow's own record of a task (beside the TaskInfo the user sees), and the plain
sentences it shows while a task waits, runs or falls back to the local engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from video_studio.adapters.base import GenerationProgress, GenerationRequest, RemoteJob, RemoteState
from video_studio.error_messages import capitalize, model_display_name, seconds_text
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken
from video_studio.models import TaskInfo

LOCAL = "local"
StopReason = Literal["cancelled", "timeout", "shutdown"]


@dataclass
class Attempt:
    """One call of an adapter for a task: a first try, a retry or a resume."""

    adapter_name: str
    token: CancelToken = field(default_factory=CancelToken)
    resuming: RemoteJob | None = None
    stopped: StopReason | None = None  # set by cancel(), the timeout or shutdown
    # Set with `stopped` by shutdown(keep_remote_jobs=True) when the task's job is recorded:
    # the call stops, the job goes on at the service and its record stays for resume().
    keep_remote: bool = False
    last_state: RemoteState | None = None


@dataclass(eq=False)
class Task:
    info: TaskInfo
    request: GenerationRequest
    model: str
    use_cache: bool
    seq: int
    position: int | None = None  # place in the workflow's queue while waiting there
    attempts: int = 0  # adapter calls in the current run (reset by retry())
    not_before: float = 0.0  # clock time before which a queued task is not started
    deadline: float | None = None  # clock time the current run times out
    attempt: Attempt | None = None  # the call in flight, if any
    remote_job: RemoteJob | None = None  # a job the service accepted and that may be alive
    remote_reported: bool = False  # on_remote_job told about it; on_remote_job_done is due
    resume_next: bool = False  # the next attempt polls remote_job instead of creating
    requeue_when_idle: bool = False  # retry() while the cancelled call still winds down
    cache_key: str | None = None

    @property
    def job_recorded(self) -> bool:
        """Whether the task follows a job whose record on_remote_job was given (and
        on_remote_job_done not yet): one a later resume() can follow."""
        return self.remote_job is not None and self.remote_reported

    @property
    def scene_key(self) -> str:
        """The id remote-job records are filed under: the scene, else the task."""
        return self.request.scene_id or self.info.task_id


def snapshot_of(task: Task) -> TaskInfo:
    """An independent copy of the task's state for events and callers, with its place in
    the workflow's queue while it waits there. Cheaper than a deep copy: the fields are
    immutable values except `metadata`, copied two levels deep (it holds plain data)."""
    info = task.info
    metadata = {
        key: list(value)
        if isinstance(value, list)
        else dict(value)
        if isinstance(value, dict)
        else value
        for key, value in info.metadata.items()
    }
    position = task.position if task.position is not None else info.queue_position
    return info.model_copy(update={"metadata": metadata, "queue_position": position})


def service_name(model: str) -> str:
    return model_display_name(model) or model


def progress_message(model: str, progress: GenerationProgress) -> str:
    """The adapter's own words, else a sentence for the state it reports."""
    if progress.message:
        return progress.message
    service = service_name(model)
    ahead = progress.queue_position
    match progress.state:
        case RemoteState.SUBMITTING:
            return f"Sending the image to {service}"
        case RemoteState.QUEUED:
            queue = f" ({ahead} ahead)" if ahead else ""
            return f"Waiting in the queue of {service}{queue}"
        case RemoteState.RUNNING:
            return capitalize(f"{service} is making the clip")
        case RemoteState.DOWNLOADING:
            return "Downloading the clip"
        case _:
            return "Clip ready"


def clock_text(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


def paused_message(model: str, wait: float, now: datetime) -> str:
    """Why a task waits for an open circuit breaker, and when it will try again."""
    service = capitalize(service_name(model))
    if wait <= 0:
        when = "as soon as a trial request succeeds"
    else:
        at = clock_text(now + timedelta(seconds=wait))
        when = f"at {at} (in about {seconds_text(wait)})"
    return (
        f"{service} is paused after failing several times in a row; "
        f"this scene will try again {when}."
    )


def local_fallback_message(model: str, *, done: bool) -> str:
    service = capitalize(service_name(model))
    if done:
        return (
            f"Made by the local engine because {service} was paused after failing several "
            "times in a row."
        )
    return (
        f"{service} is paused after failing several times in a row, so the local engine is "
        "making this scene instead."
    )


def kept_job_message(model: str) -> str:
    """Why a task stopped by closing the app still has its clip coming."""
    service = capitalize(service_name(model))
    return (
        f"Stopped because Video Studio is closing. {service} goes on making the clip; it "
        "is collected when the project is opened again."
    )


def retry_message(wait: float, attempt: int, max_attempts: int, reason: str) -> str:
    return f"{reason} Trying again in {seconds_text(wait)} (attempt {attempt} of {max_attempts})."


def timeout_error(minutes: float) -> VideoStudioError:
    shown = f"{minutes:g} minute" + ("" if minutes == 1 else "s")
    return VideoStudioError(
        VideoStudioErrorType.TIMEOUT,
        f"The clip was not ready within the {shown} allowed for a generation "
        "(workflow.task_timeout_minutes), so it was stopped. Try again, or allow more time in "
        "Settings.",
        retryable=False,
        details={"task_timeout_minutes": minutes},
    )


def remote_job_failed(exc: BaseException) -> bool:
    """Whether `exc` reports the service's own verdict on an accepted job (Luma
    failure_reason, Runway failure/failureCode, fal error): polling it again cannot help."""
    if not isinstance(exc, VideoStudioError):
        return False
    return any(exc.details.get(key) for key in ("failure_reason", "failure_code"))


_OUTCOME_UNKNOWN_KEYS = ("create_outcome_unknown", "may_have_created")


def create_may_have_happened(exc: BaseException, attempt: Attempt) -> bool:
    """Whether a failed call may have left a job at the service without telling us its id
    (the create request was sent and its answer lost): trying again could pay twice.

    Adapters raising VideoStudioError decide it themselves (ours make a lost create
    non-retryable; a detail flag says so too). A bare transport error from a plugin while
    it was submitting is taken as possibly created."""
    if attempt.resuming is not None:
        return False
    if isinstance(exc, VideoStudioError):
        return any(exc.details.get(key) for key in _OUTCOME_UNKNOWN_KEYS)
    transport = isinstance(exc, ConnectionError | TimeoutError | OSError)
    return transport and attempt.last_state is RemoteState.SUBMITTING
