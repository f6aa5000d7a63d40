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


@dataclass(frozen=True)
class Origin:
    """Where a request came from: the client address and the request id."""

    client: str | None = None
    request_id: str | None = None


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


def recent_failed_logins(
    session: Session,
    *,
    name: str,
    client: str | None,
    window: timedelta,
    now: datetime | None = None,
) -> int:
    """Failed logins for ``name``, or from ``client``, within ``window``: the login rate limit
    reads the audit log, which every replica shares."""
    since = (now or utcnow()) - window
    by_name = select(func.count()).where(
        AuditRow.action == LOGIN_FAILED, AuditRow.at >= since, AuditRow.object_id == name
    )
    count = session.scalar(by_name) or 0
    if client:
        by_client = select(func.count()).where(
            AuditRow.action == LOGIN_FAILED, AuditRow.at >= since, AuditRow.client == client
        )
        count = max(count, session.scalar(by_client) or 0)
    return count
