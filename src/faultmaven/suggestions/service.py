"""Find the runbooks that match a case: suggestions when it starts, duplicates before a
runbook is made from it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseRecord
from faultmaven.events import service as events
from faultmaven.events.schemas import EventKind
from faultmaven.kit.access import DEFAULT_TEAM_ID, ORGANIZATION, seen_as, team_key, viewer_of
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import RunbookStatus
from faultmaven.runbooks.service import MatchExplanation, RunbookFilters, SearchHit
from faultmaven.search.query import MAX_QUERY_CHARS
from faultmaven.suggestions.relevance import looks_like_duplicate

MAX_SUGGESTIONS = 3
SUGGESTER = "faultmaven"  # the actor of suggestion events: the product suggests


class Suggestion(BaseModel):
    runbook_id: str
    title: str
    score: float
    why: MatchExplanation = Field(description="What the case and the runbook share.")


def case_query(case: CaseRecord) -> str:
    """What a case says about its problem: title, symptoms, systems, services, description."""
    parts = [
        case.title,
        *case.symptoms,
        *case.affected_systems,
        *case.services,
        case.description,
    ]
    return "\n".join(part for part in parts if part)[:MAX_QUERY_CHARS]


@contextmanager
def case_view(session: Session, *, case_id: str) -> Iterator[None]:
    """What is said inside a case (its stored suggestions, the duplicate prompt, the
    conversation) is read by the case's whole team: within the block, runbooks are found as
    that team sees them (organization and team runbooks), never the actor's private ones."""
    team = cases_service.team_of(session, case_id=case_id) or DEFAULT_TEAM_ID
    shared = viewer_of(session).narrowed_to([ORGANIZATION, team_key(team)])
    with seen_as(session, shared):
        yield


def _hits(
    session: Session,
    case: CaseRecord,
    *,
    status: RunbookStatus | None,
    limit: int,
    min_score: float | None = None,
):
    query = case_query(case)
    if not query.strip():
        return []
    with case_view(session, case_id=case.id):
        return runbooks_service.search_runbooks(
            session,
            query=query,
            filters=RunbookFilters(status=status),
            limit=limit,
            min_score=min_score,
        ).items


def suggestions_for(session: Session, *, case: CaseRecord) -> list[Suggestion]:
    """The published runbooks that match the case well enough to offer them, best first: the
    hits above the relevance floor (``search_min_score``), which is what decides."""
    hits = _hits(session, case, status=RunbookStatus.published, limit=MAX_SUGGESTIONS)
    return [
        Suggestion(runbook_id=h.runbook.id, title=h.runbook.title, score=h.score, why=h.why)
        for h in hits
    ]


def refresh_suggestions(session: Session, *, case_id: str) -> list[Suggestion]:
    """Recompute the case's suggestions and attach them to it. Each runbook newly suggested
    to the case is counted (``runbook_suggested``, with its rank and score)."""
    case = cases_service.get_case(session, case_id=case_id)
    suggestions = suggestions_for(session, case=case)
    before = {s.runbook_id for s in case.suggested_runbooks}
    for rank, suggestion in enumerate(suggestions, start=1):
        if suggestion.runbook_id not in before:
            events.record(
                session,
                kind=EventKind.runbook_suggested,
                runbook_id=suggestion.runbook_id,
                case_id=case_id,
                actor=SUGGESTER,
                value=suggestion.score,
                data={"rank": rank},
            )
    cases_service.set_suggestions(
        session,
        case_id=case_id,
        suggestions=[
            s.model_dump(mode="json", include={"runbook_id", "title", "score"}) for s in suggestions
        ],
    )
    return suggestions


def duplicate_of(session: Session, *, case: CaseRecord) -> SearchHit | None:
    """An existing (not archived) runbook that already covers this case's problem, if any."""
    hits = [
        h
        # not the suggestion floor: a duplicate is judged by what matched (looks_like_duplicate)
        for h in _hits(session, case, status=None, limit=3, min_score=0.0)
        if h.runbook.id not in case.runbook_ids
    ]
    return next((hit for hit in hits if looks_like_duplicate(hit)), None)
