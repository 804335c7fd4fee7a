"""Shared base of the cloud emulators: jobs, a poll-driven virtual clock, outcomes, output media.

Virtual progress: every poll of a job is one step of its clock. With the defaults
(`queue_steps` 1, `polls_to_finish` 3) the 1st poll reports the queued state, the 2nd the
running state and the 3rd the finished one. `polls_to_finish` is the poll that finishes the
job (1 = the first poll already finishes it); the queued polls count inside it and are capped
at `polls_to_finish - 1`.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from tests.emulators.media import image_bytes, tiny_mp4
from tests.emulators.server import RecordedRequest, Response
from tests.emulators.service import LoopbackService, Route

Phase = Literal["queued", "running", "done"]
OUTCOMES = frozenset({"success", "failed", "content_policy", "stuck", "stuck_queued"})
COMMON_ENDPOINTS = frozenset({"create", "poll", "cancel", "download"})


@dataclass(frozen=True)
class Outcome:
    """How a job ends: success | failed | content_policy | stuck | stuck_queued."""

    kind: str = "success"
    reason: str | None = None
    code: str | None = None

    @property
    def failed(self) -> bool:
        return self.kind in ("failed", "content_policy")


@dataclass
class Job:
    """One job the emulator created (a Luma generation, a Runway task, a fal request)."""

    id: str
    request: Any  # the create body as parsed JSON
    outcome: Outcome
    state: str
    created_at: float = field(default_factory=time.time)
    seq: int = 0  # creation order
    steps: int = 0  # virtual clock: polls that moved the job on
    polls: int = 0  # every poll, including ones while it was held back (throttled)
    terminal: bool = False
    cancelled: bool = False
    deleted: bool = False
    early_failure: Outcome | None = None  # decided at create, reported by the first poll
    output_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # of the create request
    data: dict[str, Any] = field(default_factory=dict)  # service specific

    @property
    def created_iso(self) -> str:
        stamp = datetime.fromtimestamp(self.created_at, tz=UTC)
        return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _Media:
    job_id: str
    minted_at: float
    filename: str
    content_type: str
    ttl: float | None = None


class Emulator(LoopbackService):
    """Base of LumaEmulator, RunwayEmulator and FalEmulator."""

    default_api_key: ClassVar[str] = "test-key"
    expired_status: ClassVar[int] = 403

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__()
        self.api_key: str = api_key or self.default_api_key
        self.jobs: dict[str, Job] = {}
        self.polls_to_finish: int = 3
        self.queue_steps: int = 1
        self.output_bytes: bytes = tiny_mp4()
        self.download_bytes_per_second: float | None = None
        self._outcome = Outcome()
        self._output_ttl: float | None = None
        self._media: dict[str, _Media] = {}

    @property
    def base_url(self) -> str:
        return self.root_url

    # -- control API ----------------------------------------------------------------------

    def set_outcome(
        self, outcome: str, *, reason: str | None = None, code: str | None = None
    ) -> None:
        """How jobs created from now on end (`reason`/`code` override the service defaults)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; use one of {sorted(OUTCOMES)}")
        with self._lock:
            self._outcome = Outcome(outcome, reason, code)

    @property
    def outcome(self) -> Outcome:
        return self._outcome

    def expire_outputs_after(self, seconds: float | None) -> None:
        """Output URLs answer `expired_status` once older than this (None: never expire)."""
        with self._lock:
            self._output_ttl = seconds

    def advance(self, job_id: str, steps: int = 1) -> None:
        """Move a job's virtual clock on without polling it."""
        with self._lock:
            self.jobs[job_id].steps += steps

    def job(self, job_id: str) -> Job:
        return self.jobs[job_id]

    @property
    def created_jobs(self) -> list[Job]:
        with self._lock:
            return sorted(self.jobs.values(), key=lambda job: job.seq)

    # -- helpers for the services ---------------------------------------------------------

    def _new_job(self, request: RecordedRequest, state: str, job_id: str | None = None) -> Job:
        job = Job(
            id=job_id or str(uuid.uuid4()),
            request=request.json,
            outcome=self._outcome,
            state=state,
            headers=dict(request.headers),
            seq=len(self.jobs),
        )
        self.jobs[job.id] = job
        return job

    def _phase(self, job: Job) -> Phase:
        """Where the job's virtual clock puts it (pure; the services store the state)."""
        if job.terminal:
            return "done"
        if job.early_failure is not None and job.steps >= 1:
            return "done"
        total = max(1, self.polls_to_finish)
        queued = min(max(self.queue_steps, 0), total - 1)
        if job.outcome.kind == "stuck_queued" or job.steps <= queued:
            return "queued"
        if job.outcome.kind == "stuck" or job.steps < total:
            return "running"
        return "done"

    def _progress(self, job: Job) -> float:
        """Fraction done while running, in (0, 1)."""
        total = max(1, self.polls_to_finish)
        queued = min(max(self.queue_steps, 0), total - 1)
        fraction = (job.steps - queued) / max(1, total - queued)
        return round(min(max(fraction, 0.0), 0.95), 4)

    def _final_outcome(self, job: Job) -> Outcome:
        return job.early_failure or job.outcome

    def _mint_output(
        self,
        job: Job,
        filename: str,
        query: str = "",
        content_type: str = "video/mp4",
        ttl: float | None = None,
    ) -> str:
        """A fresh public URL for the job's video (or a JPEG thumbnail) on this server."""
        token = secrets.token_urlsafe(12)
        self._media[token] = _Media(job.id, time.time(), filename, content_type, ttl)
        url = f"{self.root_url}/_media/{token}/{filename}"
        return f"{url}?{query}" if query else url

    @property
    def output_urls(self) -> list[str]:
        with self._lock:
            return [f"{self.root_url}/_media/{t}/{m.filename}" for t, m in self._media.items()]

    # -- output media ---------------------------------------------------------------------

    def _media_route(self, request: RecordedRequest) -> Route | None:
        parts = request.url_path.split("/")
        if len(parts) >= 3 and parts[1] == "_media" and request.method in ("GET", "HEAD"):
            return Route("download", self._serve_media, auth=False)
        return None

    def _expired(self) -> Response:
        body = (
            "<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>AccessDenied</Code>"
            "<Message>Request has expired</Message></Error>"
        )
        return Response(self.expired_status, body.encode(), {"Content-Type": "application/xml"})

    def _serve_media(self, request: RecordedRequest) -> Response:
        media = self._media.get(request.url_path.split("/")[2])
        if media is None:
            missing = b"<Error><Code>NoSuchKey</Code></Error>"
            return Response(404, missing, {"Content-Type": "application/xml"}, raw=True)
        ttl = media.ttl if media.ttl is not None else self._output_ttl
        if ttl is not None and time.time() - media.minted_at >= ttl:
            response = self._expired()
            response.raw = True
            return response
        data = self.output_bytes if media.content_type == "video/mp4" else _thumbnail()
        headers = {
            "Content-Type": media.content_type,
            "Accept-Ranges": "bytes",
            "ETag": f'"{media.job_id}"',
            "Content-Disposition": f'inline; filename="{media.filename}"',
        }
        status, body = 200, data
        wanted = _byte_range(request.header("range"), len(data))
        if wanted is not None:
            start, end = wanted
            status, body = 206, data[start : end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return Response(
            status, body, headers, bytes_per_second=self.download_bytes_per_second, raw=True
        )


def _thumbnail() -> bytes:
    return image_bytes(256, 144, "JPEG")


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single `bytes=a-b` / `bytes=a-` / `bytes=-n` range asked for, if valid."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[len("bytes=") :].partition("-")
    try:
        if not first:
            start, end = max(0, size - int(last)), size - 1
        else:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
    except ValueError:
        return None
    return (start, end) if 0 <= start <= end else None
