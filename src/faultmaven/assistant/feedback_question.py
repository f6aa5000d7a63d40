"""The feedback question, asked when a case that looked at runbooks is resolved: "Did
<runbook title> help solve this?" with **Yes, it solved it** / **Partly** / **No**.

Order: resolving such a case asks the question first (the runbook offer is already open, so
accepting it through the API works at once); answering the question thanks the responder and
then makes the runbook offer, with its exact sentence, once. A case that looked at no runbook
gets the offer right away, as before.

The runbook asked about is the most relevant one the case looked at: the best-scored of its
suggestions that it opened, else the first one it viewed. The actions' payloads are messages
``Runbook feedback <runbook id>: solved|partly|not_helpful``; a comment may follow after
`` — `` (``Runbook feedback rb_1: not_helpful — step 3 needs sudo``).
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from faultmaven.assistant.doctor_patient import ActionType, LLMResponse, SuggestedAction
from faultmaven.assistant.offer_text import OFFER_SENTENCE
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseRecord, MessageRole, RunbookOfferState
from faultmaven.errors import NotFound
from faultmaven.events.schemas import FeedbackOutcome
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.feedback import give_feedback
from faultmaven.runbooks.schemas import Runbook
from faultmaven.suggestions.service import case_view

FEEDBACK_PREFIX = "Runbook feedback "
LABELS = {
    FeedbackOutcome.solved: "Yes, it solved it",
    FeedbackOutcome.partly: "Partly",
    FeedbackOutcome.not_helpful: "No",
}
_PAYLOAD = re.compile(
    rf"^{re.escape(FEEDBACK_PREFIX)}([A-Za-z0-9_-]{{1,40}}): (solved|partly|not_helpful)"
    r"(?:\s*(?:—|--|:)\s*(.*))?$",
    re.DOTALL,
)


def question(title: str) -> str:
    return f"Did {title} help solve this?"


def feedback_target(session: Session, *, case: CaseRecord) -> Runbook | None:
    """The runbook to ask about (see the module doc), as the case's team sees it; None when
    the case looked at none."""
    used = cases_service.runbooks_used(session, case=case)
    scores = {s.runbook_id: s.score for s in case.suggested_runbooks}
    ranked = sorted(used, key=lambda r: (-scores.get(r, -1.0), used.index(r)))
    with case_view(session, case_id=case.id):
        for runbook_id in ranked:
            try:
                return runbooks_service.get_runbook(session, runbook_id=runbook_id)
            except NotFound:
                continue
    return None


def question_turn(runbook: Runbook, case_id: str) -> LLMResponse:
    return LLMResponse(
        answer=question(runbook.title),
        suggested_actions=[
            SuggestedAction(
                label=label,
                type=ActionType.QUESTION_TEMPLATE,
                payload=f"{FEEDBACK_PREFIX}{runbook.id}: {outcome.value}",
                metadata={"runbook_id": runbook.id, "case_id": case_id, "outcome": outcome.value},
            )
            for outcome, label in LABELS.items()
        ],
    )


def parse_answer(content: str) -> tuple[str, FeedbackOutcome, str | None] | None:
    """(runbook id, outcome, comment) of a feedback payload, else None."""
    match = _PAYLOAD.match(content.strip())
    if match is None:
        return None
    comment = (match.group(3) or "").strip() or None
    return match.group(1), FeedbackOutcome(match.group(2)), comment


_THANKS = {
    FeedbackOutcome.solved: "Thanks, noted that {title} solved it.",
    FeedbackOutcome.partly: "Thanks, noted that {title} helped partly.",
    FeedbackOutcome.not_helpful: "Thanks, noted that {title} did not help; its owner will see it.",
}


def answer_turn(
    session: Session,
    *,
    case_id: str,
    runbook_id: str,
    outcome: FeedbackOutcome,
    comment: str | None,
    actor: str,
    offer: LLMResponse,
) -> LLMResponse:
    """Store the answer and thank; then make the runbook ``offer`` if it is open and was not
    made in the conversation yet."""
    runbook = runbooks_service.get_runbook(session, runbook_id=runbook_id)
    give_feedback(
        session,
        runbook_id=runbook_id,
        case_id=case_id,
        outcome=outcome,
        comment=comment,
        actor=actor,
    )
    thanks = _THANKS[outcome].format(title=runbook.title)
    case = cases_service.get_case(session, case_id=case_id)
    offered = any(
        m.role is MessageRole.assistant and OFFER_SENTENCE in m.content for m in case.messages
    )
    if case.runbook_offer is not RunbookOfferState.offered or offered:
        return LLMResponse(answer=thanks)
    return offer.model_copy(update={"answer": f"{thanks}\n\n{offer.answer}"})
