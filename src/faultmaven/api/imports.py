"""/api/v1/import: bring in what teams already have (post-mortems, runbooks in other layouts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response, status

from faultmaven.api import text_bodies
from faultmaven.api.deps import ActorDep, SessionDep
from faultmaven.api.routing import FaultMavenRoute
from faultmaven.assistant import postmortem_import
from faultmaven.errors import InvalidInput
from faultmaven.kit.fields import Line
from faultmaven.postmortems.schemas import PostmortemImport, PostmortemImported

router = APIRouter(prefix="/import", tags=["import"], route_class=FaultMavenRoute)
DEFAULT_NAME = "postmortem.md"


@router.post(
    "/postmortem",
    status_code=status.HTTP_201_CREATED,
    response_model=PostmortemImported,
    openapi_extra=text_bodies.openapi(
        PostmortemImport,
        "The post-mortem's markdown itself (name it with ?filename=). UTF-8; the same bounds "
        "as the JSON body's text.",
    ),
)
def import_postmortem(
    request: Request,
    data: Annotated[PostmortemImport | text_bodies.Text, Body()],
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    filename: Annotated[
        Line | None,
        Query(
            description="With a text/markdown or text/plain body: the document's file name, "
            f"used in the report and as the title when the document has none (default "
            f"{DEFAULT_NAME}). With a JSON body send `name` instead."
        ),
    ] = None,
) -> PostmortemImported:
    """Import one markdown post-mortem (or a runbook in another layout): a resolved case,
    marked imported with the original text kept, and a draft runbook for review. Send JSON
    (`{"name", "text"}`) or the markdown itself (`Content-Type: text/markdown` or `text/plain`,
    `?filename=` to name it); any other content type is 415, a body over the server's limit
    413. Headings map deterministically (summary, impact, detection, timeline, root cause /
    what went wrong, resolution / mitigation / recovery, action items / follow-ups /
    prevention, lessons learned) or, with an LLM configured, with the LLM's help, every line
    checked against the document (`mapped_by` says which; lines it could not trace are dropped
    and listed in `dropped`). Sections that map nowhere are kept in the case's source. 422
    (POSTMORTEM_NOT_IMPORTABLE) says `name:line: why` when the document cannot be imported."""
    text = text_bodies.sent_text(request, data)
    if text is None:
        assert isinstance(data, PostmortemImport)
        if filename is not None:
            raise InvalidInput("?filename= names a text/markdown body; in JSON send `name`.")
        document = data
    else:
        document = text_bodies.validated(
            PostmortemImport, {"name": filename or DEFAULT_NAME, "text": text}
        )
    result = postmortem_import.import_postmortem(
        session, name=document.name, text=document.text, actor=actor
    )
    response.headers["Location"] = f"/api/v1/cases/{result.case_id}"
    return result
