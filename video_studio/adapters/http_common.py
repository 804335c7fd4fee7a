"""HTTP plumbing shared by the cloud adapters: one httpx client per adapter, requests retried
through RetryPolicy (cancel-aware waits, Retry-After honoured), errors turned into plain
VideoStudioErrors by the project's classifier, and creates that are never sent twice when
their answer was lost (a second send could start a second paid job)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from video_studio.config import ModelConfig, WorkflowConfig
from video_studio.error_classifier import classify_exception
from video_studio.error_messages import model_display_name
from video_studio.error_types import (
    ContentPolicyError,
    RecoveryAction,
    VideoStudioError,
    VideoStudioErrorType,
)
from video_studio.jobs import CancelToken
from video_studio.retry_policy import RetryPolicy

_log = logging.getLogger("video_studio.adapters.http")
_T = TypeVar("_T")

JsonObject = dict[str, Any]
# Answered without doing anything: the service refused or asked us to come back later.
_ANSWERED_STATUSES = range(400, 500)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Failures that happen before a single byte of the request left this computer.
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.InvalidURL,
    httpx.LocalProtocolError,
)
_CANCEL_TIMEOUT = 5.0  # seconds: a cancel must not keep the user waiting


def service_name(model: str) -> str:
    return model_display_name(model) or model


def error_from(exc: BaseException, model: str) -> VideoStudioError:
    """The project's classification of `exc` as a VideoStudioError naming `model`."""
    if isinstance(exc, VideoStudioError):
        return exc
    info = classify_exception(exc, {"model": model})
    kwargs: dict[str, Any] = {
        "retryable": info.retryable,
        "retry_after": info.retry_after,
        "status_code": info.status_code,
        "details": {"technical": info.technical_detail, "model": model},
        "recovery_actions": info.recovery_actions,
    }
    if info.error_type is VideoStudioErrorType.CONTENT_POLICY:
        return ContentPolicyError(info.message, **kwargs)
    return VideoStudioError(info.error_type, info.message, **kwargs)


def bad_answer(model: str, what: str, *, retryable: bool = True) -> VideoStudioError:
    """A 2xx answer we cannot use (not JSON, a field missing, an unknown state)."""
    return VideoStudioError(
        VideoStudioErrorType.SERVICE_UNAVAILABLE,
        f"{service_name(model)} sent an answer Video Studio cannot use ({what}). "
        "Try again later, or use the local engine.",
        retryable=retryable,
        details={"model": model, "problem": what},
    )


def lost_create_error(model: str, cause: BaseException) -> VideoStudioError:
    service = service_name(model)
    if isinstance(cause, httpx.HTTPStatusError):
        what = (
            f"{service} answered the request to start the video with an error "
            f"(HTTP {cause.response.status_code})"
        )
    elif isinstance(cause, VideoStudioError):
        what = f"{service}'s answer to the request to start the video could not be read"
    else:
        what = f"The connection to {service} broke just after the request to start the video"
    return VideoStudioError(
        VideoStudioErrorType.SERVICE_UNAVAILABLE,
        f"{what}, so {service} may have started the job (and charged for it). Video Studio did "
        f"not send it again, to avoid paying twice. Check your {service} dashboard for the clip "
        "before trying again.",
        retryable=False,
        details={"model": model, "cause": type(cause).__name__},
        recovery_actions=(RecoveryAction.RETRY_LATER, RecoveryAction.USE_LOCAL_ENGINE),
    )


def missing_key_error(model: str) -> VideoStudioError:
    service = service_name(model)
    return VideoStudioError(
        VideoStudioErrorType.AUTHENTICATION,
        f"There is no API key for {service}. Open Settings and enter the {service} API key, "
        "or use the local engine.",
        retryable=False,
        details={"model": model},
    )


def json_object(response: httpx.Response, model: str) -> JsonObject:
    """The response body as a JSON object; a retryable error when it is not one."""
    try:
        payload = response.json()
    except ValueError:
        raise bad_answer(model, f"HTTP {response.status_code}, body is not JSON") from None
    if not isinstance(payload, dict):
        raise bad_answer(model, "the JSON body is not an object")
    return payload


class _LostAnswerError(VideoStudioError):
    """A create whose fate is unknown: never retried by the policy."""

    def __init__(self, model: str, cause: BaseException) -> None:
        super().__init__(VideoStudioErrorType.SERVICE_UNAVAILABLE, "lost answer", retryable=False)
        self.model = model
        self.cause = cause


@functools.lru_cache(maxsize=64)
def _origin(url: str) -> tuple[str, str, int | None] | None:
    """Scheme, host and port (default ports filled in); None for a URL that has none.
    urllib's parser: httpx.URL validates every character and costs ~10x as much."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number
        return None


class ServiceHttp:
    """The HTTP side of one adapter. The API key goes only into request headers of calls
    marked `auth=True` (the service's own API), never to download or upload hosts."""

    def __init__(
        self,
        model: str,
        config: ModelConfig,
        workflow: WorkflowConfig,
        *,
        auth_headers: Callable[[str], Mapping[str, str]],
        extra_headers: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.model = model
        self.config = config
        self.workflow = workflow
        self._auth_headers = auth_headers
        self._extra_headers = dict(extra_headers or {})
        self._owns_client = client is None
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(
                config.request_timeout_seconds, connect=min(10.0, config.request_timeout_seconds)
            ),
            headers={"User-Agent": "VideoStudio"},
            follow_redirects=False,
        )

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def url(self, path: str) -> str:
        """`path` under the service root (absolute URLs are returned unchanged)."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.config.base_url.rstrip('/')}/{path.lstrip('/')}"

    def _is_service_url(self, url: str) -> bool:
        return _origin(url) == _origin(self.config.base_url)

    def policy(self, cancel: CancelToken | None, *, max_attempts: int | None = None) -> RetryPolicy:
        """Attempts = max_retries + 1, delays from the workflow settings, waits that end at
        once when `cancel` is cancelled."""
        return RetryPolicy(
            max_attempts=max_attempts or self.config.max_retries + 1,
            base_delay=self.workflow.retry_base_delay_seconds,
            max_delay=self.workflow.retry_max_delay_seconds,
            sleep=cancel.sleep if cancel is not None else CancelToken().sleep,
        )  # the policy logs each retry itself

    def headers(self, *, auth: bool, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if auth:
            if not self.config.has_api_key:
                raise missing_key_error(self.model)
            assert self.config.api_key is not None
            headers.update(self._auth_headers(self.config.api_key.get_secret_value()))
            headers.update(self._extra_headers)
        headers.update(extra or {})
        return headers

    def send(
        self,
        method: str,
        url: str,
        *,
        auth: bool = True,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request, no retry; raises httpx errors (HTTPStatusError for non-2xx)."""
        full_url = self.url(url)
        if auth and not self._is_service_url(full_url):
            # A URL handed to us by an answer (fal's status URLs) must not take the key
            # anywhere but the configured service.
            raise bad_answer(self.model, "a job URL points outside the service", retryable=False)
        response = self.client.request(
            method,
            full_url,
            headers=self.headers(auth=auth, extra=headers),
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            **kwargs,
        )
        if response.is_error:
            response.read()
            response.raise_for_status()
        return response

    def call(
        self,
        method: str,
        url: str,
        *,
        cancel: CancelToken | None,
        auth: bool = True,
        parse: Callable[[httpx.Response], _T],
        max_attempts: int | None = None,
        **kwargs: Any,
    ) -> _T:
        """An idempotent request retried through the policy, its answer parsed by `parse`
        (inside the retry, so an unreadable answer is retried too)."""

        def attempt() -> _T:
            if cancel is not None:
                cancel.raise_if_cancelled()
            return parse(self.send(method, url, auth=auth, **kwargs))

        try:
            return self.policy(cancel, max_attempts=max_attempts).call(attempt)
        except VideoStudioError:
            raise
        except httpx.HTTPError as exc:
            raise error_from(exc, self.model) from exc

    def get_json(self, url: str, *, cancel: CancelToken | None, **kwargs: Any) -> JsonObject:
        return self.call(
            "GET", url, cancel=cancel, parse=lambda r: json_object(r, self.model), **kwargs
        )

    def create(
        self,
        url: str,
        *,
        cancel: CancelToken,
        json: JsonObject,
        parse: Callable[[JsonObject], _T],
        recover: Callable[[], _T | None] | None = None,
        answered_without_creating: Callable[[httpx.Response], bool] | None = None,
    ) -> _T:
        """POST a paid job, retried only while it provably did not start one: the request never
        left (connection refused) or the service answered without creating (4xx, 429).
        An ambiguous failure (timeout after sending, reset, 5xx, unreadable 2xx) is handed
        to `recover` (find the job the service may have made); without a result it raises
        a non-retryable error telling the user to check the dashboard."""
        created = answered_without_creating or (lambda response: False)

        def attempt() -> _T:
            cancel.raise_if_cancelled()
            try:
                response = self.send("POST", url, json=json)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code in _ANSWERED_STATUSES or created(exc.response):
                    raise
                raise _LostAnswerError(self.model, exc) from exc
            except _NOT_SENT:
                raise
            except httpx.HTTPError as exc:
                raise _LostAnswerError(self.model, exc) from exc
            try:
                return parse(json_object(response, self.model))
            except VideoStudioError as exc:
                raise _LostAnswerError(self.model, exc) from exc

        try:
            return self.policy(cancel).call(attempt)
        except _LostAnswerError as lost:
            _log.warning(
                "%s: the answer to a create was lost (%s)",
                service_name(self.model),
                _describe(lost.cause),
            )
            if recover is not None:
                found = recover()
                if found is not None:
                    _log.info("%s: found the job the lost create started", self.model)
                    return found
            raise lost_create_error(self.model, lost.cause) from lost.cause
        except VideoStudioError:
            raise
        except httpx.HTTPError as exc:
            raise error_from(exc, self.model) from exc

    def best_effort(self, method: str, url: str, *, what: str, **kwargs: Any) -> bool:
        """A cancel or clean-up call: short timeout, two quick tries, never raises."""
        for attempt in range(2):
            try:
                self.send(method, url, timeout=min(_CANCEL_TIMEOUT, self._timeout()), **kwargs)
                return True
            except httpx.HTTPStatusError as exc:
                # 404/409/400: the job is gone or finished, nothing left to stop.
                _log.info("%s: %s answered HTTP %s", self.model, what, exc.response.status_code)
                if exc.response.status_code < 500:
                    return False
            except (httpx.HTTPError, VideoStudioError) as exc:
                _log.warning("%s: %s failed (try %d): %s", self.model, what, attempt + 1, exc)
                if isinstance(exc, VideoStudioError):
                    return False
        return False

    def _timeout(self) -> float:
        return self.config.request_timeout_seconds


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__
