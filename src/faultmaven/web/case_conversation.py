"""The workspace's conversation: a message box, and the assistant's suggested actions as
buttons that send their payload as the user's message (``conversation.handle_message``, as
``POST /api/v1/cases/{id}/messages`` does: "📖 …" opens the runbook beside the case and records
that it was viewed during the case; "Yes, create a runbook" / "No thanks"; the duplicate
choices; anything the service adds later, e.g. a feedback question). "Create a runbook from
this case" makes one later (as ``POST /api/v1/cases/{id}/runbook``).

After a message: a runbook just made or updated → its page; a runbook asked for → the case
with it beside; an answer with actions → the workspace with them; else back to the case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from faultmaven.assistant import conversation
from faultmaven.assistant.doctor_patient import LLMResponse
from faultmaven.assistant.runbook_offer import DuplicateChoice, make_runbook, outcome_turn
from faultmaven.cases import service
from faultmaven.kit.fields import EntityId
from faultmaven.web.case_form import FormErrors
from faultmaven.web.deps import PageContext, RespondPage
from faultmaven.web.routing import WebRoute
from faultmaven.web.workspace import CaseId, FormState, opens_runbook, render_workspace

router = APIRouter(prefix="/cases", route_class=WebRoute, include_in_schema=False)


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _after(page: PageContext, case_id: str, before: list[str], turn: LLMResponse) -> Response:
    """Where a turn leads: a new runbook's page, else the workspace showing the turn."""
    page.wrote("case", case_id)
    after = service.get_case(page.session, case_id=case_id).runbook_ids
    made = [r for r in after if r not in before]
    if made:
        return _see(f"/runbooks/{made[-1]}")
    if turn.suggested_actions:
        return render_workspace(page, case_id, turn=turn)
    return _see(f"/cases/{case_id}?done=sent#conversation")


@router.post("/{case_id}/say")
def say(
    case_id: CaseId,
    page: RespondPage,
    content: Annotated[str, Form(max_length=20_000)] = "",
    open_runbook: Annotated[EntityId | None, Form(alias="open")] = None,
) -> Response:
    """Send a message (typed, or a suggested action's payload)."""
    if not content.strip():
        errors = FormErrors()
        errors.add("content", "Write a message first.")
        form = FormState(name="say", values={"content": content}, errors=errors)
        return render_workspace(page, case_id, form=form, status_code=422)
    before = service.get_case(page.session, case_id=case_id).runbook_ids
    turn = conversation.handle_message(
        page.session, case_id=case_id, content=content, actor=page.actor
    )
    if open_runbook is not None and opens_runbook(content):
        page.wrote("case", case_id)
        return _see(f"/cases/{case_id}?runbook={open_runbook}#runbook-panel")
    assert turn.assistant is not None
    return _after(page, case_id, before, turn.assistant)


@router.post("/{case_id}/runbook")
def make_later(case_id: CaseId, page: RespondPage) -> Response:
    """Create a runbook from the resolved case (after the offer was declined, or never made);
    if one already covers the problem, the duplicate choices are shown."""
    before = service.get_case(page.session, case_id=case_id).runbook_ids
    outcome = make_runbook(
        page.session, case_id=case_id, actor=page.actor, duplicate=DuplicateChoice.ask
    )
    if outcome.job is not None:
        page.wrote("case", case_id)
        return _see(f"/cases/{case_id}?done=writing")
    return _after(page, case_id, before, outcome_turn(outcome))
