"""provider_from_settings: none, clear configuration errors, and a working provider."""

from __future__ import annotations

import sys

import pytest
from llm_servers import FakeAnthropicServer, FakeOpenAIServer, Reply

from faultmaven.assistant.doctor_patient import LLMResponse
from faultmaven.assistant.llm import ChatMessage, LLMError, provider_from_settings
from faultmaven.assistant.llm.anthropic_provider import AnthropicProvider
from faultmaven.assistant.llm.openai_provider import OpenAICompatibleProvider
from faultmaven.config import Settings


def settings(**values) -> Settings:
    return Settings.model_validate(values)


def test_none_means_no_llm() -> None:
    assert provider_from_settings(settings()) is None
    assert provider_from_settings(settings(llm_provider="none", llm_model="x")) is None


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_missing_model_is_a_clear_error(provider: str) -> None:
    with pytest.raises(LLMError) as caught:
        provider_from_settings(settings(llm_provider=provider, llm_base_url="http://x/v1"))

    assert caught.value.code == "LLM_NOT_CONFIGURED"
    assert "FAULTMAVEN_LLM_MODEL" in caught.value.message


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_the_hosted_api_needs_a_key(provider: str) -> None:
    with pytest.raises(LLMError, match="FAULTMAVEN_LLM_API_KEY is required"):
        provider_from_settings(settings(llm_provider=provider, llm_model="m"))


@pytest.mark.parametrize(
    ("provider", "module", "extra"),
    [
        ("openai", "openai", "faultmaven[openai]"),
        ("anthropic", "anthropic", "faultmaven[anthropic]"),
    ],
)
def test_a_missing_sdk_names_the_extra(
    provider: str, module: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import <module>` fail

    with pytest.raises(LLMError) as caught:
        provider_from_settings(
            settings(llm_provider=provider, llm_model="m", llm_base_url="http://x")
        )

    assert caught.value.code == "LLM_NOT_CONFIGURED"
    assert extra in caught.value.message


def test_openai_settings_build_a_working_provider(openai_server: FakeOpenAIServer) -> None:
    openai_server.script(
        Reply.error(503, retry_after_ms=1), FakeOpenAIServer.turn({"answer": "hi"})
    )
    provider = provider_from_settings(
        settings(
            llm_provider="openai",
            llm_model="llama3.1:8b",
            llm_base_url=openai_server.base_url,
            llm_max_retries=1,
            llm_timeout_seconds=5,
        )
    )

    assert isinstance(provider, OpenAICompatibleProvider)
    turn = provider.complete(
        system="s", messages=[ChatMessage(role="user", content="hi")], schema=LLMResponse
    )
    assert turn.answer == "hi"
    assert openai_server.bodies()[-1]["model"] == "llama3.1:8b"
    # No key configured: a placeholder is sent, never an OPENAI_API_KEY from the environment.
    assert openai_server.requests[-1].headers["authorization"] == "Bearer not-needed"


def test_anthropic_settings_build_a_working_provider(
    anthropic_server: FakeAnthropicServer, api_key: str
) -> None:
    anthropic_server.script(FakeAnthropicServer.tool_use({"answer": "hi"}))
    provider = provider_from_settings(
        settings(
            llm_provider="anthropic",
            llm_model="claude-test",
            llm_base_url=anthropic_server.base_url,
            llm_api_key=api_key,
        )
    )

    assert isinstance(provider, AnthropicProvider)
    assert provider.model == "claude-test"
    turn = provider.complete(
        system="s", messages=[ChatMessage(role="user", content="hi")], schema=LLMResponse
    )
    assert turn.answer == "hi"
    assert api_key not in repr(provider.__dict__.get("_context"))
