"""The audit log: an append-only record of every write and every authentication event (who,
what, which object, when, from where, which request). Only ``record`` writes to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from faultmaven.accounts.models import AuditRow
from faultmaven.accounts.schemas import AuditEntry, AuditFilters
from faultmaven.kit.clock import utcnow
from faultmaven.kit.pagination import Page, PageRequest

LOGIN_FAILED = "auth.login_failed"
LOGIN_LIMITED = "auth.login_limited"


@dataclass(frozen=True)
class Origin:
    """Where a request came from: the client address and the request id."""

    client: str | None = None
    request_id: str | None = None


RECORDED = "faultmaven_audit_recorded"  # session.info: this unit of work has its audit record


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    outcome: str = "ok",
    object_type: str | None = None,
    object_id: str | None = None,
    status_code: int | None = None,
    origin: Origin = Origin(),
    details: dict[str, Any] | None = None,
) -> None:
    """Append one record in the session's transaction. The channel (API request, CLI command)
    records each write it makes unless a service recorded it already: :func:`recorded`."""
    session.info[RECORDED] = True
    session.add(
        AuditRow(
            at=utcnow(),
            actor=actor[:200],
            action=action[:200],
            object_type=object_type,
            object_id=object_id[:200] if object_id else None,
            outcome=outcome,
            status_code=status_code,
            client=origin.client[:100] if origin.client else None,
            request_id=origin.request_id[:100] if origin.request_id else None,
            details=details or {},
        )
    )


def recorded(session: Session) -> bool:
    """Whether this unit of work has recorded an audit record (a service audited its write)."""
    return bool(session.info.get(RECORDED))


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry.model_validate(row, from_attributes=True)  # details is never null: record


def list_audit(
    session: Session, *, filters: AuditFilters = AuditFilters(), page: PageRequest = PageRequest()
) -> Page[AuditEntry]:
    """Newest first."""
    conditions = []
    if filters.actor is not None:
        conditions.append(AuditRow.actor == filters.actor)
    if filters.action is not None:
        conditions.append(AuditRow.action.startswith(filters.action, autoescape=True))
    if filters.object_id is not None:
        conditions.append(AuditRow.object_id == filters.object_id)
    if filters.outcome is not None:
        conditions.append(AuditRow.outcome == filters.outcome)
    if filters.since is not None:
        conditions.append(AuditRow.at >= filters.since)
    if filters.until is not None:
        conditions.append(AuditRow.at < filters.until)
    total = session.scalar(select(func.count()).select_from(AuditRow).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditRow)
        .where(*conditions)
        .order_by(AuditRow.seq.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return Page[AuditEntry].build([_entry(r) for r in rows], total_count=total, page=page)


def login_retry_at(
    session: Session,
    *,
    limits: list[tuple[str, str | None, int]],
    window: timedelta,
    now: datetime,
) -> tuple[str, datetime] | None:
    """Whether a login may be tried now, from the failed logins within ``window`` (the audit
    log, which every replica shares). ``limits``: (``name`` or ``client``, its value, the
    failures it allows). None: allowed; else (which limit, when the next try is allowed: when
    enough failures have left the window)."""
    since = now - window
    latest: tuple[str, datetime] | None = None
    for kind, value, allowed in limits:
        if value is None:
            continue
        column = AuditRow.object_id if kind == "name" else AuditRow.client
        where = (AuditRow.action == LOGIN_FAILED, AuditRow.at >= since, column == value)
        count = session.scalar(select(func.count()).select_from(AuditRow).where(*where)) or 0
        if count < allowed:
            continue
        leaves = session.scalar(  # the failure whose leaving brings the count under the limit
            select(AuditRow.at).where(*where).order_by(AuditRow.at).offset(count - allowed).limit(1)
        )
        retry = (leaves or now) + window
        if latest is None or retry > latest[1]:
            latest = (kind, retry)
    return latest
