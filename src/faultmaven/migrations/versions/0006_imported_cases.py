"""Imported cases: where a case came from (``origin``: recorded here or imported) and, for an
imported one, its original document (``source``: name, text, the parts that mapped nowhere).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(16), nullable=False, server_default="recorded")
        )
        batch.add_column(sa.Column("source", JSONDoc, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("source")
        batch.drop_column("origin")
