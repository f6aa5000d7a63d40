"""Database access for runbooks, their versions and labels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, case, delete, func, insert, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from faultmaven.kit.db import NOT_IN_SESSION, get_row
from faultmaven.kit.pagination import PageRequest
from faultmaven.runbooks.models import RunbookLabelRow, RunbookRow, RunbookVersionRow


def get(session: Session, runbook_id: str, *, for_update: bool = False) -> RunbookRow | None:
    return get_row(session, RunbookRow, runbook_id, for_update=for_update)


def get_many(
    session: Session, runbook_ids: Sequence[str], *, batch: int = 1000
) -> list[RunbookRow]:
    """The rows of these runbooks that exist (any order), one query per ``batch`` ids."""
    ids = list(dict.fromkeys(runbook_ids))
    rows: list[RunbookRow] = []
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        rows.extend(session.scalars(select(RunbookRow).where(RunbookRow.id.in_(chunk))))
    return rows


SUMMARY_COLUMNS = (
    RunbookRow.id,
    RunbookRow.title,
    RunbookRow.severity,
    RunbookRow.status,
    RunbookRow.services,
    RunbookRow.tags,
    RunbookRow.version,
    RunbookRow.updated_at,
)


def summaries(session: Session, runbook_ids: Iterable[str]) -> dict[str, Row]:
    """The SUMMARY_COLUMNS of these runbooks (plain rows, no content: cheap to load)."""
    ids = list(runbook_ids)
    if not ids:
        return {}
    rows = session.execute(select(*SUMMARY_COLUMNS).where(RunbookRow.id.in_(ids)))
    return {row.id: row for row in rows}


# Core tables (``Model.__table__`` is typed as any FromClause; these are plain tables)
_RUNBOOKS = RunbookRow.metadata.tables[RunbookRow.__tablename__]
_VERSIONS = RunbookVersionRow.metadata.tables[RunbookVersionRow.__tablename__]
_RUNBOOK_COLUMNS = [column.key for column in _RUNBOOKS.columns]


def add_new(session: Session, rows: Sequence[RunbookRow], *, change_note: str) -> None:
    """New runbooks with their first version and labels: one statement per table (the rows
    stay plain objects, not tracked by the session)."""
    if not rows:
        return
    # Core statements on the tables: no ORM bookkeeping per row
    session.execute(
        insert(_RUNBOOKS),
        [{key: getattr(row, key) for key in _RUNBOOK_COLUMNS} for row in rows],
    )
    session.execute(
        insert(_VERSIONS),
        [_version_values(row, author=row.author, change_note=change_note) for row in rows],
    )
    labels = [label for row in rows for label in _label_rows(row)]
    if labels:
        session.execute(insert(RunbookLabelRow), labels)


def _version_values(row: RunbookRow, *, author: str, change_note: str) -> dict[str, Any]:
    """The version row of the runbook as it is now: a full snapshot, content and metadata."""
    return {
        "runbook_id": row.id,
        "version": row.version,
        "title": row.title,
        "content": row.content,
        "status": row.status,
        "services": list(row.services),
        "tags": list(row.tags),
        "owner": row.owner,
        "review_by": row.review_by,
        "source_case_ids": list(row.source_case_ids),
        "author": author,
        "change_note": change_note,
        "generated_by": row.generated_by,
        "created_at": row.updated_at,
    }


def add_version(session: Session, row: RunbookRow, *, author: str, change_note: str) -> None:
    """The runbook's current state as a new version (written by the next flush)."""
    session.add(RunbookVersionRow(**_version_values(row, author=author, change_note=change_note)))


def label_value(value: str) -> str:
    """How a service or tag is stored and matched: trimmed, lower case."""
    return value.strip().lower()


def _label_rows(row: RunbookRow) -> list[dict[str, str]]:
    labels = {
        (kind, label_value(value))
        for kind, values in (("service", row.services), ("tag", row.tags))
        for value in values
        if label_value(value)
    }
    return [{"runbook_id": row.id, "kind": kind, "value": value} for kind, value in labels]


def replace_labels(session: Session, row: RunbookRow) -> None:
    session.execute(
        delete(RunbookLabelRow).where(RunbookLabelRow.runbook_id == row.id),
        execution_options=NOT_IN_SESSION,
    )
    labels = _label_rows(row)
    if labels:
        session.execute(insert(RunbookLabelRow), labels)


def filtered_ids(
    *,
    statuses: Iterable[str] | None,
    severity: str | None,
    service: str | None,
    tag: str | None,
    team_id: str | None = None,
    access: Iterable[str] | None = None,
) -> Select:
    """``SELECT id FROM runbooks WHERE ...`` for the given filters (None = any); ``team_id``:
    the owning team; ``access``: the keys the viewer may see (kit.access)."""
    query = select(RunbookRow.id)
    if access is not None:
        query = query.where(RunbookRow.access.in_(list(access)))
    if team_id is not None:
        query = query.where(RunbookRow.team_id == team_id)
    if statuses is not None:
        query = query.where(RunbookRow.status.in_(list(statuses)))
    if severity is not None:
        query = query.where(RunbookRow.severity == severity)
    for kind, value in (("service", service), ("tag", tag)):
        if value is not None:
            query = query.where(
                RunbookRow.id.in_(
                    select(RunbookLabelRow.runbook_id).where(
                        RunbookLabelRow.kind == kind, RunbookLabelRow.value == label_value(value)
                    )
                )
            )
    return query


def list_page(session: Session, ids: Select, page: PageRequest) -> tuple[list[RunbookRow], int]:
    total = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    rows = session.scalars(
        select(RunbookRow)
        .where(RunbookRow.id.in_(ids))
        .order_by(RunbookRow.updated_at.desc(), RunbookRow.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return list(rows), total


def versions(session: Session, runbook_id: str) -> list[RunbookVersionRow]:
    return list(
        session.scalars(
            select(RunbookVersionRow)
            .where(RunbookVersionRow.runbook_id == runbook_id)
            .order_by(RunbookVersionRow.version.desc())
        )
    )


def get_version(session: Session, runbook_id: str, version: int) -> RunbookVersionRow | None:
    return session.get(RunbookVersionRow, (runbook_id, version))


def by_title(
    session: Session,
    title: str,
    *,
    statuses: Iterable[str],
    access: Iterable[str] | None = None,
) -> RunbookRow | None:
    published_first = case((RunbookRow.status == "published", 0), else_=1)
    seen = [] if access is None else [RunbookRow.access.in_(list(access))]
    return session.scalars(
        select(RunbookRow)
        .where(RunbookRow.title == title, RunbookRow.status.in_(list(statuses)), *seen)
        .order_by(published_first, RunbookRow.updated_at.desc())
        .limit(1)
    ).first()
