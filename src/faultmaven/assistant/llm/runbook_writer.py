"""LLM runbook writing, part by part, checked against the case.

``write_runbook`` asks the LLM to improve the wording of the deterministic draft and fill its
gaps from the case, one part at a time: the problem summary, the diagnosis common to every
cause, **each known cause on its own** (its checks, root cause and solution: reworded per cause,
never merged with another, never dropped) and prevention. Each answer is validated against that
part's schema from ``runbooks.schemas``. Then:

- **Facts are pinned to the draft.** Commands (fix, failed-attempt and validation commands,
  blast-radius checks), command output, hypothesis statuses, timeline times and kinds, fix
  kinds, durations and outcomes (``unverified`` stays unverified), each cause's source cases,
  times seen and last seen, severity and the average resolution time are copied from the
  draft, so exact commands stay byte-identical whatever the LLM wrote. Lists of such objects
  must keep the draft's length, else the part is rejected. A failed attempt keeps its reason:
  an answer that empties ``why_failed`` gets the draft's back.
- **Gaps are kept or filled from the case.** A string where the draft had none (an empty field
  the markdown marks as a gap, or an added list entry) must be traceable to the case: its
  words occur in the case record (``grounding.untraceable``).
- **Text is checked for inventions** (``grounding``): every command, version and number in the
  written text must occur in the case record (the assistant's own messages do not count: a
  suggestion is not a fact).

Any violation raises ``LLMError`` (LLM_UNGROUNDED) naming the invented item; the caller keeps
the deterministic draft and records that it did. Provider failures propagate as they are
(LLM_UNAVAILABLE, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from faultmaven.assistant.llm.errors import LLMError, LLMErrorCode
from faultmaven.assistant.llm.grounding import CaseText, strings_of, ungrounded, untraceable
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
    FailedAttempt,
    KnownCause,
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


class CauseDraft(BaseModel):
    """One known cause as the LLM sees it: the checks that tell it apart, its root cause and
    its solution (fixes, validation, rollback, failed attempts)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    checks: list[DiagnosisValidation] = Field(default_factory=list, max_length=MAX_ITEMS)
    root_cause: RootCauseSection = Field(default_factory=RootCauseSection)
    solution: SolutionSection = Field(default_factory=SolutionSection)


def write_runbook(provider: LLMProvider, case: CaseRecord, draft: RunbookContent) -> RunbookContent:
    """The draft, reworded and completed by the LLM; raises ``LLMError`` (see module doc)."""
    case_json = case.model_dump_json(exclude=_NOT_SENT & set(CaseRecord.model_fields))
    corpus = CaseText.of(_facts(case), draft, commands=_recorded_commands(case, draft))
    written = [
        _write(provider, part, case_json, corpus, len(draft.causes)) for part in _parts(draft)
    ]
    summary, diagnosis, *causes, prevention = written
    return RunbookContent.model_validate(
        {
            **draft.model_dump(),
            **summary.model_dump(),
            "diagnosis": diagnosis.model_dump(),
            "causes": [
                {**source.model_dump(), **cause.model_dump()}
                for source, cause in zip(draft.causes, causes, strict=True)
            ],
            "prevention": prevention.model_dump(),
        }
    )


# ---- the parts --------------------------------------------------------------------------------

Pin = Callable[[Any, Any, str], BaseModel]  # (answer, draft, where) -> the pinned answer


@dataclass(frozen=True)
class _Part:
    key: str  # the prompt's section
    path: str  # where its fields are named in errors, e.g. causes[1]
    schema: type[BaseModel]
    draft: BaseModel
    pin: Pin
    cause: int | None = None  # which known cause (0-based)


def _parts(draft: RunbookContent) -> list[_Part]:
    summary = ProblemSummary.model_validate(
        draft.model_dump(include=set(ProblemSummary.model_fields))
    )
    return [
        _Part("summary", "summary", ProblemSummary, summary, _keep_text),
        _Part("diagnosis", "diagnosis", Diagnosis, draft.diagnosis, _pin_diagnosis),
        *(
            _Part("cause", f"causes[{n}]", CauseDraft, _cause_draft(cause), _pin_cause, n)
            for n, cause in enumerate(draft.causes)
        ),
        _Part("prevention", "prevention", PreventionSection, draft.prevention, _keep_text),
    ]


def _cause_draft(cause: KnownCause) -> CauseDraft:
    return CauseDraft.model_validate(cause.model_dump(include=set(CauseDraft.model_fields)))


def _keep_text(answer: BaseModel, _draft: BaseModel, _where: str) -> BaseModel:
    return answer


def _pin_diagnosis(answer: Diagnosis, draft: Diagnosis, where: str) -> Diagnosis:
    return Diagnosis(
        blast_radius=_pinned(
            f"{where}.blast_radius", answer.blast_radius, draft.blast_radius, "check"
        ),
        timeline=_pinned(f"{where}.timeline", answer.timeline, draft.timeline, "at", "kind"),
        hypotheses=_pinned(f"{where}.hypotheses", answer.hypotheses, draft.hypotheses, "status"),
    )


def _pin_cause(answer: CauseDraft, draft: CauseDraft, where: str) -> CauseDraft:
    solution, drafted = answer.solution, draft.solution
    failed = _pinned(
        f"{where}.solution.tried_and_failed",
        solution.tried_and_failed,
        drafted.tried_and_failed,
        "commands",
    )
    return CauseDraft(
        checks=_pinned(f"{where}.checks", answer.checks, draft.checks, "command", "output"),
        root_cause=answer.root_cause,
        solution=SolutionSection(
            fixes=_pinned(
                f"{where}.solution.fixes",
                solution.fixes,
                drafted.fixes,
                "commands",
                "kind",
                "duration",
                "outcome",
            ),
            validation=solution.validation,
            rollback=solution.rollback,
            tried_and_failed=[
                _with_reason(item, source)
                for item, source in zip(failed, drafted.tried_and_failed, strict=True)
            ],
        ),
    )


def _with_reason(written: FailedAttempt, drafted: FailedAttempt) -> FailedAttempt:
    """A failed attempt keeps why it failed: the LLM may reword the reason, not drop it."""
    if drafted.why_failed and not written.why_failed:
        return written.model_copy(update={"why_failed": drafted.why_failed})
    return written


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


def _write(
    provider: LLMProvider, part: _Part, case_json: str, corpus: CaseText, causes: int
) -> BaseModel:
    answer = provider.complete(
        system=runbook_writer_prompt(part.key),
        messages=[ChatMessage(role="user", content=_request(case_json, part, causes))],
        schema=part.schema,
    )
    section = part.pin(answer, part.draft, part.path)
    _check(part.path, section, part.draft, corpus)
    return section


def _request(case_json: str, part: _Part, causes: int) -> str:
    which = (
        f"Known cause {part.cause + 1} of {causes} (write only this one).\n\n"
        if part.cause is not None
        else ""
    )
    return (
        f"Case record (JSON):\n{case_json}\n\n{which}"
        f"Drafted section (JSON):\n{part.draft.model_dump_json()}\n\n"
        "Answer with the improved section as JSON."
    )


def _check(key: str, section: BaseModel, draft: BaseModel, corpus: CaseText) -> None:
    fields = [(f"{key}.{path}", text) for path, text in strings_of(section)]
    invented = ungrounded(fields, corpus)
    drafted = {path for path, text in strings_of(draft) if text.strip()}
    filled = [(f"{key}.{path}", text) for path, text in strings_of(section) if path not in drafted]
    invented += untraceable(filled, corpus)
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
