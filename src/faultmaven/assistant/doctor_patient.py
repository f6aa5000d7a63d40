"""Response models of the doctor-patient conversation (what the assistant answers with).

A turn is an ``LLMResponse``: an answer, optional clarifying questions, suggested actions the
user can click (``SuggestedAction``) and commands to run (``CommandSuggestion``). The same models
are used whether an LLM wrote the turn or the product did (the runbook offer).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ActionType(StrEnum):
    QUESTION_TEMPLATE = "question_template"  # payload is a message the user can send as is
    COMMAND = "command"  # payload is a command to run
    UPLOAD_DATA = "upload_data"  # ask for logs, metrics, a file
    TRANSITION = "transition"  # move the case to another phase or state
    CREATE_RUNBOOK = "create_runbook"  # accept the runbook offer


class CommandSafety(StrEnum):
    SAFE = "safe"
    READ_ONLY = "read_only"
    CAUTION = "caution"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


MAX_LABEL = 120


def fit_label(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (a button label may hold 120; a
    runbook title may be longer)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class SuggestedAction(_Model):
    label: str = Field(min_length=1, max_length=MAX_LABEL, description="Button text.")
    type: ActionType
    payload: str = Field(
        default="", max_length=2000, description="What choosing the action sends or does."
    )
    icon: str | None = Field(default=None, max_length=16)
    metadata: dict[str, Any] = Field(default_factory=dict)


class CommandSuggestion(_Model):
    command: str = Field(min_length=1, max_length=4000)
    description: str = Field(default="", max_length=500)
    why: str = Field(default="", max_length=1000)
    safety: CommandSafety = CommandSafety.READ_ONLY
    expected_output: str = Field(default="", max_length=2000)


class LLMResponse(_Model):
    """One assistant turn."""

    answer: str = Field(min_length=1, max_length=20_000)
    clarifying_questions: list[str] = Field(default_factory=list, max_length=5)
    suggested_actions: list[SuggestedAction] = Field(default_factory=list, max_length=8)
    suggested_commands: list[CommandSuggestion] = Field(default_factory=list, max_length=8)
    case_updates: dict[str, Any] = Field(
        default_factory=dict,
        description="Additions to the case record (symptoms, hypotheses, ...), DESIGN.md §2 shape.",
    )
