"""The runbook offer made when a case is resolved, and what accepting or declining does.

Flow (seed document, "User Experience"): resolving a case answers with the offer sentence and two
actions; accept drafts and saves the runbook; decline closes the case without one. Either way a
runbook can still be made later from the case history (``runbooks.service.create_from_case``).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy.orm import Session

from faultmaven.assistant.doctor_patient import ActionType, LLMResponse, SuggestedAction
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseRecord, ResolveRequest, RunbookOfferState
from faultmaven.errors import Conflict
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import Runbook

OFFER_SENTENCE = (
    "Glad we solved it! To help with future troubleshooting, "
    "would you like me to create a runbook for this issue?"
)
ACCEPT_PAYLOAD = "Yes, create a runbook"
DECLINE_PAYLOAD = "No thanks"
DECLINED_ANSWER = "No problem. The case is closed; you can still create a runbook from it later."


class OfferDecision(StrEnum):
    accept = "accept"
    decline = "decline"


class ResolutionTurn(BaseModel):
    case: CaseRecord
    assistant: LLMResponse


class OfferOutcome(BaseModel):
    case: CaseRecord
    runbook: Runbook | None
    assistant: LLMResponse


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


def resolve_with_offer(
    session: Session, *, case_id: str, request: ResolveRequest, actor: str
) -> ResolutionTurn:
    """Resolve the case and make the runbook offer (once: a case is resolved only once)."""
    cases_service.resolve_case(session, case_id=case_id, request=request, actor=actor)
    case = cases_service.set_runbook_offer(
        session, case_id=case_id, state=RunbookOfferState.offered, message=OFFER_SENTENCE
    )
    return ResolutionTurn(case=case, assistant=offer_turn(case_id))


def decide_offer(
    session: Session, *, case_id: str, decision: OfferDecision, actor: str
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
            session,
            case_id=case_id,
            state=RunbookOfferState.declined,
            message=DECLINED_ANSWER,
        )
        case = cases_service.close_after_offer(
            session, case_id=case_id, reason="resolved; runbook offer declined"
        )
        return OfferOutcome(case=case, runbook=None, assistant=LLMResponse(answer=DECLINED_ANSWER))
    runbook = runbooks_service.create_from_case(session, case_id=case_id, actor=actor)
    turn = _created_turn(runbook)
    cases_service.set_runbook_offer(
        session, case_id=case_id, state=RunbookOfferState.accepted, message=turn.answer
    )
    case = cases_service.close_after_offer(
        session, case_id=case_id, reason=f"resolved; runbook {runbook.id} created"
    )
    return OfferOutcome(case=case, runbook=runbook, assistant=turn)


def _created_turn(runbook: Runbook) -> LLMResponse:
    return LLMResponse(
        answer=f"Runbook {runbook.id} created: {runbook.title}.",
        suggested_actions=[
            SuggestedAction(
                label="📖 View runbook",
                type=ActionType.QUESTION_TEMPLATE,
                payload=f"Show me runbook: {runbook.title}",
                metadata={"runbook_id": runbook.id},
            )
        ],
    )
