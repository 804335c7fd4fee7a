"""Turns any exception into an ErrorInfo: type, plain message, recovery actions, whether an
automatic retry makes sense. Third-party exception types (httpx, PyAV, pydantic, tenacity)
are recognised through `sys.modules`: an exception of a library that is not loaded cannot
exist, so classifying never imports one."""

from __future__ import annotations

import errno
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from os import PathLike, fsdecode
from typing import TYPE_CHECKING, Any, cast

from video_studio.error_messages import (
    Verdict,
    Where,
    generic_verdict,
    sanitize_context,
    seconds_text,
)
from video_studio.error_types import (
    CircuitOpenError,
    ErrorInfo,
    RecoveryAction,
    VideoStudioError,
    VideoStudioErrorType,
)
from video_studio.http_classifier import classify_httpx, describe_httpx
from video_studio.secrets import redact

if TYPE_CHECKING:
    import pydantic_core

_T = VideoStudioErrorType
_A = RecoveryAction
_MAX_DEPTH = 5
_MAX_TECHNICAL = 4000
_DISK_FULL = frozenset(code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code)
_NO_PERMISSION = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


Rule = Callable[[BaseException, Where, int], Verdict | None]


def _loaded_type(module: str, name: str) -> type[BaseException] | None:
    found = getattr(sys.modules.get(module), name, None)
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


# --- rules, tried in order ------------------------------------------------------------


def _own_error(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    if not isinstance(exc, VideoStudioError):
        return None
    if isinstance(exc, CircuitOpenError) and exc.has_default_message:
        return _circuit_open(exc, where.with_model(exc.breaker_name))
    fallback = generic_verdict(exc.error_type, where)
    return Verdict(
        exc.error_type,
        where.compose(exc.message) if exc.message.strip() else fallback.message,
        where.actions(exc.error_type, exc.recovery_actions),
        exc.retryable,
        exc.retry_after,
        exc.status_code,
        json.dumps(exc.details, default=str, sort_keys=True) if exc.details else "",
    )


def _circuit_open(exc: CircuitOpenError, where: Where) -> Verdict:
    seconds = seconds_text(exc.retry_after or 0.0)
    or_local = "" if where.is_local else ", or use the local engine"
    what = f"{where.service} failed several times in a row, so requests to it are paused"
    return Verdict(
        exc.error_type,
        where.compose(what, f"try again in about {seconds}{or_local}"),
        where.actions(exc.error_type, exc.recovery_actions),
        exc.retryable,
        exc.retry_after,
        technical=f"circuit breaker {exc.breaker_name} is open",
    )


def _retry_error(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    retry_error = _loaded_type("tenacity", "RetryError")
    if retry_error is None or not isinstance(exc, retry_error):
        return None
    last_attempt = getattr(exc, "last_attempt", None)
    inner = last_attempt.exception() if last_attempt is not None and last_attempt.failed else None
    return _classify(inner, where, depth + 1) if isinstance(inner, BaseException) else None


def _cancelled(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    kinds: list[type[BaseException]] = [KeyboardInterrupt]
    kinds += [
        found
        for found in (
            _loaded_type("asyncio", "CancelledError"),
            _loaded_type("concurrent.futures", "CancelledError"),
        )
        if found is not None
    ]
    return generic_verdict(_T.CANCELLED, where) if isinstance(exc, tuple(kinds)) else None


def _group(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    if not isinstance(exc, BaseExceptionGroup) or not exc.exceptions:
        return None
    verdicts = [_classify(inner, where, depth + 1) for inner in exc.exceptions]
    # The real failure is more useful than the cancellations of its siblings it caused.
    return next((v for v in verdicts if v.error_type is not _T.CANCELLED), verdicts[0])


def _config_error(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    config_error = _loaded_type("video_studio.config_errors", "ConfigError")
    if config_error is None or not isinstance(exc, config_error):
        return None
    issues = [str(issue) for issue in getattr(exc, "issues", ())]
    shown = "; ".join(issues[:3]) + (f"; and {len(issues) - 3} more" if len(issues) > 3 else "")
    what = f"the settings cannot be used: {shown}" if shown else "the settings cannot be used"
    return Verdict(
        _T.CONFIGURATION,
        where.compose(what, "open Settings and correct them"),
        where.actions(_T.CONFIGURATION),
        retryable=False,
    )


def _validation_error(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    validation_error = _loaded_type("pydantic_core", "ValidationError")
    if validation_error is None or not isinstance(exc, validation_error):
        return None
    errors = cast("pydantic_core.ValidationError", exc).errors(
        include_url=False, include_input=False, include_context=False
    )
    fields = list(dict.fromkeys(_field_path(error["loc"]) for error in errors if error["loc"]))
    shown = ", ".join(fields[:5]) + (f" and {len(fields) - 5} more" if len(fields) > 5 else "")
    # Only field names: the values may be long, private, or a secret typed in the wrong box.
    what = f"some values are not valid: {shown}" if shown else "some values are not valid"
    technical = "; ".join(f"{_field_path(e['loc']) or '(value)'}: {e['msg']}" for e in errors)
    return Verdict(
        _T.INVALID_INPUT,
        where.compose(what, "correct them and try again"),
        (_A.NONE,),
        retryable=False,
        technical=technical,
    )


def _field_path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _av_error(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    unknown_codec = _loaded_type("av.codec.codec", "UnknownCodecError")
    if unknown_codec is not None and isinstance(exc, unknown_codec):
        return _missing_format(where)
    ffmpeg_error = _loaded_type("av.error", "FFmpegError")
    if ffmpeg_error is None or not isinstance(exc, ffmpeg_error):
        return None
    where = where.with_file(_file_name(getattr(exc, "filename", None)))
    file = f"the file '{where.file}'" if where.file else "the file"
    kind = type(exc).__name__
    if kind in {"InvalidDataError", "DecoderNotFoundError"}:
        return Verdict(
            _T.INVALID_INPUT,
            where.compose(
                f"{file} cannot be decoded: it may be damaged or in an unsupported format",
                "choose another file",
            ),
            where.actions(_T.INVALID_INPUT, (_A.CHANGE_INPUT,)),
            retryable=False,
        )
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL | _NO_PERMISSION | {errno.ENOENT}:
        return None  # a file system problem met by FFmpeg: the OSError rule words it better
    if kind in ("EncoderNotFoundError", "MuxerNotFoundError"):
        return _missing_format(where)
    return generic_verdict(_T.ENCODING, where)


def _missing_format(where: Where) -> Verdict:
    return Verdict(
        _T.ENCODING,
        where.compose(
            "the chosen video format is not available on this computer",
            "choose another codec or format in Settings",
        ),
        where.actions(_T.ENCODING, (_A.FIX_CONFIGURATION, _A.LOWER_QUALITY)),
        retryable=False,
    )


def _file_name(value: object) -> str | None:
    if isinstance(value, str | bytes | PathLike):
        return fsdecode(value) or None
    return None


def _builtin_timeout(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    return generic_verdict(_T.TIMEOUT, where) if isinstance(exc, TimeoutError) else None


def _connection(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    kinds: list[type[BaseException]] = [ConnectionError]
    if (gaierror := _loaded_type("socket", "gaierror")) is not None:
        kinds.append(gaierror)  # name lookup failed: usually offline
    return generic_verdict(_T.NETWORK, where) if isinstance(exc, tuple(kinds)) else None


def _os_error(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    if not isinstance(exc, OSError) or exc.errno is None:
        return None
    code = exc.errno
    where = where.with_file(_file_name(exc.filename))
    named = f"'{where.file}'" if where.file else "the file"
    if code in _DISK_FULL:
        what = f"there is not enough disk space to save {named}" if where.file else ""
        return Verdict(
            _T.DISK_FULL,
            where.compose(what or "the disk is full", "free disk space or choose another folder"),
            where.actions(
                _T.DISK_FULL, (_A.FREE_DISK_SPACE, _A.CHOOSE_OTHER_LOCATION, _A.LOWER_QUALITY)
            ),
            retryable=False,
        )
    if code in _NO_PERMISSION:
        what = (
            f"{named} is on a disk that cannot be written to"
            if code == errno.EROFS
            else f"Video Studio has no permission to use {named}"
        )
        return Verdict(
            _T.STORAGE,
            where.compose(what, "choose another folder"),
            where.actions(_T.STORAGE, (_A.CHOOSE_OTHER_LOCATION,)),
            retryable=False,
        )
    if code in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
        what = (
            f"the file {named} was not found"
            if code == errno.ENOENT
            else f"{named} is not a usable file"
        )
        return Verdict(
            _T.INVALID_INPUT,
            where.compose(what, "it may have been moved or deleted; choose the file again"),
            where.actions(_T.INVALID_INPUT, (_A.CHANGE_INPUT,)),
            retryable=False,
        )
    what = f"reading or writing {named} failed ({exc.strerror or 'disk error'})"
    return Verdict(
        _T.STORAGE,
        where.compose(what, "check the disk, or choose another folder"),
        where.actions(_T.STORAGE, (_A.CHOOSE_OTHER_LOCATION, _A.RETRY)),
        retryable=False,
    )


def _memory(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    if not isinstance(exc, MemoryError):
        return None
    return Verdict(
        _T.UNKNOWN,
        where.compose("Video Studio ran out of memory", "lower the quality and try again"),
        where.actions(_T.UNKNOWN, (_A.LOWER_QUALITY, _A.RETRY)),
        retryable=False,
    )


def _cause(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    # An unknown wrapper raised `from` a known failure is that failure.
    cause = exc.__cause__
    if cause is None or depth >= _MAX_DEPTH:
        return None
    verdict = _classify(cause, where, depth + 1)
    return verdict if verdict.error_type is not _T.UNKNOWN else None


def _httpx(exc: BaseException, where: Where, depth: int) -> Verdict | None:
    return classify_httpx(exc, where)


_RULES: tuple[Rule, ...] = (
    _own_error,
    _retry_error,
    _cancelled,
    _group,
    _httpx,
    _config_error,
    _validation_error,
    _av_error,
    _builtin_timeout,
    _connection,
    _os_error,
    _memory,
    _cause,
)


def _classify(exc: BaseException, where: Where, depth: int) -> Verdict:
    if depth <= _MAX_DEPTH:
        for rule in _RULES:
            verdict = rule(exc, where, depth)
            if verdict is not None:
                return verdict
    return generic_verdict(_T.UNKNOWN, where)


# --- technical detail -----------------------------------------------------------------


def describe_exception(exc: BaseException) -> str:
    """One line for the log: the exception's type and text (never a pydantic input value)."""
    cls = type(exc)
    name = (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )
    if (text := describe_httpx(exc)) is not None:
        return f"{name}: {text}"
    validation_error = _loaded_type("pydantic_core", "ValidationError")
    if validation_error is not None and isinstance(exc, validation_error):
        count = cast("pydantic_core.ValidationError", exc).error_count()
        return f"{name}: {count} validation error(s)"
    return f"{name}: {exc}" if str(exc) else name


def _technical(exc: BaseException, verdict: Verdict, context: Mapping[str, Any]) -> str:
    parts = [describe_exception(exc)]
    if verdict.technical:
        parts.append(verdict.technical)
    cause, seen = _chained(exc), 0
    while cause is not None and seen < 3:
        parts.append(f"caused by {describe_exception(cause)}")
        cause, seen = _chained(cause), seen + 1
    if context:
        parts.append(f"context {json.dumps(context, default=str, sort_keys=True)}")
    return redact(" | ".join(parts))[:_MAX_TECHNICAL]


def _chained(exc: BaseException) -> BaseException | None:
    if exc.__cause__ is not None or exc.__suppress_context__:
        return exc.__cause__
    return exc.__context__


def classify_exception(exc: BaseException, context: Mapping[str, Any] | None = None) -> ErrorInfo:
    """The ErrorInfo for `exc`; `context` may name task_id, scene_index, model, file/path."""
    clean_context = sanitize_context(context)
    verdict = _classify(exc, Where.from_context(clean_context), 0)
    info = ErrorInfo(
        error_type=verdict.error_type,
        message=redact(verdict.message),
        recovery_actions=verdict.actions,
        retryable=verdict.retryable,
        retry_after=verdict.retry_after,
        status_code=verdict.status_code,
        technical_detail=_technical(exc, verdict, clean_context),
        context=clean_context,
    )
    if info.error_type is _T.UNKNOWN:
        # Lets support find the log entry of the report a user sends.
        return replace(info, message=f"{info.message} (Error id {info.error_id}.)")
    return info


class ExceptionClassifier:
    """The classification alone, without logging or statistics."""

    def classify(self, exc: BaseException, context: Mapping[str, Any] | None = None) -> ErrorInfo:
        return classify_exception(exc, context)
