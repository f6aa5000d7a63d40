"""Writing a runbook with the LLM, as a job (it takes a while): the deterministic draft,
reworded and completed section by section, checked against the case; on any failure the
deterministic draft is saved instead. The runbook records which path made it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from faultmaven.assistant.llm.errors import LLMError
from faultmaven.assistant.llm.runbook_writer import write_runbook
from faultmaven.assistant.llm_access import provider_for, redacted_case
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import RunbookOfferState
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.drafting import draft_runbook
from faultmaven.runbooks.schemas import Runbook, RunbookContent

WRITE_RUNBOOK = "write_runbook"


def compose(session: Session, *, case_id: str) -> tuple[RunbookContent, str, str | None]:
    """(content, generated_by, why the LLM was not used) for the case's runbook."""
    case = redacted_case(session, cases_service.get_case(session, case_id=case_id))
    draft = draft_runbook(case)
    provider = provider_for(session)
    if provider is None:
        return draft, "deterministic", None
    try:
        return write_runbook(provider, case, draft), f"llm:{provider.model}", None
    except LLMError as error:
        return draft, "deterministic", error.message


def save_runbook(
    session: Session, *, case_id: str, actor: str, via_offer: bool
) -> tuple[Runbook, str | None]:
    """Compose and save the runbook; with ``via_offer`` the accepted offer closes the case.
    Returns the runbook and, when the LLM's version was not used, why."""
    content, generated_by, fallback = compose(session, case_id=case_id)
    runbook = runbooks_service.create_from_case(
        session, case_id=case_id, actor=actor, content=content, generated_by=generated_by
    )
    if via_offer:
        cases_service.set_runbook_offer(session, case_id=case_id, state=RunbookOfferState.accepted)
        cases_service.close_after_offer(
            session, case_id=case_id, reason=f"resolved; runbook {runbook.id} saved"
        )
    return runbook, fallback


def run_write_runbook_job(session: Session, payload: dict[str, Any], actor: str) -> dict[str, Any]:
    """Job handler: save the case's runbook (LLM-written when possible)."""
    case_id = payload["case_id"]
    runbook, fallback = save_runbook(
        session,
        case_id=case_id,
        actor=payload.get("actor", actor),
        via_offer=bool(payload.get("via_offer")),
    )
    note = f" (written without the LLM: {fallback})" if fallback else ""
    cases_service.record_assistant_turn(
        session, case_id=case_id, text=f"Runbook {runbook.id} is ready: {runbook.title}.{note}"
    )
    return {
        "runbook_id": runbook.id,
        "generated_by": runbook.generated_by,
        "llm_not_used_because": fallback,
    }


JOB_HANDLERS = {WRITE_RUNBOOK: run_write_runbook_job}
