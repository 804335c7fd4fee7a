"""Errors in configuration data, each naming the file (or variable), the field and the reason."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class ConfigIssue:
    source: str  # the file, or the environment variable, the bad value came from
    field: str  # dotted path such as models.luma.timeout, or a line/column for syntax errors
    reason: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.source, self.field, self.reason) if part)


class ConfigError(ValueError):
    """A configuration that cannot be used. `issues` lists every problem found."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues: tuple[ConfigIssue, ...] = tuple(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))

    @property
    def source(self) -> str:
        return self.issues[0].source if self.issues else ""

    @property
    def field(self) -> str:
        return self.issues[0].field if self.issues else ""


def field_path(location: Sequence[str | int]) -> str:
    """Dotted field path with list indexes in brackets: scenes[2].transition.duration."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _plain_reason(message: str) -> str:
    # pydantic prefixes errors raised by our validators with "Value error, ".
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def issues_from_validation_error(
    error: ValidationError,
    source: str,
    origin: Callable[[tuple[str | int, ...]], str | None] | None = None,
) -> list[ConfigIssue]:
    """One issue per pydantic error; `origin` may name an environment variable instead of
    the file as the source of a field."""
    issues: list[ConfigIssue] = []
    for detail in error.errors(include_url=False, include_input=False):
        location = tuple(detail["loc"])
        named = origin(location) if origin else None
        issue_source = f"environment variable {named}" if named else source
        issues.append(ConfigIssue(issue_source, field_path(location), _plain_reason(detail["msg"])))
    return issues
