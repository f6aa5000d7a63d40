"""ORM row for a case. The investigation record (every phase) lives in one JSON document;
``revision`` is an optimistic-lock counter so concurrent writers never lose each other's entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from faultmaven.kit.db import Base, JSONDocument, UTCDateTime


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    runbook_offer: Mapped[str] = mapped_column(String(16))
    runbook_ids: Mapped[list[str]] = mapped_column(JSONDocument)
    runbooks_viewed: Mapped[list[str]] = mapped_column(JSONDocument)
    suggested_runbooks: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    # recorded here, or imported from a document whose text ``source`` keeps (migration 0006)
    origin: Mapped[str] = mapped_column(String(16), default="recorded", server_default="recorded")
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(40))  # the owning team (accounts)
    access: Mapped[str | None] = mapped_column(String(60), index=True)  # kit.access key

    __mapper_args__ = {"version_id_col": revision}
