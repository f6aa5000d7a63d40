"""The runbook offer made when a case is resolved, and what accepting or declining does.

Flow (seed document, "User Experience"): resolving a case answers with the offer sentence and two
actions; accept drafts and saves the runbook; decline closes the case without one. Either way a
runbook can still be made later from the case history (``make_runbook``).

No duplicate runbooks: before a runbook is made from a case, FaultMaven looks for one that
already covers the problem. If there is one, the answer names it and offers "Add as another
cause of <title>" (the case's root cause becomes a new known cause), "Update cause N" (the
cause with the same root cause, or cause 1 when none has it: the case's evidence, checks, fixes
and failed attempts are added to it) or "Create a new runbook".
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from faultmaven.assistant.doctor_patient import (
    ActionType,
    LLMResponse,
    SuggestedAction,
    fit_label,
)
from faultmaven.assistant.feedback_question import feedback_target, question_turn
from faultmaven.assistant.llm_access import provider_for
from faultmaven.assistant.offer_text import (
    ACCEPT_PAYLOAD,
    ADD_CAUSE_PREFIX,
    DECLINE_PAYLOAD,
    DECLINED_ANSWER,
    NEW_PAYLOAD,
    OFFER_SENTENCE,
    UPDATE_CAUSE_PREFIX,
    OfferDecision,
)
from faultmaven.assistant.runbook_writing import WRITE_RUNBOOK, save_runbook
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseRecord, ResolveRequest, RunbookOfferState
from faultmaven.errors import Conflict, InvalidInput
from faultmaven.jobs import service as jobs_service
from faultmaven.jobs.service import Job
from faultmaven.kit.access import DEFAULT_TEAM_ID, team_key
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import Runbook
from faultmaven.runbooks.service import SearchHit
from faultmaven.suggestions.service import duplicate_of


class DuplicateChoice(StrEnum):
    """What to do when a similar runbook exists: ask (default); add the case as another cause
    of it; update one of its causes (``cause``, or the one with the case's root cause, else a
    new cause); or make a new runbook."""

    ask = "ask"
    add_cause = "add_cause"
    update = "update"
    new = "new"


class ResolutionTurn(BaseModel):
    case: CaseRecord
    assistant: LLMResponse


class OfferOutcome(BaseModel):
    case: CaseRecord
    runbook: Runbook | None
    duplicate_of: SearchHit | None = None
    matching_cause: int | None = Field(
        default=None,
        description="With duplicate_of: the number of its known cause with this case's root "
        "cause (None: none has it).",
    )
    job: Job | None = Field(default=None, description="The LLM is writing it: poll this job.")
    assistant: LLMResponse


class RunbookOutcome(BaseModel):
    runbook: Runbook | None
    duplicate_of: SearchHit | None = None
    matching_cause: int | None = None
    updated_existing: bool = False
    job: Job | None = Field(default=None, description="The LLM is writing it: poll this job.")


def offer_turn(case_id: str) -> LLMResponse:
    return LLMResponse(
        answer=OFFER_SENTENCE,
        suggested_actions=[
            SuggestedAction(
                label="Yes, create a runbook",
                type=ActionType.CREATE_RUNBOOK,
                payload=ACCEPT_PAYLOAD,
                icon="📘",
                metadata={"case_id": case_id, "decision": OfferDecision.accept.value},
            ),
            SuggestedAction(
                label="No thanks",
                type=ActionType.TRANSITION,
                payload=DECLINE_PAYLOAD,
                metadata={"case_id": case_id, "decision": OfferDecision.decline.value},
            ),
        ],
    )


def duplicate_turn(hit: SearchHit, matching_cause: int | None) -> LLMResponse:
    runbook = hit.runbook
    if matching_cause is None:
        cause_note = "None of its known causes has this case's root cause."
    else:
        cause_note = f"Its cause {matching_cause} has the same root cause as this case."
    update = matching_cause or 1
    return LLMResponse(
        answer=(
            f'This looks like the problem in runbook {runbook.id} "{runbook.title}". '
            f"{cause_note} Should I add this case as another cause of that runbook, update "
            f"its cause {update}, or create a new runbook?"
        ),
        suggested_actions=[
            SuggestedAction(
                label=fit_label(f"{ADD_CAUSE_PREFIX}{runbook.title}"),
                type=ActionType.CREATE_RUNBOOK,
                payload=f"{ADD_CAUSE_PREFIX}{runbook.title}",
                metadata={"runbook_id": runbook.id, "duplicate": DuplicateChoice.add_cause.value},
            ),
            SuggestedAction(
                label=f"{UPDATE_CAUSE_PREFIX}{update}",
                type=ActionType.CREATE_RUNBOOK,
                payload=f"{UPDATE_CAUSE_PREFIX}{update}",
                metadata={
                    "runbook_id": runbook.id,
                    "duplicate": DuplicateChoice.update.value,
                    "cause": update,
                },
            ),
            SuggestedAction(
                label=NEW_PAYLOAD,
                type=ActionType.CREATE_RUNBOOK,
                payload=NEW_PAYLOAD,
                metadata={"duplicate": DuplicateChoice.new.value},
            ),
        ],
    )


def resolve_with_offer(
    session: Session, *, case_id: str, request: ResolveRequest, actor: str
) -> ResolutionTurn:
    """Resolve the case and make the runbook offer (once: a case is resolved only once), or
    first ask whether the runbook it looked at helped (``assistant.feedback_question``); the
    turn is recorded in the transcript."""
    turn = resolve_and_offer(session, case_id=case_id, request=request, actor=actor)
    case = cases_service.record_assistant_turn(session, case_id=case_id, text=turn.answer)
    return ResolutionTurn(case=case, assistant=turn)


def resolve_and_offer(
    session: Session, *, case_id: str, request: ResolveRequest, actor: str
) -> LLMResponse:
    """Resolve and open the offer without recording the turn (the caller records it): the
    offer, or the feedback question when the case looked at runbooks (the offer follows its
    answer)."""
    case = cases_service.resolve_case(session, case_id=case_id, request=request, actor=actor)
    cases_service.set_runbook_offer(session, case_id=case_id, state=RunbookOfferState.offered)
    runbook = feedback_target(session, case=case)
    if runbook is not None:
        return question_turn(runbook, case_id)
    return offer_turn(case_id)


def make_runbook(
    session: Session,
    *,
    case_id: str,
    actor: str,
    duplicate: DuplicateChoice = DuplicateChoice.ask,
    runbook_id: str | None = None,
    cause: int | None = None,
    via_offer: bool = False,
) -> RunbookOutcome:
    """Make the runbook for a resolved case, unless (with ``ask``) a similar one exists. With
    an LLM configured a new runbook is written by a job (``outcome.job``); otherwise, and when
    adding the case to an existing runbook, the work is done now."""
    case = cases_service.get_case(session, case_id=case_id)
    if duplicate in (DuplicateChoice.update, DuplicateChoice.add_cause):
        target = runbook_id or _duplicate_id(session, case)
        runbook = runbooks_service.add_case_to_runbook(
            session,
            runbook_id=target,
            case_id=case_id,
            actor=actor,
            cause=cause if duplicate is DuplicateChoice.update else None,
            new_cause=duplicate is DuplicateChoice.add_cause,
        )
        return RunbookOutcome(runbook=runbook, updated_existing=True)
    if cause is not None:
        raise InvalidInput("'cause' goes with duplicate=update (the cause to update).")
    runbooks_service.check_can_make_runbook(session, case_id=case_id)
    if duplicate is DuplicateChoice.ask:
        hit = duplicate_of(session, case=case)
        if hit is not None:
            number, _count = runbooks_service.cause_for_case(
                session, runbook_id=hit.runbook.id, case_id=case_id
            )
            return RunbookOutcome(runbook=None, duplicate_of=hit, matching_cause=number)
    if provider_for(session) is not None:
        job = jobs_service.enqueue(
            session,
            kind=WRITE_RUNBOOK,
            payload={"case_id": case_id, "via_offer": via_offer, "actor": actor},
            actor=actor,
            access=team_key(cases_service.team_of(session, case_id=case_id) or DEFAULT_TEAM_ID),
        )
        return RunbookOutcome(runbook=None, job=job)
    runbook, _fallback = save_runbook(session, case_id=case_id, actor=actor, via_offer=via_offer)
    return RunbookOutcome(runbook=runbook)


def _duplicate_id(session: Session, case: CaseRecord) -> str:
    hit = duplicate_of(session, case=case)
    if hit is None:
        raise InvalidInput(
            f"No existing runbook looks like case {case.id}; name the runbook to update "
            "(runbook_id) or create a new one."
        )
    return hit.runbook.id


def decide_offer(
    session: Session,
    *,
    case_id: str,
    decision: OfferDecision,
    actor: str,
    duplicate: DuplicateChoice = DuplicateChoice.ask,
    runbook_id: str | None = None,
    cause: int | None = None,
) -> OfferOutcome:
    """Answer the offer; the assistant's reply is recorded in the transcript."""
    outcome = answer_offer(
        session,
        case_id=case_id,
        decision=decision,
        actor=actor,
        duplicate=duplicate,
        runbook_id=runbook_id,
        cause=cause,
    )
    case = cases_service.record_assistant_turn(
        session, case_id=case_id, text=outcome.assistant.answer
    )
    return outcome.model_copy(update={"case": case})


def answer_offer(
    session: Session,
    *,
    case_id: str,
    decision: OfferDecision,
    actor: str,
    duplicate: DuplicateChoice = DuplicateChoice.ask,
    runbook_id: str | None = None,
    cause: int | None = None,
) -> OfferOutcome:
    """Answer the offer without recording the reply (the caller records the turn)."""
    case = cases_service.get_case(session, case_id=case_id)
    if case.runbook_offer is not RunbookOfferState.offered:
        raise Conflict(
            f"Case {case_id} has no open runbook offer (offer state: {case.runbook_offer.value}). "
            f"To make a runbook from its history use POST /api/v1/cases/{case_id}/runbook.",
            code="NO_OPEN_RUNBOOK_OFFER",
        )
    if decision is OfferDecision.decline:
        cases_service.set_runbook_offer(session, case_id=case_id, state=RunbookOfferState.declined)
        case = cases_service.close_after_offer(
            session, case_id=case_id, reason="resolved; runbook offer declined"
        )
        return OfferOutcome(case=case, runbook=None, assistant=LLMResponse(answer=DECLINED_ANSWER))
    outcome = make_runbook(
        session,
        case_id=case_id,
        actor=actor,
        duplicate=duplicate,
        runbook_id=runbook_id,
        cause=cause,
        via_offer=True,
    )
    if outcome.duplicate_of is not None:
        return OfferOutcome(
            case=case,
            runbook=None,
            duplicate_of=outcome.duplicate_of,
            matching_cause=outcome.matching_cause,
            assistant=duplicate_turn(outcome.duplicate_of, outcome.matching_cause),
        )
    if outcome.job is not None:
        case = cases_service.set_runbook_offer(
            session, case_id=case_id, state=RunbookOfferState.accepted
        )
        return OfferOutcome(
            case=case, runbook=None, job=outcome.job, assistant=job_turn(outcome.job)
        )
    assert outcome.runbook is not None
    if outcome.updated_existing:
        cases_service.set_runbook_offer(session, case_id=case_id, state=RunbookOfferState.accepted)
        cases_service.close_after_offer(
            session, case_id=case_id, reason=f"resolved; added to runbook {outcome.runbook.id}"
        )
    return OfferOutcome(
        case=cases_service.get_case(session, case_id=case_id),
        runbook=outcome.runbook,
        assistant=saved_turn(outcome.runbook, updated=outcome.updated_existing),
    )


def job_turn(job: Job) -> LLMResponse:
    return LLMResponse(
        answer=f"Writing the runbook now (job {job.id}); it will be linked to this case when "
        "it is ready."
    )


def outcome_turn(outcome: RunbookOutcome) -> LLMResponse:
    """What the assistant says about a runbook made outside the offer."""
    if outcome.duplicate_of is not None:
        return duplicate_turn(outcome.duplicate_of, outcome.matching_cause)
    if outcome.job is not None:
        return job_turn(outcome.job)
    assert outcome.runbook is not None
    return saved_turn(outcome.runbook, updated=outcome.updated_existing)


def saved_turn(runbook: Runbook, *, updated: bool = False) -> LLMResponse:
    verb = f"updated to version {runbook.version}" if updated else "created"
    return LLMResponse(
        answer=f"Runbook {runbook.id} {verb}: {runbook.title}.",
        suggested_actions=[
            SuggestedAction(
                label="📖 View runbook",
                type=ActionType.QUESTION_TEMPLATE,
                payload=f"Show me runbook: {runbook.title}",
                metadata={"runbook_id": runbook.id},
            )
        ],
    )
