"""Import post-mortems: each document becomes a resolved case (marked imported, its original
text kept as the case's source) and a draft runbook drafted from it, for review.

Services take keyword-only arguments, raise FaultMavenError subclasses and never commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from faultmaven.cases import service as cases_service
from faultmaven.postmortems.mapping import MappedPostmortem, map_postmortem
from faultmaven.postmortems.schemas import PostmortemImported
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.drafting import draft_runbook
from faultmaven.runbooks.schemas import RunbookStatus


def prepare(*, name: str, text: str) -> MappedPostmortem:
    """The case a document maps to (no database): ``PostmortemError`` (422, ``name:line:
    reason``) when it cannot be imported. Lets a caller read many files before saving any."""
    return map_postmortem(text, name=name)


def save(session: Session, *, mapped: MappedPostmortem, actor: str) -> PostmortemImported:
    """The resolved, imported case and its draft runbook (``runbooks.service.create_from_case``
    with the deterministic draft). The draft's average resolution time stays empty: a
    document's timeline span is not a confirmed time to resolve."""
    case = cases_service.import_case(
        session,
        data=mapped.case,
        source=mapped.source,
        resolved_at=mapped.resolved_at,
        actor=actor,
    )
    content = draft_runbook(case).model_copy(update={"average_resolution_minutes": None})
    runbook = runbooks_service.create_from_case(
        session, case_id=case.id, actor=actor, status=RunbookStatus.draft, content=content
    )
    return PostmortemImported(
        name=mapped.name,
        case_id=case.id,
        runbook_id=runbook.id,
        title=case.title,
        sections=mapped.sections,
        warnings=mapped.warnings,
        mapped_by=mapped.mapped_by,
        llm_not_used_because=mapped.llm_not_used_because,
        dropped=mapped.dropped,
    )
