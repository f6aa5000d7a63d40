"""Both providers against real HTTP fake servers: parsing, correction, refusal, retries, timeouts,
and that the API key never leaks into an error."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from llm_servers import FakeAnthropicServer, FakeOpenAIServer, Reply

from faultmaven.assistant.doctor_patient import ActionType, CommandSafety, LLMResponse
from faultmaven.assistant.llm import ChatMessage, LLMError, LLMErrorCode
from faultmaven.assistant.llm.structured import json_schema, parse_json_object
from faultmaven.assistant.prompts import system_prompt
from faultmaven.assistant.runbook_offer import OFFER_SENTENCE

TURN = {
    "answer": "Let's check the pods first.",
    "clarifying_questions": ["When did the restarts start?"],
    "suggested_actions": [
        {"label": "Paste pod status", "type": "upload_data", "payload": "kubectl get pods output"}
    ],
    "suggested_commands": [
        {
            "command": "kubectl get pods -n production",
            "why": "See which pods restart",
            "safety": "read_only",
        }
    ],
    "case_updates": {"symptoms": ["Pods restarting every 5-10 minutes"]},
}
USER = [ChatMessage(role="user", content="Redis pods keep restarting")]

if TYPE_CHECKING:
    from conftest import LLMHarness


def complete(provider, *, system: str = "You are a test.") -> LLMResponse:
    return provider.complete(system=system, messages=USER, schema=LLMResponse)


def failure(provider) -> LLMError:
    with pytest.raises(LLMError) as caught:
        complete(provider)
    return caught.value


def assert_no_key(error: LLMError, api_key: str) -> None:
    for text in (str(error), error.message, repr(error.details), repr(error)):
        assert api_key not in text
    # The SDK exception (whose request carries the key in a header) is not chained.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


# ---- a valid turn -----------------------------------------------------------------------------


def test_valid_turn_is_parsed_into_llm_response(llm: LLMHarness) -> None:
    llm.server.script(llm.turn(TURN))

    turn = complete(llm.provider())

    assert isinstance(turn, LLMResponse)
    assert turn.answer == TURN["answer"]
    assert turn.suggested_actions[0].type is ActionType.UPLOAD_DATA
    assert turn.suggested_commands[0].safety is CommandSafety.READ_ONLY
    assert turn.case_updates == {"symptoms": ["Pods restarting every 5-10 minutes"]}
    assert len(llm.server.requests) == 1
    assert llm.conversation_sent() == [{"role": "user", "content": "Redis pods keep restarting"}]
    assert llm.server.bodies()[0]["model"] == "fake-model"


def test_openai_asks_for_json_mode_with_the_schema_in_the_system_prompt(
    openai_llm: LLMHarness,
) -> None:
    llm = openai_llm
    llm.server.script(llm.turn(TURN))

    complete(llm.provider(), system="BASE PROMPT")

    body = llm.server.bodies()[0]
    assert body["response_format"] == {"type": "json_object"}
    system = llm.system_sent()
    assert system.startswith("BASE PROMPT")
    assert '"suggested_commands"' in system and "JSON Schema" in system


def test_anthropic_forces_one_tool_whose_schema_is_the_model(
    anthropic_llm: LLMHarness,
) -> None:
    llm = anthropic_llm
    llm.server.script(llm.turn(TURN))

    complete(llm.provider(max_tokens=1234), system="BASE PROMPT")

    body = llm.server.bodies()[0]
    assert body["tool_choice"] == {"type": "tool", "name": "respond"}
    assert [tool["input_schema"] for tool in body["tools"]] == [json_schema(LLMResponse)]
    assert body["max_tokens"] == 1234
    assert llm.system_sent().startswith("BASE PROMPT")


def test_the_system_prompt_sent_contains_the_offer_sentence(llm: LLMHarness) -> None:
    llm.server.script(llm.turn(TURN))

    complete(llm.provider(), system=system_prompt("standard"))

    assert OFFER_SENTENCE in llm.system_sent()


# ---- invalid output: one corrective retry -----------------------------------------------------


def test_malformed_json_is_retried_once_with_the_problem(llm: LLMHarness) -> None:
    llm.server.script(llm.malformed(), llm.turn(TURN))

    turn = complete(llm.provider())

    assert turn.answer == TURN["answer"]
    assert len(llm.server.requests) == 2
    correction = str(llm.conversation_sent(1)[-1]["content"])
    assert "rejected" in correction
    assert len(llm.conversation_sent(1)) == 3  # user, the bad answer, the correction


def test_output_failing_the_schema_is_retried_with_the_validation_error(llm: LLMHarness) -> None:
    llm.server.script(llm.turn({"answer": "ok", "suggested_actions": [{"label": "x"}]}))
    llm.server.script(llm.turn(TURN))

    assert complete(llm.provider()).answer == TURN["answer"]

    correction = str(llm.conversation_sent(1)[-1]["content"])
    assert "suggested_actions.0.type" in correction
    assert "Field required" in correction


def test_twice_invalid_output_is_llm_invalid_output(llm: LLMHarness, api_key: str) -> None:
    llm.server.script(llm.malformed(), llm.turn({"answer": ""}))

    error = failure(llm.provider())

    assert error.code == LLMErrorCode.INVALID_OUTPUT == "LLM_INVALID_OUTPUT"
    assert error.status_code == 502
    assert "LLMResponse" in error.message and "answer" in error.message
    assert len(llm.server.requests) == 2
    assert_no_key(error, api_key)


def test_truncated_output_counts_as_invalid(openai_llm: LLMHarness) -> None:
    cut = FakeOpenAIServer.turn('{"answer": "a very long', finish_reason="length")
    openai_llm.server.script(cut, cut)

    error = failure(openai_llm.provider())

    assert error.code == "LLM_INVALID_OUTPUT"
    assert "cut off" in error.message


def test_anthropic_json_as_text_is_accepted(anthropic_llm: LLMHarness) -> None:
    # A gateway that ignores tool_choice but still answers with the JSON.
    anthropic_llm.server.script(FakeAnthropicServer.text('```json\n{"answer": "fine"}\n```'))

    turn = complete(anthropic_llm.provider())

    assert turn.answer == "fine"


# ---- refusals ---------------------------------------------------------------------------------


def test_refusal_is_llm_refused_without_retry(llm: LLMHarness, api_key: str) -> None:
    llm.server.script(llm.refusal("I can't help with that."))

    error = failure(llm.provider(max_retries=2))

    assert error.code == "LLM_REFUSED"
    assert error.status_code == 502
    assert "I can't help with that." in error.message
    assert len(llm.server.requests) == 1
    assert_no_key(error, api_key)


def test_anthropic_without_a_tool_call_is_a_refusal(anthropic_llm: LLMHarness) -> None:
    anthropic_llm.server.script(FakeAnthropicServer.text("I would rather not."))

    error = failure(anthropic_llm.provider())

    assert error.code == "LLM_REFUSED"


# ---- transport failures -----------------------------------------------------------------------


def test_429_then_success_is_retried_by_the_sdk(llm: LLMHarness) -> None:
    llm.server.script(Reply.error(429, "slow down", retry_after_ms=1), llm.turn(TURN))
    provider = llm.provider(max_retries=1)  # imports the SDK: not part of the timing
    started = time.monotonic()

    turn = complete(provider)

    assert turn.answer == TURN["answer"]
    assert len(llm.server.requests) == 2
    assert time.monotonic() - started < 2  # retry-after-ms: 1 overrides the SDK's backoff


def test_429_with_no_retries_left_is_unavailable(llm: LLMHarness) -> None:
    llm.server.script(Reply.error(429, "slow down", retry_after_ms=1))

    error = failure(llm.provider(max_retries=0))

    assert error.code == "LLM_UNAVAILABLE"
    assert error.status_code == 503
    assert "HTTP 429" in error.message and "rate limited" in error.message


def test_500_after_retries_is_unavailable(llm: LLMHarness) -> None:
    llm.server.script(*[Reply.error(500, "boom", retry_after_ms=1)] * 2)

    error = failure(llm.provider(max_retries=1))

    assert error.code == "LLM_UNAVAILABLE"
    assert "HTTP 500" in error.message and "after 1 retries" in error.message
    assert "boom" in error.message  # the server's own words help
    assert error.details["status"] == 500
    assert len(llm.server.requests) == 2


def test_timeout_is_unavailable(llm: LLMHarness, api_key: str) -> None:
    llm.server.script(llm.turn(TURN).slow(3.0))
    provider = llm.provider(timeout=0.2, max_retries=0)
    started = time.monotonic()

    error = failure(provider)

    assert time.monotonic() - started < 2
    assert error.code == "LLM_UNAVAILABLE"
    assert "did not answer within 0.2 s" in error.message
    assert error.details["reason"] == "timeout"
    assert_no_key(error, api_key)


def test_connection_refused_is_unavailable(llm: LLMHarness) -> None:
    url = llm.server.base_url  # type: ignore[attr-defined]
    llm.server.stop()

    error = failure(llm.provider(base_url=url))

    assert error.code == "LLM_UNAVAILABLE"
    assert "Could not reach" in error.message and "FAULTMAVEN_LLM_BASE_URL" in error.message


# ---- the API key ------------------------------------------------------------------------------


def test_the_api_key_never_appears_in_errors(llm: LLMHarness, api_key: str) -> None:
    # The server echoes the key, as some APIs do in their 401 message.
    llm.server.script(Reply.error(401, f"Incorrect API key provided: {api_key}"))

    error = failure(llm.provider())

    assert "HTTP 401" in error.message and "FAULTMAVEN_LLM_API_KEY" in error.message
    assert "Incorrect API key provided: ***" in error.message
    assert_no_key(error, api_key)
    # The key was really sent (so the test means something), but only in a header.
    assert api_key in llm.server.all_text(headers=True)
    assert api_key not in llm.server.all_text()


def test_credentials_in_the_base_url_are_not_shown(llm: LLMHarness) -> None:
    url = llm.server.base_url.replace("http://", "http://user:hunter2@")  # type: ignore[attr-defined]
    llm.server.script(Reply.error(500, "boom"))

    error = failure(llm.provider(base_url=url))

    assert "hunter2" not in error.message and "127.0.0.1" in error.message


# ---- helpers ----------------------------------------------------------------------------------


def test_json_schema_has_no_refs_to_resolve() -> None:
    assert "$ref" not in str(json_schema(LLMResponse))
    assert "$defs" not in json_schema(LLMResponse)


@pytest.mark.parametrize(
    "text",
    [
        '{"answer": "x"}',
        '```json\n{"answer": "x"}\n```',
        'Here you go: {"answer": "x"} Hope it helps.',
    ],
)
def test_parse_json_object_tolerates_wrapping(text: str) -> None:
    assert parse_json_object(text) == ({"answer": "x"}, None)


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '{"answer": '])
def test_parse_json_object_explains_what_is_wrong(text: str) -> None:
    data, problem = parse_json_object(text)
    assert data is None and problem
