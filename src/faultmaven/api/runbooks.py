"""/api/v1/runbooks: store, version, read (JSON or markdown), search."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response, status
from fastapi.responses import PlainTextResponse
from pydantic import AfterValidator, TypeAdapter, ValidationError

from faultmaven.api import text_bodies
from faultmaven.api.deps import ActorDep, PageDep, SessionDep
from faultmaven.api.routing import FaultMavenRoute
from faultmaven.cases.schemas import Severity
from faultmaven.errors import InvalidInput
from faultmaven.events.schemas import Feedback, FeedbackIn, RunbookFeedback, ViewSource
from faultmaven.kit.fields import MAX_DB_INT, EntityId, Name, Version, no_control_characters
from faultmaven.kit.pagination import Page
from faultmaven.runbooks import service
from faultmaven.runbooks.feedback import feedback_of, give_feedback
from faultmaven.runbooks.frontmatter import parse_document, render_document
from faultmaven.runbooks.schemas import (
    ImportResult,
    Runbook,
    RunbookCreate,
    RunbookDiff,
    RunbookImport,
    RunbookPatch,
    RunbookRestore,
    RunbookStatus,
    RunbookSummary,
    RunbookUpdate,
    RunbookVersion,
    RunbookVersionInfo,
)
from faultmaven.runbooks.service import RunbookFilters, SearchMode, SearchResults
from faultmaven.search.query import MAX_QUERY_CHARS

router = APIRouter(prefix="/runbooks", tags=["runbooks"], route_class=FaultMavenRoute)
RunbookId = Annotated[EntityId, Path(description="A runbook id, e.g. rb_3f9a1c0b7d2e.")]
MARKDOWN = "text/markdown; charset=utf-8"


def _filters(
    status_: RunbookStatus | None,
    severity: Severity | None,
    service_: str | None,
    tag: str | None,
    team: str | None,
) -> RunbookFilters:
    return RunbookFilters(status=status_, severity=severity, service=service_, tag=tag, team=team)


StatusQ = Annotated[
    RunbookStatus | None,
    Query(alias="status", description="Only this status (default: all but archived)."),
]
ServiceQ = Annotated[Name | None, Query(alias="service")]
TagQ = Annotated[Name | None, Query()]
TeamQ = Annotated[
    Name | None,
    Query(
        description="Only runbooks owned by the team of this name, e.g. payments (of those you "
        "may see). An unknown name is a 422."
    ),
]


def _wants_markdown(request: Request, format_: str | None) -> bool:
    if format_ is not None:
        return format_ == "markdown"
    accept = request.headers.get("accept", "")
    return "text/markdown" in accept and "application/json" not in accept


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Runbook)
def create_runbook(data: RunbookCreate, session: SessionDep, actor: ActorDep, response: Response):
    """Write a runbook by hand (generated ones come from POST /cases/{case_id}/runbook)."""
    runbook = service.create_runbook(session, data=data, actor=actor)
    response.headers["Location"] = f"/api/v1/runbooks/{runbook.id}"
    response.headers["ETag"] = f'"{runbook.version}"'
    return runbook


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportResult,
    openapi_extra=text_bodies.openapi(
        RunbookImport,
        "One runbook file as `GET /runbooks/{id}?format=markdown` and `faultmaven runbooks "
        "export` write it (YAML front matter above the markdown; the front matter is optional).",
    ),
)
def import_runbooks(
    request: Request,
    data: Annotated[RunbookImport | text_bodies.Text, Body()],
    session: SessionDep,
    actor: ActorDep,
) -> ImportResult:
    """Save many runbooks in one request (a bulk import, e.g. from a wiki export): all of them
    or, if any is invalid, none (422 names the item). Much faster than one POST each. Or send
    one runbook file itself (`Content-Type: text/markdown`), as a markdown answer of
    `GET /runbooks/{id}` gives it: it comes back identical (id, status, services, tags, owner,
    source cases, every cause). Status rule (as for the CLI's create and import): the status
    the runbook states wins, else draft."""
    text = text_bodies.sent_text(request, data)
    if text is None:
        assert isinstance(data, RunbookImport)
        items = data.items
    else:
        items = [parse_document(text, default_status=RunbookStatus.draft)]
    saved = service.import_runbooks(session, items=items, actor=actor)
    return ImportResult(created=len(saved), items=saved)


@router.get("", response_model=Page[RunbookSummary])
def list_runbooks(
    session: SessionDep,
    page: PageDep,
    status_: StatusQ = None,
    severity: Severity | None = None,
    service_: ServiceQ = None,
    tag: TagQ = None,
    team: TeamQ = None,
):
    """Runbooks, most recently updated first."""
    return service.list_runbooks(
        session, filters=_filters(status_, severity, service_, tag, team), page=page
    )


@router.get("/search", response_model=SearchResults)
def search_runbooks(
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=MAX_QUERY_CHARS, description="Words to look for."),
        AfterValidator(no_control_characters),
    ],
    status_: StatusQ = None,
    severity: Severity | None = None,
    service_: ServiceQ = None,
    tag: TagQ = None,
    team: TeamQ = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
    mode: Annotated[
        SearchMode, Query(description="hybrid (keywords and meaning) or keyword only.")
    ] = "hybrid",
    min_score: Annotated[
        float | None,
        Query(
            ge=0,
            le=1,
            description="Leave out hits scoring below this confidence (default: the "
            "search_min_score setting; 0 shows every match).",
        ),
    ] = None,
):
    """Best matches first; each hit has a score and says why it matched (words and where,
    semantic similarity, rank in each ranking). Query text is plain words: search operators are
    ignored, never an error. Each search (first page) is counted for analytics: one that finds
    nothing is a content gap (GET /analytics/gaps)."""
    return service.search_runbooks(
        session,
        query=q,
        filters=_filters(status_, severity, service_, tag, team),
        limit=limit,
        offset=offset,
        mode=mode,
        min_score=min_score,
        actor=actor,
    )


@router.get(
    "/{runbook_id}",
    response_model=Runbook,
    responses={200: {"content": {"text/markdown": {}}}},
)
def get_runbook(
    runbook_id: RunbookId,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    format_: Annotated[
        Literal["json", "markdown"] | None,
        Query(alias="format", description="markdown, or send Accept: text/markdown."),
    ] = None,
    from_: Annotated[
        ViewSource,
        Query(
            alias="from",
            description="Where the reader came from (analytics): search, suggestion (with "
            "case_id: a suggestion opened), link or direct.",
        ),
    ] = ViewSource.direct,
    case_id: Annotated[
        EntityId | None,
        Query(description="The case the runbook is read for (counts as looked at in it)."),
    ] = None,
):
    """The runbook at its current version: JSON, or markdown in the seed's format with YAML
    front matter: exactly the file `faultmaven runbooks export` writes, which `POST
    /runbooks/import` (text/markdown) and `faultmaven runbooks import` read back identical.
    The view is counted for analytics after the answer is ready (never slowing or failing it)."""
    runbook = service.view_runbook(
        session, runbook_id=runbook_id, actor=actor, source=from_, case_id=case_id
    )
    etag = f'"{runbook.version}"'
    if _wants_markdown(request, format_):
        document = render_document(runbook)
        return PlainTextResponse(document, media_type=MARKDOWN, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return runbook


IfMatch = Annotated[
    str | None, Header(description='The version you edited, e.g. "3" (or send version).')
]


@router.put("/{runbook_id}", response_model=Runbook)
def update_runbook(
    runbook_id: RunbookId,
    data: RunbookUpdate,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatch = None,
):
    """Replace the whole runbook (every field: send it as read, edited) as a new version. Send
    the version you edited (If-Match or `version`; both must agree); a stale one gets 409. For
    a partial edit use PATCH."""
    runbook = service.update_runbook(
        session,
        runbook_id=runbook_id,
        data=data,
        expected_version=_parse_if_match(if_match),
        actor=actor,
    )
    response.headers["ETag"] = f'"{runbook.version}"'
    return runbook


@router.patch(
    "/{runbook_id}",
    response_model=Runbook,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/merge-patch+json": {
                    "schema": {"$ref": "#/components/schemas/RunbookPatch"}
                }
            }
        }
    },
)
def patch_runbook(
    runbook_id: RunbookId,
    patch: RunbookPatch,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatch = None,
):
    """Change some fields (a JSON merge patch, RFC 7396: objects merge, `null` resets a field,
    lists are replaced whole) as a new version, e.g. `{"status": "published"}`. Send the
    version you edited (If-Match or `version`); a stale one gets 409."""
    runbook = service.patch_runbook(
        session,
        runbook_id=runbook_id,
        patch=patch,
        expected_version=_parse_if_match(if_match),
        actor=actor,
    )
    response.headers["ETag"] = f'"{runbook.version}"'
    return runbook


_VERSION = TypeAdapter(Version)
_DIGITS = re.compile(r"[0-9]+")


def _parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match: "3"`` header names (a Version: 1 to 2^31 - 1)."""
    if value is None:
        return None
    cleaned = value.strip().removeprefix("W/").strip('"')
    if not _DIGITS.fullmatch(cleaned):
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise InvalidInput(f'If-Match must be a version number such as "3", not {shown!r}.')
    try:  # (more than 10 digits cannot be a version: never parse a huge number)
        return _VERSION.validate_python(int(cleaned) if len(cleaned) <= 10 else 0)
    except ValidationError:
        shown = cleaned if len(cleaned) <= 20 else cleaned[:20] + "..."
        raise InvalidInput(
            f"If-Match header: {shown} is not a version; versions run from 1 to {MAX_DB_INT}."
        ) from None


@router.delete("/{runbook_id}", status_code=status.HTTP_204_NO_CONTENT)
def archive_runbook(runbook_id: RunbookId, session: SessionDep, actor: ActorDep) -> Response:
    """Archive the runbook: hidden from lists and search; its versions are kept."""
    service.archive_runbook(session, runbook_id=runbook_id, actor=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{runbook_id}/versions", response_model=list[RunbookVersionInfo])
def list_versions(runbook_id: RunbookId, session: SessionDep):
    """Every saved version, newest first."""
    return service.list_versions(session, runbook_id=runbook_id)


@router.get("/{runbook_id}/versions/{version}", response_model=RunbookVersion)
def get_version(runbook_id: RunbookId, version: Annotated[Version, Path()], session: SessionDep):
    return service.get_version(session, runbook_id=runbook_id, version=version)


@router.post("/{runbook_id}/versions/{version}/restore", response_model=Runbook)
def restore_version(
    runbook_id: RunbookId,
    version: Annotated[Version, Path(description="The version to bring back.")],
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    body: Annotated[RunbookRestore | None, Body()] = None,
    if_match: IfMatch = None,
):
    """Make a new version equal to version `version` (its content and metadata; the source
    cases stay). Like any edit, send the runbook's current version (If-Match or `version` in
    the body); a stale one gets 409."""
    runbook = service.restore_version(
        session,
        runbook_id=runbook_id,
        version=version,
        request=body or RunbookRestore(),
        expected_version=_parse_if_match(if_match),
        actor=actor,
    )
    response.headers["ETag"] = f'"{runbook.version}"'
    return runbook


@router.get("/{runbook_id}/diff", response_model=RunbookDiff)
def diff_versions(
    runbook_id: RunbookId,
    session: SessionDep,
    from_: Annotated[
        Version | None,
        Query(alias="from", description="Older version (default: the one before `to`)."),
    ] = None,
    to: Annotated[Version | None, Query(description="Newer version (default: current).")] = None,
):
    """What changed between two versions: a unified diff of their markdown, the changed
    fields (dotted paths, metadata included) and the metadata before and after."""
    return service.diff_versions(session, runbook_id=runbook_id, from_version=from_, to_version=to)


@router.post("/{runbook_id}/feedback", status_code=status.HTTP_201_CREATED, response_model=Feedback)
def post_feedback(runbook_id: RunbookId, body: FeedbackIn, session: SessionDep, actor: ActorDep):
    """Did the runbook help? `outcome`: solved, partly or not_helpful, with an optional comment;
    with `case_id` it also marks the runbook as used in that case (one answer per runbook and
    case: a new one replaces it). A runbook with at least 3 answers, more than half of them
    not_helpful, is flagged for review (GET /analytics/runbooks)."""
    return give_feedback(
        session,
        runbook_id=runbook_id,
        case_id=body.case_id,
        outcome=body.outcome,
        comment=body.comment,
        actor=actor,
    )


@router.get("/{runbook_id}/feedback", response_model=RunbookFeedback)
def get_feedback(runbook_id: RunbookId, session: SessionDep):
    """The runbook's feedback: counts of solved / partly / not_helpful (all time), whether it is
    flagged for review (`needs_review`: at least 3 answers, more than half not_helpful), and
    the latest answers."""
    return feedback_of(session, runbook_id=runbook_id)
