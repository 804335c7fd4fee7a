"""Luma Dream Machine (`/dream-machine/v1`): `POST /generations/video` with the image as
`keyframes.frame0` (a public URL: Luma reads images only from the web, so the image host in
Settings is required), `GET /generations/{id}` reports queued / dreaming / completed
(`assets.video`) / failed (`failure_reason`), `DELETE /generations/{id}` removes it.

A create whose answer was lost is recovered from `GET /generations`: every generation echoes
its request, so the newest one made since we sent, echoing exactly our request, is ours."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from video_studio.adapters.base import (
    Capabilities,
    GenerationRequest,
    ModelAdapter,
    RemoteJob,
    RemoteState,
)
from video_studio.adapters.cloud_adapter import CloudAdapter, JobStatus, unknown_state_error
from video_studio.adapters.http_common import JsonObject, bad_answer
from video_studio.adapters.image_delivery import ImageRules, prepare_image, upload_to_image_host
from video_studio.config import ModelConfig, get_config
from video_studio.error_types import RecoveryAction, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio
from video_studio.service_failures import job_failure_error

_log = logging.getLogger("video_studio.adapters.luma")

DEFAULT_MODEL = "ray-2"
_A = AspectRatio
# Luma has no 4:5; 3:4 is the nearest shape it makes.
ASPECTS: dict[AspectRatio, str] = {
    _A.LANDSCAPE: "16:9",
    _A.PORTRAIT: "9:16",
    _A.SQUARE: "1:1",
    _A.PORTRAIT_4_5: "3:4",
}
DURATIONS: tuple[int, ...] = (5, 9)
RESOLUTIONS: tuple[str, ...] = ("540p", "720p", "1080p", "4k")
MAX_IMAGE_BYTES = 20 * 1024 * 1024
_IMAGE_RULES = ImageRules(service="Luma Dream Machine", max_bytes=MAX_IMAGE_BYTES)
_LIST_LIMIT = 20
_CLOCK_SLACK = timedelta(minutes=2)  # our clock against Luma's


def needs_image_host_error() -> VideoStudioError:
    return VideoStudioError(
        VideoStudioErrorType.CONFIGURATION,
        "Luma Dream Machine can only read the product image from a public web address, and no "
        "image host is set. Set an image host in Settings, or pick Runway, Pika or the local "
        "engine for this scene.",
        retryable=False,
        details={"model": "luma", "setting": "models.luma.image_host_url"},
        recovery_actions=(RecoveryAction.FIX_CONFIGURATION, RecoveryAction.USE_LOCAL_ENGINE),
    )


class LumaAdapter(CloudAdapter):
    name = "luma"
    display_name = "Luma Dream Machine"

    @property
    def model_id(self) -> str:
        return self.config.model_id or DEFAULT_MODEL

    def capabilities(self) -> Capabilities:
        return Capabilities(
            aspect_ratios=tuple(ASPECTS),
            durations=tuple(float(d) for d in DURATIONS),
            resolutions=RESOLUTIONS,
            max_image_bytes=MAX_IMAGE_BYTES,
            needs_public_image_url=True,
            cost_hint="paid per clip from your Luma credit balance (see Luma's price list)",
        )

    def _auth_headers(self, api_key: str) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {api_key}"}

    def _preflight(self, request: GenerationRequest) -> None:
        if not self.config.image_host_url:
            raise needs_image_host_error()

    def request_body(self, request: GenerationRequest, image_url: str) -> JsonObject:
        aspect = ASPECTS[request.aspect_ratio]
        if request.aspect_ratio is AspectRatio.PORTRAIT_4_5:
            _log.info("luma: Luma has no 4:5 clips; asking for 3:4, the nearest shape")
        duration = min(DURATIONS, key=lambda d: (abs(d - request.duration), -d))
        resolution = request.resolution if request.resolution in RESOLUTIONS else "720p"
        body: JsonObject = {
            "model": self.model_id,
            "aspect_ratio": aspect,
            "duration": f"{duration}s",
            "resolution": resolution,
            "keyframes": {"frame0": {"type": "image", "url": image_url}},
        }
        if request.prompt.strip():
            body["prompt"] = request.prompt.strip()
        return body

    def _submit(self, request: GenerationRequest, cancel: CancelToken) -> RemoteJob:
        host = self.config.image_host_url
        if not host:
            raise needs_image_host_error()
        image = prepare_image(request.image, _IMAGE_RULES)
        image_url = upload_to_image_host(self.http, image, host, cancel=cancel)
        body = self.request_body(request, image_url)
        sent_at = datetime.now(UTC)
        generation_id = self.http.create(
            "/generations/video",
            cancel=cancel,
            json=body,
            parse=self._generation_id,
            recover=lambda: self.find_generation(body, sent_at),
        )
        return RemoteJob(
            model=self.name,
            job_id=generation_id,
            scene_id=request.scene_id,
            request_image=request.image,
        )

    def _generation_id(self, payload: JsonObject) -> str:
        generation_id = payload.get("id")
        if not isinstance(generation_id, str) or not generation_id:
            raise bad_answer(self.name, "no generation id in the answer")
        return generation_id

    def find_generation(self, body: JsonObject, sent_at: datetime) -> str | None:
        """The id of the newest generation created since `sent_at` whose request echo holds
        every field of `body`; None when there is none (or the list cannot be read)."""
        try:
            listing = self.http.get_json(
                "/generations", cancel=None, params={"limit": _LIST_LIMIT, "offset": 0}
            )
        except VideoStudioError as exc:
            _log.warning("luma: could not list generations to find a lost create: %s", exc)
            return None
        generations = listing.get("generations")
        if not isinstance(generations, list):
            return None
        candidates: list[tuple[datetime, str]] = []
        for generation in generations:
            if not isinstance(generation, dict):
                continue
            created = _timestamp(generation.get("created_at"))
            echo = generation.get("request")
            generation_id = generation.get("id")
            if (
                isinstance(generation_id, str)
                and isinstance(echo, dict)
                and _echoes(echo, body)
                and (created is None or created >= sent_at - _CLOCK_SLACK)
            ):
                candidates.append((created or sent_at, generation_id))
        if not candidates:
            return None
        return max(candidates)[1]

    def _status(self, job: RemoteJob, cancel: CancelToken) -> JobStatus:
        generation = self.http.get_json(
            job.status_url or f"/generations/{job.job_id}", cancel=cancel
        )
        return self.read_status(generation)

    def read_status(self, generation: JsonObject) -> JobStatus:
        state = generation.get("state")
        if state == "queued":
            return JobStatus(RemoteState.QUEUED, message="Waiting in Luma's queue")
        if state == "dreaming":
            return JobStatus(RemoteState.RUNNING, message="Luma is generating the clip")
        if state == "completed":
            assets = generation.get("assets")
            video = assets.get("video") if isinstance(assets, dict) else None
            if not isinstance(video, str) or not video:
                return JobStatus(RemoteState.DONE, failure=bad_answer(self.name, "no video URL"))
            return JobStatus(RemoteState.DONE, fraction=1.0, output_url=video)
        if state == "failed":
            reason = generation.get("failure_reason")
            failure = job_failure_error(
                reason if isinstance(reason, str) else None, model=self.name
            )
            return JobStatus(RemoteState.DONE, failure=failure)
        return JobStatus(RemoteState.DONE, failure=unknown_state_error(self.name, state))

    def _cancel_job(self, job: RemoteJob) -> None:
        # Luma has no cancel; deleting the generation is the nearest thing (best effort).
        url = job.cancel_url or f"/generations/{job.job_id}"
        self.http.best_effort("DELETE", url, what=f"deleting generation {job.job_id}")


def _echoes(echo: Mapping[str, object], body: Mapping[str, object]) -> bool:
    """Whether the service's echo of a request holds every field we sent, unchanged."""
    for key, value in body.items():
        if key not in echo:
            return False
        theirs = echo[key]
        if isinstance(value, Mapping):
            if not isinstance(theirs, Mapping) or not _echoes(theirs, value):
                return False
        elif theirs != value:
            return False
    return True


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def create(config: ModelConfig) -> ModelAdapter:
    """The registry's factory: storage and workflow settings from the application config."""
    app = get_config()
    return LumaAdapter(config, storage=app.storage, workflow=app.workflow)
