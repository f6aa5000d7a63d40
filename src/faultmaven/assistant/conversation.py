"""The conversation of a case: opening it (with similar runbooks offered) and answering the
user's messages.

Without an LLM the product's own payloads work — "Show me runbook: <title>", the runbook offer's
accept and decline, and the duplicate choices — and free text gets a clear answer that
troubleshooting needs an LLM configured.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from faultmaven.assistant.doctor_patient import (
    MAX_LABEL,
    ActionType,
    LLMResponse,
    SuggestedAction,
    fit_label,
)
from faultmaven.assistant.feedback_question import answer_turn, parse_answer
from faultmaven.assistant.llm_access import provider_for
from faultmaven.assistant.llm_conversation import llm_reply
from faultmaven.assistant.offer_text import (
    ADD_CAUSE_PREFIX,
    OLD_NEW_PAYLOAD,
    UPDATE_CAUSE_PREFIX,
    UPDATE_PAYLOAD,
)
from faultmaven.assistant.runbook_offer import (
    ACCEPT_PAYLOAD,
    DECLINE_PAYLOAD,
    NEW_PAYLOAD,
    DuplicateChoice,
    OfferDecision,
    answer_offer,
    make_runbook,
    offer_turn,
    outcome_turn,
)
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseCreate, CaseRecord, MessageRole, RunbookOfferState
from faultmaven.cases.service import Phase
from faultmaven.events import service as events
from faultmaven.events.schemas import EventKind, ViewSource
from faultmaven.kit.fields import Text
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.markdown import render_markdown
from faultmaven.runbooks.usage import gap_key, record_view
from faultmaven.suggestions.service import Suggestion, case_view, refresh_suggestions

SHOW_RUNBOOK_PREFIX = "Show me runbook:"
NO_SIMILAR_ANSWER = "No similar runbook yet."


def suggestion_label(suggestion: Suggestion) -> str:
    """What a suggestion's button says: the runbook and how confident the match is."""
    score = f" — {suggestion.score:.2f}"
    return f"📖 {fit_label(suggestion.title, MAX_LABEL - len(score) - 2)}{score}"


NO_LLM_ANSWER = (
    "I can record this, but troubleshooting conversation needs an LLM: set "
    "FAULTMAVEN_LLM_PROVIDER (openai or anthropic) with FAULTMAVEN_LLM_MODEL. Meanwhile, record "
    "what you find with POST /cases/{case_id}/{phase} or `faultmaven cases add`."
)


class CaseTurn(BaseModel):
    case: CaseRecord
    assistant: LLMResponse | None = Field(
        default=None, description="What the assistant says (e.g. similar runbooks to look at)."
    )


class MessageIn(BaseModel):
    content: Text = Field(description="What the user says.")


def suggestions_turn(suggestions: list[Suggestion]) -> LLMResponse:
    if not suggestions:
        return LLMResponse(answer=NO_SIMILAR_ANSWER)
    titles = "; ".join(f'"{s.title}" ({s.score:.2f})' for s in suggestions)
    return LLMResponse(
        answer=f"Runbooks that may match (confidence 0-1): {titles}.",
        suggested_actions=[
            SuggestedAction(
                label=suggestion_label(s),
                type=ActionType.QUESTION_TEMPLATE,
                payload=f"{SHOW_RUNBOOK_PREFIX} {s.title}",
                metadata={"runbook_id": s.runbook_id, "score": s.score},
            )
            for s in suggestions
        ],
    )


def open_case(session: Session, *, data: CaseCreate, actor: str) -> CaseTurn:
    """Create the case and offer the published runbooks that match it. The opening is counted
    (``case_opened``, with how many runbooks it was offered: none is a content gap)."""
    case = cases_service.create_case(session, data=data, actor=actor)
    suggestions = refresh_suggestions(session, case_id=case.id)
    case = cases_service.get_case(session, case_id=case.id)
    events.record(
        session,
        kind=EventKind.case_opened,
        case_id=case.id,
        actor=actor,
        case=cases_service.case_facts(session, case_id=case.id),
        value=len(suggestions),
        subject=gap_key(case.title),
        data={"query": case.title},
    )
    return CaseTurn(case=case, assistant=suggestions_turn(suggestions))


def problem_changed(session: Session, *, case_id: str) -> CaseTurn:
    """The case's title or symptoms changed: look again for similar runbooks."""
    suggestions = refresh_suggestions(session, case_id=case_id)
    return CaseTurn(
        case=cases_service.get_case(session, case_id=case_id),
        assistant=suggestions_turn(suggestions),
    )


def handle_message(session: Session, *, case_id: str, content: str, actor: str) -> CaseTurn:
    """Record the user's message and answer it; the answer is recorded too."""
    cases_service.add_entries(
        session,
        case_id=case_id,
        phase=Phase.messages,
        items=[{"role": MessageRole.user.value, "content": content}],
        actor=actor,
    )
    with case_view(session, case_id=case_id):  # the transcript is the team's
        turn = _answer(session, case_id=case_id, content=content.strip(), actor=actor)
    case = cases_service.record_assistant_turn(session, case_id=case_id, text=turn.answer)
    return CaseTurn(case=case, assistant=turn)


def _answer(session: Session, *, case_id: str, content: str, actor: str) -> LLMResponse:
    if content.lower().startswith(SHOW_RUNBOOK_PREFIX.lower()):
        return _show_runbook(
            session, case_id=case_id, title=content[len(SHOW_RUNBOOK_PREFIX) :], actor=actor
        )
    feedback = parse_answer(content)
    if feedback is not None:
        runbook_id, outcome, comment = feedback
        return answer_turn(
            session,
            case_id=case_id,
            runbook_id=runbook_id,
            outcome=outcome,
            comment=comment,
            actor=actor,
            offer=offer_turn(case_id),
        )
    choice = _runbook_choice_of(content)
    if choice is not None:
        return _runbook_choice(
            session, case_id=case_id, choice=choice[0], cause=choice[1], actor=actor
        )
    if content == DECLINE_PAYLOAD:
        return answer_offer(
            session, case_id=case_id, decision=OfferDecision.decline, actor=actor
        ).assistant
    provider = provider_for(session)
    if provider is None:
        return LLMResponse(answer=NO_LLM_ANSWER.replace("{case_id}", case_id))
    return llm_reply(session, case_id=case_id, provider=provider, actor=actor)


_CHOICES = {
    ACCEPT_PAYLOAD: DuplicateChoice.ask,
    UPDATE_PAYLOAD: DuplicateChoice.update,
    NEW_PAYLOAD: DuplicateChoice.new,
    OLD_NEW_PAYLOAD: DuplicateChoice.new,
}
_UPDATE_CAUSE_RE = re.compile(rf"^{re.escape(UPDATE_CAUSE_PREFIX)}(\d{{1,3}})\b", re.IGNORECASE)


def _runbook_choice_of(content: str) -> tuple[DuplicateChoice, int | None] | None:
    """The offer's and the duplicate question's answers (their payloads), else None."""
    if content in _CHOICES:
        return _CHOICES[content], None
    if content.startswith(ADD_CAUSE_PREFIX):
        return DuplicateChoice.add_cause, None
    update = _UPDATE_CAUSE_RE.match(content)
    if update is not None:
        return DuplicateChoice.update, int(update.group(1))
    return None


def _runbook_choice(
    session: Session, *, case_id: str, choice: DuplicateChoice, cause: int | None, actor: str
) -> LLMResponse:
    case = cases_service.get_case(session, case_id=case_id)
    if case.runbook_offer is RunbookOfferState.offered:
        return answer_offer(
            session,
            case_id=case_id,
            decision=OfferDecision.accept,
            actor=actor,
            duplicate=choice,
            cause=cause,
        ).assistant
    outcome = make_runbook(session, case_id=case_id, actor=actor, duplicate=choice, cause=cause)
    return outcome_turn(outcome)


def _show_runbook(session: Session, *, case_id: str, title: str, actor: str) -> LLMResponse:
    case = cases_service.get_case(session, case_id=case_id)
    title = title.strip()
    suggested = {s.title: s.runbook_id for s in case.suggested_runbooks}
    runbook = (
        runbooks_service.get_runbook(session, runbook_id=suggested[title])
        if title in suggested
        else runbooks_service.find_by_title(session, title=title)
    )
    if runbook is None:
        return LLMResponse(
            answer=f'No runbook is titled "{title}". Search with GET /runbooks/search?q=...'
        )
    cases_service.record_runbook_view(session, case_id=case_id, runbook_id=runbook.id)
    source = ViewSource.suggestion if title in suggested else ViewSource.link
    record_view(session, runbook_id=runbook.id, actor=actor, source=source, case_id=case_id)
    markdown = render_markdown(
        runbook, created=runbook.created_at.date(), last_updated=runbook.updated_at.date()
    )
    return LLMResponse(answer=markdown)
