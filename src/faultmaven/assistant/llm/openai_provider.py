"""OpenAI-compatible chat completions (OpenAI, Ollama, vLLM, LM Studio, ...) via the ``openai`` SDK.

Structured output: ``response_format={"type": "json_object"}`` (JSON mode; supported far more
widely than ``json_schema``) plus the JSON schema of the wanted model in the system prompt, then
pydantic validation and one corrective retry (``structured.complete_validated``).
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
    parse_json_object,
    schema_instruction,
)

T = TypeVar("T", bound=BaseModel)
DEFAULT_URL = "https://api.openai.com/v1"
NO_KEY = "not-needed"  # local servers ignore the key, but the SDK insists on one


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: SecretStr | str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        max_tokens: int | None = None,
    ) -> None:
        connection = connect(
            provider=self.name,
            client_class="OpenAI",
            model=model,
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_url=DEFAULT_URL,
            no_key=NO_KEY,
            key_hint="; for a local server (Ollama, vLLM, LM Studio) set "
            "FAULTMAVEN_LLM_BASE_URL instead",
        )
        self.model = model
        self._sdk = connection.sdk
        self._client = connection.client
        self._context = connection.context
        self._max_tokens = max_tokens

    def complete(self, *, system: str, messages: Sequence[ChatMessage], schema: type[T]) -> T:
        system_message = {"role": "system", "content": f"{system}\n\n{schema_instruction(schema)}"}
        conversation: list[Any] = [{"role": m.role, "content": m.content} for m in messages]

        def ask(turns: list[Any]) -> Answer:
            return self._ask([system_message, *turns])

        return complete_validated(
            schema, conversation, ask=ask, correction=_correction, who=self._who
        )

    @property
    def _who(self) -> str:
        return f"The LLM {self.model!r} at {self._context.where}"

    def _ask(self, messages: list[Any]) -> Answer:
        options: dict[str, Any] = {}
        if self._max_tokens is not None:
            options["max_tokens"] = self._max_tokens
        try:
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                response_format={"type": "json_object"},
                **options,
            )
        except self._sdk.APIError as error:
            raise to_llm_error(self._sdk, error, self._context) from None
        if not completion.choices:
            return Answer(native=None, problem="the answer had no choices")
        choice = completion.choices[0]
        message = choice.message
        if message.refusal or choice.finish_reason == "content_filter":
            reason = message.refusal or "content filter"
            raise LLMError(
                f"{self._who} refused to answer: {reason[:300]}",
                code=LLMErrorCode.REFUSED,
                details=self._context.details(reason=reason[:300]),
            )
        if choice.finish_reason == "length":
            return Answer(native=message.content, problem=TRUNCATED)
        data, problem = parse_json_object(message.content)
        return Answer(native=message.content, data=data, problem=problem)


def _correction(answer: Answer, problem: str) -> list[Any]:
    turns: list[Any] = []
    if answer.native:
        turns.append({"role": "assistant", "content": answer.native})
    turns.append({"role": "user", "content": correction_text(problem)})
    return turns
