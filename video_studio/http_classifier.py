"""Classification of httpx failures: HTTP error answers of the cloud services by status and
body, and transport failures. httpx is looked up in `sys.modules`, never imported."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, cast

from video_studio.error_messages import Verdict, Where, generic_verdict
from video_studio.error_types import RecoveryAction, VideoStudioErrorType
from video_studio.service_failures import (
    ServiceAnswer,
    mentions_content_policy,
    mentions_no_credits,
    read_answer,
)

if TYPE_CHECKING:
    import httpx

_T = VideoStudioErrorType
_A = RecoveryAction
_MAX_LOGGED_BODY = 500
# Hosts of the services this app talks to, so a bare HTTP error can still name its model.
_HOST_MODELS: tuple[tuple[str, str], ...] = (
    ("lumalabs.ai", "luma"),
    ("runwayml.com", "runway"),
    ("fal.run", "pika"),
    ("fal.ai", "pika"),
    ("fal.media", "pika"),
)
# Whatever the server's retry hint says, these never get better by asking again.
_NEVER_RETRIED = frozenset({_T.AUTHENTICATION, _T.QUOTA_EXCEEDED, _T.CONTENT_POLICY})


def _httpx() -> Any:
    return sys.modules.get("httpx")


def _request_of(exc: BaseException) -> httpx.Request | None:
    try:
        return cast("httpx.Request | None", getattr(exc, "request", None))
    except RuntimeError:  # httpx raises when the exception was made without a request
        return None


def _model_for(request: httpx.Request | None) -> str | None:
    host = request.url.host if request is not None else ""
    return next((model for suffix, model in _HOST_MODELS if host.endswith(suffix)), None)


def _where_for(request: httpx.Request | None) -> str:
    # The query string may carry a key (?api_key=...); the path is enough for the log.
    return f"{request.method} {request.url.copy_with(query=None)}" if request is not None else ""


def describe_httpx(exc: BaseException) -> str | None:
    """Log text for an httpx exception (None if it is not one)."""
    httpx_module = _httpx()
    if httpx_module is None or not isinstance(exc, httpx_module.HTTPError):
        return None
    request = _request_of(exc)
    if isinstance(exc, httpx_module.HTTPStatusError):
        response = cast("httpx.Response", exc.response)
        return f"HTTP {response.status_code} {response.reason_phrase} for {_where_for(request)}"
    target = f" ({_where_for(request)})" if request is not None else ""
    return f"{exc}{target}"


def classify_httpx(exc: BaseException, where: Where) -> Verdict | None:  # noqa: PLR0911
    httpx_module = _httpx()
    if httpx_module is None:
        return None
    if isinstance(exc, httpx_module.InvalidURL | httpx_module.UnsupportedProtocol):
        what = f"the address of {where.service} is not valid"
        return Verdict(
            _T.CONFIGURATION,
            where.compose(what, "check the service address in Settings"),
            where.actions(_T.CONFIGURATION),
            retryable=False,
        )
    if not isinstance(exc, httpx_module.HTTPError):
        return None
    where = where.with_model(_model_for(_request_of(exc)))
    if isinstance(exc, httpx_module.HTTPStatusError):
        return _status_verdict(read_answer(cast("httpx.Response", exc.response)), where)
    if isinstance(exc, httpx_module.TimeoutException):
        verdict = generic_verdict(_T.TIMEOUT, where)
        if isinstance(exc, httpx_module.ConnectTimeout):
            return Verdict(
                _T.TIMEOUT,
                where.compose(
                    f"{where.service} could not be reached in time",
                    "check the internet connection and try again",
                ),
                where.actions(_T.TIMEOUT, (_A.CHECK_CONNECTION, _A.RETRY, _A.USE_LOCAL_ENGINE)),
                retryable=True,
            )
        return verdict
    if isinstance(exc, httpx_module.TooManyRedirects):
        verdict = generic_verdict(_T.SERVICE_UNAVAILABLE, where)
        return Verdict(verdict.error_type, verdict.message, verdict.actions, retryable=False)
    if isinstance(exc, httpx_module.DecodingError):
        what = f"{where.service} sent an answer that could not be read"
        return Verdict(
            _T.SERVICE_UNAVAILABLE,
            where.compose(what, "try again later"),
            where.actions(_T.SERVICE_UNAVAILABLE),
            retryable=True,
        )
    if isinstance(exc, httpx_module.RequestError):  # connect, read, write, protocol, proxy
        return generic_verdict(_T.NETWORK, where)
    return None


def _status_verdict(answer: ServiceAnswer, where: Where) -> Verdict:
    status = answer.status
    verdict = _by_status(answer, where)
    retryable = verdict.retryable
    if answer.should_retry is not None and verdict.error_type not in _NEVER_RETRIED:
        retryable = answer.should_retry  # x-should-retry / X-Fal-Retryable override the status
    body = " ".join(answer.body.split())[:_MAX_LOGGED_BODY]
    technical = [f"body: {body}"] if body else []
    if answer.codes:
        technical.append(f"error codes: {', '.join(answer.codes)}")
    if answer.request_id:
        technical.append(f"request id: {answer.request_id}")
    return Verdict(
        verdict.error_type,
        verdict.message,
        verdict.actions,
        retryable,
        answer.retry_after,
        status,
        "; ".join(technical),
    )


def _by_status(answer: ServiceAnswer, where: Where) -> Verdict:  # noqa: PLR0911 - a status table
    status, service = answer.status, where.service
    said = f": {answer.detail}" if answer.detail else ""
    text = answer.searchable
    or_local = "" if where.is_local else ", or use the local engine"

    def verdict(
        error_type: VideoStudioErrorType,
        what: str,
        advice: str,
        retryable: bool,
        actions: tuple[RecoveryAction, ...] | None = None,
    ) -> Verdict:
        return Verdict(
            error_type, where.compose(what, advice), where.actions(error_type, actions), retryable
        )

    client_error = 400 <= status < 500
    if (
        client_error
        and status != 429
        and (mentions_content_policy(text) or "content_policy_violation" in answer.codes)
    ):
        return verdict(
            _T.CONTENT_POLICY,
            f"{service} refused the image or the prompt under its content rules{said}",
            "change the image or the prompt and try again",
            retryable=False,
        )
    # A 429 that says "quota" is usually a per-minute or daily cap that passes; credits don't.
    if status == 402 or (client_error and mentions_no_credits(text, include_quota=status != 429)):
        return verdict(
            _T.QUOTA_EXCEEDED,
            f"your {service} account has run out of credits{said}",
            f"add credits on the service's website{or_local}",
            retryable=False,
        )
    if status == 401:
        return generic_verdict(_T.AUTHENTICATION, where)
    if status == 403:
        what = f"{service} refused access with this API key{said}"
        advice = "open Settings and check the key, and that your account may use this model"
        return verdict(_T.AUTHENTICATION, what, advice, retryable=False)
    if status == 408:
        return generic_verdict(_T.TIMEOUT, where)
    if status == 409:
        what = f"{service} is busy with a conflicting request"
        return verdict(_T.SERVICE_UNAVAILABLE, what, "try again in a moment", retryable=True)
    if status == 413:
        what = f"the image is too large for {service}"
        return verdict(_T.INVALID_INPUT, what, "use a smaller image", retryable=False)
    if status == 429:
        wait = answer.retry_after
        advice = (
            f"wait about {max(1, round(wait))} s, then try again"
            if wait
            else "wait a little, then try again"
        )
        what = f"{service} is receiving too many requests right now{said}"
        return verdict(_T.RATE_LIMIT, what, advice, retryable=True)
    if status == 499:  # fal: the connection to us dropped while it worked
        return generic_verdict(_T.NETWORK, where)
    if status == 404:
        what = f"{service} does not know the requested job or file{said}"
        return verdict(
            _T.INVALID_INPUT, what, "generate the scene again", retryable=False, actions=(_A.RETRY,)
        )
    if client_error:
        what = f"{service} did not accept the request{said}"
        advice = "check the image and the scene settings"
        return verdict(_T.INVALID_INPUT, what, advice, retryable=False)
    if status >= 500:
        what = f"{service} is having problems right now (error {status})"
        return verdict(_T.SERVICE_UNAVAILABLE, what, f"try again later{or_local}", retryable=True)
    what = f"{service} gave an unexpected answer (HTTP {status})"
    return verdict(_T.SERVICE_UNAVAILABLE, what, "try again later", retryable=False)
