"""How Luma, Runway and fal (Pika) say what went wrong: error bodies, retry headers, and the
failure reasons of jobs that fail after submission (see /work/shared/spec/cloud-apis.md)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from video_studio.error_messages import model_display_name, short_detail
from video_studio.error_types import (
    ContentPolicyError,
    RecoveryAction,
    VideoStudioError,
    VideoStudioErrorType,
)

if TYPE_CHECKING:
    import httpx

_MAX_BODY = 4000

# Luma: "Frame moderation failed", "Contains blacklisted words"; Runway: SAFETY.INPUT.IMAGE;
# fal: content_policy_violation. "contentModeration" (a Runway request field) must not match.
_CONTENT_POLICY = re.compile(
    r"\bmoderation\b|\bmoderated\b|content[ _-]?policy|\bnsfw\b|\bsafety\b|blacklist"
    r"|\bflagged\b|inappropriate",
    re.IGNORECASE,
)
# Runway: 400 "...not have enough credits"; Luma/fal: credits, balance, billing.
_NO_CREDITS = re.compile(
    r"credit|insufficient|\bbalance\b|billing|payment|out of funds", re.IGNORECASE
)
_QUOTA = re.compile(r"\bquota\b", re.IGNORECASE)


def mentions_content_policy(text: str) -> bool:
    return bool(_CONTENT_POLICY.search(text))


def mentions_no_credits(text: str, *, include_quota: bool = True) -> bool:
    return bool(_NO_CREDITS.search(text) or (include_quota and _QUOTA.search(text)))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # plain dicts are case-sensitive, httpx.Headers is not
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value.strip() if value is not None else None


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms` (milliseconds), else `Retry-After` as seconds or
    as an HTTP date (the order the Stainless SDKs of Luma and Runway use)."""
    milliseconds = _header(headers, "retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000.0)
        except ValueError:
            pass
    value = _header(headers, "retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # HTTP dates are GMT
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    lowered = value.lower()
    return True if lowered == "true" else False if lowered == "false" else None


@dataclass(frozen=True)
class ServiceAnswer:
    """The parts of an HTTP error answer that decide its classification."""

    status: int
    detail: str  # the service's own explanation, one line, trimmed for a message (may be empty)
    explanation: str  # all of the service's explanation: what keyword checks look at
    body: str  # raw body text, for the log
    codes: tuple[str, ...]  # machine-readable error types named by body or headers
    retry_after: float | None
    should_retry: bool | None  # x-should-retry (Stainless) or X-Fal-Retryable, if sent
    request_id: str | None

    @property
    def searchable(self) -> str:
        # Not the raw body: fal echoes the request's input values, and a prompt about
        # "child safety seats" must not look like a moderation failure.
        return " ".join((self.explanation, *self.codes))


def read_answer(response: httpx.Response) -> ServiceAnswer:
    try:
        body = response.text[:_MAX_BODY]
    except Exception:  # a streamed response that was never read has no text
        body = ""
    payload: Any = None
    if body.lstrip().startswith(("{", "[")):
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
    detail, codes = _explain(payload) if payload is not None else ("", [])
    if payload is None and body and not body.lstrip().startswith("<"):  # not nginx HTML
        detail = body
    headers = response.headers
    for name in ("x-fal-error-type",):
        if value := _header(headers, name):
            codes.append(value)
    should_retry = _flag(_header(headers, "x-should-retry"))
    if should_retry is None:
        should_retry = _flag(
            _header(headers, "x-fal-retryable") or _header(headers, "x-fal-needs-retry")
        )
    return ServiceAnswer(
        status=response.status_code,
        detail=short_detail(detail) if detail else "",
        explanation=detail,
        body=body,
        codes=tuple(codes),
        retry_after=parse_retry_after(headers),
        should_retry=should_retry,
        request_id=_header(headers, "x-fal-request-id") or _header(headers, "x-request-id"),
    )


def _explain(payload: Any) -> tuple[str, list[str]]:
    """The message and error codes of the three services' error bodies:
    Luma {"detail": str}; Runway {"error": str, "issues": [{path, message}]};
    fal {"detail": [{loc, msg, type}]} or {"detail": str, "error_type": str}."""
    if not isinstance(payload, Mapping):
        return "", []
    parts: list[str] = []
    codes: list[str] = []
    for key in ("error_type", "failureCode", "code", "type"):
        if isinstance(payload.get(key), str):
            codes.append(payload[key])
    detail = payload.get("detail")
    if isinstance(detail, str):
        parts.append(detail)
    elif isinstance(detail, list):
        parts.extend(_located(item, "loc", "msg", codes) for item in detail)
    error = payload.get("error")
    if isinstance(error, str):
        parts.append(error)
    elif isinstance(error, Mapping) and isinstance(error.get("message"), str):
        parts.append(error["message"])
    issues = payload.get("issues")
    if isinstance(issues, list):
        parts.extend(_located(item, "path", "message", codes) for item in issues)
    if not parts and isinstance(payload.get("message"), str):
        parts.append(payload["message"])
    return "; ".join(part for part in parts if part), codes


def _located(item: Any, location_key: str, message_key: str, codes: list[str]) -> str:
    if not isinstance(item, Mapping):
        return str(item) if isinstance(item, str) else ""
    if isinstance(item.get("type"), str):
        codes.append(item["type"])
    message = str(item.get(message_key) or "")
    location = item.get(location_key)
    if isinstance(location, Iterable) and not isinstance(location, str):
        # "body" is where every field lives; it tells the user nothing.
        names = [str(part) for part in location if part != "body"]
        if names and message:
            return f"{'.'.join(names)}: {message}"
    return message


def job_failure_error(
    reason: str | None, *, code: str | None = None, model: str | None = None
) -> VideoStudioError:
    """The typed error for a job the service accepted and later failed: Luma `failure_reason`,
    Runway `failure` + `failureCode`, fal `error` + `error_type`."""
    service = model_display_name(model) or "The video service"
    service = service[:1].upper() + service[1:]
    text = reason or ""
    code_text = (code or "").upper()
    details: dict[str, Any] = {"failure_reason": text, "failure_code": code, "model": model}
    said = f": {short_detail(text)}" if text else ""
    if code_text.startswith(("SAFETY.", "INPUT_PREPROCESSING.SAFETY")) or mentions_content_policy(
        f"{text} {code_text}"
    ):
        lowered = f"{text} {code_text}".lower()
        blames_prompt = (
            True
            if "text" in lowered or "prompt" in lowered or "words" in lowered
            else False
            if "image" in lowered or "frame" in lowered
            else None
        )
        return ContentPolicyError(
            f"{service} refused the {_blamed(blames_prompt)} under its content rules{said}.",
            blames_prompt=blames_prompt,
            details=details,
        )
    if code_text == "ASSET.INVALID" or "read user input frames" in text.lower():
        return VideoStudioError(
            VideoStudioErrorType.INVALID_INPUT,
            f"{service} could not read the product image{said}. Choose another image, or check "
            "that the image host is reachable from the internet.",
            details=details,
            recovery_actions=(RecoveryAction.CHANGE_INPUT, RecoveryAction.RETRY),
        )
    if mentions_no_credits(text, include_quota=True):
        return VideoStudioError(
            VideoStudioErrorType.QUOTA_EXCEEDED,
            f"Your {service} account has no credits left{said}.",
            retryable=False,
            details=details,
        )
    lowered_code = (code or "").lower()
    if "timeout" in lowered_code or "timed out" in text.lower():
        return VideoStudioError(
            VideoStudioErrorType.TIMEOUT,
            f"{service} took too long to generate the video{said}.",
            details=details,
        )
    if code_text.startswith("INTERNAL.BAD_OUTPUT"):
        # Runway: retrying rarely helps; text or graphics drawn on the photo often cause it.
        return VideoStudioError(
            VideoStudioErrorType.MODEL_FAILURE,
            f"{service} could not produce a usable video from this image{said}. Images with text "
            "or graphics on them often cause this; try another image.",
            retryable=False,
            details=details,
            recovery_actions=(RecoveryAction.CHANGE_INPUT, RecoveryAction.RETRY),
        )
    # Runway INTERNAL, fal runner_* failures: the service's own trouble, worth another try.
    transient = code_text.startswith(("INTERNAL", "INPUT_PREPROCESSING.INTERNAL")) or (
        lowered_code.startswith("runner_")
    )
    return VideoStudioError(
        VideoStudioErrorType.MODEL_FAILURE,
        f"{service} could not generate the video{said}.",
        retryable=transient,
        details=details,
    )


def _blamed(blames_prompt: bool | None) -> str:
    return "prompt" if blames_prompt else "image" if blames_prompt is False else "image or prompt"
