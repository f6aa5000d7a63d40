"""Sign-in sessions are told apart from API tokens: how the session signed in (password or
oidc), the client address it signed in from, and when it was last used.

Existing sessions (tokens named "login session") learn how they signed in and from where from
their sign-in's audit record (``auth.login`` / ``auth.oidc_login`` names the token); one
without a record counts as a password session. A user's ``active`` flag already exists:
disabling a user needs no column.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from faultmaven.kit.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_tokens = sa.table(
    "api_tokens",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("signed_in_with", sa.String),
    sa.column("client", sa.String),
)
_audit = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_id", sa.String),
    sa.column("client", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("signed_in_with", sa.String(16), nullable=True))
        batch.add_column(sa.Column("client", sa.String(100), nullable=True))
        batch.add_column(sa.Column("last_used_at", UTCDateTime(), nullable=True))
    signed_in_from = (
        sa.select(_audit.c.client)
        .where(
            _audit.c.object_id == _tokens.c.id,
            _audit.c.action.in_(("auth.login", "auth.oidc_login")),
        )
        .order_by(_audit.c.seq)
        .limit(1)
        .scalar_subquery()
    )
    oidc = sa.exists().where(
        _audit.c.object_id == _tokens.c.id, _audit.c.action == "auth.oidc_login"
    )
    op.execute(
        _tokens.update()
        .where(_tokens.c.name == "login session")
        .values(
            signed_in_with=sa.case((oidc, "oidc"), else_="password"),
            client=signed_in_from,
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("client")
        batch.drop_column("signed_in_with")
