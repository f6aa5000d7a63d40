"""Cases, runbooks, runbook versions and labels, and the keyword search index.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from faultmaven.kit.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("record", JSONDoc, nullable=False),
        sa.Column("runbook_offer", sa.String(16), nullable=False),
        sa.Column("runbook_ids", JSONDoc, nullable=False),
        sa.Column("runbooks_viewed", JSONDoc, nullable=False),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
    )
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_created_at", "cases", ["created_at"])

    op.create_table(
        "runbooks",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", JSONDoc, nullable=False),
        sa.Column("services", JSONDoc, nullable=False),
        sa.Column("tags", JSONDoc, nullable=False),
        sa.Column("source_case_ids", JSONDoc, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("generated_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_runbooks_severity", "runbooks", ["severity"])
    op.create_index("ix_runbooks_status", "runbooks", ["status"])
    op.create_index("ix_runbooks_updated_at", "runbooks", ["updated_at"])

    op.create_table(
        "runbook_versions",
        sa.Column(
            "runbook_id",
            sa.String(40),
            sa.ForeignKey("runbooks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("content", JSONDoc, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("generated_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "runbook_labels",
        sa.Column(
            "runbook_id",
            sa.String(40),
            sa.ForeignKey("runbooks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(300), primary_key=True),
    )
    op.create_index("ix_runbook_labels_value", "runbook_labels", ["value"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE TABLE runbook_search (
                runbook_id varchar(40) PRIMARY KEY REFERENCES runbooks(id) ON DELETE CASCADE,
                title text NOT NULL,
                symptoms text NOT NULL,
                body text NOT NULL,
                document tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', title), 'A') ||
                    setweight(to_tsvector('english', symptoms), 'B') ||
                    setweight(to_tsvector('english', body), 'C')
                ) STORED
            )
            """
        )
        op.execute("CREATE INDEX ix_runbook_search_document ON runbook_search USING gin (document)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE runbook_fts USING fts5("
            "runbook_id UNINDEXED, title, symptoms, body, tokenize = 'porter unicode61')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE runbook_search")
    else:
        op.execute("DROP TABLE runbook_fts")
    op.drop_table("runbook_labels")
    op.drop_table("runbook_versions")
    op.drop_table("runbooks")
    op.drop_table("cases")
