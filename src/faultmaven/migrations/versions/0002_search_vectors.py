"""Semantic search: embedded vectors, the index outbox, index metadata; case suggestions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "runbook_vectors",
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
        sa.Column("model", sa.String(300), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "search_outbox",
        sa.Column("runbook_id", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_table(
        "search_index_meta",
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("suggested_runbooks", JSONDoc, nullable=False, server_default="[]")
        )
    # runbooks that exist before this revision get their vectors from `faultmaven search reindex`,
    # which the search results ask for while the semantic index is empty


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("suggested_runbooks")
    op.drop_table("search_index_meta")
    op.drop_table("search_outbox")
    op.drop_table("runbook_vectors")
