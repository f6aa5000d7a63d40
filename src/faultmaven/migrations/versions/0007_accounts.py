"""Accounts: users, teams, memberships, API tokens, the audit log; visibility of runbooks,
cases and jobs.

Existing data stays reachable: every case belongs to the default team (``team_default``,
named "default"), every runbook becomes an organization runbook owned by it, existing jobs are
visible to everyone who may see their case (no key: organization).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from faultmaven.kit.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")
_SEQ = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
DEFAULT_TEAM = "team_default"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("password_hash", sa.String(300), nullable=True),
        sa.Column("oidc_subject", sa.String(300), nullable=True, unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "memberships",
        sa.Column(
            "team_id",
            sa.String(40),
            sa.ForeignKey("teams.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.String(40),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "user_id", sa.String(40), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=True),
        sa.Column("object_id", sa.String(200), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("client", sa.String(100), nullable=True),
        sa.Column("request_id", sa.String(100), nullable=True),
        sa.Column("details", JSONDoc, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
    )
    for column in ("at", "actor", "action", "object_id"):
        op.create_index(f"ix_audit_log_{column}", "audit_log", [column])

    with op.batch_alter_table("runbooks") as batch:
        batch.add_column(sa.Column("visibility", sa.String(16), nullable=True))
        batch.add_column(sa.Column("team_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("author_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("access", sa.String(60), nullable=True))
    op.create_index("ix_runbooks_access", "runbooks", ["access"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("team_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("access", sa.String(60), nullable=True))
    op.create_index("ix_cases_access", "cases", ["access"])
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("access", sa.String(60), nullable=True))

    teams = sa.table(
        "teams", sa.column("id"), sa.column("name"), sa.column("created_at", UTCDateTime())
    )
    op.execute(
        teams.insert().values(
            id=DEFAULT_TEAM, name="default", created_at=sa.func.current_timestamp()
        )
    )
    op.execute(
        f"UPDATE runbooks SET visibility = 'organization', team_id = '{DEFAULT_TEAM}', "
        "access = 'org'"
    )
    op.execute(f"UPDATE cases SET team_id = '{DEFAULT_TEAM}', access = 'team:{DEFAULT_TEAM}'")
    # keyword index rows carry the access facet from now on (``search_terms.facets``)
    newline = "char(10)" if op.get_bind().dialect.name == "sqlite" else "chr(10)"
    op.execute(f"UPDATE search_terms SET facets = facets || {newline} || 'access=org'")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("access")
    op.drop_index("ix_cases_access", "cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("access")
        batch.drop_column("team_id")
    op.drop_index("ix_runbooks_access", "runbooks")
    with op.batch_alter_table("runbooks") as batch:
        for column in ("access", "author_id", "team_id", "visibility"):
            batch.drop_column(column)
    for table in ("audit_log", "api_tokens", "memberships", "teams", "users"):
        op.drop_table(table)
