"""Runbooks hold known causes: the root cause, solution and validation checks of each runbook
(and of each of its versions) become its one known cause.

Content before: ``{"diagnosis": {..., "validations": [...]}, "root_cause": {...},
"solution": {...}}``. After: ``{"diagnosis": {...}, "causes": [{"checks": [...],
"root_cause": {...}, "solution": {...}, "source_case_ids": [...], "times_seen": n,
"last_seen": null}]}``. The cause's source cases are the runbook's (the version's, when the
version recorded them); times seen is how many there are; last seen was not recorded (null).

Downgrade keeps the first cause only (the older shape has room for one): a runbook that gained
more causes loses the others' text on downgrade.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")

_runbooks = sa.table(
    "runbooks",
    sa.column("id", sa.String),
    sa.column("content", JSONDoc),
    sa.column("source_case_ids", JSONDoc),
)
_versions = sa.table(
    "runbook_versions",
    sa.column("runbook_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("content", JSONDoc),
    sa.column("source_case_ids", JSONDoc),
)


def _with_causes(content: dict[str, Any], sources: list[str] | None) -> dict[str, Any]:
    if "causes" in content:
        return content
    content = dict(content)
    diagnosis = dict(content.get("diagnosis") or {})
    cause = {
        "checks": diagnosis.pop("validations", []),
        "root_cause": content.pop("root_cause", {}),
        "solution": content.pop("solution", {}),
        "source_case_ids": list(sources or []),
        "times_seen": len(sources or []),
        "last_seen": None,
    }
    return {**content, "diagnosis": diagnosis, "causes": [cause]}


def _without_causes(content: dict[str, Any], _sources: list[str] | None) -> dict[str, Any]:
    if "causes" not in content:
        return content
    content = dict(content)
    causes = content.pop("causes") or [{}]
    first = causes[0]
    diagnosis = {**(content.get("diagnosis") or {}), "validations": first.get("checks", [])}
    return {
        **content,
        "diagnosis": diagnosis,
        "root_cause": first.get("root_cause", {}),
        "solution": first.get("solution", {}),
    }


def _convert(change: Any) -> None:
    bind = op.get_bind()
    current: dict[str, list[str] | None] = {}
    query = sa.select(_runbooks.c.id, _runbooks.c.content, _runbooks.c.source_case_ids)
    for row in bind.execute(query):
        current[row.id] = row.source_case_ids
        bind.execute(
            _runbooks.update()
            .where(_runbooks.c.id == row.id)
            .values(content=change(row.content, row.source_case_ids))
        )
    columns = (_versions.c.runbook_id, _versions.c.version, _versions.c.content)
    for runbook_id, version, content, sources in bind.execute(
        sa.select(*columns, _versions.c.source_case_ids)
    ):
        # versions saved before 0005 did not record their sources (null): the runbook's
        bind.execute(
            _versions.update()
            .where(_versions.c.runbook_id == runbook_id, _versions.c.version == version)
            .values(
                content=change(content, current.get(runbook_id) if sources is None else sources)
            )
        )


def upgrade() -> None:
    _convert(_with_causes)


def downgrade() -> None:
    _convert(_without_causes)
