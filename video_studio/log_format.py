"""Log record formatting: redaction of secrets from records, JSON lines for the log file and
a readable line for the console."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from video_studio import secrets

# Structured data travels on the record under this attribute (set through `extra`).
FIELDS_ATTR = "video_studio_fields"


def _clean(value: object) -> object:
    """A JSON-safe copy of `value` with every string redacted (unknown objects become text,
    since their str() may hold a key)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return secrets.redact(value)
    if isinstance(value, Mapping):
        return {secrets.redact(str(key)): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(item) for item in value]
    return secrets.redact(str(value))


_plain_formatter = logging.Formatter()
# Attributes every record has; any other one came from a stdlib caller's `extra=`.
_RECORD_ATTRS = {*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime"}


class RedactingFilter(logging.Filter):
    """Removes secrets from a record before any handler formats it. Installed on handlers, not
    loggers, so records propagated from child loggers pass through it too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format string
            message = f"{record.msg} {record.args!r}"
        record.msg = secrets.redact(message)
        record.args = None
        if record.exc_info:
            # Render the traceback now, redacted, so no formatter renders the raw one later.
            record.exc_text = record.exc_text or _plain_formatter.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = secrets.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = secrets.redact(record.stack_info)
        # Plain stdlib `extra=` data becomes fields too (redacted; the originals stay as they are).
        extras = {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRS}
        fields = extras.pop(FIELDS_ATTR, None)
        if extras or fields:
            setattr(record, FIELDS_ATTR, _clean({**extras, **(fields or {})}))
        return True


def _record_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, FIELDS_ATTR, None)
    return dict(fields) if isinstance(fields, Mapping) else {}


def _exception_text(record: logging.LogRecord) -> str | None:
    if record.exc_info and not record.exc_text:
        record.exc_text = _plain_formatter.formatException(record.exc_info)
    return record.exc_text or None


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: ts (ISO-8601 UTC), level, logger, message, thread, and
    `fields`, `exception`, `stack` when present."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        if fields := _record_fields(record):
            entry["fields"] = fields
        if exception := _exception_text(record):
            entry["exception"] = exception
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def _console_value(value: object) -> str:
    if isinstance(value, str) and value and not any(c.isspace() or c in "=\"'" for c in value):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


class ConsoleFormatter(logging.Formatter):
    """`HH:MM:SS LEVEL logger: message key=value ...`, then the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        line = f"{stamp} {record.levelname:<8} {record.name}: {record.getMessage()}"
        fields = _record_fields(record)
        if fields:
            line += " " + " ".join(f"{key}={_console_value(v)}" for key, v in fields.items())
        if exception := _exception_text(record):
            line += "\n" + exception
        if record.stack_info:
            line += "\n" + record.stack_info
        return line
