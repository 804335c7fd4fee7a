"""Plain-words error messages: where a failure happened (scene, model, file, from the caller's
context) and the recovery actions that fit each error type."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike, fspath
from typing import Any

from video_studio.error_types import TRANSIENT_ERROR_TYPES, RecoveryAction, VideoStudioErrorType
from video_studio.secrets import redact

MODEL_DISPLAY_NAMES: dict[str, str] = {
    "local": "the local engine",
    "luma": "Luma Dream Machine",
    "runway": "Runway",
    "pika": "Pika",
}
_BUILT_IN_MODELS = frozenset(MODEL_DISPLAY_NAMES)
GENERIC_SERVICE = "the video service"
_MAX_CONTEXT_TEXT = 500
_NAMES_A_SCENE = re.compile(r"\bscene \d", re.IGNORECASE)  # engine messages may already say
_MAX_CONTEXT_DEPTH = 3

_A = RecoveryAction
DEFAULT_ACTIONS: dict[VideoStudioErrorType, tuple[RecoveryAction, ...]] = {
    VideoStudioErrorType.NETWORK: (_A.CHECK_CONNECTION, _A.RETRY, _A.USE_LOCAL_ENGINE),
    VideoStudioErrorType.TIMEOUT: (_A.RETRY, _A.RETRY_LATER, _A.USE_LOCAL_ENGINE),
    VideoStudioErrorType.RATE_LIMIT: (_A.RETRY_LATER, _A.USE_LOCAL_ENGINE),
    VideoStudioErrorType.AUTHENTICATION: (_A.CHECK_API_KEY, _A.USE_LOCAL_ENGINE),
    VideoStudioErrorType.QUOTA_EXCEEDED: (_A.ADD_CREDITS, _A.USE_LOCAL_ENGINE),
    VideoStudioErrorType.INVALID_INPUT: (_A.CHANGE_INPUT,),
    VideoStudioErrorType.CONTENT_POLICY: (_A.CHANGE_INPUT, _A.CHANGE_PROMPT),
    VideoStudioErrorType.MODEL_FAILURE: (_A.RETRY, _A.USE_LOCAL_ENGINE),
    VideoStudioErrorType.SERVICE_UNAVAILABLE: (_A.RETRY_LATER, _A.USE_LOCAL_ENGINE),
    VideoStudioErrorType.STORAGE: (_A.CHOOSE_OTHER_LOCATION,),
    VideoStudioErrorType.DISK_FULL: (_A.FREE_DISK_SPACE, _A.CHOOSE_OTHER_LOCATION),
    VideoStudioErrorType.ENCODING: (_A.LOWER_QUALITY, _A.RETRY),
    VideoStudioErrorType.CONFIGURATION: (_A.FIX_CONFIGURATION,),
    VideoStudioErrorType.CANCELLED: (_A.NONE,),
    VideoStudioErrorType.UNKNOWN: (_A.RETRY,),
}


def model_display_name(model: str | None) -> str | None:
    if not model:
        return None
    return MODEL_DISPLAY_NAMES.get(model.strip().lower(), model.strip())


def register_model_display_name(model: str, display_name: str) -> None:
    """How messages name a model added by a plugin (the built-in ones are known above)."""
    key = model.strip().lower()
    if key and display_name.strip() and key not in _BUILT_IN_MODELS:
        MODEL_DISPLAY_NAMES[key] = display_name.strip()


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def sanitize_context(context: Mapping[str, Any] | None) -> dict[str, Any]:
    """A JSON-compatible, redacted copy of the caller's context (it may hold anything)."""
    return {str(key): _clean(value, 0) for key, value in (context or {}).items()}


def _clean(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value[:_MAX_CONTEXT_TEXT])
    if isinstance(value, PathLike):
        return redact(str(fspath(value)))
    if depth < _MAX_CONTEXT_DEPTH and isinstance(value, Mapping):
        return {str(key): _clean(item, depth + 1) for key, item in value.items()}
    if depth < _MAX_CONTEXT_DEPTH and isinstance(value, list | tuple | set | frozenset):
        return [_clean(item, depth + 1) for item in value]
    return redact(repr(value)[:_MAX_CONTEXT_TEXT])


@dataclass(frozen=True)
class Where:
    """The place of a failure, as far as the context (and the exception) tell."""

    scene: int | None = None  # 1-based, as users count
    model: str | None = None  # internal model name: local, luma, runway, pika, plugins
    file: str | None = None
    task_id: str | None = None

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> Where:
        scene_index = context.get("scene_index")
        scene = scene_index + 1 if isinstance(scene_index, int) and scene_index >= 0 else None
        model = context.get("model")
        file = context.get("file") or context.get("path")
        task = context.get("task_id")
        return cls(
            scene=scene,
            model=str(model) if model else None,
            file=str(file) if file else None,
            task_id=str(task) if task else None,
        )

    def with_model(self, model: str | None) -> Where:
        return (
            self if self.model or not model else Where(self.scene, model, self.file, self.task_id)
        )

    def with_file(self, file: str | None) -> Where:
        return Where(self.scene, self.model, file or self.file, self.task_id)

    @property
    def service(self) -> str:
        """Who failed, to use inside a sentence: "Runway", "the local engine"."""
        return model_display_name(self.model) or GENERIC_SERVICE

    @property
    def is_local(self) -> bool:
        return (self.model or "").lower() == "local"

    def compose(self, what: str, advice: str = "") -> str:
        """ "Scene 3: Runway did not accept the API key. Check the Runway key in Settings." """
        text = capitalize(what.strip())
        if text and text[-1] not in ".!?":
            text += "."
        if advice:
            text = f"{text} {capitalize(advice.strip())}"
            if text[-1] not in ".!?":
                text += "."
        if self.scene is not None and not _NAMES_A_SCENE.search(text):
            text = f"Scene {self.scene}: {text}"
        return text

    def actions(
        self,
        error_type: VideoStudioErrorType,
        actions: tuple[RecoveryAction, ...] | None = None,
    ) -> tuple[RecoveryAction, ...]:
        chosen = DEFAULT_ACTIONS[error_type] if actions is None else actions
        if self.is_local:
            # Offering the local engine as the way out of a local engine failure helps nobody.
            chosen = tuple(a for a in chosen if a is not RecoveryAction.USE_LOCAL_ENGINE)
        return chosen or (RecoveryAction.NONE,)


def seconds_text(seconds: float) -> str:
    whole = max(1, round(seconds))
    return "1 second" if whole == 1 else f"{whole} seconds"


def short_detail(text: str, limit: int = 200) -> str:
    """A service's own explanation, one line, redacted and trimmed for a message."""
    flat = " ".join(redact(text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat.rstrip(".")


@dataclass(frozen=True)
class Verdict:
    """A classification before it becomes an ErrorInfo."""

    error_type: VideoStudioErrorType
    message: str
    actions: tuple[RecoveryAction, ...]
    retryable: bool
    retry_after: float | None = None
    status_code: int | None = None
    technical: str = ""  # what the log needs beyond the exception's own text


_T = VideoStudioErrorType


def generic_verdict(error_type: VideoStudioErrorType, where: Where) -> Verdict:
    """The plain message for a type when nothing more specific is known."""
    service = where.service
    or_local = "" if where.is_local else ", or use the local engine"
    file = f" '{where.file}'" if where.file else ""
    what, advice = {
        _T.NETWORK: (
            f"{service} could not be reached" if where.model else "the connection failed",
            "check the internet connection",
        ),
        _T.TIMEOUT: (
            f"{service} did not answer in time" if where.model else "the operation took too long",
            f"try again later{or_local}",
        ),
        _T.RATE_LIMIT: (f"{service} is receiving too many requests", "wait a little, then retry"),
        _T.AUTHENTICATION: (f"{service} did not accept the API key", _check_key(where)),
        _T.QUOTA_EXCEEDED: (
            f"your {service} account has run out of credits",
            f"add credits on the service's website{or_local}",
        ),
        _T.INVALID_INPUT: ("the input was not accepted", "check the image and the scene settings"),
        _T.CONTENT_POLICY: (
            f"{service} refused the image or the prompt under its content rules",
            "change the image or the prompt",
        ),
        _T.MODEL_FAILURE: (f"{service} could not generate the video", f"try again{or_local}"),
        _T.SERVICE_UNAVAILABLE: (f"{service} is not available now", f"try again later{or_local}"),
        _T.STORAGE: (f"the file{file} could not be saved", "choose another folder"),
        _T.DISK_FULL: ("the disk is full", "free disk space or choose another folder"),
        _T.ENCODING: ("the video could not be encoded", "try a lower quality"),
        _T.CONFIGURATION: ("the settings cannot be used", "open Settings and correct them"),
        _T.CANCELLED: ("the work was cancelled", ""),
        _T.UNKNOWN: (
            "something unexpected went wrong",
            "try again; if it keeps happening, send the log file to support",
        ),
    }[error_type]
    retryable = error_type in TRANSIENT_ERROR_TYPES
    return Verdict(error_type, where.compose(what, advice), where.actions(error_type), retryable)


def _check_key(where: Where) -> str:
    name = f"the {where.service} API key" if where.model and not where.is_local else "the API key"
    return f"open Settings and check {name}"
