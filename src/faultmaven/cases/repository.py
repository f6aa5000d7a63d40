"""Database access for cases: rows in, rows out. No rules here; those live in the service."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, ScalarResult, exists, func, select
from sqlalchemy.orm import Session

from faultmaven.cases.models import CaseRow
from faultmaven.kit.db import get_row
from faultmaven.kit.pagination import PageRequest


def get(session: Session, case_id: str, *, for_update: bool = False) -> CaseRow | None:
    return get_row(session, CaseRow, case_id, for_update=for_update)


def add(session: Session, row: CaseRow) -> None:
    session.add(row)
    session.flush()


def list_page(
    session: Session,
    *,
    status: str | None,
    severity: str | None,
    page: PageRequest,
    access: Collection[str] | None = None,
    origin: str | None = None,
    service: str | None = None,
) -> tuple[list[CaseRow], int]:
    query = select(CaseRow)
    if access is not None:  # kit.access: the keys the viewer may see
        query = query.where(CaseRow.access.in_(list(access)))
    if status is not None:
        query = query.where(CaseRow.status == status)
    if severity is not None:
        query = query.where(CaseRow.severity == severity)
    if origin is not None:
        query = query.where(CaseRow.origin == origin)
    if service is not None:
        query = query.where(_names_service(session, service))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(CaseRow.created_at.desc(), CaseRow.id).limit(page.limit).offset(page.offset)
    ).all()
    return list(rows), total


def resolved_between(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    severity: str | None,
    team_id: str | None,
    access: Collection[str] | None,
) -> ScalarResult[CaseRow]:
    """Cases resolved in [since, until] (closed ones too, if they were resolved), newest first,
    read in batches as the caller iterates (the caller closes it)."""
    query = select(CaseRow).where(CaseRow.resolved_at >= since, CaseRow.resolved_at <= until)
    if access is not None:
        query = query.where(CaseRow.access.in_(list(access)))
    if severity is not None:
        query = query.where(CaseRow.severity == severity)
    if team_id is not None:
        query = query.where(CaseRow.team_id == team_id)
    ordered = query.order_by(CaseRow.resolved_at.desc(), CaseRow.id)
    return session.scalars(ordered.execution_options(yield_per=500))


def _names_service(session: Session, service: str) -> ColumnElement[bool]:
    """The case's record lists ``service`` among its services (a JSON array in the document)."""
    if session.get_bind().dialect.name == "postgresql":
        names = func.jsonb_array_elements_text(CaseRow.record["services"]).table_valued("value")
    else:
        names = func.json_each(CaseRow.record, "$.services").table_valued("value")
    return exists(select(1).select_from(names).where(names.c.value == service))
