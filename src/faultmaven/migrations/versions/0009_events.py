"""Usage events (append-only) and runbook feedback, for analytics (events.models).

No backfill: analytics count from this migration on (cases resolved before it have no
``case_resolved`` event, so they are not in the time-to-resolve reports).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from faultmaven.kit.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")
_SEQ = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("runbook_id", sa.String(40), nullable=True),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("source", sa.String(16), nullable=True),
        sa.Column("team_id", sa.String(40), nullable=True),
        sa.Column("access", sa.String(60), nullable=True),
        sa.Column("service", sa.String(300), nullable=True),
        sa.Column("severity", sa.String(16), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("data", JSONDoc, nullable=True),
        sqlite_autoincrement=True,
    )
    # covering: the reports' windowed aggregates read this index only (events.models)
    op.create_index(
        "ix_events_kind_at", "events", ["kind", "at", "case_id", "runbook_id", "value", "source"]
    )
    op.create_index(
        "ix_events_runbook_kind_at", "events", ["runbook_id", "kind", "at", "case_id", "source"]
    )
    op.create_index("ix_events_case_kind", "events", ["case_id", "kind"])
    op.create_table(
        "runbook_feedback",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("runbook_id", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("runbook_id", "case_id", name="uq_runbook_feedback_runbook_id"),
    )
    op.create_index("ix_runbook_feedback_runbook_id", "runbook_feedback", ["runbook_id"])
    op.create_index("ix_runbook_feedback_updated_at", "runbook_feedback", ["updated_at"])


def downgrade() -> None:
    op.drop_table("runbook_feedback")
    op.drop_table("events")
