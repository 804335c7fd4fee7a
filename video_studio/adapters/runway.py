"""Runway (Developer API, version 2024-11-06): `POST /v1/image_to_video` starts a task,
`GET /v1/tasks/{id}` reports PENDING / THROTTLED / RUNNING (progress) / SUCCEEDED (output
URLs that expire within a day or two) / FAILED (failure, failureCode) / CANCELLED,
`DELETE /v1/tasks/{id}` cancels or deletes it. Runway has no way to list tasks, so a create
whose answer was lost cannot be recovered: the user is told to check the dashboard."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from video_studio.adapters.base import (
    Capabilities,
    GenerationRequest,
    ModelAdapter,
    RemoteJob,
    RemoteState,
)
from video_studio.adapters.cloud_adapter import CloudAdapter, JobStatus, unknown_state_error
from video_studio.adapters.http_common import JsonObject, bad_answer
from video_studio.adapters.image_delivery import (
    DATA_URI_LIMIT,
    ImageRules,
    data_uri_length,
    is_upload_unsupported,
    prepare_image,
    runway_upload,
)
from video_studio.config import ModelConfig, get_config
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio
from video_studio.service_failures import job_failure_error

_log = logging.getLogger("video_studio.adapters.runway")

RUNWAY_VERSION = "2024-11-06"
DEFAULT_MODEL = "gen4_turbo"
UPLOAD_LIMIT = 200 * 1024 * 1024  # ephemeral uploads
_A = AspectRatio
_GEN4_RATIOS: dict[AspectRatio, str] = {
    _A.LANDSCAPE: "1280:720",
    _A.PORTRAIT: "720:1280",
    _A.SQUARE: "960:960",
    _A.PORTRAIT_4_5: "832:1104",
}
_VEO_RATIOS: dict[AspectRatio, str] = {_A.LANDSCAPE: "1280:720", _A.PORTRAIT: "720:1280"}
# Output ratios and durations (seconds) per Runway model (cloud-apis.md §2.2).
MODEL_RATIOS: dict[str, dict[AspectRatio, str]] = {
    "gen4_turbo": _GEN4_RATIOS,
    "gen4.5": _GEN4_RATIOS,
    "veo3": _VEO_RATIOS,
    "veo3.1": _VEO_RATIOS,
    "veo3.1_fast": _VEO_RATIOS,
}
MODEL_DURATIONS: dict[str, tuple[int, ...]] = {
    "gen4_turbo": (5, 10),
    "gen4.5": tuple(range(2, 11)),
    "veo3": (8,),
    "veo3.1": (4, 6, 8),
    "veo3.1_fast": (4, 6, 8),
}
_NEEDS_PROMPT = frozenset({"gen4.5"})
_DEFAULT_PROMPT = "Smooth, subtle camera motion that shows off the product."
_MAX_PROMPT = 1000
_IMAGE_RULES = ImageRules(
    service="Runway", data_uri_limit=DATA_URI_LIMIT, min_ratio=0.5, max_ratio=2.0, max_side=8000
)


class RunwayAdapter(CloudAdapter):
    name = "runway"
    display_name = "Runway"
    can_refresh_output = True

    # --- what the model takes -------------------------------------------------------------

    @property
    def model_id(self) -> str:
        return self.config.model_id or DEFAULT_MODEL

    def _ratios(self) -> dict[AspectRatio, str]:
        return MODEL_RATIOS.get(self.model_id, _GEN4_RATIOS)

    def _durations(self) -> tuple[int, ...]:
        return MODEL_DURATIONS.get(self.model_id, MODEL_DURATIONS[DEFAULT_MODEL])

    def capabilities(self) -> Capabilities:
        return Capabilities(
            aspect_ratios=tuple(self._ratios()),
            durations=tuple(float(d) for d in self._durations()),
            resolutions=("720p",),
            max_image_bytes=(DATA_URI_LIMIT - 64) // 4 * 3,
            needs_public_image_url=False,
            cost_hint="paid in Runway credits per second of video (see Runway's price list)",
        )

    def ratio_for(self, aspect: AspectRatio) -> str:
        ratios = self._ratios()
        if aspect in ratios:
            return ratios[aspect]
        nearest = min(ratios, key=lambda known: abs(known.ratio - aspect.ratio))
        _log.info(
            "runway: %s does not make %s clips; using the nearest, %s",
            self.model_id,
            aspect.value,
            nearest.value,
        )
        return ratios[nearest]

    def duration_for(self, seconds: float) -> int:
        durations = self._durations()
        chosen = min(durations, key=lambda d: (abs(d - seconds), -d))
        if chosen != seconds:
            _log.info(
                "runway: asking for %d s (the nearest %s makes to %g s)",
                chosen,
                self.model_id,
                seconds,
            )
        return chosen

    # --- protocol -------------------------------------------------------------------------

    def _auth_headers(self, api_key: str) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {api_key}"}

    def _extra_headers(self) -> Mapping[str, str]:
        return {"X-Runway-Version": RUNWAY_VERSION}

    def request_body(self, request: GenerationRequest, prompt_image: str) -> JsonObject:
        body: JsonObject = {
            "model": self.model_id,
            "promptImage": prompt_image,
            "ratio": self.ratio_for(request.aspect_ratio),
            "duration": self.duration_for(request.duration),
        }
        prompt = request.prompt.strip()
        if not prompt and self.model_id in _NEEDS_PROMPT:
            prompt = _DEFAULT_PROMPT
        if prompt:
            body["promptText"] = prompt[:_MAX_PROMPT]
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    def _deliver_image(self, request: GenerationRequest, cancel: CancelToken) -> str:
        """A data URI when the image fits in 5 MB without losing quality; otherwise the
        upload flow with the full-quality image; a shrunken data URI if uploading fails."""
        whole = prepare_image(
            request.image, replace(_IMAGE_RULES, data_uri_limit=None, max_bytes=UPLOAD_LIMIT)
        )
        if data_uri_length(len(whole.data), whole.mime) <= DATA_URI_LIMIT:
            return whole.data_uri()
        try:
            return runway_upload(self.http, whole, request.image.name, cancel=cancel)
        except VideoStudioError as exc:
            if not is_upload_unsupported(exc):
                raise
            _log.warning("runway: the upload flow failed (%s); sending a smaller image", exc)
        return prepare_image(request.image, _IMAGE_RULES).data_uri()

    def _submit(self, request: GenerationRequest, cancel: CancelToken) -> RemoteJob:
        body = self.request_body(request, self._deliver_image(request, cancel))
        # Runway cannot list tasks: a create with a lost answer cannot be recovered.
        task_id = self.http.create(
            "/v1/image_to_video", cancel=cancel, json=body, parse=self._task_id
        )
        return RemoteJob(
            model=self.name, job_id=task_id, scene_id=request.scene_id, request_image=request.image
        )

    def _task_id(self, payload: JsonObject) -> str:
        task_id = payload.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise bad_answer(self.name, "no task id in the answer")
        return task_id

    def _task(self, job: RemoteJob, cancel: CancelToken) -> JsonObject:
        return self.http.get_json(job.status_url or f"/v1/tasks/{job.job_id}", cancel=cancel)

    def _status(self, job: RemoteJob, cancel: CancelToken) -> JobStatus:
        return self.read_status(self._task(job, cancel))

    def read_status(self, task: JsonObject) -> JobStatus:  # noqa: PLR0911 - a state table
        status = task.get("status")
        if status == "PENDING":
            return JobStatus(RemoteState.QUEUED, message="Waiting in Runway's queue")
        if status == "THROTTLED":
            message = "Waiting: your Runway plan's limit of jobs at once is reached"
            return JobStatus(RemoteState.QUEUED, message=message)
        if status == "RUNNING":
            return JobStatus(RemoteState.RUNNING, fraction=_fraction(task.get("progress")))
        if status == "SUCCEEDED":
            output = task.get("output")
            url = output[0] if isinstance(output, list) and output else None
            if not isinstance(url, str) or not url:
                return JobStatus(RemoteState.DONE, failure=bad_answer(self.name, "no output URL"))
            return JobStatus(RemoteState.DONE, fraction=1.0, output_url=url)
        if status == "FAILED":
            reason, code = task.get("failure"), task.get("failureCode")
            failure = job_failure_error(
                reason if isinstance(reason, str) else None,
                code=code if isinstance(code, str) else None,
                model=self.name,
            )
            return JobStatus(RemoteState.DONE, failure=failure)
        if status == "CANCELLED":
            return JobStatus(RemoteState.DONE, failure=_cancelled_elsewhere())
        return JobStatus(RemoteState.DONE, failure=unknown_state_error(self.name, status))

    def _cancel_job(self, job: RemoteJob) -> None:
        url = job.cancel_url or f"/v1/tasks/{job.job_id}"
        self.http.best_effort("DELETE", url, what=f"cancelling task {job.job_id}")

    def _fresh_output_url(self, job: RemoteJob, cancel: CancelToken) -> str | None:
        status = self.read_status(self._task(job, cancel))
        return status.output_url


def _fraction(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    fraction = float(value)
    if fraction > 1.0:  # a percentage
        fraction /= 100.0
    return min(1.0, max(0.0, fraction))


def _cancelled_elsewhere() -> VideoStudioError:
    return VideoStudioError(
        VideoStudioErrorType.MODEL_FAILURE,
        "Runway reports that the job was cancelled (perhaps from the Runway dashboard). "
        "Generate the scene again if you still want it.",
        retryable=False,
        details={"model": "runway"},
    )


def create(config: ModelConfig) -> ModelAdapter:
    """The registry's factory: storage and workflow settings from the application config."""
    app = get_config()
    return RunwayAdapter(config, storage=app.storage, workflow=app.workflow)
