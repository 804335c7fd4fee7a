"""Logging for the engine: JSON-lines log file with rotation, a readable console, structured
fields, task/metric/timing helpers, and redaction of secrets from everything we write.

`setup_logging(config)` configures the "video_studio" logger; `get_logger(name)` returns a
`VideoStudioLogger` and sets logging up from `get_config()` on first use if nobody has.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from video_studio import secrets
from video_studio.config import LoggingConfig, VideoStudioConfig, get_config
from video_studio.log_format import (
    FIELDS_ATTR,
    ConsoleFormatter,
    JsonLinesFormatter,
    RedactingFilter,
)

__all__ = [
    "ASSETS_LOGGER",
    "FIELDS_ATTR",
    "MODELS_LOGGER",
    "RENDERING_LOGGER",
    "ROOT_LOGGER_NAME",
    "SPECIALIZED_LOGGERS",
    "WORKFLOW_LOGGER",
    "ConsoleFormatter",
    "JsonLinesFormatter",
    "RedactingFilter",
    "VideoStudioLogger",
    "current_log_file",
    "get_logger",
    "qualified_name",
    "setup_logging",
    "shutdown_logging",
]

ROOT_LOGGER_NAME = "video_studio"
MODELS_LOGGER = "video_studio.models"
WORKFLOW_LOGGER = "video_studio.workflow"
ASSETS_LOGGER = "video_studio.assets"
RENDERING_LOGGER = "video_studio.rendering"
SPECIALIZED_LOGGERS = (MODELS_LOGGER, WORKFLOW_LOGGER, ASSETS_LOGGER, RENDERING_LOGGER)

# Our handlers carry names with this prefix, so re-setup removes them and nothing else.
_HANDLER_PREFIX = "video_studio:"
_SECRET_ENV = re.compile(r"^(VIDEO_STUDIO_(\w+_)?API_KEY|\w+_TOKEN|\w+_SECRET)$")
_LEVEL_NAMES = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


# --- the logger --------------------------------------------------------------------------------


class VideoStudioLogger:
    """A stdlib logger plus structured keyword fields and task, metric and timing helpers."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    @property
    def name(self) -> str:
        return self.logger.name

    def __repr__(self) -> str:
        return f"VideoStudioLogger({self.name!r})"

    def _log(
        self,
        level: int,
        msg: object,
        args: tuple[object, ...],
        fields: dict[str, Any],
        *,
        exc_info: Any = None,
        depth: int = 3,  # _log, the public method, then the caller the record should name
    ) -> None:
        if not self.logger.isEnabledFor(level):
            return
        # These two keywords keep their stdlib meaning instead of becoming fields.
        exc = fields.pop("exc_info", exc_info)
        stack = bool(fields.pop("stack_info", False))
        extra = {FIELDS_ATTR: fields} if fields else None
        self.logger.log(
            level, msg, *args, exc_info=exc, stack_info=stack, stacklevel=depth, extra=extra
        )

    # Keyword arguments become structured fields, except exc_info and stack_info.
    def debug(self, msg: object, *args: object, **fields: Any) -> None:
        self._log(logging.DEBUG, msg, args, fields)

    def info(self, msg: object, *args: object, **fields: Any) -> None:
        self._log(logging.INFO, msg, args, fields)

    def warning(self, msg: object, *args: object, **fields: Any) -> None:
        self._log(logging.WARNING, msg, args, fields)

    def error(self, msg: object, *args: object, **fields: Any) -> None:
        self._log(logging.ERROR, msg, args, fields)

    def critical(self, msg: object, *args: object, **fields: Any) -> None:
        self._log(logging.CRITICAL, msg, args, fields)

    def exception(self, msg: object, *args: object, **fields: Any) -> None:
        """ERROR with the exception being handled and its traceback."""
        self._log(logging.ERROR, msg, args, fields, exc_info=True)

    # --- the seed's helpers ---

    def log_task_start(self, task_id: str, task_type: str, **details: Any) -> None:
        fields = {**details, "event": "task_start", "task_id": task_id, "task_type": task_type}
        self._log(logging.INFO, "Task %s started (%s)", (task_id, task_type), fields)

    def log_task_progress(self, task_id: str, progress: float, message: str = "") -> None:
        # Clamped rather than rejected: a bad progress value must not break the task it reports.
        value = min(1.0, max(0.0, float(progress))) if math.isfinite(progress) else 0.0
        fields = {"event": "task_progress", "task_id": task_id, "progress": value}
        if message:
            fields["status"] = message
        text = "Task %s at %d%%" + (": %s" if message else "%s")
        self._log(logging.INFO, text, (task_id, round(value * 100), message), fields)

    def log_task_complete(
        self, task_id: str, duration_seconds: float, result: Mapping[str, Any] | None = None
    ) -> None:
        fields: dict[str, Any] = {"event": "task_complete", "task_id": task_id}
        fields["duration_seconds"] = duration_seconds
        if result is not None:
            fields["result"] = dict(result)
        self._log(logging.INFO, "Task %s completed in %.2fs", (task_id, duration_seconds), fields)

    def log_task_error(
        self, task_id: str, error: BaseException | str, context: Mapping[str, Any] | None = None
    ) -> None:
        text = str(error) or type(error).__name__
        fields: dict[str, Any] = {"event": "task_error", "task_id": task_id, "error": text}
        exc_info: BaseException | None = None
        if isinstance(error, BaseException):
            fields["error_type"] = type(error).__name__
            # The traceback is worth writing only when the exception was actually raised.
            exc_info = error if error.__traceback__ is not None else None
        if context is not None:
            fields["context"] = dict(context)
        self._log(logging.ERROR, "Task %s failed: %s", (task_id, text), fields, exc_info=exc_info)

    def log_metric(self, name: str, value: float, unit: str = "", **tags: Any) -> None:
        fields: dict[str, Any] = {"event": "metric", "metric": name, "value": value}
        if unit:
            fields["unit"] = unit
        if tags:
            fields["tags"] = tags
        self._log(logging.INFO, "Metric %s = %s%s", (name, value, unit), fields)

    @contextlib.contextmanager
    def time_operation(
        self, name: str, *, level: int = logging.DEBUG, **fields: Any
    ) -> Iterator[dict[str, Any]]:
        """Log how long the block took (in ms, at `level`); the block may add fields to the
        yielded dict. If the block raises, log the failure with its duration and re-raise."""
        extra: dict[str, Any] = dict(fields)
        failure: BaseException | None = None
        started = time.perf_counter()
        try:
            yield extra
        except BaseException as error:
            failure = error
            raise
        finally:
            elapsed = round((time.perf_counter() - started) * 1000, 3)
            data = {**extra, "event": "timing", "operation": name, "duration_ms": elapsed}
            if failure is None:
                self._log(level, "%s took %.1f ms", (name, elapsed), data, depth=4)
            else:
                data.update(error_type=type(failure).__name__, error=str(failure))
                # WARNING, no traceback: the caller gets the exception and judges how bad it is.
                text = "%s failed after %.1f ms"
                self._log(logging.WARNING, text, (name, elapsed), data, depth=4)


# --- setup -------------------------------------------------------------------------------------

_lock = threading.RLock()
_loggers: dict[str, VideoStudioLogger] = {}
_setup_done = False
_level_overrides: set[str] = set()
_log_file: Path | None = None


def qualified_name(name: str) -> str:
    """`name` under the "video_studio" hierarchy ("models" -> "video_studio.models")."""
    name = name.strip().strip(".")
    if not name or name == ROOT_LOGGER_NAME or name.startswith(ROOT_LOGGER_NAME + "."):
        return name or ROOT_LOGGER_NAME
    return f"{ROOT_LOGGER_NAME}.{name}"


def _register_secrets(config: VideoStudioConfig | None) -> None:
    for value in config.secret_values() if config is not None else []:
        secrets.register_secret(value)
    for variable, value in os.environ.items():
        if _SECRET_ENV.match(variable.upper()):
            secrets.register_secret(value)


def _file_handler(path: Path, settings: LoggingConfig) -> logging.Handler:
    handler = RotatingFileHandler(
        path, maxBytes=settings.max_bytes, backupCount=settings.backup_count, encoding="utf-8"
    )
    handler.setFormatter(JsonLinesFormatter())
    return handler


def _console_handler() -> logging.Handler | None:
    if sys.stderr is None:  # a windowed app (pythonw) has no stderr to write to
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ConsoleFormatter())
    return handler


def _install(handlers: list[logging.Handler]) -> None:
    root = logging.getLogger(ROOT_LOGGER_NAME)
    # Without any handler Python would print WARNINGs through its last-resort handler.
    for index, handler in enumerate(handlers or [logging.NullHandler()]):
        handler.set_name(f"{_HANDLER_PREFIX}{type(handler).__name__}:{index}")
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)


def _remove_handlers() -> None:
    root = logging.getLogger(ROOT_LOGGER_NAME)
    for handler in list(root.handlers):
        if (handler.get_name() or "").startswith(_HANDLER_PREFIX):
            root.removeHandler(handler)
            handler.close()


def _reset_levels() -> None:
    for name in (*_level_overrides, ROOT_LOGGER_NAME):
        logging.getLogger(name).setLevel(logging.NOTSET)
    _level_overrides.clear()


def _apply_levels(config: VideoStudioConfig | None) -> None:
    _reset_levels()
    if config is None:
        wanted = os.environ.get("VIDEO_STUDIO_LOG_LEVEL", "").strip().upper()
        level = wanted if wanted in _LEVEL_NAMES else "INFO"
    else:
        level = "DEBUG" if config.debug_mode else config.log_level
    logging.getLogger(ROOT_LOGGER_NAME).setLevel(level)
    for name, override in (config.logging.levels if config is not None else {}).items():
        qualified = qualified_name(name)
        logging.getLogger(qualified).setLevel(override)
        _level_overrides.add(qualified)


def setup_logging(
    config: VideoStudioConfig | None = None,
    *,
    log_dir: Path | None = None,
    console: bool | None = None,
) -> Path | None:
    """Configure the "video_studio" logger from `config` (default: `get_config()`); returns
    the log file's path, or None when there is no log file. Calling it again replaces our
    handlers. A broken config or unwritable folder gives console logging and a warning."""
    global _setup_done, _log_file  # noqa: PLW0603 - logging is process-wide state
    problems: list[str] = []
    with _lock:
        _setup_done = True
        _remove_handlers()
        if config is None:
            try:
                config = get_config()
            except Exception as error:  # any failure: the app must still start and log
                problems.append(f"could not load the configuration, logging to console: {error}")
        _register_secrets(config)
        handlers: list[logging.Handler] = []
        log_path: Path | None = None
        if config is not None and config.logging.file:
            directory = log_dir if log_dir is not None else config.logging.directory
            try:
                directory.mkdir(parents=True, exist_ok=True)
                handlers.append(_file_handler(directory / config.logging.file_name, config.logging))
                log_path = directory / config.logging.file_name
            except OSError as error:
                problems.append(f"cannot write log files in {directory}: {error}")
        want_console = console if console is not None else config is None or config.logging.console
        # A warning about lost file logging must be seen somewhere.
        console_handler = _console_handler() if want_console or problems else None
        if console_handler is not None:
            handlers.append(console_handler)
        _install(handlers)
        _apply_levels(config)
        _log_file = log_path
    for problem in problems:
        logging.getLogger(f"{ROOT_LOGGER_NAME}.logging").warning(problem)
    return log_path


def shutdown_logging(*, reset: bool = False) -> None:
    """Remove and close our handlers and levels. With `reset`, forget that logging was set
    up, so the next `get_logger` sets it up again (tests); otherwise it stays off."""
    global _setup_done, _log_file  # noqa: PLW0603
    with _lock:
        _remove_handlers()
        _reset_levels()
        _setup_done = not reset
        _log_file = None


def current_log_file() -> Path | None:
    """The file the log goes to now (for the About box and error messages), if any."""
    return _log_file


def _ensure_logging() -> None:
    if _setup_done:
        return
    with _lock:
        if _setup_done:
            return
        try:
            setup_logging()
        except Exception as error:  # logging must never be the reason the app fails
            _remove_handlers()
            console = _console_handler()
            _install([console] if console is not None else [])
            logging.getLogger(ROOT_LOGGER_NAME).setLevel(logging.INFO)
            logging.getLogger(f"{ROOT_LOGGER_NAME}.logging").warning(
                "logging setup failed, logging to console only: %s", error
            )


def get_logger(name: str = ROOT_LOGGER_NAME) -> VideoStudioLogger:
    """The logger for `name` (put under "video_studio."), one object per name. Sets logging
    up from the application config on first use if `setup_logging` was never called."""
    _ensure_logging()
    qualified = qualified_name(name)
    with _lock:
        logger = _loggers.get(qualified)
        if logger is None:
            logger = _loggers[qualified] = VideoStudioLogger(logging.getLogger(qualified))
        return logger
