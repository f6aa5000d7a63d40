"""Analytics speed: the reports' covering index on events also carries the case facts the
reports filter on (service, severity, team, access) and the content-gap subject, and feedback
gets a covering index for its windowed counts.

Why: with ``ix_events_kind_at`` holding only ``(kind, at, case_id, runbook_id, value,
source)``, every report that filtered cases (by service, severity, team, or the viewer's
access), the comparable cases of a runbook (same service and severity) and the content gaps
read one table row per event; at 1M events and a 365-day window that was 0.2-0.3 s per
statement, against 0.01-0.05 s from the wider index (bench/README.md, ``bench_analytics.py``).
The index is rebuilt under its old name (a few seconds per million events).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_NARROW = ["kind", "at", "case_id", "runbook_id", "value", "source"]
_WIDE = [*_NARROW, "service", "severity", "team_id", "access", "subject"]


def upgrade() -> None:
    op.drop_index("ix_events_kind_at", table_name="events")
    op.create_index("ix_events_kind_at", "events", _WIDE)
    op.drop_index("ix_runbook_feedback_updated_at", table_name="runbook_feedback")
    op.create_index(
        "ix_runbook_feedback_updated_at",
        "runbook_feedback",
        ["updated_at", "runbook_id", "outcome"],
    )


def downgrade() -> None:
    op.drop_index("ix_runbook_feedback_updated_at", table_name="runbook_feedback")
    op.create_index("ix_runbook_feedback_updated_at", "runbook_feedback", ["updated_at"])
    op.drop_index("ix_events_kind_at", table_name="events")
    op.create_index("ix_events_kind_at", "events", _NARROW)
