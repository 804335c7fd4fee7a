"""Fetching a finished clip: streamed to a hidden temporary file beside its final place, capped
at the storage size limit, re-downloaded once when cut short or unplayable, checked with
PyAV (complete, and its first frame decodes), then renamed into place. Whatever fails, no
partial file is left behind."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import av
import httpx

from video_studio.adapters.http_common import ServiceHttp, error_from, service_name
from video_studio.atomic_io import fsync_directory
from video_studio.clip_probe import ClipFacts, probe_clip
from video_studio.error_types import RecoveryAction, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken

_log = logging.getLogger("video_studio.adapters.download")
_CHUNK = 256 * 1024
_EXPIRED_STATUSES = frozenset({401, 403, 404, 410})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

ByteProgress = Callable[[int, int | None], None]


class OutputExpiredError(VideoStudioError):
    """The output URL answered 401/403/404/410: its link expired or was never valid."""

    def __init__(self, model: str, status: int) -> None:
        service = service_name(model)
        super().__init__(
            VideoStudioErrorType.MODEL_FAILURE,
            f"The finished video is no longer available from {service} (its download link "
            "expired). Generate the scene again.",
            retryable=False,
            status_code=status,
            details={"model": model},
            recovery_actions=(RecoveryAction.RETRY,),
        )


class _DamagedDownloadError(VideoStudioError):
    """Cut short, or not a playable video: worth one more download."""

    def __init__(self, model: str, problem: str) -> None:
        super().__init__(
            VideoStudioErrorType.MODEL_FAILURE,
            f"The video from {service_name(model)} could not be downloaded intact ({problem}). "
            "Try again later.",
            retryable=False,  # the outer loop downloads once more; the policy must not
            details={"model": model, "problem": problem},
        )


def clip_file_name(scene_id: str, model: str, job_id: str) -> str:
    """A safe, stable file name: one file per scene, model and remote job."""
    scene = _UNSAFE.sub("_", scene_id).strip("._") or "clip"
    job = _UNSAFE.sub("_", job_id).strip("._")[:16] or "job"
    return f"{scene[:60]}-{model}-{job}.mp4"


def _too_big(model: str, size: int, limit: int) -> VideoStudioError:
    return VideoStudioError(
        VideoStudioErrorType.CONFIGURATION,
        f"The video from {service_name(model)} is {size / 1e6:.0f} MB, more than the "
        f"{limit / 1e6:.0f} MB file size limit in Settings. Raise the limit or lower the "
        "quality.",
        retryable=False,
        details={"model": model, "size": size, "limit": limit},
        recovery_actions=(RecoveryAction.FIX_CONFIGURATION, RecoveryAction.LOWER_QUALITY),
    )


class ClipDownloader:
    """Downloads one clip for `http`'s model into `destination`."""

    def __init__(self, http: ServiceHttp, *, max_bytes: int) -> None:
        self._http = http
        self._max_bytes = max_bytes

    def download(
        self,
        url: str,
        destination: Path,
        *,
        cancel: CancelToken,
        refresh_url: Callable[[], str] | None = None,
        on_bytes: ByteProgress | None = None,
    ) -> ClipFacts:
        """Fetch, check and place the clip. A truncated or unplayable file is fetched once
        more; an expired link is replaced through `refresh_url` once (Runway), else it is a
        clear error."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        model = self._http.model
        damaged_retries, refreshed = 1, False
        while True:
            part = self._new_part_file(destination)
            try:
                self._fetch_retried(url, part, cancel=cancel, on_bytes=on_bytes)
                try:
                    facts = probe_clip(part)
                except (ValueError, OSError, av.FFmpegError) as exc:
                    _log.warning("%s: the downloaded file does not decode: %s", model, exc)
                    raise _DamagedDownloadError(model, "the file is not a playable video") from None
                _fsync(part)
                os.replace(part, destination)
                fsync_directory(destination.parent)
                return facts
            except _DamagedDownloadError:
                if damaged_retries <= 0:
                    raise
                damaged_retries -= 1
                _log.info("%s: downloading the clip again", model)
            except OutputExpiredError:
                if refresh_url is None or refreshed:
                    raise
                refreshed = True
                _log.info("%s: the output link expired, asking for a fresh one", model)
                url = refresh_url()
            finally:
                with contextlib.suppress(FileNotFoundError):
                    part.unlink()

    @staticmethod
    def _new_part_file(destination: Path) -> Path:
        fd, name = tempfile.mkstemp(
            prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
        )
        os.close(fd)
        return Path(name)

    def _fetch_retried(
        self, url: str, part: Path, *, cancel: CancelToken, on_bytes: ByteProgress | None
    ) -> None:
        try:
            self._http.policy(cancel).call(self._fetch, url, part, cancel, on_bytes)
        except VideoStudioError:
            raise
        except httpx.HTTPError as exc:
            raise error_from(exc, self._http.model) from exc

    def _fetch(
        self, url: str, part: Path, cancel: CancelToken, on_bytes: ByteProgress | None
    ) -> None:
        """One attempt. Output links are public or presigned: no API key is sent."""
        model = self._http.model
        cancel.raise_if_cancelled()
        with self._http.client.stream(
            "GET",
            self._http.url(url),
            headers=self._http.headers(auth=False),
            follow_redirects=True,
        ) as response:
            if response.status_code in _EXPIRED_STATUSES:
                raise OutputExpiredError(model, response.status_code)
            if response.is_error:
                response.read()
                response.raise_for_status()
            expected = _content_length(response)
            if expected is not None and expected > self._max_bytes:
                raise _too_big(model, expected, self._max_bytes)
            received = 0
            with part.open("wb") as handle:
                try:
                    for chunk in response.iter_bytes(_CHUNK):
                        cancel.raise_if_cancelled()
                        received += len(chunk)
                        if received > self._max_bytes:
                            raise _too_big(model, received, self._max_bytes)
                        handle.write(chunk)
                        if on_bytes is not None:
                            on_bytes(received, expected)
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout) as exc:
                    _log.warning(
                        "%s: the download broke off after %d bytes: %s", model, received, exc
                    )
                    raise _DamagedDownloadError(model, "the connection broke off") from None
        if expected is not None and received != expected:
            _log.warning("%s: got %d of %d bytes", model, received, expected)
            raise _DamagedDownloadError(model, f"received {received} of {expected} bytes")
        if received == 0:
            raise _DamagedDownloadError(model, "the file is empty")


def _content_length(response: httpx.Response) -> int | None:
    if "content-encoding" in response.headers:
        return None  # the length then counts compressed bytes
    try:
        value = int(response.headers.get("content-length", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
