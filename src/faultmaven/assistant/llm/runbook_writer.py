"""LLM runbook writing, section by section, checked against the case.

``write_runbook`` asks the LLM to improve the wording of the deterministic draft and fill its
gaps, one section at a time (problem summary, diagnosis, root cause, solution, prevention), each
answer validated against that section's schema from ``runbooks.schemas``. Then:

- **Facts are pinned to the draft.** Commands (fix, failed-attempt and validation commands,
  blast-radius checks), command output, hypothesis statuses, timeline times and kinds, fix
  kinds, durations and outcomes, severity and the average resolution time are copied from the
  draft, so exact commands stay byte-identical whatever the LLM wrote. Lists of such objects
  must keep the draft's length, else the section is rejected.
- **Text is checked for inventions** (``grounding``): every command, version and number in the
  written text must occur in the case record (the assistant's own messages do not count: a
  suggestion is not a fact).

Any violation raises ``LLMError`` (LLM_UNGROUNDED) naming the invented item; the caller keeps
the deterministic draft. Provider failures propagate as they are (LLM_UNAVAILABLE, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from faultmaven.assistant.llm.errors import LLMError, LLMErrorCode
from faultmaven.assistant.llm.grounding import CaseText, strings_of, ungrounded
from faultmaven.assistant.llm.protocol import ChatMessage, LLMProvider
from faultmaven.assistant.prompts import runbook_writer_prompt
from faultmaven.cases.schemas import (
    MAX_ITEMS,
    CaseRecord,
    Line,
    MessageRole,
    OptionalText,
    Text,
)
from faultmaven.runbooks.schemas import (
    Diagnosis,
    DiagnosisValidation,
    PreventionSection,
    RootCauseSection,
    RunbookContent,
    SolutionSection,
)

# Case fields that say nothing about the problem (bookkeeping); not sent to the LLM.
_NOT_SENT = {"runbook_ids", "runbooks_viewed", "suggested_runbooks", "created_by", "revision"}


class ProblemSummary(BaseModel):
    """The Problem Summary section: the ``RunbookContent`` fields the LLM may word."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Line
    summary: OptionalText = Field(default="", description="One-paragraph problem description.")
    symptoms: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    affected_systems: list[Line] = Field(default_factory=list, max_length=MAX_ITEMS)


class DiagnosisDraft(Diagnosis):
    """The Diagnosis Steps section as the LLM sees it: the common checks, and the checks of the
    draft's (one) cause as ``validations``."""

    validations: list[DiagnosisValidation] = Field(default_factory=list, max_length=MAX_ITEMS)


def write_runbook(provider: LLMProvider, case: CaseRecord, draft: RunbookContent) -> RunbookContent:
    """The draft, reworded and completed by the LLM; raises ``LLMError`` (see module doc)."""
    case_json = case.model_dump_json(exclude=_NOT_SENT & set(CaseRecord.model_fields))
    corpus = CaseText.of(_facts(case), draft, commands=_recorded_commands(case, draft))
    written: dict[str, Any] = {}
    for key, schema, draft_part, pin in _sections(draft):
        answer = provider.complete(
            system=runbook_writer_prompt(key),
            messages=[ChatMessage(role="user", content=_request(case_json, draft_part))],
            schema=schema,
        )
        section = pin(answer, draft_part)
        _check(key, section, corpus)
        written[key] = section
    summary: ProblemSummary = written.pop("summary")
    diagnosis = written.pop("diagnosis").model_dump()
    cause = {
        **draft.causes[0].model_dump(),
        "checks": diagnosis.pop("validations"),
        "root_cause": written.pop("root_cause").model_dump(),
        "solution": written.pop("solution").model_dump(),
    }
    return RunbookContent.model_validate(
        {
            **draft.model_dump(),
            **summary.model_dump(),
            "diagnosis": diagnosis,
            "causes": [cause, *draft.model_dump()["causes"][1:]],
            **{key: section.model_dump() for key, section in written.items()},
        }
    )


# ---- the sections -----------------------------------------------------------------------------

Pin = Callable[[Any, Any], BaseModel]


def _sections(draft: RunbookContent) -> list[tuple[str, type[BaseModel], BaseModel, Pin]]:
    summary = ProblemSummary.model_validate(
        draft.model_dump(include=set(ProblemSummary.model_fields))
    )
    cause = draft.causes[0]  # a draft from one case has one cause
    diagnosis = DiagnosisDraft(**draft.diagnosis.model_dump(), validations=cause.checks)
    return [
        ("summary", ProblemSummary, summary, _keep_text),
        ("diagnosis", DiagnosisDraft, diagnosis, _pin_diagnosis),
        ("root_cause", RootCauseSection, cause.root_cause, _keep_text),
        ("solution", SolutionSection, cause.solution, _pin_solution),
        ("prevention", PreventionSection, draft.prevention, _keep_text),
    ]


def _keep_text(answer: BaseModel, _draft: BaseModel) -> BaseModel:
    return answer


def _pin_diagnosis(answer: DiagnosisDraft, draft: DiagnosisDraft) -> DiagnosisDraft:
    return DiagnosisDraft(
        blast_radius=_pinned(
            "diagnosis.blast_radius", answer.blast_radius, draft.blast_radius, "check"
        ),
        timeline=_pinned("diagnosis.timeline", answer.timeline, draft.timeline, "at", "kind"),
        hypotheses=_pinned("diagnosis.hypotheses", answer.hypotheses, draft.hypotheses, "status"),
        validations=_pinned(
            "diagnosis.validations", answer.validations, draft.validations, "command", "output"
        ),
    )


def _pin_solution(answer: SolutionSection, draft: SolutionSection) -> SolutionSection:
    return SolutionSection(
        fixes=_pinned(
            "solution.fixes", answer.fixes, draft.fixes, "commands", "kind", "duration", "outcome"
        ),
        validation=answer.validation,
        rollback=answer.rollback,
        tried_and_failed=_pinned(
            "solution.tried_and_failed", answer.tried_and_failed, draft.tried_and_failed, "commands"
        ),
    )


def _pinned(path: str, written: Sequence[Any], drafted: Sequence[Any], *fields: str) -> list[Any]:
    """``written`` with ``fields`` copied from ``drafted``; the lengths must match."""
    if len(written) != len(drafted):
        raise LLMError(
            f"The runbook writer returned {len(written)} entries in {path} but the case records "
            f"{len(drafted)}; an entry was invented or dropped.",
            code=LLMErrorCode.UNGROUNDED,
            details={"field": path, "written": len(written), "recorded": len(drafted)},
        )
    return [
        item.model_copy(update={name: getattr(source, name) for name in fields})
        for item, source in zip(written, drafted, strict=True)
    ]


# ---- talking to the LLM and checking its answer -----------------------------------------------


def _request(case_json: str, draft_part: BaseModel) -> str:
    return (
        f"Case record (JSON):\n{case_json}\n\n"
        f"Drafted section (JSON):\n{draft_part.model_dump_json()}\n\n"
        "Answer with the improved section as JSON."
    )


def _check(key: str, section: BaseModel, corpus: CaseText) -> None:
    fields = [(f"{key}.{path}", text) for path, text in strings_of(section)]
    invented = ungrounded(fields, corpus)
    if invented:
        first = invented[0]
        raise LLMError(
            f"The runbook writer invented the {first.kind} {first.text!r} in {first.field}; "
            "the case record does not contain it.",
            code=LLMErrorCode.UNGROUNDED,
            details=[{"kind": c.kind, "item": c.text, "field": c.field} for c in invented[:20]],
        )


def _facts(case: CaseRecord) -> CaseRecord:
    """The case without the assistant's own messages: an LLM suggestion is not a fact, so a
    command the assistant once proposed does not ground the same command in the runbook."""
    said_by_people = [m for m in case.messages if m.role is not MessageRole.assistant]
    return case.model_copy(update={"messages": said_by_people})


def _recorded_commands(case: CaseRecord, draft: RunbookContent) -> list[str]:
    commands = [v.command for v in case.validations if v.command]
    commands += [c for s in case.solutions for c in s.commands]
    commands += [c.check for c in case.blast_radius]
    commands += [c for cause in draft.causes for fix in cause.solution.fixes for c in fix.commands]
    return commands
