"""The provider protocol: one structured completion, validated against a pydantic model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T", bound=BaseModel)


class ChatMessage(BaseModel):
    """One conversation message sent to the LLM (the system prompt is passed separately)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["user", "assistant"]
    content: str = Field(min_length=1)


class LLMProvider(Protocol):
    """An LLM that answers with a validated instance of ``schema``.

    Raises ``LLMError``: LLM_UNAVAILABLE (after the SDK's retries), LLM_REFUSED, or
    LLM_INVALID_OUTPUT (after one corrective retry).
    """

    model: str

    def complete(self, *, system: str, messages: Sequence[ChatMessage], schema: type[T]) -> T: ...
