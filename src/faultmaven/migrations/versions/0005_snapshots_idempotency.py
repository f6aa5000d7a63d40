"""Runbook versions become full snapshots (status, services, tags, owner, review-by date and
source cases beside the content); idempotency keys of writes.

Versions saved before this migration did not record their metadata: the current version of
each runbook gets the runbook's metadata (which is exactly its state), older ones keep null
("not recorded").

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from faultmaven.kit.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")
_SNAPSHOT_COLUMNS = ("status", "services", "tags", "owner", "review_by", "source_case_ids")


def upgrade() -> None:
    with op.batch_alter_table("runbook_versions") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("services", JSONDoc, nullable=True))
        batch.add_column(sa.Column("tags", JSONDoc, nullable=True))
        batch.add_column(sa.Column("owner", sa.String(200), nullable=True))
        batch.add_column(sa.Column("review_by", sa.Date(), nullable=True))
        batch.add_column(sa.Column("source_case_ids", JSONDoc, nullable=True))
    assignments = ", ".join(
        f"{column} = (SELECT r.{column} FROM runbooks r WHERE r.id = runbook_versions.runbook_id)"
        for column in _SNAPSHOT_COLUMNS
    )
    op.execute(
        f"UPDATE runbook_versions SET {assignments} WHERE version = "
        "(SELECT r.version FROM runbooks r WHERE r.id = runbook_versions.runbook_id)"
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("headers", JSONDoc, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("runbook_versions") as batch:
        for column in reversed(_SNAPSHOT_COLUMNS):
            batch.drop_column(column)
