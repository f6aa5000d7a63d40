"""The keyword index learns each runbook's owning team (a ``team`` facet), so a search can be
narrowed to one team's runbooks (``team=`` of GET /runbooks/search and the library).

Every stored document gets the line ``team=<team id>`` appended to its facets, exactly what
``search_document`` writes for it now (the team facet comes last); documents of a runbook
without a team get nothing, as they would from a reindex. The keyword generation changes, so a
process that still holds the index in memory loads it again. A runbook's team never changes
(``team_id`` is read-only), so the facet cannot go stale.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

import uuid

import sqlalchemy as sa
from alembic import op

from faultmaven.search.freshness import KEYWORD_GENERATION

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TEAM_OF_DOCUMENT = "(SELECT r.team_id FROM runbooks r WHERE r.id = search_terms.runbook_id)"
_meta = sa.table("search_index_meta", sa.column("key", sa.String), sa.column("value", sa.Text))


def upgrade() -> None:
    # documents that have a team line already (written by this code before the upgrade ran,
    # e.g. a second app) are left alone: a facet line begins the text or follows a newline
    op.execute(
        "UPDATE search_terms SET facets = facets || '\n' || 'team=' || "
        f"{_TEAM_OF_DOCUMENT} WHERE {_TEAM_OF_DOCUMENT} IS NOT NULL "
        "AND facets NOT LIKE 'team=%' AND facets NOT LIKE '%' || '\n' || 'team=%'"
    )
    _new_keyword_generation()


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT runbook_id, facets FROM search_terms")).all()
    terms = sa.table("search_terms", sa.column("runbook_id"), sa.column("facets"))
    for runbook_id, facets in rows:
        kept = "\n".join(line for line in facets.split("\n") if not line.startswith("team="))
        if kept != facets:
            bind.execute(terms.update().where(terms.c.runbook_id == runbook_id).values(facets=kept))
    _new_keyword_generation()


def _new_keyword_generation() -> None:
    """Every process reloads its in-memory copy of the keyword index (``search.freshness``)."""
    op.execute(_meta.delete().where(_meta.c.key == KEYWORD_GENERATION))
    op.execute(_meta.insert().values(key=KEYWORD_GENERATION, value=uuid.uuid4().hex))
