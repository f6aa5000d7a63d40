"""Load the demo cases into a database: each opened, resolved, offered and accepted, so that
the store holds real runbooks made the way a user would make them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from faultmaven.assistant.runbook_offer import OfferDecision, decide_offer, resolve_with_offer
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import ResolveRequest
from faultmaven.demo import DemoCase, load_demo_cases
from faultmaven.runbooks.schemas import Runbook

DEMO_ACTOR = "demo"


def play_demo_case(session: Session, demo: DemoCase) -> Runbook:
    """Open the case, resolve it (the offer is made) and accept the offer."""
    case = cases_service.create_case(session, data=demo.case, actor=DEMO_ACTOR)
    resolve_with_offer(
        session,
        case_id=case.id,
        request=ResolveRequest(resolved_at=demo.resolved_at),
        actor=DEMO_ACTOR,
    )
    outcome = decide_offer(
        session, case_id=case.id, decision=OfferDecision.accept, actor=DEMO_ACTOR
    )
    assert outcome.runbook is not None
    return outcome.runbook


def seed_demo(session: Session, *, on_loaded: Callable[[Runbook], None] | None = None) -> int:
    """Play every demo case; returns how many runbooks were made."""
    count = 0
    for demo in load_demo_cases():
        runbook = play_demo_case(session, demo)
        count += 1
        if on_loaded:
            on_loaded(runbook)
    return count
