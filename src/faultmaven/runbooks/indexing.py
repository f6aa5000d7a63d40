"""What of a runbook the search index sees (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from faultmaven.kit.access import ORGANIZATION
from faultmaven.runbooks.repository import label_value
from faultmaven.runbooks.schemas import KnownCause, RunbookContent
from faultmaven.search.keyword import SearchDocument


def _lines(parts: Iterable[str]) -> str:
    return "\n".join(part for part in parts if part)


def _cause_text(cause: KnownCause) -> str:
    root, solution = cause.root_cause, cause.solution
    return _lines(
        [
            *(f"{v.description} {v.command} {v.output} {v.conclusion}" for v in cause.checks),
            root.cause,
            *root.evidence,
            *root.contributing_factors,
            *(_lines([fix.title, *fix.steps, *fix.commands]) for fix in solution.fixes),
            *solution.validation,
            *solution.rollback,
            *(attempt.title for attempt in solution.tried_and_failed),
        ]
    )


def search_document(
    runbook_id: str,
    content: RunbookContent,
    *,
    status: str,
    services: Sequence[str],
    tags: Sequence[str],
    access: str | None = None,
    team_id: str | None = None,
) -> SearchDocument:
    """Title; symptoms with affected systems, services and tags (what a new case describes);
    everything else as body. Facets: what the search filters match (``RunbookFilters``)."""
    diagnosis = content.diagnosis
    body = _lines(
        [
            content.summary,
            *(f"{c.check} {c.finding}" for c in diagnosis.blast_radius),
            *(e.event for e in diagnosis.timeline),
            *(h.statement for h in diagnosis.hypotheses),
            *(_cause_text(cause) for cause in content.causes),
            *content.prevention.monitoring,
            *content.prevention.automation,
            *content.prevention.process,
        ]
    )
    symptoms = _lines([*content.symptoms, *content.affected_systems, *services, *tags])
    facets = {
        "status": [status],
        "severity": [content.severity.value],
        "service": sorted({label_value(s) for s in services if label_value(s)}),
        "tag": sorted({label_value(t) for t in tags if label_value(t)}),
        "access": [access or ORGANIZATION],  # who may find it (kit.access)
        "team": [team_id] if team_id else [],  # the owning team (last: migration 0011 appends it)
    }
    return SearchDocument(
        doc_id=runbook_id, title=content.title, symptoms=symptoms, body=body, facets=facets
    )
