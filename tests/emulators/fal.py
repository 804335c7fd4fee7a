"""Loopback emulator of fal's queue (queue.fal.run) serving Pika v2.2, cloud-apis.md §3, §5.4."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from tests.emulators.base import COMMON_ENDPOINTS, Emulator, Job, Outcome
from tests.emulators.fal_errors import (
    FLAGGED,
    INFRA_ERRORS,
    NGINX_502,
    STATUS_ERROR_TYPES,
    content_policy_item,
    validate_input,
)
from tests.emulators.faults import Fault
from tests.emulators.fetch import fetch, is_loopback
from tests.emulators.media import image_bytes
from tests.emulators.server import RecordedRequest, Response, json_response
from tests.emulators.service import Route

OWNER_ALIAS = "fal-ai/pika"
MODEL_IDS = (
    "fal-ai/pika/v2.2/image-to-video",
    "fal-ai/pika/v2.1/image-to-video",
    "fal-ai/pika/v2/turbo/image-to-video",
)


class FalEmulator(Emulator):
    """`base_url` is the queue root `http://127.0.0.1:PORT`; submit to `/<model id>`.

    Queue positions fall from `queue_steps` at submit by one per queued poll (or from
    `queue_position_start` by `queue_position_step`). A failed request still reports
    COMPLETED, with `error` and `error_type`; its result GET answers the error status.
    """

    name: ClassVar[str] = "fal"
    endpoints: ClassVar[frozenset[str]] = COMMON_ENDPOINTS | {"result"}
    default_api_key: ClassVar[str] = "fal-key-id:fal-key-secret"
    expired_status: ClassVar[int] = 404

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__(api_key=api_key)
        self.lenient_paths = False  # also serve /<model id>/requests/... (fal documents only
        # the owner/alias form; strict catches adapters that build the full-path form)
        self.validate_on_submit = False  # 422 at submit, instead of a failed request (result)
        self.result_not_ready_status = 400  # UNCONFIRMED
        self.cancel_completed_status = 400  # ALREADY_COMPLETED, UNCONFIRMED
        self.cancel_unknown_status = 404  # NOT_FOUND, UNCONFIRMED
        self.queue_position_start: int | None = None  # None: queue_steps - 1 at submit
        self.queue_position_step = 1
        self.status_override: str | None = None  # report this status (unknown-status test)
        self.max_image_side: int | None = 8192
        self.external_urls_reachable = True  # non-loopback image URLs are never fetched
        self.fetch_timeout = 2.0

    def long_queue(self, position: int = 2500, polls: int = 4) -> None:
        """Long-queue scenario: start at `position`, fall to 0 over `polls` queued polls."""
        with self._lock:
            self.queue_steps = polls
            self.queue_position_start = position
            self.queue_position_step = max(1, -(-position // polls))
            self.polls_to_finish = max(self.polls_to_finish, polls + 2)

    def fail_ingress(self, endpoint: str, *, status: int = 502, times: int = 1) -> None:
        """The nginx HTML error of fal's ingress: no `x-fal-request-id`, so fal_client retries."""
        self.fail(endpoint, status=status, times=times, body=NGINX_502)

    # -- protocol plumbing ----------------------------------------------------------------

    def _check_auth(self, request: RecordedRequest) -> Response | None:
        header = request.header("authorization")
        if header == f"Key {self.api_key}":
            return None
        message = "Missing authorization header" if header is None else "Invalid credentials"
        if header is not None and header.startswith("Key "):
            message = "No user found for Key ID and Secret"
        return json_response(401, {"detail": message})

    def _error_body(self, status: int, message: str) -> Response:
        kind = STATUS_ERROR_TYPES.get(status)
        if kind is None:
            return json_response(status, {"detail": message})
        detail = INFRA_ERRORS[kind][1]
        return json_response(
            status, {"detail": detail, "error_type": kind}, {"X-Fal-Error-Type": kind}
        )

    def _decorate(self, request: RecordedRequest, response: Response) -> Response:
        if not any(name.lower() == "x-fal-request-id" for name in response.headers):
            job_id = self._request_id_in(request.url_path) or str(uuid.uuid4())
            response.headers["x-fal-request-id"] = job_id
        return response

    def _decorate_fault(
        self, request: RecordedRequest, response: Response, fault: Fault
    ) -> Response:
        if isinstance(fault.body, str):  # an ingress (nginx) page, not an answer from fal
            response.headers["Server"] = "nginx"
            return response
        return self._decorate(request, response)

    def _request_id_in(self, path: str) -> str | None:
        match = re.search(r"/requests/([^/]+)", path)
        return match.group(1) if match else None

    def _route(self, request: RecordedRequest) -> Route | None:
        media = self._media_route(request)
        if media is not None:
            return media
        path, method = request.url_path.rstrip("/"), request.method
        if path.lstrip("/") in MODEL_IDS and method == "POST":
            return Route("create", self._create)
        prefixes = [OWNER_ALIAS] + (list(MODEL_IDS) if self.lenient_paths else [])
        for prefix in prefixes:
            match = re.fullmatch(rf"/{re.escape(prefix)}/requests/([^/]+)(/status|/cancel)?", path)
            if match is None:
                continue
            suffix = match.group(2)
            if suffix == "/status" and method == "GET":
                return Route("poll", self._status)
            if suffix == "/cancel" and method == "PUT":
                return Route("cancel", self._cancel)
            if suffix is None and method == "GET":
                return Route("result", self._result)
        return None

    def _urls(self, job: Job) -> dict[str, str]:
        base = f"{self.root_url}/{OWNER_ALIAS}/requests/{job.id}"
        return {
            "response_url": base,
            "status_url": base + "/status",
            "cancel_url": base + "/cancel",
        }

    # -- submit ---------------------------------------------------------------------------

    def _create(self, request: RecordedRequest) -> Response:
        problems = validate_input(request.json, self._fetch_image, self.max_image_side)
        if problems and self.validate_on_submit:
            return json_response(422, {"detail": problems}, {"X-Fal-Retryable": "false"})
        job = self._new_job(request, "IN_QUEUE")
        if problems:
            job.early_failure = Outcome("invalid")
            job.data["detail"] = problems
        timeout = request.header("x-fal-request-timeout")
        if timeout is not None:
            job.data["deadline"] = job.created_at + float(timeout)
        lifecycle = request.header("x-fal-object-lifecycle-preference")
        if lifecycle is not None:
            job.data["ttl"] = float(json.loads(lifecycle)["expiration_duration_seconds"])
        answer = {"status": "IN_QUEUE", **self._urls(job), "request_id": job.id}
        return json_response(
            200, {**answer, "queue_position": self._position(job)}, {"x-fal-request-id": job.id}
        )

    def _fetch_image(self, url: str) -> tuple[bytes | None, str | None]:
        if not is_loopback(url):
            if self.external_urls_reachable:
                return image_bytes(), None
            return None, None
        got = fetch(url, timeout=self.fetch_timeout, head_first=False, user_agent="fal/1.0")
        return (got.data, None) if got.ok else (None, None)

    def _position(self, job: Job) -> int:
        if self.queue_position_start is None:
            return max(0, self.queue_steps - job.steps)
        return max(0, self.queue_position_start - job.steps * self.queue_position_step)

    # -- status / result / cancel ---------------------------------------------------------

    def _find(self, request: RecordedRequest) -> Job | None:
        return self.jobs.get(self._request_id_in(request.url_path) or "")

    def _status(self, request: RecordedRequest) -> Response:
        job = self._find(request)
        if job is None:
            return json_response(404, {"detail": "Request not found"})
        job.polls += 1
        if not job.terminal:
            job.steps += 1
            self._update(job)
        answer: dict[str, Any] = {"status": job.state, "request_id": job.id, **self._urls(job)}
        with_logs = request.query.get("logs", "0").lower() in ("1", "true")
        answer["logs"] = self._logs(job) if with_logs and job.state != "IN_QUEUE" else None
        if job.state == "IN_QUEUE":
            answer["queue_position"] = self._position(job)
        if job.state == "COMPLETED":
            answer["metrics"] = {"inference_time": round(0.8 * job.steps, 3)}
            if "error" in job.data:
                answer["error"] = job.data["error"]
                answer["error_type"] = job.data["error_type"]
        if self.status_override is not None:
            answer["status"] = self.status_override
        return json_response(200, answer)

    def _update(self, job: Job) -> None:
        phase = self._phase(job)
        deadline = job.data.get("deadline")
        if phase == "queued" and deadline is not None and time.time() > deadline:
            self._finish_with_error(job, "request_timeout", INFRA_ERRORS["request_timeout"][1])
            job.data["timeout_type"] = "user"
        elif job.cancelled:
            self._finish_with_error(job, "client_cancelled", INFRA_ERRORS["client_cancelled"][1])
        elif phase != "done":
            job.state = "IN_QUEUE" if phase == "queued" else "IN_PROGRESS"
        elif job.early_failure is not None:
            first = job.data["detail"][0]
            self._finish_with_error(job, str(first["type"]), str(first["msg"]))
        elif job.outcome.kind == "content_policy":
            job.data["detail"] = [content_policy_item()]
            self._finish_with_error(job, "content_policy_violation", job.outcome.reason or FLAGGED)
        elif job.outcome.failed:
            kind = job.outcome.code or "runner_disconnected"
            message = job.outcome.reason or INFRA_ERRORS.get(kind, (500, kind))[1]
            self._finish_with_error(job, kind, message)
        else:
            job.state, job.terminal = "COMPLETED", True
            job.output_url = self._mint_output(job, "output.mp4", ttl=job.data.get("ttl"))

    def _finish_with_error(self, job: Job, kind: str, message: str) -> None:
        job.state, job.terminal = "COMPLETED", True
        job.data["error"], job.data["error_type"] = message, kind

    def _logs(self, job: Job) -> list[dict[str, str]]:
        stamp = datetime.fromtimestamp(job.created_at, tz=UTC).isoformat()
        count = max(1, job.steps - min(self.queue_steps, max(1, self.polls_to_finish) - 1))
        return [
            {
                "message": f"step {n}: generating",
                "level": "INFO",
                "source": "user",
                "timestamp": stamp,
            }
            for n in range(1, count + 1)
        ]

    def _result(self, request: RecordedRequest) -> Response:
        job = self._find(request)
        if job is None:
            return json_response(404, {"detail": "Request not found"})
        if job.state != "COMPLETED":
            return json_response(
                self.result_not_ready_status, {"detail": "Request is still in progress"}
            )
        if "detail" in job.data:  # validation or content policy: the model's own 422
            return json_response(422, {"detail": job.data["detail"]}, {"X-Fal-Retryable": "false"})
        kind = job.data.get("error_type")
        if kind is None:
            video = {
                "url": job.output_url,
                "content_type": "video/mp4",
                "file_name": "output.mp4",
                "file_size": len(self.output_bytes),
            }
            return json_response(200, {"video": video})
        status = INFRA_ERRORS.get(str(kind), (500, ""))[0]
        headers = {"X-Fal-Error-Type": str(kind)}
        if job.data.get("timeout_type"):
            headers["X-Fal-Request-Timeout-Type"] = str(job.data["timeout_type"])
        return json_response(status, {"detail": job.data["error"], "error_type": kind}, headers)

    def _cancel(self, request: RecordedRequest) -> Response:
        job = self._find(request)
        if job is None:
            return json_response(self.cancel_unknown_status, {"status": "NOT_FOUND"})
        if job.terminal:
            return json_response(self.cancel_completed_status, {"status": "ALREADY_COMPLETED"})
        job.cancelled = True
        return json_response(202, {"status": "CANCELLATION_REQUESTED"})
