"""Registry of secret values (API keys) and redaction of them, and of anything shaped like a
key or token, from text bound for logs, error messages or files."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator

REDACTED = "[REDACTED]"
# Shorter values are too likely to occur in ordinary text to be redacted by value.
_MIN_SECRET_LENGTH = 6

_lock = threading.Lock()
_secrets: set[str] = set()

# Shapes of credentials, whether or not they are configured here.
_TOKEN_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Authorization headers: "Bearer <token>" (Luma, Runway) and "Key <id:secret>" (fal).
    # The token must hold a digit, so that ordinary words after "key" are left alone.
    re.compile(
        r"(?i)\b(bearer|key|token|basic)(\s+)(?=[A-Za-z._~+/=:\-]*\d)[A-Za-z0-9._~+/=:\-]{8,}"
    ),
    # key=value / "key": "value" pairs whose name says they hold a credential.
    re.compile(
        r"(?i)([\"']?[a-z0-9_\-]*(?:api[_\-]?key|apikey|secret|password|passwd|token|"
        r"authorization)[a-z0-9_\-]*[\"']?\s*[:=]\s*[\"']?)(?!\[REDACTED\])[^\s\"',;}&]{4,}"
    ),
    # Vendor key shapes: OpenAI-style sk-, Runway key_<hex>, Luma luma-<uuid>, fal <uuid>:<hex>.
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bkey_[A-Za-z0-9]{24,}"),
    re.compile(r"\bluma-[A-Za-z0-9\-]{16,}"),
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{16,}\b"),
    # JSON web tokens.
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
)


def register_secret(value: str | None) -> None:
    """Remember a secret so that `redact` removes it wherever it appears."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


@contextlib.contextmanager
def secrets_restored_afterwards() -> Iterator[None]:
    """Forget, on exit, the secrets registered inside (tests: one test's keys must not
    redact another's text)."""
    with _lock:
        saved = set(_secrets)
    try:
        yield
    finally:
        with _lock:
            _secrets.clear()
            _secrets.update(saved)


def known_secret_count() -> int:
    with _lock:
        return len(_secrets)


def _replace_pattern(match: re.Match[str]) -> str:
    # Keep the label ("Bearer ", "api_key=") so the redacted text still reads well.
    if match.re is _TOKEN_PATTERNS[0]:
        return f"{match.group(1)}{match.group(2)}{REDACTED}"
    if match.re is _TOKEN_PATTERNS[1]:
        return f"{match.group(1)}{REDACTED}"
    return REDACTED


def redact(text: str) -> str:
    """Text with every registered secret and every credential-shaped token replaced."""
    with _lock:
        # Longest first, so a secret that contains another is removed whole.
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(_replace_pattern, text)
    return text
