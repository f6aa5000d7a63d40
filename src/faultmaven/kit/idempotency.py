"""Idempotency keys: a retried write (same ``Idempotency-Key``, same request) gets the first
answer again and changes nothing; the same key with another request is refused.

The answer is stored in the transaction of the write itself, so "written" and "answer
remembered" commit together: a crash between the commit and the answer reaching the client
leaves a key whose retry replays the answer instead of writing twice. Retries of one key are
serialised (SQLite: a writer holds the one write lock; PostgreSQL: a transaction-scoped
advisory lock on the key), so two replicas never both run it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, delete, or_, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from faultmaven.errors import InvalidInput
from faultmaven.kit.db import NOT_IN_SESSION, Base, JSONDocument, UTCDateTime, is_postgres

MAX_KEY_CHARS = 200
_EXPIRED_PER_WRITE = 100  # expired keys removed by each write that stores one


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of scope and key
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the request
    status_code: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class Claim:
    """A write that carries an idempotency key: whose key, and which request it names."""

    key: str
    fingerprint: str

    @classmethod
    def of(cls, *, key: str, scope: str, request: bytes) -> Claim:
        """``scope``: who sends the key (keys of different clients never meet);
        ``request``: everything that makes two requests the same (method, path, body)."""
        if not key.strip() or len(key) > MAX_KEY_CHARS or not key.isprintable():
            raise InvalidInput(
                f"Idempotency-Key must be 1 to {MAX_KEY_CHARS} printable characters, e.g. a UUID.",
                code="INVALID_IDEMPOTENCY_KEY",
            )
        return cls(
            key=_sha256(f"{scope}\n{key}".encode()),
            fingerprint=_sha256(request),
        )


@dataclass(frozen=True)
class Reply:
    status_code: int
    headers: dict[str, str]
    body: bytes


def replay(session: Session, claim: Claim, *, now: datetime) -> Reply | None:
    """The answer already given to this key, or None when the request is new (then the
    caller runs it and ``remember``s the answer in the same transaction)."""
    if is_postgres(session):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:lock)"),
            {"lock": int(claim.key[:15], 16)},  # 60 bits: a bigint
        )
    row = session.scalar(
        select(IdempotencyRow).where(
            IdempotencyRow.key == claim.key, IdempotencyRow.expires_at > now
        )
    )
    if row is None:
        return None
    if row.fingerprint != claim.fingerprint:
        raise InvalidInput(
            "This Idempotency-Key was already used for a different request (another body or "
            "endpoint); use a new key for a new request.",
            code="IDEMPOTENCY_KEY_REUSED",
        )
    return Reply(row.status_code, dict(row.headers), row.body)


def remember(
    session: Session, claim: Claim, reply: Reply, *, now: datetime, ttl: timedelta
) -> None:
    """Store the answer to ``claim`` until ``now + ttl``; drop some expired keys meanwhile
    (this key's own, if it expired, among them)."""
    expired = select(IdempotencyRow.key).where(IdempotencyRow.expires_at <= now)
    session.execute(
        delete(IdempotencyRow).where(
            or_(
                IdempotencyRow.key == claim.key,
                IdempotencyRow.key.in_(expired.limit(_EXPIRED_PER_WRITE).scalar_subquery()),
            )
        ),
        execution_options=NOT_IN_SESSION,
    )
    session.add(
        IdempotencyRow(
            key=claim.key,
            fingerprint=claim.fingerprint,
            status_code=reply.status_code,
            headers=reply.headers,
            body=reply.body,
            created_at=now,
            expires_at=now + ttl,
        )
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
