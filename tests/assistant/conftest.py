"""Fixtures of the assistant tests: fake LLM servers and providers pointed at them.

The fake servers live in ``tests/fakes/llm_servers.py`` so that other test directories can use
them too. ``tests/`` has no ``__init__.py`` files, so ``tests/fakes`` is not an importable
package: this conftest puts that directory on ``sys.path`` before anything imports from it,
which works in every pytest import mode (prepend, append, importlib) because a conftest is
loaded before the test modules beside it. Test modules may then ``import llm_servers``.
Everything else (the harness, the planted API key, a scripted in-process provider) is reached
through fixtures, never by importing this conftest.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, SecretStr

FAKES = Path(__file__).resolve().parent.parent / "fakes"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from llm_servers import FakeAnthropicServer, FakeLLMServer, FakeOpenAIServer, Reply  # noqa: E402

from faultmaven.app import create_app  # noqa: E402
from faultmaven.assistant.llm.anthropic_provider import AnthropicProvider  # noqa: E402
from faultmaven.assistant.llm.openai_provider import OpenAICompatibleProvider  # noqa: E402
from faultmaven.config import Settings  # noqa: E402

API_KEY = "sk-planted-7Hq2-DO-NOT-LEAK-91c4"  # must never show up in an error message


@dataclass
class LLMHarness:
    """One provider kind against its fake server, with replies in that provider's dialect."""

    kind: str  # "openai" or "anthropic"
    server: FakeLLMServer

    def provider(self, **options: Any) -> OpenAICompatibleProvider | AnthropicProvider:
        settings = {"model": "fake-model", "api_key": API_KEY, "timeout": 5.0, "max_retries": 0}
        settings.update(options)
        settings.setdefault("base_url", self.server.base_url)  # type: ignore[attr-defined]
        if self.kind == "openai":
            return OpenAICompatibleProvider(**settings)
        return AnthropicProvider(**settings)

    def turn(self, data: dict[str, Any]) -> Reply:
        """A well-formed answer carrying ``data``."""
        if self.kind == "openai":
            return FakeOpenAIServer.turn(data)
        return FakeAnthropicServer.tool_use(data)

    def malformed(self) -> Reply:
        """An answer that is not a JSON object (Anthropic: a tool input that is a string)."""
        if self.kind == "openai":
            return FakeOpenAIServer.turn('{"answer": "unterminated')
        return FakeAnthropicServer.tool_use('{"answer": "unterminated')

    def refusal(self, text: str = "I can't help with that.") -> Reply:
        if self.kind == "openai":
            return FakeOpenAIServer.refusal(text)
        return FakeAnthropicServer.refusal(text)

    def system_sent(self, index: int = 0) -> str:
        body = self.server.bodies()[index]
        if self.kind == "openai":
            assert body["messages"][0]["role"] == "system"
            return body["messages"][0]["content"]
        return body["system"]

    def conversation_sent(self, index: int = 0) -> list[dict[str, Any]]:
        """The messages of request ``index`` without the system prompt."""
        body = self.server.bodies()[index]
        return body["messages"][1:] if self.kind == "openai" else body["messages"]


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def anthropic_server() -> Iterator[FakeAnthropicServer]:
    with FakeAnthropicServer() as server:
        yield server


@pytest.fixture
def openai_llm(openai_server: FakeOpenAIServer) -> LLMHarness:
    return LLMHarness("openai", openai_server)


@pytest.fixture
def anthropic_llm(anthropic_server: FakeAnthropicServer) -> LLMHarness:
    return LLMHarness("anthropic", anthropic_server)


@pytest.fixture(params=["openai", "anthropic"])
def llm(request: pytest.FixtureRequest) -> LLMHarness:
    """Each provider against its fake server (the test runs once per provider)."""
    return request.getfixturevalue(f"{request.param}_llm")


@pytest.fixture
def api_key() -> str:
    """The key every harness provider uses; planted so tests can prove it never leaks."""
    return API_KEY


class ScriptedProvider:
    """An in-process ``LLMProvider``: answers from a list and records every call."""

    model = "scripted"

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def complete(self, *, system: str, messages: Any, schema: type[BaseModel]) -> Any:
        self.calls.append({"system": system, "messages": list(messages), "schema": schema})
        return schema.model_validate(self.answers.pop(0))


@pytest.fixture
def scripted() -> Callable[[list[dict[str, Any]]], ScriptedProvider]:
    return ScriptedProvider


@pytest.fixture
def llm_client(llm: LLMHarness, settings: Settings) -> Iterator[tuple[TestClient, LLMHarness]]:
    """The real app on the test database with ``llm``'s provider configured (one worker thread
    for LLM jobs): ``(client, llm)``."""
    configured = settings.model_copy(
        update={
            "llm_provider": llm.kind,
            "llm_base_url": llm.server.base_url,  # type: ignore[attr-defined]
            "llm_model": "fake-model",
            "llm_api_key": SecretStr("sk-test-key-not-real"),
            "llm_max_retries": 0,
            "llm_timeout_seconds": 10.0,
            "worker_threads": 1,
        }
    )
    app = create_app(configured)
    with TestClient(app) as client:
        yield client, llm
    app.state.engine.dispose()
