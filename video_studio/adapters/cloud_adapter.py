"""The life of a cloud generation, the same for every service: prepare and submit (reporting
the remote job id at once, so the workflow can save it), poll until done with a cancel
check and an overall time limit, download and check the clip, place it atomically. Each
service adapter supplies the protocol: submit, read a status, cancel, refresh an output URL.

Cancelling the CancelToken stops the call at its next check and cancels the accepted job at
the service; a token cancelled with `keep_remote=True` (the app closing) stops it the same
way but leaves the job running there, to be resumed later. Either way the call raises
CancelledByUser. A request already sent cannot be interrupted: the call notices the cancel
when it returns, at most `request_timeout_seconds` later (a plain cancel then adds the
cancel request itself, a few seconds at most).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from video_studio.adapters.base import (
    Capabilities,
    GeneratedClip,
    GenerationProgress,
    GenerationRequest,
    ProgressCallback,
    RemoteJob,
    RemoteState,
)
from video_studio.adapters.clip_download import ClipDownloader, OutputExpiredError, clip_file_name
from video_studio.adapters.http_common import ServiceHttp, missing_key_error, service_name
from video_studio.config import ModelConfig, StorageConfig, WorkflowConfig
from video_studio.error_types import CancelledByUser, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken

_log = logging.getLogger("video_studio.adapters")
_BYTES_PER_MB = 1024 * 1024
_DOWNLOAD_REPORT_STEP = 0.1


@dataclass(frozen=True)
class JobStatus:
    """One poll's answer in common words. `failure` set: the job failed for good."""

    state: RemoteState
    fraction: float | None = None
    queue_position: int | None = None
    message: str = ""
    output_url: str | None = None
    failure: VideoStudioError | None = None


def unknown_state_error(model: str, state: object) -> VideoStudioError:
    service = service_name(model)
    return VideoStudioError(
        VideoStudioErrorType.SERVICE_UNAVAILABLE,
        f"{service} reported a job state Video Studio does not know ({str(state)[:40]!r}). "
        f"The job may still finish: check your {service} dashboard, or try again later.",
        retryable=False,
        details={"model": model, "state": str(state)[:200]},
    )


class CloudAdapter(ABC):
    """Base of the Luma, Runway and Pika adapters (ModelAdapter protocol)."""

    name: str = ""
    display_name: str = ""
    can_refresh_output = False  # the service hands out a new link to a finished output

    def __init__(
        self,
        config: ModelConfig,
        *,
        storage: StorageConfig,
        workflow: WorkflowConfig,
        client: httpx.Client | None = None,
    ) -> None:
        self.config = config
        self.storage = storage
        self.workflow = workflow
        self.http = ServiceHttp(
            self.name,
            config,
            workflow,
            auth_headers=self._auth_headers,
            extra_headers=self._extra_headers(),
            client=client,
        )
        self._downloader = ClipDownloader(
            self.http, max_bytes=int(storage.max_file_size_mb * _BYTES_PER_MB)
        )

    # --- the protocol of one service -----------------------------------------------------

    @abstractmethod
    def capabilities(self) -> Capabilities: ...

    @abstractmethod
    def _auth_headers(self, api_key: str) -> Mapping[str, str]: ...

    def _extra_headers(self) -> Mapping[str, str]:
        return {}

    def _preflight(self, request: GenerationRequest) -> None:  # noqa: B027 - optional hook
        """Refuse, before any request, what cannot work (missing settings)."""

    @abstractmethod
    def _submit(self, request: GenerationRequest, cancel: CancelToken) -> RemoteJob:
        """Deliver the image and start the paid job (never twice)."""

    @abstractmethod
    def _status(self, job: RemoteJob, cancel: CancelToken) -> JobStatus: ...

    @abstractmethod
    def _cancel_job(self, job: RemoteJob) -> None:
        """Ask the service to stop the job; best effort, never raises."""

    def _fresh_output_url(self, job: RemoteJob, cancel: CancelToken) -> str | None:
        """A new link to the finished output, where the service can give one."""
        return None

    # --- ModelAdapter ---------------------------------------------------------------------

    def generate(
        self, request: GenerationRequest, *, cancel: CancelToken, progress: ProgressCallback
    ) -> GeneratedClip:
        started = time.monotonic()
        self._preflight(request)
        if not self.config.has_api_key:
            raise missing_key_error(self.name)
        cancel.raise_if_cancelled()
        service = service_name(self.name)
        progress(GenerationProgress(RemoteState.SUBMITTING, message=f"Sending to {service}"))
        job = self._submit(request, cancel)
        _log.info("%s: job %s accepted for scene %r", self.name, job.job_id, request.scene_id)
        progress(
            GenerationProgress(
                RemoteState.QUEUED,
                message=f"Waiting for {service}",
                remote_job_id=job.job_id,
            )
        )
        return self._follow(job, request, cancel, progress, started)

    def resume(
        self,
        job: RemoteJob,
        request: GenerationRequest,
        *,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        if job.model != self.name:
            raise VideoStudioError(
                VideoStudioErrorType.INVALID_INPUT,
                f"The saved job belongs to {service_name(job.model)}, not "
                f"{service_name(self.name)}, so it cannot be resumed here.",
                retryable=False,
                details={"model": self.name, "job_model": job.model},
            )
        if not self.config.has_api_key:
            raise missing_key_error(self.name)
        _log.info("%s: resuming job %s", self.name, job.job_id)
        return self._follow(job, request, cancel, progress, time.monotonic())

    def cancel_remote(self, job: RemoteJob) -> None:
        try:
            self._cancel_job(job)
        except Exception as exc:  # best effort by contract
            _log.warning("%s: cancelling job %s failed: %s", self.name, job.job_id, exc)

    def close(self) -> None:
        self.http.close()

    # --- the common flow ------------------------------------------------------------------

    def _follow(
        self,
        job: RemoteJob,
        request: GenerationRequest,
        cancel: CancelToken,
        progress: ProgressCallback,
        started: float,
    ) -> GeneratedClip:
        try:
            url = self._wait_for_output(job, cancel, progress, started + self.config.timeout)
            return self._download(job, request, url, cancel, progress)
        except CancelledByUser:
            if cancel.keeps_remote:
                _log.info("%s: stopped following job %s; it goes on", self.name, job.job_id)
            else:
                _log.info("%s: cancelled, stopping job %s", self.name, job.job_id)
                self.cancel_remote(job)
            raise

    def _wait_for_output(
        self,
        job: RemoteJob,
        cancel: CancelToken,
        progress: ProgressCallback,
        deadline: float,
    ) -> str:
        last: GenerationProgress | None = None
        while True:
            cancel.raise_if_cancelled()
            if time.monotonic() >= deadline:
                self.cancel_remote(job)
                raise self._timed_out()
            status = self._poll_once(job, cancel)
            if status is not None:
                if status.failure is not None:
                    raise status.failure
                if status.state is RemoteState.DONE:
                    if not status.output_url:
                        raise unknown_state_error(self.name, "finished without a video")
                    return status.output_url
                report = GenerationProgress(
                    status.state,
                    fraction=status.fraction,
                    message=status.message,
                    queue_position=status.queue_position,
                    remote_job_id=job.job_id,
                )
                if report != last:
                    progress(report)
                    last = report
            remaining = deadline - time.monotonic()
            cancel.sleep(max(0.0, min(self.config.poll_interval_seconds, remaining)))

    def _poll_once(self, job: RemoteJob, cancel: CancelToken) -> JobStatus | None:
        """A status, or None after a passing failure (polls are retried freely)."""
        try:
            return self._status(job, cancel)
        except VideoStudioError as exc:
            if isinstance(exc, CancelledByUser) or not exc.retryable:
                raise
            _log.warning(
                "%s: polling job %s failed, will poll again: %s", self.name, job.job_id, exc
            )
            return None

    def _timed_out(self) -> VideoStudioError:
        service = service_name(self.name)
        return VideoStudioError(
            VideoStudioErrorType.TIMEOUT,
            f"{service} did not finish the video within {self.config.timeout:g} s, so Video "
            f"Studio stopped waiting and asked {service} to cancel the job. Try again later, or "
            f"raise the time limit for {service} in Settings.",
            retryable=False,
            details={"model": self.name, "timeout": self.config.timeout},
        )

    def _download(
        self,
        job: RemoteJob,
        request: GenerationRequest,
        url: str,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        message = f"Downloading the clip from {service_name(self.name)}"
        progress(
            GenerationProgress(RemoteState.DOWNLOADING, message=message, remote_job_id=job.job_id)
        )
        reported = [0.0]

        def on_bytes(received: int, total: int | None) -> None:
            if not total:
                return
            fraction = min(1.0, received / total)
            if fraction - reported[0] >= _DOWNLOAD_REPORT_STEP:
                reported[0] = fraction
                progress(
                    GenerationProgress(
                        RemoteState.DOWNLOADING,
                        fraction=fraction,
                        message=message,
                        remote_job_id=job.job_id,
                    )
                )

        def refresh() -> str:
            fresh = self._fresh_output_url(job, cancel)
            if fresh is None:
                raise OutputExpiredError(self.name, 404)
            return fresh

        destination = request.output_dir / clip_file_name(request.scene_id, self.name, job.job_id)
        facts = self._downloader.download(
            url,
            destination,
            cancel=cancel,
            refresh_url=refresh if self.can_refresh_output else None,
            on_bytes=on_bytes,
        )
        clip = GeneratedClip(
            path=destination,
            model=self.name,
            duration=facts.duration,
            width=facts.width,
            height=facts.height,
            remote_job_id=job.job_id,
        )
        progress(
            GenerationProgress(
                RemoteState.DONE, fraction=1.0, message="Clip ready", remote_job_id=job.job_id
            )
        )
        return clip
