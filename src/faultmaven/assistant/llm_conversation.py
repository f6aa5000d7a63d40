"""A conversation turn written by the LLM: the case record and recent messages go out
(redacted), the structured turn comes back, its case-record additions are applied, and the
user's confirmation that the fix works resolves the case and makes the runbook offer — once,
by the product, whatever the LLM wrote."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from faultmaven.assistant.case_updates import apply_case_updates
from faultmaven.assistant.doctor_patient import ActionType, LLMResponse
from faultmaven.assistant.llm.errors import LLMError
from faultmaven.assistant.llm.protocol import ChatMessage, LLMProvider
from faultmaven.assistant.llm_access import redacted_case
from faultmaven.assistant.offer_text import OFFER_SENTENCE
from faultmaven.assistant.prompts import system_prompt
from faultmaven.assistant.runbook_offer import resolve_and_offer
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseStatus, MessageRole, ResolveRequest
from faultmaven.config import settings_of
from faultmaven.errors import Conflict

HISTORY = 20  # most recent messages sent with each turn
_NOT_SENT = {"messages", "runbook_ids", "runbooks_viewed", "suggested_runbooks", "created_by"}


def llm_reply(session: Session, *, case_id: str, provider: LLMProvider, actor: str) -> LLMResponse:
    case = redacted_case(session, cases_service.get_case(session, case_id=case_id))
    record = case.model_dump(mode="json", exclude=_NOT_SENT)
    chat = _alternating(
        [
            ChatMessage(
                role="user",
                content="The case record so far (JSON):\n" + json.dumps(record, indent=1),
            ),
            *(
                ChatMessage(role=m.role.value, content=m.content)
                for m in case.messages[-HISTORY:]
                if m.role in (MessageRole.user, MessageRole.assistant)
            ),
        ]
    )
    try:
        turn = provider.complete(
            system=system_prompt(settings_of(session).prompt_version),
            messages=chat,
            schema=LLMResponse,
        )
    except LLMError as error:
        return LLMResponse(
            answer=f"The assistant could not answer ({error.message}). Your message is recorded; "
            "try again, or record findings with `faultmaven cases add`."
        )
    resolved, skipped = apply_case_updates(
        session, case_id=case_id, updates=turn.case_updates, actor=actor
    )
    if resolved:
        offer = _resolve(session, case_id=case_id, actor=actor)
        if offer is not None:
            return offer
    return _without_offer(turn, skipped)


def _alternating(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Merge consecutive messages of one role (some APIs require strict alternation)."""
    merged: list[ChatMessage] = []
    for message in messages:
        if merged and merged[-1].role == message.role:
            merged[-1] = ChatMessage(
                role=message.role, content=f"{merged[-1].content}\n\n{message.content}"
            )
        else:
            merged.append(message)
    return merged


def _resolve(session: Session, *, case_id: str, actor: str) -> LLMResponse | None:
    case = cases_service.get_case(session, case_id=case_id)
    if case.status in (CaseStatus.resolved, CaseStatus.closed):
        return None
    try:
        return resolve_and_offer(session, case_id=case_id, request=ResolveRequest(), actor=actor)
    except Conflict as error:  # e.g. no applied solution recorded yet
        return LLMResponse(answer=f"Before closing this out: {error.message}")


def _without_offer(turn: LLMResponse, skipped: list[str]) -> LLMResponse:
    """The product makes the runbook offer itself, once; an LLM's own offer is dropped."""
    answer = turn.answer.replace(OFFER_SENTENCE, "").strip() or "Noted."
    if skipped:
        answer += "\n\n(Not recorded: " + "; ".join(skipped) + ")"
    return turn.model_copy(
        update={
            "answer": answer,
            "suggested_actions": [
                a for a in turn.suggested_actions if a.type is not ActionType.CREATE_RUNBOOK
            ],
            "case_updates": {},
        }
    )
