"""The embedded keyword index: analysed documents (``search_terms``) ranked in memory; on SQLite
it replaces the FTS5 table. Existing runbooks are analysed here, so search keeps working.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import json

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
        sa.Column("facets", sa.JSON(), nullable=False),
        sqlite_autoincrement=True,
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        return  # PostgreSQL keeps its full-text index (runbook_search)
    op.execute("DROP TABLE IF EXISTS runbook_fts")
    runbooks = bind.execute(
        sa.text("SELECT id, status, services, tags, content FROM runbooks ORDER BY rowid")
    )
    rows = [
        analysed_row(
            search_document(
                row.id,
                RunbookContent.model_validate_json(row.content),
                status=row.status,
                services=json.loads(row.services),
                tags=json.loads(row.tags),
            )
        )
        for row in runbooks
    ]
    if rows:
        op.bulk_insert(terms, rows)


def downgrade() -> None:
    op.drop_table("search_terms")
    if op.get_bind().dialect.name != "postgresql":
        op.execute(
            "CREATE VIRTUAL TABLE runbook_fts USING fts5("
            "runbook_id UNINDEXED, title, symptoms, body, tokenize = 'porter unicode61')"
        )
