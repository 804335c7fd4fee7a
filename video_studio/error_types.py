"""The vocabulary of failures: error types, recovery actions, the exception engine code raises
and the ErrorInfo the user interface shows. Imports nothing heavy, so any module can use it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class VideoStudioErrorType(StrEnum):
    NETWORK = "network"
    TIMEOUT = "timeout"
    RATE_LIMIT = "rate_limit"
    AUTHENTICATION = "authentication"
    QUOTA_EXCEEDED = "quota_exceeded"  # the account is out of credits
    INVALID_INPUT = "invalid_input"
    CONTENT_POLICY = "content_policy"
    MODEL_FAILURE = "model_failure"
    SERVICE_UNAVAILABLE = "service_unavailable"  # 5xx answers, or our circuit breaker is open
    STORAGE = "storage"
    DISK_FULL = "disk_full"
    ENCODING = "encoding"
    CONFIGURATION = "configuration"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def heading(self) -> str:
        """A short heading for an error dialog."""
        return _TITLES[self]


_TITLES: dict[VideoStudioErrorType, str] = {
    VideoStudioErrorType.NETWORK: "Connection problem",
    VideoStudioErrorType.TIMEOUT: "No answer in time",
    VideoStudioErrorType.RATE_LIMIT: "Too many requests",
    VideoStudioErrorType.AUTHENTICATION: "API key not accepted",
    VideoStudioErrorType.QUOTA_EXCEEDED: "Out of credits",
    VideoStudioErrorType.INVALID_INPUT: "Input not accepted",
    VideoStudioErrorType.CONTENT_POLICY: "Blocked by content rules",
    VideoStudioErrorType.MODEL_FAILURE: "Generation failed",
    VideoStudioErrorType.SERVICE_UNAVAILABLE: "Service unavailable",
    VideoStudioErrorType.STORAGE: "Cannot save the file",
    VideoStudioErrorType.DISK_FULL: "Disk full",
    VideoStudioErrorType.ENCODING: "Video encoding problem",
    VideoStudioErrorType.CONFIGURATION: "Settings problem",
    VideoStudioErrorType.CANCELLED: "Cancelled",
    VideoStudioErrorType.UNKNOWN: "Unexpected problem",
}

# Failures that usually go away by themselves, so trying again automatically makes sense.
TRANSIENT_ERROR_TYPES: frozenset[VideoStudioErrorType] = frozenset(
    {
        VideoStudioErrorType.NETWORK,
        VideoStudioErrorType.TIMEOUT,
        VideoStudioErrorType.RATE_LIMIT,
        VideoStudioErrorType.SERVICE_UNAVAILABLE,
    }
)


class RecoveryAction(StrEnum):
    RETRY = "retry"
    RETRY_LATER = "retry_later"
    USE_LOCAL_ENGINE = "use_local_engine"
    CHECK_API_KEY = "check_api_key"  # opens Settings
    ADD_CREDITS = "add_credits"
    CHANGE_INPUT = "change_input"  # choose another image
    CHANGE_PROMPT = "change_prompt"
    FREE_DISK_SPACE = "free_disk_space"
    CHOOSE_OTHER_LOCATION = "choose_other_location"
    LOWER_QUALITY = "lower_quality"
    CHECK_CONNECTION = "check_connection"
    FIX_CONFIGURATION = "fix_configuration"
    NONE = "none"

    @property
    def label(self) -> str:
        """Button text for the action."""
        return _LABELS[self]


_LABELS: dict[RecoveryAction, str] = {
    RecoveryAction.RETRY: "Try again",
    RecoveryAction.RETRY_LATER: "Try again later",
    RecoveryAction.USE_LOCAL_ENGINE: "Use the local engine",
    RecoveryAction.CHECK_API_KEY: "Check the API key in Settings",
    RecoveryAction.ADD_CREDITS: "Add credits",
    RecoveryAction.CHANGE_INPUT: "Choose another image",
    RecoveryAction.CHANGE_PROMPT: "Change the prompt",
    RecoveryAction.FREE_DISK_SPACE: "Free disk space",
    RecoveryAction.CHOOSE_OTHER_LOCATION: "Choose another folder",
    RecoveryAction.LOWER_QUALITY: "Lower the quality",
    RecoveryAction.CHECK_CONNECTION: "Check the internet connection",
    RecoveryAction.FIX_CONFIGURATION: "Open Settings",
    RecoveryAction.NONE: "Close",
}


class VideoStudioError(Exception):
    """A failure the engine understands. `message` is for the user: plain words, what
    happened and what to do. `details` is technical data for the log."""

    def __init__(
        self,
        error_type: VideoStudioErrorType | str,
        message: str,
        *,
        retryable: bool | None = None,
        retry_after: float | None = None,
        status_code: int | None = None,
        details: Mapping[str, Any] | None = None,
        recovery_actions: Sequence[RecoveryAction] | None = None,
    ) -> None:
        super().__init__(message)
        self.error_type = VideoStudioErrorType(error_type)
        self.message = message
        self.retryable = (
            self.error_type in TRANSIENT_ERROR_TYPES if retryable is None else retryable
        )
        self.retry_after = retry_after
        self.status_code = status_code
        self.details: dict[str, Any] = dict(details or {})
        self.recovery_actions: tuple[RecoveryAction, ...] | None = (
            tuple(recovery_actions) if recovery_actions is not None else None
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling (which replays args);
        # errors must survive the trip back from a worker process.
        return (_rebuild_error, (type(self), self.args, self.__dict__.copy()))


def _rebuild_error(
    cls: type[VideoStudioError], args: tuple[Any, ...], state: dict[str, Any]
) -> VideoStudioError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class CancelledByUser(VideoStudioError):  # noqa: N818 - reads as what happened
    """The user stopped the work; never retried, never reported as a failure."""

    def __init__(self, message: str = "The work was cancelled.", **kwargs: Any) -> None:
        kwargs.setdefault("retryable", False)
        super().__init__(VideoStudioErrorType.CANCELLED, message, **kwargs)


class ContentPolicyError(VideoStudioError):
    """A service refused the image or the prompt under its content rules."""

    def __init__(
        self,
        message: str = "The service refused the image or the prompt under its content rules.",
        *,
        blames_prompt: bool | None = None,
        **kwargs: Any,
    ) -> None:
        if "recovery_actions" not in kwargs:
            actions: tuple[RecoveryAction, ...]
            if blames_prompt is None:
                actions = (RecoveryAction.CHANGE_INPUT, RecoveryAction.CHANGE_PROMPT)
            elif blames_prompt:
                actions = (RecoveryAction.CHANGE_PROMPT,)
            else:
                actions = (RecoveryAction.CHANGE_INPUT,)
            kwargs["recovery_actions"] = actions
        kwargs.setdefault("retryable", False)
        super().__init__(VideoStudioErrorType.CONTENT_POLICY, message, **kwargs)


class CircuitOpenError(VideoStudioError):
    """Requests to a failing service are paused by its circuit breaker for `retry_after` s."""

    def __init__(self, breaker_name: str, retry_after: float, message: str | None = None) -> None:
        seconds = max(1, round(retry_after))
        # The classifier words its own message, naming the service, unless given one.
        self.has_default_message = message is None
        super().__init__(
            VideoStudioErrorType.SERVICE_UNAVAILABLE,
            message
            or (
                "The service failed several times in a row, so requests to it are paused "
                f"for about {seconds} s."
            ),
            retryable=True,
            retry_after=retry_after,
            details={"circuit_breaker": breaker_name},
            recovery_actions=(RecoveryAction.RETRY_LATER, RecoveryAction.USE_LOCAL_ENGINE),
        )
        self.breaker_name = breaker_name


def _new_error_id() -> str:
    return uuid.uuid4().hex[:12]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ErrorInfo:
    """What the user sees about a failure and what the log records. Every text in it has
    been through `secrets.redact`."""

    error_type: VideoStudioErrorType
    message: str
    recovery_actions: tuple[RecoveryAction, ...] = ()
    retryable: bool = False
    retry_after: float | None = None
    status_code: int | None = None
    technical_detail: str = ""
    context: dict[str, Any] = field(default_factory=dict, hash=False)
    error_id: str = field(default_factory=_new_error_id)
    timestamp: datetime = field(default_factory=_now)

    @property
    def title(self) -> str:
        return self.error_type.heading

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible data for logs, the task store and the user interface."""
        return {
            "error_type": self.error_type.value,
            "title": self.title,
            "message": self.message,
            "recovery_actions": [action.value for action in self.recovery_actions],
            "recovery_labels": [action.label for action in self.recovery_actions],
            "retryable": self.retryable,
            "retry_after": self.retry_after,
            "status_code": self.status_code,
            "technical_detail": self.technical_detail,
            "context": dict(self.context),
            "error_id": self.error_id,
            "timestamp": self.timestamp.isoformat(),
        }
