"""Map the final exception of an SDK call (after the SDK's own retries) to ``LLMError``.

The ``openai`` and ``anthropic`` SDKs share one exception design (``APITimeoutError`` is an
``APIConnectionError``; ``APIStatusError`` has ``status_code`` and ``body``), so one function
serves both. The server's own error text is included (it often says what is wrong, e.g. an
unknown model) but scrubbed of the API key and shortened.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from faultmaven.assistant.llm.errors import LLMError, LLMErrorCode, display_url, scrub

_MAX_SERVER_TEXT = 300


@dataclass(frozen=True)
class CallContext:
    provider: str  # "openai" or "anthropic"
    model: str
    where: str  # display URL, no credentials
    timeout: float
    max_retries: int
    secret: str | None = field(default=None, repr=False)  # for scrubbing; never shown

    def details(self, **extra: Any) -> dict[str, Any]:
        return {"provider": self.provider, "model": self.model, "url": self.where, **extra}


def to_llm_error(sdk: ModuleType, error: Exception, context: CallContext) -> LLMError:
    attempts = f"{context.max_retries + 1} attempt{'s' if context.max_retries else ''}"
    if isinstance(error, sdk.APITimeoutError):
        return LLMError(
            f"The LLM at {context.where} did not answer within {context.timeout:g} s "
            f"({attempts}). Check that the server is up and the model {context.model!r} is "
            "loaded, or raise FAULTMAVEN_LLM_TIMEOUT_SECONDS.",
            code=LLMErrorCode.UNAVAILABLE,
            details=context.details(reason="timeout"),
        )
    if isinstance(error, sdk.APIConnectionError):
        return LLMError(
            f"Could not reach the LLM at {context.where} ({attempts}). Check "
            "FAULTMAVEN_LLM_BASE_URL and that the server is running.",
            code=LLMErrorCode.UNAVAILABLE,
            details=context.details(reason="connection"),
        )
    if isinstance(error, sdk.APIStatusError):
        status = error.status_code
        server_text = _server_text(error, context.secret)
        return LLMError(
            f"The LLM at {context.where} answered HTTP {status}: {_hint(status, context)}"
            + (f" Server said: {server_text}" if server_text else ""),
            code=LLMErrorCode.UNAVAILABLE,
            details=context.details(reason="http_status", status=status),
        )
    return LLMError(
        f"The call to the LLM at {context.where} failed ({type(error).__name__}).",
        code=LLMErrorCode.UNAVAILABLE,
        details=context.details(reason=type(error).__name__),
    )


def _hint(status: int, context: CallContext) -> str:
    retried = f"after {context.max_retries} retries" if context.max_retries else "(no retries)"
    if status in (401, 403):
        return "the API key was refused; check FAULTMAVEN_LLM_API_KEY."
    if status == 404:
        return (
            f"not found; check FAULTMAVEN_LLM_MODEL ({context.model!r}) and "
            "FAULTMAVEN_LLM_BASE_URL."
        )
    if status == 429:
        return f"rate limited {retried}; try again later or raise FAULTMAVEN_LLM_MAX_RETRIES."
    if status >= 500:
        return f"the server failed {retried}."
    return "the server rejected the request."


def _server_text(error: Any, secret: str | None) -> str:
    body = getattr(error, "body", None)
    text: Any = None
    if isinstance(body, dict):
        inner = body.get("error")
        text = inner.get("message") if isinstance(inner, dict) else body.get("message")
    if not isinstance(text, str) or not text.strip():
        return ""
    text = scrub(" ".join(text.split()), secret)
    if len(text) > _MAX_SERVER_TEXT:
        text = text[:_MAX_SERVER_TEXT] + "..."
    return text


@dataclass(frozen=True)
class Connection:
    """An SDK module, its client, and the error context of one configured provider."""

    sdk: Any
    client: Any
    context: CallContext


def connect(
    *,
    provider: str,
    client_class: str,
    model: str,
    base_url: str | None,
    api_key: Any,
    timeout: float,
    max_retries: int,
    default_url: str,
    no_key: str,
    key_hint: str = "",
) -> Connection:
    """Import the provider's SDK lazily and build its client; clear errors when the SDK is not
    installed or the hosted API has no key. The key never appears in a message."""
    try:
        sdk = importlib.import_module(provider)
    except ImportError:
        raise LLMError(
            f"FAULTMAVEN_LLM_PROVIDER={provider} needs the {provider} package: "
            f"pip install 'faultmaven[{provider}]'.",
            code=LLMErrorCode.NOT_CONFIGURED,
        ) from None
    key = api_key.get_secret_value() if hasattr(api_key, "get_secret_value") else api_key
    if not key and not base_url:
        raise LLMError(
            f"FAULTMAVEN_LLM_API_KEY is required for {default_url}{key_hint}.",
            code=LLMErrorCode.NOT_CONFIGURED,
        )
    context = CallContext(
        provider=provider,
        model=model,
        where=display_url(base_url, default_url),
        timeout=timeout,
        max_retries=max_retries,
        secret=key,
    )
    client = getattr(sdk, client_class)(
        base_url=base_url or default_url,
        api_key=key or no_key,
        timeout=timeout,
        max_retries=max_retries,
    )
    return Connection(sdk=sdk, client=client, context=context)
