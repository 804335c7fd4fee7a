"""Loopback emulator of the Runway developer API (api.dev.runwayml.com), cloud-apis.md §2, §5.3."""

from __future__ import annotations

import re
import time
from typing import Any, ClassVar

from tests.emulators.base import COMMON_ENDPOINTS, Emulator, Job
from tests.emulators.runway_assets import TOO_LARGE, RunwayAssets
from tests.emulators.runway_inputs import MODEL_RULES, duration_of, validate_body
from tests.emulators.server import RecordedRequest, Response, json_response
from tests.emulators.service import Route

API_VERSION = "2024-11-06"
DEFAULT_FAILURE = ("An unexpected error occurred.", "INTERNAL")
DEFAULT_POLICY_FAILURE = (
    "The input image did not pass content moderation.",
    "SAFETY.INPUT.IMAGE",
)
ACTIVE = ("PENDING", "THROTTLED", "RUNNING")


class RunwayEmulator(Emulator):
    """`base_url` is `http://127.0.0.1:PORT` (the paths start with /v1)."""

    name: ClassVar[str] = "runway"
    endpoints: ClassVar[frozenset[str]] = COMMON_ENDPOINTS | {
        "upload",
        "upload_sink",
        "organization",
    }
    default_api_key: ClassVar[str] = "key_" + "0123456789abcdef" * 8
    expired_status: ClassVar[int] = 403

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__(api_key=api_key)
        self.require_version = True  # missing/unknown X-Runway-Version -> version_error_status
        self.accepted_versions = frozenset({API_VERSION})
        self.version_error_status = 400  # UNCONFIRMED
        self.create_status = 200  # UNCONFIRMED (the SDK accepts any 2xx)
        self.data_uri_too_large_status = 400  # 413 is the other observed answer
        self.concurrency = 2  # active tasks beyond this are THROTTLED (FIFO)
        self.daily_limit: int | None = None  # per model, rolling 24 h; then 429 on create
        self.credit_balance = 10_000
        self.cancel_then = "cancelled"  # GET after cancelling an active task: or "not_found"
        self.assets = RunwayAssets()
        self._create_times: dict[str, list[float]] = {}

    # -- protocol plumbing ----------------------------------------------------------------

    def _check_auth(self, request: RecordedRequest) -> Response | None:
        if request.header("authorization") != f"Bearer {self.api_key}":
            return json_response(401, {"error": "Invalid API key."})
        version = request.header("x-runway-version")
        if self.require_version and version not in self.accepted_versions:
            if version is None:
                message = "Missing X-Runway-Version header."
            else:
                message = f"Invalid X-Runway-Version header: {version!r}."
            expected = ", ".join(sorted(self.accepted_versions))
            return json_response(
                self.version_error_status, {"error": f"{message} Expected one of: {expected}."}
            )
        return None

    def _error_body(self, status: int, message: str) -> Response:
        return json_response(status, {"error": message})

    def _route(self, request: RecordedRequest) -> Route | None:
        media = self._media_route(request)
        if media is not None:
            return media
        path, method = request.url_path.rstrip("/"), request.method
        if path.startswith("/_uploads/") and method == "POST":
            return Route("upload_sink", self._upload_sink, auth=False)
        if re.fullmatch(r"/v1/tasks/[^/]+", path):
            path = "/v1/tasks/{id}"
        methods = {
            "/v1/image_to_video": {"POST": Route("create", self._create)},
            "/v1/uploads": {"POST": Route("upload", self._upload)},
            "/v1/organization": {"GET": Route("organization", self._organization)},
            "/v1/tasks/{id}": {
                "GET": Route("poll", self._get),
                "DELETE": Route("cancel", self._delete),
            },
        }.get(path)
        if methods is None:
            return None
        return methods.get(method, self._not_allowed())

    def _not_allowed(self) -> Route:
        return Route("other", lambda _: json_response(405, {"error": "Method not allowed."}))

    def _not_found(self, request: RecordedRequest) -> Response:
        return json_response(404, {"error": "Not found."})

    # -- create ---------------------------------------------------------------------------

    def _create(self, request: RecordedRequest) -> Response:
        body = request.json
        issues = validate_body(body, self.assets.check)
        if issues:
            if (
                any(i["code"] == TOO_LARGE for i in issues)
                and self.data_uri_too_large_status == 413
            ):
                html = "<html><head><title>413 Request Entity Too Large</title></head></html>"
                return Response(413, html.encode(), {"Content-Type": "text/html"})
            first = issues[0]
            field = ".".join(str(p) for p in first["path"]) or "body"
            summary = f"Validation of body failed: {field}: {first['message']}"
            return json_response(400, {"error": summary, "issues": issues})
        assert isinstance(body, dict)
        model = str(body["model"])
        now = time.time()
        recent = [t for t in self._create_times.get(model, []) if now - t < 86_400]
        if self.daily_limit is not None and len(recent) >= self.daily_limit:
            message = f"You have exceeded the daily generation limit for {model}."
            return json_response(429, {"error": message})
        cost = MODEL_RULES[model].credits_per_second * duration_of(body)
        if self.credit_balance < cost:
            return json_response(400, {"error": "You do not have enough credits to run this task."})
        self.credit_balance -= cost
        self._create_times[model] = [*recent, now]
        job = self._new_job(request, "PENDING")
        job.data["cost"] = cost
        return json_response(self.create_status, {"id": job.id})

    # -- tasks ----------------------------------------------------------------------------

    def _find(self, request: RecordedRequest) -> Job | None:
        job = self.jobs.get(request.url_path.rstrip("/").rsplit("/", 1)[-1])
        return None if job is None or job.deleted else job

    def _admitted(self, job: Job) -> bool:
        active = [j for j in self.created_jobs if j.state in ACTIVE and not j.deleted]
        ahead = [j for j in active if j.seq <= job.seq]
        return len(ahead) <= self.concurrency

    def _get(self, request: RecordedRequest) -> Response:
        job = self._find(request)
        if job is None:
            return json_response(404, {"error": "Task not found."})
        job.polls += 1
        if job.state in ACTIVE:
            if self._admitted(job):
                job.steps += 1
                self._update(job)
            else:
                job.state = "THROTTLED"
        if job.state == "SUCCEEDED":  # presigned output URLs: every read gives a fresh one
            job.output_url = self._mint_output(
                job, f"{job.id}.mp4", query=f"_jwt={int(time.time() * 1000)}"
            )
        return json_response(200, self._task(job))

    def _update(self, job: Job) -> None:
        phase = self._phase(job)
        if phase != "done":
            job.state = "PENDING" if phase == "queued" else "RUNNING"
            return
        job.terminal = True
        outcome = self._final_outcome(job)
        if not outcome.failed:
            job.state = "SUCCEEDED"
            return
        job.state = "FAILED"
        default = DEFAULT_POLICY_FAILURE if outcome.kind == "content_policy" else DEFAULT_FAILURE
        job.data["failure"] = outcome.reason or default[0]
        job.data["failureCode"] = outcome.code or default[1]
        self.credit_balance += int(job.data["cost"])

    def _task(self, job: Job) -> dict[str, Any]:
        task: dict[str, Any] = {"id": job.id, "status": job.state, "createdAt": job.created_iso}
        if job.state in ACTIVE:
            task["estimatedCost"] = {"credits": job.data["cost"]}
        if job.state == "RUNNING":
            task["progress"] = self._progress(job)
        if job.state == "SUCCEEDED":
            task["output"] = [job.output_url]
            task["cost"] = {"credits": job.data["cost"]}
        if job.state == "FAILED":
            task["failure"] = job.data["failure"]
            task["failureCode"] = job.data["failureCode"]
            task["cost"] = {"credits": 0}
        if job.state == "CANCELLED":
            task["cost"] = {"credits": 0}
        return task

    def _delete(self, request: RecordedRequest) -> Response:
        job = self._find(request)
        if job is None:
            return json_response(404, {"error": "Task not found."})
        if job.state in ACTIVE:
            job.state = "CANCELLED"
            job.cancelled = job.terminal = True
            job.deleted = self.cancel_then == "not_found"
            self.credit_balance += int(job.data["cost"])
        else:
            job.deleted = True
        return Response(204)

    # -- uploads and organization ---------------------------------------------------------

    def _upload(self, request: RecordedRequest) -> Response:
        body = request.json
        filename = body.get("filename") if isinstance(body, dict) else None
        kind = body.get("type") if isinstance(body, dict) else None
        if not isinstance(filename, str) or not filename or kind != "ephemeral":
            issues = []
            if not isinstance(filename, str) or not filename:
                issues.append({"code": "invalid_type", "path": ["filename"], "message": "Required"})
            if kind != "ephemeral":
                issues.append({"code": "enum", "path": ["type"], "message": "Expected 'ephemeral'"})
            return json_response(400, {"error": "Validation of body failed", "issues": issues})
        upload = self.assets.new_upload(filename)
        return json_response(
            200,
            {
                "uploadUrl": f"{self.root_url}/_uploads/{upload.token}",
                "fields": upload.fields,
                "runwayUri": upload.runway_uri,
            },
        )

    def _upload_sink(self, request: RecordedRequest) -> Response:
        token = request.url_path.rstrip("/").rsplit("/", 1)[-1]
        problem = self.assets.receive(token, request.body, request.header("content-type") or "")
        if problem is None:
            return Response(204, raw=True)
        xml = f"<?xml version='1.0'?><Error><Code>{problem}</Code></Error>"
        status = 404 if problem == "NoSuchUpload" else 403 if problem == "AccessDenied" else 400
        return Response(status, xml.encode(), {"Content-Type": "application/xml"}, raw=True)

    def _organization(self, request: RecordedRequest) -> Response:
        limit = self.daily_limit if self.daily_limit is not None else 50
        now = time.time()
        usage = {
            model: {"dailyGenerations": sum(1 for t in times if now - t < 86_400)}
            for model, times in self._create_times.items()
        }
        tier = {
            model: {"maxConcurrentGenerations": self.concurrency, "maxDailyGenerations": limit}
            for model in MODEL_RULES
        }
        return json_response(
            200,
            {
                "creditBalance": self.credit_balance,
                "tier": {"maxMonthlyCreditSpend": 100_000, "models": tier},
                "usage": {"models": usage},
            },
        )
