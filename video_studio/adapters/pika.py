"""Pika through fal's queue: `POST {base}/{model_id}` submits and answers with the request's
status, result and cancel URLs (under the model's owner/alias only), which are followed as
given. Status is IN_QUEUE (queue_position) / IN_PROGRESS / COMPLETED, where a COMPLETED with
`error` is a failure. The clip takes the image's shape, so the image is cropped or padded to
the requested aspect ratio before it is sent (as a data URI). fal cannot list requests, so
a submit whose answer was lost cannot be recovered; the user is told to check the dashboard.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx

from video_studio.adapters.base import (
    Capabilities,
    GenerationRequest,
    ModelAdapter,
    RemoteJob,
    RemoteState,
)
from video_studio.adapters.cloud_adapter import CloudAdapter, JobStatus, unknown_state_error
from video_studio.adapters.http_common import JsonObject, bad_answer
from video_studio.adapters.image_delivery import DATA_URI_LIMIT, ImageRules, prepare_image
from video_studio.config import ModelConfig, get_config
from video_studio.error_types import VideoStudioError
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio
from video_studio.service_failures import job_failure_error

_log = logging.getLogger("video_studio.adapters.pika")

DEFAULT_MODEL = "fal-ai/pika/v2.2/image-to-video"
DURATIONS: tuple[int, ...] = (5, 10)
RESOLUTIONS: tuple[str, ...] = ("720p", "1080p")
MAX_SIDE = 2048  # the clip is 1080p at most: larger pictures only slow the upload
_DEFAULT_PROMPT = "Smooth, subtle camera motion that shows off the product."
_INGRESS_STATUSES = frozenset({502, 503, 504})


def queue_urls(base_url: str, model_id: str, request_id: str) -> tuple[str, str, str]:
    """Status, result and cancel URLs of a request: fal drops the model's sub-path."""
    owner_alias = "/".join(model_id.strip("/").split("/")[:2])
    root = f"{base_url.rstrip('/')}/{owner_alias}/requests/{request_id}"
    return f"{root}/status", root, f"{root}/cancel"


def _ingress_error(response: httpx.Response) -> bool:
    """fal's front proxy failed (HTML "nginx" page, no request id): the request never
    reached the queue, so sending it again cannot start a second job."""
    return (
        response.status_code in _INGRESS_STATUSES
        and "x-fal-request-id" not in response.headers
        and "nginx" in response.text.lower()
    )


class PikaAdapter(CloudAdapter):
    name = "pika"
    display_name = "Pika"

    @property
    def model_id(self) -> str:
        return self.config.model_id or DEFAULT_MODEL

    def capabilities(self) -> Capabilities:
        return Capabilities(
            aspect_ratios=tuple(AspectRatio),
            durations=tuple(float(d) for d in DURATIONS),
            resolutions=RESOLUTIONS,
            max_image_bytes=(DATA_URI_LIMIT - 64) // 4 * 3,
            needs_public_image_url=False,
            cost_hint="about $0.20 per 5 s clip at 720p, $0.45 at 1080p (fal's price list)",
        )

    def _auth_headers(self, api_key: str) -> Mapping[str, str]:
        return {"Authorization": f"Key {api_key}"}

    def request_body(self, request: GenerationRequest, image_uri: str) -> JsonObject:
        duration = min(DURATIONS, key=lambda d: (abs(d - request.duration), -d))
        resolution = "1080p" if request.resolution in ("1080p", "4k") else "720p"
        if resolution != request.resolution:
            _log.info("pika: making the clip at %s (asked for %s)", resolution, request.resolution)
        body: JsonObject = {
            "image_url": image_uri,
            "prompt": request.prompt.strip() or _DEFAULT_PROMPT,
            "duration": duration,
            "resolution": resolution,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    def _submit(self, request: GenerationRequest, cancel: CancelToken) -> RemoteJob:
        rules = ImageRules(
            service="Pika",
            data_uri_limit=DATA_URI_LIMIT,
            max_side=MAX_SIDE,
            target_ratio=request.aspect_ratio.ratio,  # Pika's clip takes the image's shape
        )
        image = prepare_image(request.image, rules)
        body = self.request_body(request, image.data_uri())
        answer = self.http.create(
            self.model_id,
            cancel=cancel,
            json=body,
            parse=self._submitted,
            answered_without_creating=_ingress_error,
        )
        request_id, status_url, result_url, cancel_url = answer
        return RemoteJob(
            model=self.name,
            job_id=request_id,
            scene_id=request.scene_id,
            request_image=request.image,
            status_url=status_url,
            result_url=result_url,
            cancel_url=cancel_url,
        )

    def _submitted(self, payload: JsonObject) -> tuple[str, str, str, str]:
        request_id = payload.get("request_id")
        if not isinstance(request_id, str) or not request_id:
            raise bad_answer(self.name, "no request id in the answer")
        derived = queue_urls(self.config.base_url, self.model_id, request_id)
        given = [payload.get(key) for key in ("status_url", "response_url", "cancel_url")]
        urls = [
            value if isinstance(value, str) and value else fallback
            for value, fallback in zip(given, derived, strict=True)
        ]
        return request_id, urls[0], urls[1], urls[2]

    def _urls(self, job: RemoteJob) -> tuple[str, str, str]:
        status, result, cancel = queue_urls(self.config.base_url, self.model_id, job.job_id)
        return job.status_url or status, job.result_url or result, job.cancel_url or cancel

    def _status(self, job: RemoteJob, cancel: CancelToken) -> JobStatus:
        status_url, result_url, _ = self._urls(job)
        payload = self.http.get_json(status_url, cancel=cancel, params={"logs": "0"})
        status = self.read_status(payload)
        if status.state is not RemoteState.DONE or status.failure is not None:
            return status
        try:
            result = self.http.get_json(result_url, cancel=cancel)
        except VideoStudioError as exc:
            # fal answers a failed request's result with the error itself; it is final.
            if exc.retryable:
                _log.warning("pika: fetching the result failed: %s", exc)
            return JobStatus(RemoteState.DONE, failure=exc)
        video = result.get("video")
        url = video.get("url") if isinstance(video, dict) else None
        if not isinstance(url, str) or not url:
            return JobStatus(RemoteState.DONE, failure=bad_answer(self.name, "no video URL"))
        return JobStatus(RemoteState.DONE, fraction=1.0, output_url=url)

    def read_status(self, payload: JsonObject) -> JobStatus:
        state = payload.get("status")
        if state == "IN_QUEUE":
            position = payload.get("queue_position")
            ahead = (
                position if isinstance(position, int) and not isinstance(position, bool) else None
            )
            message = (
                f"Waiting in Pika's queue ({ahead} ahead)" if ahead else "Waiting in Pika's queue"
            )
            return JobStatus(RemoteState.QUEUED, queue_position=ahead, message=message)
        if state == "IN_PROGRESS":
            return JobStatus(RemoteState.RUNNING, message="Pika is generating the clip")
        if state == "COMPLETED":
            error, error_type = payload.get("error"), payload.get("error_type")
            if error or error_type:
                failure = job_failure_error(
                    str(error) if error else None,
                    code=str(error_type) if error_type else None,
                    model=self.name,
                )
                return JobStatus(RemoteState.DONE, failure=failure)
            return JobStatus(RemoteState.DONE)
        return JobStatus(RemoteState.DONE, failure=unknown_state_error(self.name, state))

    def _cancel_job(self, job: RemoteJob) -> None:
        _, _, cancel_url = self._urls(job)
        self.http.best_effort("PUT", cancel_url, what=f"cancelling request {job.job_id}")


def create(config: ModelConfig) -> ModelAdapter:
    """The registry's factory: storage and workflow settings from the application config."""
    app = get_config()
    return PikaAdapter(config, storage=app.storage, workflow=app.workflow)
