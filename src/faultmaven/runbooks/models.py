"""ORM rows for runbooks: the current state, immutable versions, and labels for filtering."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from faultmaven.kit.db import Base, JSONDocument, UTCDateTime


class RunbookRow(Base):
    __tablename__ = "runbooks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    services: Mapped[list[str]] = mapped_column(JSONDocument)
    tags: Mapped[list[str]] = mapped_column(JSONDocument)
    source_case_ids: Mapped[list[str]] = mapped_column(JSONDocument)
    author: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(200))
    review_by: Mapped[date | None] = mapped_column(Date)
    generated_by: Mapped[str] = mapped_column(String(120))
    redaction: Mapped[dict[str, int]] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # who may see it (accounts): private | team | organization, the owning team, the author's
    # user id, and the one access key these make (kit.access) that every read filters on
    visibility: Mapped[str | None] = mapped_column(String(16))
    team_id: Mapped[str | None] = mapped_column(String(40))
    author_id: Mapped[str | None] = mapped_column(String(40))
    access: Mapped[str | None] = mapped_column(String(60), index=True)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class RunbookVersionRow(Base):
    """One immutable snapshot per edit; (runbook_id, version) is unique, so two concurrent edits
    of the same version cannot both land."""

    __tablename__ = "runbook_versions"

    runbook_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("runbooks.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    # metadata at this version (null in versions saved before migration 0005)
    status: Mapped[str | None] = mapped_column(String(16))
    services: Mapped[list[str] | None] = mapped_column(JSONDocument)
    tags: Mapped[list[str] | None] = mapped_column(JSONDocument)
    owner: Mapped[str | None] = mapped_column(String(200))
    review_by: Mapped[date | None] = mapped_column(Date)
    source_case_ids: Mapped[list[str] | None] = mapped_column(JSONDocument)
    author: Mapped[str] = mapped_column(String(200))
    change_note: Mapped[str] = mapped_column(Text, default="")
    generated_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RunbookLabelRow(Base):
    """Services and tags, lower-cased, one row each: indexable filters on every database."""

    __tablename__ = "runbook_labels"

    runbook_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("runbooks.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(300), primary_key=True, index=True)
