"""Enqueue, claim, finish and read jobs.

Claiming is safe with many workers: PostgreSQL picks a row with ``FOR UPDATE SKIP LOCKED``;
SQLite serialises writers. A job whose worker died is claimed again once its lease expires
(up to ``MAX_ATTEMPTS``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from faultmaven.errors import NotFound
from faultmaven.jobs.models import JobRow
from faultmaven.kit.access import viewer_of
from faultmaven.kit.clock import utcnow
from faultmaven.kit.db import is_postgres
from faultmaven.kit.ids import new_id

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class Job(BaseModel):
    id: str
    kind: str
    status: JobStatus
    payload: dict[str, Any]
    result: dict[str, Any] | None = None
    error: str | None = None
    attempts: int
    created_at: datetime
    finished_at: datetime | None = None


def _job(row: JobRow) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        status=row.status,
        payload=row.payload,
        result=row.result,
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    actor: str,
    access: str | None = None,
) -> Job:
    """``access``: who may see the job (a kit.access key; None: whoever may see its subject)."""
    row = JobRow(
        access=access,
        id=new_id("job"),
        kind=kind,
        payload=payload,
        status=JobStatus.queued.value,
        attempts=0,
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _job(row)


def get_job(session: Session, *, job_id: str) -> Job:
    row = session.get(JobRow, job_id)
    if row is None or not viewer_of(session).sees(row.access):
        raise NotFound.entity("job", job_id)
    return _job(row)


def queued_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(JobRow).where(JobRow.status == JobStatus.queued.value)
        )
        or 0
    )


def counts_by_kind(session: Session) -> dict[tuple[str, str], int]:
    """How many jobs are in each (kind, status) now (statuses with none are absent)."""
    rows = session.execute(
        select(JobRow.kind, JobRow.status, func.count()).group_by(JobRow.kind, JobRow.status)
    )
    return {(kind, status): count for kind, status, count in rows}


def claim_next(session: Session, *, worker: str) -> Job | None:
    """Take the oldest claimable job (queued, or running with an expired lease)."""
    now = utcnow()
    claimable = or_(
        JobRow.status == JobStatus.queued.value,
        (JobRow.status == JobStatus.running.value) & (JobRow.lease_until < now),
    )
    query = select(JobRow.id).where(claimable).order_by(JobRow.created_at, JobRow.id).limit(1)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    job_id = session.scalar(query)
    if job_id is None:
        return None
    # an UPDATE's result is a CursorResult (Session.execute is typed as returning any Result)
    claimed = cast(
        "CursorResult[Any]",
        session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, claimable)
            .values(
                status=JobStatus.running.value,
                claimed_by=worker,
                lease_until=now + LEASE,
                attempts=JobRow.attempts + 1,
            )
        ),
    ).rowcount
    if not claimed:
        return None
    row = session.get(JobRow, job_id, populate_existing=True)
    assert row is not None
    if row.attempts > MAX_ATTEMPTS:
        _finish(row, status=JobStatus.failed, error="gave up after repeated worker failures")
        return None
    return _job(row)


def succeed(session: Session, *, job_id: str, result: dict[str, Any]) -> None:
    row = session.get(JobRow, job_id)
    if row is not None:
        _finish(row, status=JobStatus.succeeded, result=result)


def fail(session: Session, *, job_id: str, error: str) -> None:
    row = session.get(JobRow, job_id)
    if row is not None:
        _finish(row, status=JobStatus.failed, error=error)


def _finish(
    row: JobRow,
    *,
    status: JobStatus,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    row.status = status.value
    row.result = result
    row.error = error
    row.lease_until = None
    row.finished_at = utcnow()
