"""/api/v1/import: bring in what teams already have (post-mortems, runbooks in other layouts)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from faultmaven.api.deps import ActorDep, SessionDep
from faultmaven.api.routing import FaultMavenRoute
from faultmaven.postmortems import service
from faultmaven.postmortems.schemas import PostmortemImport, PostmortemImported

router = APIRouter(prefix="/import", tags=["import"], route_class=FaultMavenRoute)


@router.post("/postmortem", status_code=status.HTTP_201_CREATED, response_model=PostmortemImported)
def import_postmortem(
    data: PostmortemImport, session: SessionDep, actor: ActorDep, response: Response
) -> PostmortemImported:
    """Import one markdown post-mortem (or a runbook in another layout): a resolved case,
    marked imported with the original text kept, and a draft runbook for review. Headings map
    deterministically (summary, impact, detection, timeline, root cause / what went wrong,
    resolution / mitigation / recovery, action items / follow-ups / prevention, lessons
    learned); sections that map nowhere are kept in the case's source. 422
    (POSTMORTEM_NOT_IMPORTABLE) says `name:line: why` when the document cannot be imported."""
    result = service.import_postmortem(session, name=data.name, text=data.text, actor=actor)
    response.headers["Location"] = f"/api/v1/cases/{result.case_id}"
    return result
