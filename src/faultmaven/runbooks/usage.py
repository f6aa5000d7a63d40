"""The usage events of runbooks (``events``): views, searches and changes, recorded by the
runbook services so that every channel counts alike.

Content gaps are grouped by a **gap key**: the words of a search (or of a new case's title)
folded, without stop words, stemmed, de-duplicated and sorted, at most eight ("Redis pods
restarting" and "restart redis pod" share the key ``pod redi restart``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from faultmaven.events import service as events
from faultmaven.events.schemas import EventKind, ViewSource
from faultmaven.kit.access import team_key, viewer_of
from faultmaven.runbooks import repository
from faultmaven.runbooks.models import RunbookRow
from faultmaven.runbooks.schemas import RunbookStatus
from faultmaven.search.analysis import is_stop_word, stem, words

MAX_GAP_TERMS = 8


def gap_key(text: str) -> str:
    stems = sorted({stem(word) for word in words(text) if not is_stop_word(word)})
    return " ".join(stems[:MAX_GAP_TERMS])


def record_view(
    session: Session,
    *,
    runbook_id: str,
    actor: str,
    source: ViewSource,
    case_id: str | None = None,
) -> None:
    """A runbook was read; opened from a case's suggestions it is also a suggestion opened."""
    kinds = [EventKind.runbook_viewed]
    if source is ViewSource.suggestion and case_id is not None:
        kinds.append(EventKind.suggestion_opened)
    for kind in kinds:
        events.record(
            session,
            kind=kind,
            runbook_id=runbook_id,
            case_id=case_id,
            actor=actor,
            source=source.value,
        )


def record_search(session: Session, *, actor: str, query: str, found: int) -> None:
    """A search by a person (not the suggestions' own), with how many runbooks it found."""
    team = viewer_of(session).team_id
    events.record(
        session,
        kind=EventKind.search_performed,
        actor=actor,
        team_id=team,
        access=team_key(team),
        value=found,
        subject=gap_key(query),
        data={"query": query[:300]},
    )


def record_change(
    session: Session,
    *,
    runbook_id: str,
    actor: str,
    before: str | None,
    after: str,
    note: str,
) -> None:
    """A new version (``before`` None: the runbook was created): edited, and published or
    archived when the status became that."""
    kind = EventKind.runbook_created if before is None else EventKind.runbook_edited
    changes = [kind]
    if after != before and after == RunbookStatus.published.value:
        changes.append(EventKind.runbook_published)
    if after != before and after == RunbookStatus.archived.value:
        changes.append(EventKind.runbook_archived)
    for change in changes:
        events.record(
            session,
            kind=change,
            runbook_id=runbook_id,
            actor=actor,
            data={"note": note[:200]} if change is kind else None,
        )


def record_produced(session: Session, *, runbook_id: str, case_id: str, actor: str) -> None:
    """A resolved case made the runbook, or was added to it (coverage counts it)."""
    events.record(
        session,
        kind=EventKind.runbook_produced,
        runbook_id=runbook_id,
        case_id=case_id,
        actor=actor,
    )


# ---- what analytics read about runbooks ------------------------------------------------------


def report_ids(
    *,
    statuses: Iterable[str] | None,
    service: str | None,
    severity: str | None,
    team_id: str | None,
    access: Iterable[str] | None,
    runbook_id: str | None = None,
) -> Select:
    """``SELECT id FROM runbooks`` that a report covers: the viewer's (``access``), narrowed
    by status, service label, severity and owning team (and to one runbook)."""
    ids = repository.filtered_ids(
        statuses=statuses,
        severity=severity,
        service=service,
        tag=None,
        team_id=team_id,
        access=access,
    )
    if runbook_id is not None:
        ids = ids.where(RunbookRow.id == runbook_id)
    return ids


def report_rows(session: Session, *, ids: Select | Sequence[str]) -> dict[str, Row]:
    """What reports show of these runbooks: title, status, labels and dates."""
    rows = session.execute(
        select(
            RunbookRow.id,
            RunbookRow.title,
            RunbookRow.status,
            RunbookRow.severity,
            RunbookRow.services,
            RunbookRow.created_at,
            RunbookRow.updated_at,
            RunbookRow.review_by,
        ).where(RunbookRow.id.in_(ids))
    )
    return {row.id: row for row in rows}


def report_titles(session: Session, *, ids: Select, oldest_first: bool = False) -> list[Row]:
    """(id, title, created_at) of these runbooks, by title (or oldest first): cheap to load for
    all of them."""
    order = (RunbookRow.created_at, RunbookRow.id) if oldest_first else (RunbookRow.title,)
    return list(
        session.execute(
            select(RunbookRow.id, RunbookRow.title, RunbookRow.created_at)
            .where(RunbookRow.id.in_(ids))
            .order_by(*order, RunbookRow.id)
        )
    )


def id_column() -> Any:
    """The runbook id column, to narrow a ``report_ids`` select further."""
    return RunbookRow.id
