"""``LLMError``: every way an LLM call can fail, as one FaultMaven error with a stable code.

Messages say what happened and what to check; they never contain the API key (every message
built from server text goes through ``scrub``) and never chain the SDK exception, whose request
object carries the key in its headers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from faultmaven.errors import FaultMavenError


class LLMErrorCode(StrEnum):
    UNAVAILABLE = "LLM_UNAVAILABLE"  # timeout, connection refused, 429/5xx after retries, 4xx
    NOT_CONFIGURED = "LLM_NOT_CONFIGURED"  # no model, no key, SDK not installed
    INVALID_OUTPUT = "LLM_INVALID_OUTPUT"  # not JSON / not the schema, twice
    REFUSED = "LLM_REFUSED"  # the model declined to answer
    UNGROUNDED = "LLM_UNGROUNDED"  # the runbook writer invented a command, version or number


_STATUS: dict[str, int] = {
    LLMErrorCode.UNAVAILABLE: 503,
    LLMErrorCode.NOT_CONFIGURED: 503,
    LLMErrorCode.INVALID_OUTPUT: 502,
    LLMErrorCode.REFUSED: 502,
    LLMErrorCode.UNGROUNDED: 502,
}


class LLMError(FaultMavenError):
    """An LLM call failed. ``code`` is one of ``LLMErrorCode``; status 503 or 502."""

    status_code = 503
    code = LLMErrorCode.UNAVAILABLE.value

    def __init__(
        self, message: str, *, code: LLMErrorCode | str | None = None, details: Any = None
    ) -> None:
        super().__init__(message, code=None if code is None else str(code), details=details)
        self.status_code = _STATUS.get(self.code, 502)


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def display_url(url: str | None, default: str) -> str:
    """A base URL fit for messages: user and password removed (they are credentials)."""
    if not url:
        return default
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))
