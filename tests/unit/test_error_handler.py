"""Classification of real failures (httpx answers and transport errors, OSError, PyAV,
pydantic, config, cancellation, tenacity) into plain, secret-free ErrorInfo, and the handler
around it: logging, counters, listeners, breakers, the module-level default handler."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import email.utils
import errno
import json
import logging
import os
import pickle
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import av.error
import httpx
import pydantic
import pytest
import tenacity

from video_studio import secrets
from video_studio.config import VideoStudioConfig
from video_studio.config_errors import ConfigError
from video_studio.error_handler import (
    CancelledByUser,
    CircuitOpenError,
    CircuitState,
    ContentPolicyError,
    ErrorInfo,
    RecoveryAction,
    VideoStudioError,
    VideoStudioErrorHandler,
    VideoStudioErrorType,
    classify_exception,
    get_error_handler,
    handle_generation_error,
    job_failure_error,
    parse_retry_after,
    set_error_handler,
)

T = VideoStudioErrorType
A = RecoveryAction
RUNWAY_URL = "https://api.dev.runwayml.com/v1/image_to_video"
LUMA_URL = "https://api.lumalabs.ai/dream-machine/v1/generations/video"
FAL_URL = "https://queue.fal.run/fal-ai/pika/v2.2/image-to-video"
# A registered key, and a Runway-shaped one that redaction must catch by its shape alone.
REGISTERED_KEY = "luma-test-6f1d2a9c-4b7e-4f00-9d1a-0c2b3a4d5e6f"
SHAPED_KEY = "key_" + "0123456789abcdef" * 8
CLASS_NAME = re.compile(r"\b[A-Za-z]+(Error|Exception|Timeout)\b|httpx|Traceback|\bErrno\b")


@pytest.fixture(autouse=True)
def _fresh_default_handler() -> Iterator[None]:
    set_error_handler(None)
    yield
    set_error_handler(None)


def status_error(
    status: int,
    body: Any = None,
    *,
    text: str | None = None,
    headers: dict[str, str] | None = None,
    url: str = RUNWAY_URL,
    request_headers: dict[str, str] | None = None,
) -> httpx.HTTPStatusError:
    """The exception `raise_for_status` raises for this answer."""
    request = httpx.Request("POST", url, headers=request_headers or {})
    if text is not None:
        response = httpx.Response(status, text=text, headers=headers, request=request)
    else:
        response = httpx.Response(status, json=body, headers=headers, request=request)
    with pytest.raises(httpx.HTTPStatusError) as caught:
        response.raise_for_status()
    return caught.value


def assert_plain(info: ErrorInfo) -> None:
    assert info.message.strip()
    assert not CLASS_NAME.search(info.message), info.message
    assert info.recovery_actions
    json.dumps(info.to_dict())  # everything in it is JSON-compatible


# --- HTTP answers ------------------------------------------------------------------------

HTTP_TABLE: list[tuple[str, int, Any, dict[str, str], VideoStudioErrorType, bool]] = [
    ("luma bad key", 401, {"detail": "Invalid API key is provided"}, {}, T.AUTHENTICATION, False),
    ("fal no access", 403, {"detail": "Access denied"}, {}, T.AUTHENTICATION, False),
    ("fal nsfw 403", 403, {"detail": "Image flagged as NSFW"}, {}, T.CONTENT_POLICY, False),
    (
        "luma moderation 400",
        400,
        {"detail": "Advanced prompt moderation failed"},
        {},
        T.CONTENT_POLICY,
        False,
    ),
    (
        "fal content policy 422",
        422,
        {
            "detail": [
                {
                    "loc": ["body", "image_url"],
                    "msg": "The image was flagged by the content checker.",
                    "type": "content_policy_violation",
                    "ctx": {"categories": ["violence"]},
                }
            ]
        },
        {"X-Fal-Retryable": "false"},
        T.CONTENT_POLICY,
        False,
    ),
    ("payment required", 402, {"detail": "Payment required"}, {}, T.QUOTA_EXCEEDED, False),
    (
        "runway no credits 400",
        400,
        {"error": "You do not have enough credits to run this task."},
        {},
        T.QUOTA_EXCEEDED,
        False,
    ),
    ("quota 403", 403, {"detail": "Monthly quota exhausted"}, {}, T.QUOTA_EXCEEDED, False),
    ("credits 429", 429, {"detail": "Insufficient credits"}, {}, T.QUOTA_EXCEEDED, False),
    ("request timeout", 408, {"detail": "timeout"}, {}, T.TIMEOUT, True),
    ("conflict", 409, {"detail": "conflict"}, {}, T.SERVICE_UNAVAILABLE, True),
    ("too large", 413, None, {}, T.INVALID_INPUT, False),
    ("rate limited", 429, {"detail": "Too many requests"}, {}, T.RATE_LIMIT, True),
    (
        "luma short prompt",
        400,
        {"detail": "Prompt is too short, minimum length is 3 characters"},
        {},
        T.INVALID_INPUT,
        False,
    ),
    (
        "runway aspect ratio",
        400,
        {
            "error": "Validation of body failed",
            "issues": [
                {
                    "path": ["promptImage"],
                    "message": "Invalid asset aspect ratio. width / height ratio must be at "
                    "least 0.5. Got 0.462.",
                }
            ],
        },
        {},
        T.INVALID_INPUT,
        False,
    ),
    (
        "runway moderation setting is not moderation",
        400,
        {"error": "contentModeration.publicFigureThreshold must be auto or low"},
        {},
        T.INVALID_INPUT,
        False,
    ),
    (
        "fal echoes a prompt that mentions safety",
        422,
        {
            "detail": [
                {
                    "loc": ["body", "resolution"],
                    "msg": "Input should be '720p' or '1080p'",
                    "type": "literal_error",
                    "input": {"prompt": "child safety seat, nsfw-free studio shot"},
                }
            ]
        },
        {},
        T.INVALID_INPUT,
        False,
    ),
    ("not found", 404, {"detail": "Generation not found"}, {}, T.INVALID_INPUT, False),
    ("server error", 500, {"detail": "internal"}, {}, T.SERVICE_UNAVAILABLE, True),
    ("bad gateway", 502, {"error": "shedding load"}, {}, T.SERVICE_UNAVAILABLE, True),
    ("unavailable", 503, {"detail": "runner", "error_type": "runner_scheduling_failure"}, {},
     T.SERVICE_UNAVAILABLE, True),
    ("gateway timeout", 504, {"detail": "overloaded"}, {}, T.SERVICE_UNAVAILABLE, True),
    ("x-should-retry false", 503, {"detail": "no"}, {"x-should-retry": "false"},
     T.SERVICE_UNAVAILABLE, False),
    ("x-should-retry true", 400, {"detail": "try again"}, {"x-should-retry": "true"},
     T.INVALID_INPUT, True),
    ("retry hint cannot revive a bad key", 401, {"detail": "bad key"},
     {"x-should-retry": "true"}, T.AUTHENTICATION, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected_type", "retryable"),
    [case[1:] for case in HTTP_TABLE],
    ids=[case[0] for case in HTTP_TABLE],
)
def test_http_answers_are_classified_by_status_and_body(
    status: int,
    body: Any,
    headers: dict[str, str],
    expected_type: VideoStudioErrorType,
    retryable: bool,
) -> None:
    info = classify_exception(status_error(status, body, headers=headers))
    assert info.error_type is expected_type
    assert info.retryable is retryable
    assert info.status_code == status
    assert_plain(info)


def test_nginx_html_page_is_a_service_failure_without_html_in_the_message() -> None:
    error = status_error(502, text="<html><body><h1>502 Bad Gateway</h1>nginx</body></html>")
    info = classify_exception(error)
    assert info.error_type is T.SERVICE_UNAVAILABLE
    assert info.retryable
    assert "<html>" not in info.message
    assert "nginx" in info.technical_detail  # the log keeps the evidence


def test_the_service_explanation_reaches_the_user() -> None:
    body = {"detail": "Prompt is too short, minimum length is 3 characters"}
    info = classify_exception(status_error(400, body, url=LUMA_URL))
    assert "Prompt is too short" in info.message
    assert "Luma Dream Machine" in info.message  # named from the request's host


def test_content_policy_suggests_changing_image_or_prompt() -> None:
    info = classify_exception(status_error(400, {"detail": "Frame moderation failed"}))
    assert A.CHANGE_INPUT in info.recovery_actions
    assert A.CHANGE_PROMPT in info.recovery_actions


def test_out_of_credits_suggests_adding_credits() -> None:
    info = classify_exception(status_error(402, {"detail": "no"}))
    assert info.recovery_actions[0] is A.ADD_CREDITS
    empty = classify_exception(status_error(402, {}))
    assert "{}" not in empty.message


def test_rate_limit_carries_retry_after_seconds() -> None:
    info = classify_exception(status_error(429, {"detail": "slow"}, headers={"Retry-After": "7"}))
    assert info.error_type is T.RATE_LIMIT
    assert info.retry_after == 7.0
    assert "7 s" in info.message


def test_rate_limit_carries_retry_after_ms() -> None:
    headers = {"retry-after-ms": "1500", "Retry-After": "9"}
    info = classify_exception(status_error(429, {"detail": "slow"}, headers=headers))
    assert info.retry_after == 1.5  # the more precise header wins, as in the vendors' SDKs


def test_rate_limit_carries_retry_after_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    info = classify_exception(status_error(429, None, headers={"Retry-After": when}))
    assert info.retry_after is not None
    assert 27.0 <= info.retry_after <= 31.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"RETRY-AFTER-MS": "250"}, 0.25),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"retry-after-ms": "x", "Retry-After": "4"}, 4.0),
        ({}, None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected
    assert parse_retry_after(httpx.Headers(headers)) == expected


def test_parse_retry_after_http_date_against_a_given_now() -> None:
    now = 1_700_000_000.0
    headers = {"Retry-After": email.utils.formatdate(now + 45, usegmt=True)}
    assert parse_retry_after(headers, now=now) == pytest.approx(45.0)


# --- where the failure happened ----------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "shown"),
    [("luma", "Luma Dream Machine"), ("runway", "Runway"), ("pika", "Pika")],
)
def test_auth_failure_names_model_scene_and_settings(model: str, shown: str) -> None:
    context = {"task_id": "task_123", "scene_index": 2, "model": model}
    info = classify_exception(status_error(401, {"detail": "Invalid"}), context)
    assert info.error_type is T.AUTHENTICATION
    assert info.message.startswith("Scene 3:")
    assert shown in info.message
    assert "Settings" in info.message
    assert info.recovery_actions[0] is A.CHECK_API_KEY
    assert info.context["task_id"] == "task_123"
    assert_plain(info)


def test_local_engine_failures_do_not_offer_the_local_engine() -> None:
    info = classify_exception(TimeoutError(), {"model": "local", "scene_index": 0})
    assert "the local engine" in info.message.lower()
    assert "Scene 1" in info.message
    assert A.USE_LOCAL_ENGINE not in info.recovery_actions
    cloud = classify_exception(TimeoutError(), {"model": "runway"})
    assert A.USE_LOCAL_ENGINE in cloud.recovery_actions


def test_engine_message_that_names_its_scene_gets_no_second_prefix() -> None:
    error = VideoStudioError(T.ENCODING, "Scene 3 could not be encoded.")
    info = classify_exception(error, {"scene_index": 2})
    assert info.message == "Scene 3 could not be encoded."


def test_unknown_model_names_are_shown_as_given() -> None:
    info = classify_exception(status_error(401, None), {"model": "kling"})
    assert "kling" in info.message


# --- transport failures ------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_connection_refused_is_a_retryable_network_error() -> None:
    with pytest.raises(httpx.ConnectError) as caught:
        httpx.get(f"http://127.0.0.1:{_closed_port()}/ping", timeout=5)
    info = classify_exception(caught.value, {"model": "luma", "scene_index": 1})
    assert info.error_type is T.NETWORK
    assert info.retryable
    assert A.CHECK_CONNECTION in info.recovery_actions
    assert "Luma Dream Machine" in info.message
    assert "127.0.0.1" in info.technical_detail
    assert_plain(info)


def test_read_timeout_is_a_retryable_timeout() -> None:
    # A listening socket that never answers: the connection is accepted by the kernel, the
    # answer never comes.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with pytest.raises(httpx.ReadTimeout) as caught:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.2)
    info = classify_exception(caught.value)
    assert info.error_type is T.TIMEOUT
    assert info.retryable
    assert_plain(info)


def test_other_httpx_transport_errors() -> None:
    request = httpx.Request("GET", "https://queue.fal.run/fal-ai/pika/requests/1/status")
    for error in (
        httpx.RemoteProtocolError("peer closed connection", request=request),
        httpx.ReadError("connection reset", request=request),
    ):
        info = classify_exception(error)
        assert info.error_type is T.NETWORK
        assert info.retryable
        assert "Pika" in info.message
    assert classify_exception(httpx.ConnectTimeout("t", request=request)).error_type is T.TIMEOUT
    info = classify_exception(httpx.UnsupportedProtocol("no", request=request))
    assert info.error_type is T.CONFIGURATION


def test_builtin_connection_and_timeout_errors() -> None:
    assert classify_exception(ConnectionResetError()).error_type is T.NETWORK
    assert classify_exception(socket.gaierror(-2, "Name or service not known")).retryable
    info = classify_exception(TimeoutError("took too long"))
    assert info.error_type is T.TIMEOUT
    assert info.retryable


# --- files and disks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected", "action"),
    [
        (errno.ENOSPC, T.DISK_FULL, A.FREE_DISK_SPACE),
        (errno.EDQUOT, T.DISK_FULL, A.FREE_DISK_SPACE),
        (errno.EACCES, T.STORAGE, A.CHOOSE_OTHER_LOCATION),
        (errno.EPERM, T.STORAGE, A.CHOOSE_OTHER_LOCATION),
        (errno.EROFS, T.STORAGE, A.CHOOSE_OTHER_LOCATION),
        (errno.EIO, T.STORAGE, A.CHOOSE_OTHER_LOCATION),
    ],
)
def test_os_errors_by_errno(
    code: int, expected: VideoStudioErrorType, action: RecoveryAction
) -> None:
    error = OSError(code, os.strerror(code), "/videos/out/final.mp4")
    info = classify_exception(error, {"scene_index": 0})
    assert info.error_type is expected
    assert action in info.recovery_actions
    assert not info.retryable
    assert "final.mp4" in info.message
    assert_plain(info)


def test_missing_file_is_invalid_input_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        (tmp_path / "product-photo.jpg").open("rb")
    info = classify_exception(caught.value)
    assert info.error_type is T.INVALID_INPUT
    assert "product-photo.jpg" in info.message
    assert A.CHANGE_INPUT in info.recovery_actions
    assert_plain(info)


def test_file_from_context_is_named_when_the_error_has_none() -> None:
    info = classify_exception(OSError(errno.ENOSPC, "No space"), {"path": "/out/promo.mp4"})
    assert "/out/promo.mp4" in info.message


# --- PyAV --------------------------------------------------------------------------------


def test_undecodable_file_is_invalid_input(tmp_path: Path) -> None:
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(os.urandom(8192))
    with pytest.raises(av.error.FFmpegError) as caught:
        av.open(str(garbage))
    info = classify_exception(caught.value)
    assert info.error_type is T.INVALID_INPUT
    assert "broken.mp4" in info.message
    assert "cannot be decoded" in info.message
    assert_plain(info)


def test_encoder_failure_is_an_encoding_error(tmp_path: Path) -> None:
    container = av.open(str(tmp_path / "out.mp4"), "w")
    try:
        stream = container.add_stream("mpeg4", rate=30)
        stream.width = 0  # no encoder takes a zero-sized picture
        stream.height = 0
        with pytest.raises(av.error.FFmpegError) as caught:
            container.start_encoding()
    finally:
        with contextlib.suppress(av.error.FFmpegError):
            container.close()
    info = classify_exception(caught.value, {"scene_index": 4})
    assert info.error_type is T.ENCODING
    assert A.LOWER_QUALITY in info.recovery_actions
    assert info.message.startswith("Scene 5:")
    assert_plain(info)


def test_missing_file_through_pyav_is_named(tmp_path: Path) -> None:
    with pytest.raises(av.error.FFmpegError) as caught:
        av.open(str(tmp_path / "nowhere.mov"))
    info = classify_exception(caught.value)
    assert info.error_type is T.INVALID_INPUT
    assert "nowhere.mov" in info.message


# --- validation, configuration, cancellation, retries -------------------------------------


class _SceneForm(pydantic.BaseModel):
    duration: float = pydantic.Field(gt=0)
    prompt: str = pydantic.Field(max_length=10)


def test_validation_error_names_fields_without_values() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        _SceneForm.model_validate({"duration": -4, "prompt": "a private and long prompt text"})
    info = classify_exception(caught.value)
    assert info.error_type is T.INVALID_INPUT
    assert "duration" in info.message
    assert "prompt" in info.message
    assert "private" not in json.dumps(info.to_dict())
    assert "-4" not in info.message
    assert "greater than 0" in info.technical_detail  # the log says why
    assert_plain(info)


def test_config_error_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as caught:
        VideoStudioConfig.from_dict({"workflow": {"max_concurrent_tasks": 0}}, environment=False)
    info = classify_exception(caught.value)
    assert info.error_type is T.CONFIGURATION
    assert "max_concurrent_tasks" in info.message
    assert info.recovery_actions == (A.FIX_CONFIGURATION,)
    assert_plain(info)


@pytest.mark.parametrize(
    "error",
    [
        asyncio.CancelledError(),
        concurrent.futures.CancelledError(),
        CancelledByUser(),
        KeyboardInterrupt(),
    ],
    ids=["asyncio", "futures", "user", "keyboard"],
)
def test_cancellation_is_never_retried(error: BaseException) -> None:
    info = classify_exception(error, {"scene_index": 1})
    assert info.error_type is T.CANCELLED
    assert not info.retryable
    assert_plain(info)


def test_tenacity_retry_error_is_classified_by_its_last_attempt() -> None:
    failure = status_error(503, {"detail": "down"})

    def always_down() -> None:
        raise failure

    retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(2), sleep=lambda _: None)
    with pytest.raises(tenacity.RetryError) as caught:
        retrying(always_down)
    info = classify_exception(caught.value)
    assert info.error_type is T.SERVICE_UNAVAILABLE
    assert info.status_code == 503


def test_memory_error_suggests_lower_quality() -> None:
    info = classify_exception(MemoryError())
    assert info.error_type is T.UNKNOWN
    assert A.LOWER_QUALITY in info.recovery_actions
    assert "memory" in info.message


def test_unknown_error_is_plain_and_carries_its_id() -> None:
    info = classify_exception(ValueError("list index out of range in foo()"))
    assert info.error_type is T.UNKNOWN
    assert not info.retryable
    assert info.error_id in info.message
    assert "foo()" not in info.message
    assert "ValueError" in info.technical_detail
    assert_plain(info)


def test_wrapped_failure_is_classified_by_its_cause() -> None:
    cause = status_error(429, {"detail": "slow"}, headers={"Retry-After": "3"})
    try:
        try:
            raise cause
        except httpx.HTTPStatusError as inner:
            raise RuntimeError("submit failed") from inner
    except RuntimeError as outer:
        info = classify_exception(outer)
    assert info.error_type is T.RATE_LIMIT
    assert info.retry_after == 3.0
    assert "caused by httpx.HTTPStatusError" in info.technical_detail


def test_exception_group_reports_the_real_failure_not_the_cancellations() -> None:
    group = ExceptionGroup("scenes", [CancelledByUser(), OSError(errno.ENOSPC, "full")])
    assert classify_exception(group).error_type is T.DISK_FULL


def test_engine_errors_are_taken_as_they_are() -> None:
    error = VideoStudioError(
        T.MODEL_FAILURE,
        "The motion could not be rendered.",
        retryable=True,
        retry_after=2.0,
        status_code=None,
        details={"frame": 12},
    )
    info = classify_exception(error, {"scene_index": 0})
    assert info.error_type is T.MODEL_FAILURE
    assert info.message == "Scene 1: The motion could not be rendered."
    assert info.retryable
    assert info.retry_after == 2.0
    assert '"frame": 12' in info.technical_detail


def test_error_subclasses() -> None:
    policy = classify_exception(ContentPolicyError(blames_prompt=True))
    assert policy.error_type is T.CONTENT_POLICY
    assert policy.recovery_actions == (A.CHANGE_PROMPT,)
    opened = classify_exception(CircuitOpenError("runway", 12.4), {"model": "runway"})
    assert opened.error_type is T.SERVICE_UNAVAILABLE
    assert opened.retry_after == 12.4
    assert "Runway failed several times" in opened.message
    assert "12 seconds" in opened.message
    breaker_named = classify_exception(CircuitOpenError("luma", 1.0))
    assert "Luma Dream Machine" in breaker_named.message


@pytest.mark.parametrize(
    "error",
    [
        VideoStudioError(T.RATE_LIMIT, "slow", retry_after=3.0, details={"a": 1}),
        CancelledByUser(),
        ContentPolicyError("no", blames_prompt=False),
        CircuitOpenError("luma", 5.0),
    ],
)
def test_engine_errors_survive_pickling(error: VideoStudioError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert copy.__dict__ == error.__dict__
    assert str(copy) == str(error)


# --- job failures after submission --------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "code", "expected", "retryable"),
    [
        ("Frame moderation failed", None, T.CONTENT_POLICY, False),
        ("Contains blacklisted words", None, T.CONTENT_POLICY, False),
        ("Failed to read user input frames", None, T.INVALID_INPUT, False),
        ("Prompt processing failed", None, T.MODEL_FAILURE, False),
        ("The image was rejected", "SAFETY.INPUT.IMAGE", T.CONTENT_POLICY, False),
        ("Text rejected", "INPUT_PREPROCESSING.SAFETY.TEXT", T.CONTENT_POLICY, False),
        ("Bad output", "INTERNAL.BAD_OUTPUT.CODE01", T.MODEL_FAILURE, False),
        ("An internal error occurred", "INTERNAL", T.MODEL_FAILURE, True),
        ("Invalid asset", "ASSET.INVALID", T.INVALID_INPUT, False),
        ("Runner disconnected", "runner_disconnected", T.MODEL_FAILURE, True),
        ("Request timed out", "request_timeout", T.TIMEOUT, True),
        ("Not enough credits", None, T.QUOTA_EXCEEDED, False),
    ],
)
def test_job_failure_reasons(
    reason: str, code: str | None, expected: VideoStudioErrorType, retryable: bool
) -> None:
    error = job_failure_error(reason, code=code, model="runway")
    info = classify_exception(error, {"scene_index": 0})
    assert info.error_type is expected
    assert info.retryable is retryable
    assert "Runway" in info.message
    assert_plain(info)


def test_job_failure_content_policy_blames_the_right_input() -> None:
    text = classify_exception(job_failure_error("x", code="SAFETY.INPUT.TEXT"))
    image = classify_exception(job_failure_error("Frame moderation failed", model="luma"))
    assert text.recovery_actions == (A.CHANGE_PROMPT,)
    assert image.recovery_actions == (A.CHANGE_INPUT,)


# --- secrets -----------------------------------------------------------------------------


def _leak_candidates() -> list[tuple[BaseException, dict[str, Any]]]:
    secrets.register_secret(REGISTERED_KEY)
    cases: list[tuple[BaseException, dict[str, Any]]] = []
    for key in (REGISTERED_KEY, SHAPED_KEY):
        cases.append(
            (
                status_error(
                    401,
                    {"detail": f"Invalid API key {key}"},
                    url=f"{LUMA_URL}?api_key={key}",
                    request_headers={"Authorization": f"Bearer {key}"},
                ),
                {"model": "luma", "note": f"api_key={key}"},
            )
        )
        cases.append((RuntimeError(f"login failed with {key}"), {"scene_index": 0}))
        cases.append((VideoStudioError(T.AUTHENTICATION, f"Key {key} refused"), {}))
        cases.append((OSError(errno.EACCES, "denied", f"/tmp/{key}.json"), {}))
        cases.append(
            (
                job_failure_error(f"bad key {key}", code="INTERNAL", model="runway"),
                {"file": key},
            )
        )
    return cases


def test_no_secret_reaches_any_error_info_or_log(caplog: pytest.LogCaptureFixture) -> None:
    handler = VideoStudioErrorHandler(VideoStudioConfig.defaults(environment=False))
    with caplog.at_level(logging.DEBUG, logger="video_studio.errors"):
        for error, context in _leak_candidates():
            info = handler.handle(error, context)
            everything = json.dumps(info.to_dict()) + repr(info)
            for key in (REGISTERED_KEY, SHAPED_KEY):
                assert key not in everything
    for key in (REGISTERED_KEY, SHAPED_KEY):
        assert key not in caplog.text
    assert caplog.records


# --- the handler ---------------------------------------------------------------------------


def test_handle_logs_counts_and_notifies(caplog: pytest.LogCaptureFixture) -> None:
    handler = VideoStudioErrorHandler(VideoStudioConfig.defaults(environment=False))
    seen: list[ErrorInfo] = []
    handler.add_error_listener(seen.append)
    with caplog.at_level(logging.INFO, logger="video_studio.errors"):
        first = handler.handle(status_error(503, {"detail": "down"}), {"task_id": "t1"})
        handler.handle(status_error(502, None))
        handler.handle(CancelledByUser())
        try:
            raise ValueError("bug")
        except ValueError as bug:
            handler.handle(bug)
    stats = handler.stats()
    assert stats["service_unavailable"] == 2
    assert stats["cancelled"] == 1
    assert stats["unknown"] == 1
    assert stats["network"] == 0
    assert [info.error_type for info in seen][:1] == [T.SERVICE_UNAVAILABLE]
    assert len(seen) == 4
    record = next(r for r in caplog.records if first.error_id in r.getMessage())
    assert record.levelno == logging.WARNING
    assert "HTTP 503" in record.getMessage()
    unknown = next(r for r in caplog.records if "ValueError" in r.getMessage())
    assert unknown.levelno == logging.ERROR
    assert "Traceback" in unknown.getMessage()
    handler.reset_stats()
    assert sum(handler.stats().values()) == 0


def test_concurrent_handling_counts_every_error() -> None:
    handler = VideoStudioErrorHandler(VideoStudioConfig.defaults(environment=False))
    errors: list[BaseException] = [TimeoutError(), CancelledByUser(), ConnectionResetError()]

    def work() -> None:
        for _ in range(100):
            for error in errors:
                handler.handle(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = handler.stats()
    assert (stats["timeout"], stats["cancelled"], stats["network"]) == (800, 800, 800)


def test_a_failing_listener_does_not_break_handling() -> None:
    handler = VideoStudioErrorHandler(VideoStudioConfig.defaults(environment=False))

    def broken(info: ErrorInfo) -> None:
        raise RuntimeError("listener bug")

    handler.add_error_listener(broken)
    assert handler.handle(TimeoutError()).error_type is T.TIMEOUT


def test_breakers_follow_the_workflow_config() -> None:
    config = VideoStudioConfig.from_dict(
        {
            "workflow": {
                "circuit_breaker_failure_threshold": 2,
                "circuit_breaker_cooldown_seconds": 15,
                "circuit_breaker_half_open_max_calls": 3,
            }
        },
        environment=False,
    )
    now = [0.0]
    handler = VideoStudioErrorHandler(config, clock=lambda: now[0])
    changes: list[tuple[str, CircuitState, CircuitState]] = []
    handler.add_breaker_listener(lambda *change: changes.append(change))
    breaker = handler.get_circuit_breaker("runway")
    assert handler.get_circuit_breaker("runway") is breaker
    assert handler.get_circuit_breaker("luma") is not breaker
    assert (breaker.failure_threshold, breaker.recovery_timeout) == (2, 15.0)
    assert breaker.half_open_max_calls == 3
    breaker.record_failure()
    breaker.record_failure()
    assert changes == [("runway", CircuitState.CLOSED, CircuitState.OPEN)]
    now[0] = 16.0
    assert breaker.state is CircuitState.HALF_OPEN
    assert {snap["name"] for snap in handler.breaker_snapshots()} == {"runway", "luma"}


def test_breakers_use_the_application_config_or_defaults() -> None:
    handler = VideoStudioErrorHandler()
    breaker = handler.get_circuit_breaker("pika")
    assert breaker.failure_threshold == 5  # WorkflowConfig's default


def test_retry_policy_from_the_handler() -> None:
    config = VideoStudioConfig.from_dict(
        {"models": {"luma": {"max_retries": 4}}, "workflow": {"retry_base_delay_seconds": 2}},
        environment=False,
    )
    policy = VideoStudioErrorHandler(config).retry_policy("luma")
    assert policy.max_attempts == 5
    assert policy.base_delay == 2.0


def test_handle_generation_error_as_in_the_seed_example() -> None:
    def generate_video() -> None:
        raise status_error(429, {"detail": "busy"}, headers={"Retry-After": "5"})

    try:
        generate_video()
    except Exception as e:
        error_info = handle_generation_error(e, context={"task_id": "task_123"})
    assert error_info.error_type == VideoStudioErrorType.RATE_LIMIT
    assert error_info.context == {"task_id": "task_123"}
    assert get_error_handler().stats()["rate_limit"] == 1
    assert get_error_handler() is get_error_handler()


def test_error_info_to_dict() -> None:
    info = classify_exception(OSError(errno.ENOSPC, "full", "/x.mp4"), {"scene_index": 0})
    data = info.to_dict()
    assert data["error_type"] == "disk_full"
    assert data["title"] == "Disk full"
    assert data["recovery_actions"][0] == "free_disk_space"
    assert data["recovery_labels"][0] == "Free disk space"
    assert data["context"] == {"scene_index": 0}
    assert data["timestamp"].endswith("+00:00")
    assert len(data["error_id"]) == 12
    with pytest.raises(AttributeError):
        info.message = "changed"  # type: ignore[misc]


def test_every_action_has_a_label_and_every_type_a_title() -> None:
    assert all(action.label for action in RecoveryAction)
    assert all(kind.heading for kind in VideoStudioErrorType)


def test_context_values_are_made_json_safe() -> None:
    info = classify_exception(
        ValueError(), {"path": Path("/a/b.png"), "obj": object(), "nested": {"k": [1, (2, 3)]}}
    )
    json.dumps(info.to_dict())
    assert info.context["path"] == "/a/b.png"
    assert info.context["nested"] == {"k": [1, [2, 3]]}


def test_classifying_imports_no_third_party_library() -> None:
    script = textwrap.dedent(
        """
        import errno, sys
        import video_studio.error_handler as handler
        before = set(sys.modules)
        for error in (ValueError("x"), OSError(errno.ENOSPC, "full"), TimeoutError(),
                      handler.CancelledByUser(), ConnectionError()):
            handler.classify_exception(error, {"scene_index": 0, "model": "luma"})
        handler.VideoStudioErrorHandler().handle(ValueError("y"))
        added = set(sys.modules) - before
        heavy = sorted(m for m in added if m.split(".")[0] in ("httpx", "av", "pydantic",
                       "pydantic_core", "asyncio", "PySide6"))
        assert not heavy, heavy
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
