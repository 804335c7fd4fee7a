"""Loopback emulator of the Luma Dream Machine API (`/dream-machine/v1`), cloud-apis.md §1, §5.2."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from tests.emulators.base import COMMON_ENDPOINTS, Emulator, Job, Outcome
from tests.emulators.fetch import fetch, is_loopback
from tests.emulators.media import image_size
from tests.emulators.server import RecordedRequest, Response, json_response
from tests.emulators.service import Route

PREFIX = "/dream-machine/v1"
MODELS = ("ray-1-6", "ray-2", "ray-flash-2")
ASPECT_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21")
CONCEPTS = ("dolly_zoom", "orbit_left", "orbit_right", "pan_left", "pan_right", "push_in")
UNREADABLE = "Failed to read user input frames"
FAILURE_REASONS = (
    "Contains blacklisted words",
    UNREADABLE,
    "Frame moderation failed",
    "Advanced prompt moderation failed",
    "Prompt processing failed",
)


class LumaValidationError(Exception):
    pass


class LumaEmulator(Emulator):
    """`base_url` is `http://127.0.0.1:PORT/dream-machine/v1`, as the adapters expect."""

    name: ClassVar[str] = "luma"
    endpoints: ClassVar[frozenset[str]] = COMMON_ENDPOINTS | {"list", "credits", "ping", "concepts"}
    default_api_key: ClassVar[str] = "luma-0123456789abcdef0123456789abcdef"
    expired_status: ClassVar[int] = 403

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__(api_key=api_key)
        self.validation_status = 400  # UNCONFIRMED in the spec; 422 is the other candidate
        # A data-URI keyframe: "fail_later" = accepted, then failed with UNREADABLE at the first
        # poll; "reject" = a synchronous validation error. Real behaviour UNCONFIRMED.
        self.data_uri_mode: Literal["fail_later", "reject"] = "fail_later"
        self.accept_legacy_create_path = True  # POST /generations (pre mid-2025 clients)
        self.max_concurrent = 10
        self.max_creates_per_minute = 20
        self.rate_limit_retry_after: str | None = None
        self.external_urls_reachable = True  # non-loopback image URLs are never fetched
        self.fetch_timeout = 2.0
        self.progress_video = False  # give `assets.progress_video` while dreaming
        self.credit_balance = 10_000.0  # USD cents
        self.cost_per_generation = 40.0
        self._create_times: list[float] = []

    @property
    def base_url(self) -> str:
        return self.root_url + PREFIX

    # -- protocol plumbing ----------------------------------------------------------------

    def _check_auth(self, request: RecordedRequest) -> Response | None:
        if request.header("authorization") == f"Bearer {self.api_key}":
            return None
        return json_response(401, {"detail": "Invalid API key is provided"})

    def _error_body(self, status: int, message: str) -> Response:
        return json_response(status, {"detail": message})

    def _route(self, request: RecordedRequest) -> Route | None:
        media = self._media_route(request)
        if media is not None or not request.url_path.startswith(PREFIX + "/"):
            return media
        path = request.url_path[len(PREFIX) :].rstrip("/")
        method = request.method
        table: dict[tuple[str, str], tuple[str, Callable[[RecordedRequest], Response]]] = {
            ("POST", "/generations/video"): ("create", self._create),
            ("GET", "/generations"): ("list", self._list),
            ("GET", "/generations/concepts/list"): ("concepts", self._concepts),
            ("GET", "/credits"): ("credits", self._credits),
            ("GET", "/ping"): ("ping", self._ping),
        }
        if self.accept_legacy_create_path:
            table[("POST", "/generations")] = ("create", self._create)
        if (method, path) in table:
            endpoint, handler = table[(method, path)]
            return Route(endpoint, handler)
        match = re.fullmatch(r"/generations/([^/]+)", path)
        if match and method == "GET":
            return Route("poll", self._get)
        if match and method == "DELETE":
            return Route("cancel", self._delete)
        if match or any(p == path for _, p in table):
            return Route("other", self._method_not_allowed)
        return None

    def _method_not_allowed(self, request: RecordedRequest) -> Response:
        return json_response(405, {"detail": "Method Not Allowed"})

    # -- generations ----------------------------------------------------------------------

    def _create(self, request: RecordedRequest) -> Response:
        body = request.json
        try:
            _validate(body, set(self.jobs))
        except LumaValidationError as exc:
            return json_response(self.validation_status, {"detail": str(exc)})
        assert isinstance(body, dict)
        limited = self._rate_limited()
        if limited is not None:
            return limited
        frames = [f for f in (body.get("keyframes") or {}).values() if isinstance(f, dict)]
        early: Outcome | None = None
        for frame in frames:
            if frame.get("type") == "image":
                problem = self._check_image_url(str(frame["url"]))
                if isinstance(problem, Response):
                    return problem
                early = early or problem
        job = self._new_job(request, "queued")
        job.early_failure = early
        job.data["has_image"] = any(f.get("type") == "image" for f in frames)
        self._create_times.append(time.monotonic())
        self.credit_balance -= self.cost_per_generation
        return json_response(201, self._generation(job))

    def _rate_limited(self) -> Response | None:
        now = time.monotonic()
        self._create_times = [t for t in self._create_times if now - t < 60.0]
        active = sum(1 for job in self.jobs.values() if not job.terminal and not job.deleted)
        message = None
        if active >= self.max_concurrent:
            message = f"Too many concurrent generations (limit {self.max_concurrent})"
        elif len(self._create_times) >= self.max_creates_per_minute:
            message = f"Rate limit exceeded: {self.max_creates_per_minute} requests per minute"
        if message is None:
            return None
        response = json_response(429, {"detail": message})
        if self.rate_limit_retry_after is not None:
            response.headers["Retry-After"] = self.rate_limit_retry_after
        return response

    def _check_image_url(self, url: str) -> Response | Outcome | None:
        """A sync 400, a failure to report later, or None when Luma can read the image."""
        unreadable = Outcome("failed", UNREADABLE)
        if url.startswith("data:"):
            if self.data_uri_mode == "reject":
                detail = "Invalid keyframe url: only public http(s) image URLs are supported"
                return json_response(self.validation_status, {"detail": detail})
            return unreadable
        if not re.match(r"https?://[^/\s]+", url):
            return json_response(self.validation_status, {"detail": f"Invalid url: {url[:80]}"})
        if not is_loopback(url):
            return None if self.external_urls_reachable else unreadable
        got = fetch(url, timeout=self.fetch_timeout, head_first=False, user_agent="LumaAI/1.0")
        if not got.ok or not (got.content_type or "").startswith("image/"):
            return unreadable
        return None if image_size(got.data) is not None else unreadable

    def _find(self, request: RecordedRequest) -> Job | None:
        job = self.jobs.get(request.url_path.rstrip("/").rsplit("/", 1)[-1])
        return None if job is None or job.deleted else job

    def _get(self, request: RecordedRequest) -> Response:
        job = self._find(request)
        if job is None:
            return json_response(404, {"detail": "Generation not found"})
        job.polls += 1
        if not job.terminal:
            job.steps += 1
            self._update(job)
        return json_response(200, self._generation(job))

    def _update(self, job: Job) -> None:
        phase = self._phase(job)
        if phase == "queued":
            job.state = "queued"
        elif phase == "running":
            job.state = "dreaming"
            if self.progress_video and "progress_video" not in job.data:
                job.data["progress_video"] = self._mint_output(job, "progress.mp4")
        else:
            job.terminal = True
            outcome = self._final_outcome(job)
            if outcome.failed:
                job.state = "failed"
                job.data["failure_reason"] = outcome.reason or self._default_reason(job, outcome)
                self.credit_balance += self.cost_per_generation  # failed ones are refunded
            else:
                job.state = "completed"
                job.output_url = self._mint_output(job, f"{job.id}_video.mp4")
                job.data["image"] = self._mint_output(
                    job, f"{job.id}_thumb.jpg", content_type="image/jpeg"
                )

    def _default_reason(self, job: Job, outcome: Outcome) -> str:
        if outcome.kind == "content_policy":
            has_image = job.data.get("has_image")
            return "Frame moderation failed" if has_image else "Advanced prompt moderation failed"
        return "Prompt processing failed"

    def _generation(self, job: Job) -> dict[str, Any]:
        assets: dict[str, str] | None = None
        if job.state == "completed" and job.output_url is not None:
            assets = {"video": job.output_url, "image": str(job.data["image"])}
        elif job.state == "dreaming" and "progress_video" in job.data:
            assets = {"progress_video": str(job.data["progress_video"])}
        request = dict(job.request) if isinstance(job.request, dict) else {}
        request.setdefault("generation_type", "video")
        return {
            "id": job.id,
            "generation_type": "video",
            "state": job.state,
            "failure_reason": job.data.get("failure_reason"),
            "created_at": job.created_iso,
            "assets": assets,
            "model": request.get("model"),
            "request": request,
        }

    def _delete(self, request: RecordedRequest) -> Response:
        job = self._find(request)
        if job is None:
            return json_response(404, {"detail": "Generation not found"})
        job.deleted = True
        job.terminal = True
        return Response(204)

    def _list(self, request: RecordedRequest) -> Response:
        query = request.query
        try:
            limit = int(query.get("limit", "10"))
            offset = int(query.get("offset", "0"))
        except ValueError:
            return json_response(self.validation_status, {"detail": "limit and offset are ints"})
        visible = [job for job in reversed(self.created_jobs) if not job.deleted]
        page = visible[offset : offset + limit]
        return json_response(
            200,
            {
                "generations": [self._generation(job) for job in page],
                "has_more": offset + limit < len(visible),
                "count": len(page),
                "limit": limit,
                "offset": offset,
            },
        )

    def _concepts(self, request: RecordedRequest) -> Response:
        return json_response(200, list(CONCEPTS))

    def _credits(self, request: RecordedRequest) -> Response:
        return json_response(200, {"credit_balance": self.credit_balance})

    def _ping(self, request: RecordedRequest) -> Response:
        return json_response(200, {"message": "pong"})


def _validate(body: Any, known_ids: set[str]) -> None:
    """The synchronous checks of the Dream Machine API, with its documented messages."""
    if not isinstance(body, dict):
        raise LumaValidationError("Unknown request type")
    _validate_options(body)
    frame0, frame1 = _validate_keyframes(body.get("keyframes"), known_ids)
    if body.get("loop") and frame1 is not None:
        raise LumaValidationError(
            "Loop is not supported for keyframes"
            if frame0 is not None
            else "Loop is not supported for end frame"
        )
    has_image = any(isinstance(f, dict) and f.get("type") == "image" for f in (frame0, frame1))
    _validate_prompt(body.get("prompt"), has_image)


def _validate_options(body: dict[str, Any]) -> None:
    model = body.get("model")
    if model is None:
        raise LumaValidationError("model is required")
    if model not in MODELS:
        raise LumaValidationError(f"Invalid model {model!r}; expected one of {', '.join(MODELS)}")
    ratio = body.get("aspect_ratio")
    if ratio is not None and ratio not in ASPECT_RATIOS:
        raise LumaValidationError(f"Invalid aspect_ratio {ratio!r}")
    for key, pattern in (("duration", r"\d+s"), ("resolution", r"\d+p|4k")):
        value = body.get(key)
        if value is not None and not (isinstance(value, str) and re.fullmatch(pattern, value)):
            raise LumaValidationError(f"Invalid {key} {value!r}")
    if "loop" in body and not isinstance(body["loop"], bool):
        raise LumaValidationError("loop must be a boolean")


def _validate_keyframes(keyframes: Any, known_ids: set[str]) -> tuple[Any, Any]:
    if keyframes is None:
        return None, None
    if not isinstance(keyframes, dict):
        raise LumaValidationError("keyframes must be an object")
    frame0, frame1 = keyframes.get("frame0"), keyframes.get("frame1")
    if frame0 is None and frame1 is None:
        raise LumaValidationError("No keyframes provided")
    for frame in (frame0, frame1):
        if frame is not None:
            _validate_frame(frame, known_ids)
    return frame0, frame1


def _validate_prompt(prompt: Any, has_image: bool) -> None:
    if prompt is not None and not isinstance(prompt, str):
        raise LumaValidationError("Prompt must be a string")
    if not prompt and not has_image:
        raise LumaValidationError("Prompt is required")
    if prompt and len(prompt) > 5000:
        raise LumaValidationError("Prompt is too long, maximum length is 5000 characters")
    if prompt and len(prompt) < 3 and not has_image:
        raise LumaValidationError("Prompt is too short, minimum length is 3 characters")


def _validate_frame(frame: Any, known_ids: set[str]) -> None:
    if not isinstance(frame, dict) or frame.get("type") not in ("image", "generation"):
        raise LumaValidationError("Unknown keyframe type; expected 'image' or 'generation'")
    if frame["type"] == "image" and not isinstance(frame.get("url"), str):
        raise LumaValidationError("Image keyframe requires a url")
    if frame["type"] == "generation" and frame.get("id") not in known_ids:
        raise LumaValidationError(f"Generation {frame.get('id')!r} not found")
