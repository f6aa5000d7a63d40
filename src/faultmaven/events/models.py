"""ORM rows of usage events (append-only) and of runbook feedback (one per runbook and case).

Events are written in batches with Core ``INSERT`` (``events.sink``), never loaded as objects;
the reports read them with aggregates (``analytics``). The indexes serve those aggregates:
``(kind, at, case_id, runbook_id, value, source)`` covers every windowed count, median and
per-runbook count without reading the table (measured: 5-10x faster than ``(kind, at)`` alone
at 100k events, bench/bench_analytics.py), and with the case facts the reports filter on
(``service, severity, team_id, access``) and the gap ``subject`` it covers filtered reports,
comparable cases and content gaps too (0.2-0.3 s -> 0.01-0.05 s per statement at 1M events,
migration 0012); ``(runbook_id, kind, at, case_id, source)`` serves
per-runbook counts (SQLite's planner seeks it runbook by runbook: covering, it reads no table
row) and ``(case_id, kind)`` what happened within a case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from faultmaven.kit.db import Base, JSONDocument, UTCDateTime

_SEQ = Integer().with_variant(BigInteger(), "postgresql")


class EventRow(Base):
    """One thing that happened. ``access``/``team_id``: of the case (case events) or of the
    searcher's team (searches); runbook events are seen through their runbook's current access.
    ``service`` is the subject's primary service (its first, lower-cased); ``value`` the number
    the kind carries (score, minutes to resolve, result count); ``subject`` the normalised
    terms of a search or of a new case's title (content gaps)."""

    __tablename__ = "events"
    __table_args__ = (
        Index(
            "ix_events_kind_at",
            *("kind", "at", "case_id", "runbook_id", "value", "source"),
            *("service", "severity", "team_id", "access", "subject"),
        ),
        Index("ix_events_runbook_kind_at", "runbook_id", "kind", "at", "case_id", "source"),
        Index("ix_events_case_kind", "case_id", "kind"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    runbook_id: Mapped[str | None] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(16))
    team_id: Mapped[str | None] = mapped_column(String(40))
    access: Mapped[str | None] = mapped_column(String(60))
    service: Mapped[str | None] = mapped_column(String(300))
    severity: Mapped[str | None] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    subject: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)


class FeedbackRow(Base):
    """Did the runbook help in this case? One answer per (runbook, case): a later answer
    replaces it. Feedback without a case is kept as it comes (``case_id`` null)."""

    __tablename__ = "runbook_feedback"
    __table_args__ = (
        UniqueConstraint("runbook_id", "case_id"),
        # report windows: the windowed counts per runbook and outcome read this index only
        Index("ix_runbook_feedback_updated_at", "updated_at", "runbook_id", "outcome"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    runbook_id: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
