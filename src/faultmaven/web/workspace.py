"""The case workspace ``/cases/{id}``: the investigation in the seed's phases (each editable in
place, web/workspace_edit.py), the conversation with the assistant's suggested actions as
buttons (web/case_conversation.py), a runbook opened beside the case, resolve and close.

What the assistant offers is rendered generically from an ``LLMResponse``: the turn a form post
just got from the conversation service, or, on a plain visit, the turn that stands for the
case's state (the runbook offer while it is open, the similar runbooks while the case is being
worked). Without an LLM the page says what works and what needs one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from faultmaven.accounts.schemas import Role, Scope
from faultmaven.assistant.conversation import SHOW_RUNBOOK_PREFIX, suggestions_turn
from faultmaven.assistant.doctor_patient import ActionType, LLMResponse
from faultmaven.assistant.runbook_offer import offer_turn
from faultmaven.cases import service
from faultmaven.cases.schemas import (
    CaseRecord,
    CaseStatus,
    HypothesisStatus,
    RunbookOfferState,
    Severity,
    SolutionKind,
    SolutionOutcome,
    TimelineKind,
)
from faultmaven.kit.fields import EntityId
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.service import MatchExplanation
from faultmaven.suggestions.service import Suggestion
from faultmaven.web.case_form import FormErrors
from faultmaven.web.deps import PageContext, ViewPage
from faultmaven.web.routing import WebRoute
from faultmaven.web.runbooks import page_markdown
from faultmaven.web.templating import render

router = APIRouter(prefix="/cases", route_class=WebRoute, include_in_schema=False)
CaseId = Annotated[EntityId, Path(description="A case id, e.g. case_3f9a1c0b7d2e.")]

# what the page says after a form post redirected to it (?done=...): fixed texts, never echoed
NOTICES = {
    "opened": "Case opened.",
    "added": "Added to the case.",
    "updated": "Updated.",
    "sent": "Sent.",
    "closed": "The case is closed; it is read-only now.",
    "already-resolved": "This case was already resolved; nothing was changed.",
    "already-closed": "This case is closed; nothing was changed.",
    "declined": "No runbook made; the case is closed. You can still create one from it below.",
    "writing": "An LLM is writing the runbook; it will be linked here when it is ready.",
}
ACTION_FORMS = {ActionType.QUESTION_TEMPLATE, ActionType.TRANSITION, ActionType.CREATE_RUNBOOK}


@dataclass
class FormState:
    """A refused form of the page, shown again open, with the user's input and its problems."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)


def _stored_suggestions(case: CaseRecord) -> list[Suggestion]:
    """The similar runbooks found when the problem was last described (stored on the case;
    why they matched is not stored, so it is not shown here)."""
    empty = MatchExplanation(method="stored", matched_terms=[], fields={})
    return [
        Suggestion(runbook_id=s.runbook_id, title=s.title, score=s.score, why=empty)
        for s in case.suggested_runbooks
    ]


def standing_turn(case: CaseRecord) -> LLMResponse | None:
    """What the assistant offers for the case as it is now, on a plain visit."""
    if case.runbook_offer is RunbookOfferState.offered:
        return offer_turn(case.id)
    if case.status in (CaseStatus.open, CaseStatus.investigating) and case.suggested_runbooks:
        return suggestions_turn(_stored_suggestions(case))
    return None


def can_make_runbook_later(case: CaseRecord) -> bool:
    """A resolved case without a runbook whose offer is not open: "Create a runbook" stays."""
    return (
        case.resolved_at is not None
        and not case.runbook_ids
        and case.runbook_offer in (RunbookOfferState.declined, RunbookOfferState.not_offered)
    )


def may_respond(page: PageContext) -> bool:
    """Whether the forms are worth showing: a viewer's posts would be refused (403)."""
    return page.principal.has(Role.responder, Scope.write)


def opens_runbook(payload: str) -> bool:
    return payload.startswith(SHOW_RUNBOOK_PREFIX)


def render_workspace(
    page: PageContext,
    case_id: str,
    *,
    turn: LLMResponse | None = None,
    form: FormState | None = None,
    notice: str | None = None,
    runbook_id: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The workspace; ``turn``: what the assistant just answered (else the standing turn)."""
    case = service.get_case(page.session, case_id=case_id)
    runbook = (
        runbooks_service.get_runbook(page.session, runbook_id=runbook_id) if runbook_id else None
    )
    settings = page.request.app.state.settings
    context = {
        "case": case,
        "turn": turn or standing_turn(case),
        "fresh_turn": turn is not None,
        "form": form or FormState(name=""),
        "notice": notice,
        "runbook": runbook,
        "runbook_markdown": page_markdown(runbook) if runbook else "",
        "llm": settings.llm_provider != "none",
        "editable": case.status is not CaseStatus.closed and may_respond(page),
        "may_respond": may_respond(page),
        "make_later": can_make_runbook_later(case),
        "action_forms": ACTION_FORMS,
        "opens_runbook": opens_runbook,
        "choices": {
            "severity": list(Severity),
            "hypothesis": list(HypothesisStatus),
            "outcome": list(SolutionOutcome),
            "kind": list(SolutionKind),
            "timeline": list(TimelineKind),
        },
    }
    return render(page.request, "cases/workspace.html", context, status_code=status_code)


@router.get("/{case_id}", response_class=HTMLResponse)
def workspace(
    case_id: CaseId,
    page: ViewPage,
    done: Annotated[str, Query(max_length=20)] = "",
    runbook: Annotated[EntityId | None, Query(description="A runbook to show beside")] = None,
) -> HTMLResponse:
    return render_workspace(page, case_id, notice=NOTICES.get(done), runbook_id=runbook)
