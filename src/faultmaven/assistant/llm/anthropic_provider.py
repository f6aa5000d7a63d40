"""Anthropic Messages API via the ``anthropic`` SDK.

Structured output: one tool whose ``input_schema`` is the wanted model's JSON schema, forced with
``tool_choice={"type": "tool", "name": ...}``, so the answer arrives as already-parsed JSON in a
``tool_use`` block. This works on every Claude model and on Anthropic-compatible gateways; it is
not a guarantee of schema conformance, so the input is still validated with pydantic, and a
failure goes back to the model as an error ``tool_result`` (the protocol's own way to say "that
call was wrong") for one corrective retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr

from faultmaven.assistant.llm.errors import LLMError, LLMErrorCode
from faultmaven.assistant.llm.protocol import ChatMessage
from faultmaven.assistant.llm.sdk_errors import connect, to_llm_error
from faultmaven.assistant.llm.structured import (
    TRUNCATED,
    Answer,
    complete_validated,
    correction_text,
    json_schema,
    parse_json_object,
)

T = TypeVar("T", bound=BaseModel)
DEFAULT_URL = "https://api.anthropic.com"
TOOL_NAME = "respond"
NO_KEY = "not-needed"  # gateways without auth; the SDK would otherwise look for credentials


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: SecretStr | str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        max_tokens: int = 4096,
    ) -> None:
        connection = connect(
            provider=self.name,
            client_class="Anthropic",
            model=model,
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_url=DEFAULT_URL,
            no_key=NO_KEY,
        )
        self.model = model
        self._sdk = connection.sdk
        self._client = connection.client
        self._context = connection.context
        self._max_tokens = max_tokens

    def complete(self, *, system: str, messages: Sequence[ChatMessage], schema: type[T]) -> T:
        tool = {
            "name": TOOL_NAME,
            "description": f"Submit your answer: the input is the complete {schema.__name__}.",
            "input_schema": json_schema(schema),
        }
        system_text = (
            f"{system}\n\nGive your answer by calling the `{TOOL_NAME}` tool; its input is "
            "the whole answer."
        )
        conversation: list[Any] = [{"role": m.role, "content": m.content} for m in messages]

        def ask(turns: list[Any]) -> Answer:
            return self._ask(system_text, tool, turns)

        return complete_validated(
            schema, conversation, ask=ask, correction=_correction, who=self._who
        )

    @property
    def _who(self) -> str:
        return f"The LLM {self.model!r} at {self._context.where}"

    def _ask(self, system: str, tool: dict[str, Any], messages: list[Any]) -> Answer:
        try:
            response = self._client.messages.create(
                model=self.model,
                max_tokens=self._max_tokens,
                system=system,
                messages=messages,
                tools=[tool],
                tool_choice={"type": "tool", "name": TOOL_NAME},
            )
        except self._sdk.APIError as error:
            raise to_llm_error(self._sdk, error, self._context) from None
        call = next(
            (b for b in response.content if b.type == "tool_use" and b.name == TOOL_NAME), None
        )
        if response.stop_reason == "max_tokens":
            return Answer(native=call, problem=TRUNCATED)
        if call is not None and response.stop_reason != "refusal":
            return Answer(native=call, data=call.input)
        said = " ".join(b.text for b in response.content if b.type == "text").strip()
        if response.stop_reason != "refusal" and said:
            # A gateway that ignores tool_choice may still answer with the JSON as text.
            data, problem = parse_json_object(said)
            if problem is None:
                return Answer(native=None, data=data)
        reason = said[:300] or f"stop_reason {response.stop_reason!r}, no tool call"
        raise LLMError(
            f"{self._who} refused to answer: {reason}",
            code=LLMErrorCode.REFUSED,
            details=self._context.details(stop_reason=response.stop_reason),
        )


def _correction(answer: Answer, problem: str) -> list[Any]:
    call = answer.native
    if call is None:  # no tool call: truncated early, or the JSON came as text
        return [{"role": "user", "content": correction_text(problem)}]
    tool_input = call.input if isinstance(call.input, dict) else {}  # the API takes objects only
    return [
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": call.id, "name": call.name, "input": tool_input}
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": call.id,
                    "is_error": True,
                    "content": f"{correction_text(problem)} Call `{TOOL_NAME}` again.",
                }
            ],
        },
    ]
