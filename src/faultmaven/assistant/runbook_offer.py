"""The runbook offer made when a case is resolved, and what accepting or declining does.

Flow (seed document, "User Experience"): resolving a case answers with the offer sentence and two
actions; accept drafts and saves the runbook; decline closes the case without one. Either way a
runbook can still be made later from the case history (``make_runbook``).

No duplicate runbooks: before a runbook is made from a case, FaultMaven looks for one that
already covers the problem. If there is one, the answer names it and offers "Update the existing
runbook" (a new version that adds this case as a source) or "Create a new runbook anyway".
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy.orm import Session

from faultmaven.assistant.doctor_patient import ActionType, LLMResponse, SuggestedAction
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseRecord, ResolveRequest, RunbookOfferState
from faultmaven.errors import Conflict, InvalidInput
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import Runbook
from faultmaven.runbooks.service import SearchHit
from faultmaven.suggestions.service import duplicate_of

OFFER_SENTENCE = (
    "Glad we solved it! To help with future troubleshooting, "
    "would you like me to create a runbook for this issue?"
)
ACCEPT_PAYLOAD = "Yes, create a runbook"
DECLINE_PAYLOAD = "No thanks"
UPDATE_PAYLOAD = "Update the existing runbook"
NEW_PAYLOAD = "Create a new runbook anyway"
DECLINED_ANSWER = "No problem. The case is closed; you can still create a runbook from it later."


class OfferDecision(StrEnum):
    accept = "accept"
    decline = "decline"


class DuplicateChoice(StrEnum):
    """What to do when a similar runbook exists: ask (default), update it, or make a new one."""

    ask = "ask"
    update = "update"
    new = "new"


class ResolutionTurn(BaseModel):
    case: CaseRecord
    assistant: LLMResponse


class OfferOutcome(BaseModel):
    case: CaseRecord
    runbook: Runbook | None
    duplicate_of: SearchHit | None = None
    assistant: LLMResponse


class RunbookOutcome(BaseModel):
    runbook: Runbook | None
    duplicate_of: SearchHit | None = None
    updated_existing: bool = False


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


def duplicate_turn(hit: SearchHit) -> LLMResponse:
    runbook = hit.runbook
    return LLMResponse(
        answer=(
            f'This looks like the problem in runbook {runbook.id} "{runbook.title}". '
            "Should I update that runbook with this case, or create a new runbook anyway?"
        ),
        suggested_actions=[
            SuggestedAction(
                label=UPDATE_PAYLOAD,
                type=ActionType.CREATE_RUNBOOK,
                payload=UPDATE_PAYLOAD,
                metadata={"runbook_id": runbook.id, "duplicate": DuplicateChoice.update.value},
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
    """Resolve the case and make the runbook offer (once: a case is resolved only once)."""
    cases_service.resolve_case(session, case_id=case_id, request=request, actor=actor)
    case = cases_service.set_runbook_offer(
        session, case_id=case_id, state=RunbookOfferState.offered, message=OFFER_SENTENCE
    )
    return ResolutionTurn(case=case, assistant=offer_turn(case_id))


def make_runbook(
    session: Session,
    *,
    case_id: str,
    actor: str,
    duplicate: DuplicateChoice = DuplicateChoice.ask,
    runbook_id: str | None = None,
) -> RunbookOutcome:
    """Make the runbook for a resolved case, unless (with ``ask``) a similar one exists."""
    case = cases_service.get_case(session, case_id=case_id)
    if duplicate is DuplicateChoice.update:
        target = runbook_id or _duplicate_id(session, case)
        runbook = runbooks_service.add_case_to_runbook(
            session, runbook_id=target, case_id=case_id, actor=actor
        )
        return RunbookOutcome(runbook=runbook, updated_existing=True)
    if duplicate is DuplicateChoice.ask and case.resolved_at is not None and not case.runbook_ids:
        hit = duplicate_of(session, case=case)
        if hit is not None:
            return RunbookOutcome(runbook=None, duplicate_of=hit)
    runbook = runbooks_service.create_from_case(session, case_id=case_id, actor=actor)
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
) -> OfferOutcome:
    case = cases_service.get_case(session, case_id=case_id)
    if case.runbook_offer is not RunbookOfferState.offered:
        raise Conflict(
            f"Case {case_id} has no open runbook offer (offer state: {case.runbook_offer.value}). "
            f"To make a runbook from its history use POST /api/v1/cases/{case_id}/runbook.",
            code="NO_OPEN_RUNBOOK_OFFER",
        )
    if decision is OfferDecision.decline:
        cases_service.set_runbook_offer(
            session, case_id=case_id, state=RunbookOfferState.declined, message=DECLINED_ANSWER
        )
        case = cases_service.close_after_offer(
            session, case_id=case_id, reason="resolved; runbook offer declined"
        )
        return OfferOutcome(case=case, runbook=None, assistant=LLMResponse(answer=DECLINED_ANSWER))
    outcome = make_runbook(
        session, case_id=case_id, actor=actor, duplicate=duplicate, runbook_id=runbook_id
    )
    if outcome.runbook is None:
        turn = duplicate_turn(outcome.duplicate_of)  # type: ignore[arg-type]
        case = cases_service.set_runbook_offer(
            session, case_id=case_id, state=RunbookOfferState.offered, message=turn.answer
        )
        return OfferOutcome(
            case=case, runbook=None, duplicate_of=outcome.duplicate_of, assistant=turn
        )
    turn = saved_turn(outcome.runbook, updated=outcome.updated_existing)
    cases_service.set_runbook_offer(
        session, case_id=case_id, state=RunbookOfferState.accepted, message=turn.answer
    )
    case = cases_service.close_after_offer(
        session, case_id=case_id, reason=f"resolved; runbook {outcome.runbook.id} saved"
    )
    return OfferOutcome(case=case, runbook=outcome.runbook, assistant=turn)


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
