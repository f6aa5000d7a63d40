"""The keyword index: analysed documents (``search_terms``) ranked in memory. It replaces the
FTS5 table on SQLite and the tsvector table on PostgreSQL. Existing runbooks are analysed here,
so search keeps working.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from faultmaven.runbooks.indexing import search_document
from faultmaven.runbooks.schemas import RunbookContent
from faultmaven.search.keyword_memory import analysed_row

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    terms = op.create_table(
        "search_terms",
        sa.Column(
            "seq",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column(
            "runbook_id",
            sa.String(40),
            sa.ForeignKey("runbooks.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("term_keys", sa.LargeBinary(), nullable=False),
        sa.Column("weights", sa.LargeBinary(), nullable=False),
        sa.Column("fields", sa.LargeBinary(), nullable=False),
        sa.Column("facets", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.execute(
        "DROP TABLE IF EXISTS runbook_search" if postgres else "DROP TABLE IF EXISTS runbook_fts"
    )
    runbooks = bind.execute(
        sa.text("SELECT id, status, services, tags, content FROM runbooks ORDER BY created_at, id")
    )
    rows = [
        analysed_row(
            search_document(
                row.id,
                RunbookContent.model_validate(_json(row.content)),
                status=row.status,
                services=_json(row.services),
                tags=_json(row.tags),
            )
        )
        for row in runbooks
    ]
    if rows:
        op.bulk_insert(terms, rows)


def _json(value: object) -> Any:
    """A JSON column as read with plain SQL: text on SQLite, already decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def downgrade() -> None:
    # the old keyword tables come back empty: run `faultmaven search reindex` after downgrading
    op.drop_table("search_terms")
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
