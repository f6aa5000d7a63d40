"""Feedback on a runbook: did it help in a case? The answer is a record kept in the caller's
transaction (``events.service.save_feedback``: it must not be lost), counted as a ``feedback``
event, and, with a case, marks the runbook as used in that case (the responder says so).

A runbook that keeps not helping is flagged for review: see ``events.schemas.needs_review``
(at least 3 answers, more than half of them not_helpful)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from faultmaven.cases import service as cases_service
from faultmaven.events import service as events
from faultmaven.events.schemas import EventKind, Feedback, FeedbackOutcome, RunbookFeedback
from faultmaven.runbooks import service as runbooks_service


def give_feedback(
    session: Session,
    *,
    runbook_id: str,
    outcome: FeedbackOutcome,
    actor: str,
    case_id: str | None = None,
    comment: str | None = None,
) -> Feedback:
    """Store the answer (404 for a runbook or case the actor cannot see)."""
    runbooks_service.get_runbook(session, runbook_id=runbook_id)
    facts = None if case_id is None else cases_service.case_facts(session, case_id=case_id)
    feedback = events.save_feedback(
        session,
        runbook_id=runbook_id,
        case_id=case_id,
        outcome=outcome,
        comment=comment,
        actor=actor,
    )
    events.record(
        session,
        kind=EventKind.feedback,
        runbook_id=runbook_id,
        case_id=case_id,
        actor=actor,
        source=outcome.value,
        case=facts,
    )
    if case_id is not None:
        events.record(
            session,
            kind=EventKind.runbook_used,
            runbook_id=runbook_id,
            case_id=case_id,
            actor=actor,
            source="feedback",
            case=facts,
        )
    return feedback


def recent_feedback(session: Session, *, runbook_id: str) -> list[Feedback]:
    """The latest answers about the runbook; a case the viewer cannot see is not named."""
    return [
        answer
        if answer.case_id is None or cases_service.case_exists(session, case_id=answer.case_id)
        else answer.model_copy(update={"case_id": None})
        for answer in events.list_feedback(session, runbook_id=runbook_id)
    ]


def feedback_of(session: Session, *, runbook_id: str) -> RunbookFeedback:
    """The runbook's feedback, flag for review included (404 for a runbook not seen)."""
    runbooks_service.get_runbook(session, runbook_id=runbook_id)
    return RunbookFeedback(
        summary=events.feedback_summary(session, runbook_id=runbook_id),
        items=recent_feedback(session, runbook_id=runbook_id),
    )
