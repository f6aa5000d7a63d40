"""Build the configured provider from ``Settings`` (``FAULTMAVEN_LLM_*``)."""

from __future__ import annotations

from typing import TypedDict

from pydantic import SecretStr

from faultmaven.assistant.llm.errors import LLMError, LLMErrorCode
from faultmaven.assistant.llm.protocol import LLMProvider
from faultmaven.config import Settings


class _ProviderOptions(TypedDict):
    """The keyword arguments that every provider takes."""

    model: str
    base_url: str | None
    api_key: SecretStr | None
    timeout: float
    max_retries: int


def provider_from_settings(settings: Settings) -> LLMProvider | None:
    """The provider, or ``None`` when ``llm_provider`` is ``none`` (the offline default).

    Raises ``LLMError`` (LLM_NOT_CONFIGURED) when the model is missing, the hosted API has no
    key, or the provider's SDK is not installed.
    """
    if settings.llm_provider == "none":
        return None
    model = (settings.llm_model or "").strip()
    if not model:
        raise LLMError(
            f"FAULTMAVEN_LLM_PROVIDER={settings.llm_provider} needs a model: set "
            "FAULTMAVEN_LLM_MODEL (e.g. gpt-4o-mini, llama3.1:8b, claude-sonnet-4-5).",
            code=LLMErrorCode.NOT_CONFIGURED,
        )
    options: _ProviderOptions = {
        "model": model,
        "base_url": settings.llm_base_url or None,
        "api_key": settings.llm_api_key,
        "timeout": settings.llm_timeout_seconds,
        "max_retries": settings.llm_max_retries,
    }
    if settings.llm_provider == "openai":
        from faultmaven.assistant.llm.openai_provider import OpenAICompatibleProvider

        return OpenAICompatibleProvider(**options)
    from faultmaven.assistant.llm.anthropic_provider import AnthropicProvider

    return AnthropicProvider(**options)
