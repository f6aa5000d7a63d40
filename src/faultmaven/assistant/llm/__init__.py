"""LLM access: providers behind one protocol, structured output, the runbook writer.

- ``LLMProvider`` / ``ChatMessage``: ``provider.complete(system=..., messages=..., schema=T)``
  returns a validated ``T`` or raises ``LLMError``.
- ``provider_from_settings(settings)``: the configured provider, or ``None`` without an LLM.
- ``OpenAICompatibleProvider`` (extra ``faultmaven[openai]``), ``AnthropicProvider`` (extra
  ``faultmaven[anthropic]``): the SDKs are imported when a provider is constructed.
- ``runbook_writer.write_runbook``: LLM wording for a drafted runbook, checked against the case.
"""

from faultmaven.assistant.llm.errors import LLMError, LLMErrorCode
from faultmaven.assistant.llm.factory import provider_from_settings
from faultmaven.assistant.llm.protocol import ChatMessage, LLMProvider

__all__ = ["ChatMessage", "LLMError", "LLMErrorCode", "LLMProvider", "provider_from_settings"]
