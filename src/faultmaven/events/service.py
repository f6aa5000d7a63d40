"""Record usage events and runbook feedback.

``record`` never writes in the caller's transaction: the event waits in the session until the
unit of work commits (``kit.db.after_commit``), then goes to the app's sink (``events.sink``),
or, where no sink is installed (the CLI), straight to the database in a transaction of its
own. A rolled-back unit of work records nothing; a failed event write is logged, never raised.

Services call ``record`` (so the API, the web app, the CLI and every later channel count
alike); analytics reads the rows with aggregates. Feedback is a record written in the caller's
transaction (``save_feedback``), plus a ``feedback`` event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.events.models import EventRow, FeedbackRow
from faultmaven.events.schemas import (
    CaseFacts,
    EventKind,
    Feedback,
    FeedbackOutcome,
    FeedbackSummary,
    needs_review,
)
from faultmaven.events.sink import EventSink, write_quietly
from faultmaven.kit.clock import utcnow
from faultmaven.kit.db import after_commit
from faultmaven.kit.ids import new_id

SINK = "events_sink"  # session.info key (handed down by the session factory)
_PENDING = "faultmaven_events_pending"


def record(
    session: Session,
    *,
    kind: EventKind,
    runbook_id: str | None = None,
    case_id: str | None = None,
    actor: str,
    source: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    case: CaseFacts | None = None,
    team_id: str | None = None,
    access: str | None = None,
    value: float | None = None,
    subject: str | None = None,
) -> None:
    """Record that ``kind`` happened, once this unit of work commits (see the module doc).
    ``case``: the facts of its case; ``team_id``/``access`` otherwise (a search: the
    searcher's team)."""
    service = case.service if case else None
    pending: list[dict[str, Any]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        after_commit(session, "events", _deliver_later(session))
    pending.append(
        {
            "at": at or utcnow(),
            "kind": kind.value,
            "runbook_id": runbook_id,
            "case_id": case_id,
            "actor": actor[:200],
            "source": source,
            "team_id": case.team_id if case else team_id,
            "access": case.access if case else access,
            "service": service.lower()[:300] if service else None,
            "severity": case.severity if case else None,
            "value": value,
            "subject": subject[:300] if subject else None,
            "data": data,
        }
    )


def _deliver_later(session: Session):  # noqa: ANN202 - a callback
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    sink: EventSink | None = session.info.get(SINK)

    def deliver() -> None:
        rows = session.info.pop(_PENDING, [])
        if sink is not None:
            sink.put(rows)
        else:
            write_quietly(engine, rows)

    return deliver


# ---- the app's sink --------------------------------------------------------------------------


def install_sink(factory: sessionmaker[Session], **options: Any) -> EventSink:
    """Give the sessions of ``factory`` a sink of their own (one per app)."""
    engine: Engine = factory.kw["bind"]
    sink = EventSink(engine, **options)
    factory.kw.setdefault("info", {})[SINK] = sink
    return sink


def sink_of(factory: sessionmaker[Session]) -> EventSink | None:
    sink = factory.kw.get("info", {}).get(SINK)
    return sink if isinstance(sink, EventSink) else None


def flush(factory: sessionmaker[Session]) -> None:
    """Write what the factory's sink holds now (tests, shutdown; nothing without a sink)."""
    sink = sink_of(factory)
    if sink is not None:
        sink.flush()


# ---- queries the domains need ----------------------------------------------------------------


IN_BATCH = 1000  # ids per IN (...) list: well under both databases' parameter limits


def runbooks_viewed_in_case(session: Session, *, case_id: str) -> list[str]:
    """The runbooks viewed with this case named (``?case_id=`` views), first viewed first.
    Views of the last second may still be in the sink."""
    return runbooks_viewed_in_cases(session, case_ids=[case_id]).get(case_id, [])


def runbooks_viewed_in_cases(session: Session, *, case_ids: Sequence[str]) -> dict[str, list[str]]:
    """``runbooks_viewed_in_case`` of many cases in one query per ``IN_BATCH`` of them (a
    report over thousands of cases); cases with no such view are left out."""
    found: dict[str, list[str]] = {}
    unique = list(dict.fromkeys(case_ids))
    for start in range(0, len(unique), IN_BATCH):
        rows = session.execute(
            select(EventRow.case_id, EventRow.runbook_id, func.min(EventRow.id).label("first"))
            .where(
                EventRow.case_id.in_(unique[start : start + IN_BATCH]),
                EventRow.kind == EventKind.runbook_viewed.value,
            )
            .group_by(EventRow.case_id, EventRow.runbook_id)
            .order_by("first")
        )
        for row in rows:
            if row.runbook_id and row.case_id:
                found.setdefault(row.case_id, []).append(row.runbook_id)
    return found


# ---- feedback --------------------------------------------------------------------------------


def save_feedback(
    session: Session,
    *,
    runbook_id: str,
    case_id: str | None,
    outcome: FeedbackOutcome,
    comment: str | None,
    actor: str,
) -> Feedback:
    """Store the answer in this transaction (one per runbook and case: a new one replaces it).
    The caller has checked that the runbook and the case exist and may be seen."""
    now = utcnow()
    row = None
    if case_id is not None:
        row = session.scalars(
            select(FeedbackRow)
            .where(FeedbackRow.runbook_id == runbook_id, FeedbackRow.case_id == case_id)
            .with_for_update()
        ).first()
    if row is None:
        row = FeedbackRow(
            id=new_id("fb"), runbook_id=runbook_id, case_id=case_id, created_at=now, actor=actor
        )
        session.add(row)
    row.outcome = outcome.value
    row.comment = comment or None
    row.actor = actor
    row.updated_at = now
    session.flush()
    return Feedback.model_validate(row)


def feedback_summaries(
    session: Session, *, runbook_ids: Iterable[str]
) -> dict[str, FeedbackSummary]:
    """All-time answers per runbook (runbooks without any are left out)."""
    ids = list(runbook_ids)
    if not ids:
        return {}
    counts = feedback_counts(session, runbook_ids=ids)
    return {runbook_id: summary_of(found) for runbook_id, found in counts.items()}


def summary_of(counts: dict[str, int]) -> FeedbackSummary:
    solved, partly, bad = (counts.get(o.value, 0) for o in FeedbackOutcome)
    return FeedbackSummary(
        solved=solved,
        partly=partly,
        not_helpful=bad,
        needs_review=needs_review(not_helpful=bad, total=solved + partly + bad),
    )


def feedback_summary(session: Session, *, runbook_id: str) -> FeedbackSummary:
    return feedback_summaries(session, runbook_ids=[runbook_id]).get(runbook_id, FeedbackSummary())


def list_feedback(session: Session, *, runbook_id: str, limit: int = 20) -> list[Feedback]:
    """The latest answers about the runbook, newest first."""
    rows = session.scalars(
        select(FeedbackRow)
        .where(FeedbackRow.runbook_id == runbook_id)
        .order_by(FeedbackRow.updated_at.desc(), FeedbackRow.id)
        .limit(limit)
    )
    return [Feedback.model_validate(row) for row in rows]


def feedback_counts(
    session: Session,
    *,
    runbook_ids: Any,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, dict[str, int]]:
    """{runbook id: {outcome: answers}} of ``runbook_ids`` (ids or a select of them), answered
    (last) within [since, until) when given. A select is joined rather than listed: SQLite
    then reads the window from the ``(updated_at, runbook_id, outcome)`` index instead of
    every answer of every runbook (9x at 30 of 365 days' feedback)."""
    query = select(FeedbackRow.runbook_id, FeedbackRow.outcome, func.count())
    if isinstance(runbook_ids, Select):
        chosen = runbook_ids.subquery()
        query = query.join(chosen, FeedbackRow.runbook_id == next(iter(chosen.c)))
    else:
        query = query.where(FeedbackRow.runbook_id.in_(runbook_ids))
    if since is not None:
        query = query.where(FeedbackRow.updated_at >= since)
    if until is not None:
        query = query.where(FeedbackRow.updated_at < until)
    counts: dict[str, dict[str, int]] = {}
    for runbook_id, outcome, count in session.execute(
        query.group_by(FeedbackRow.runbook_id, FeedbackRow.outcome)
    ):
        counts.setdefault(runbook_id, {})[outcome] = count
    return counts


def event_data(session: Session, *, event_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The ``data`` of these events (e.g. the query text of a search)."""
    ids = list(event_ids)
    if not ids:
        return {}
    rows = session.execute(select(EventRow.id, EventRow.data).where(EventRow.id.in_(ids)))
    return {row.id: row.data or {} for row in rows}
