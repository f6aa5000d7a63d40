"""The runbook page ``/runbooks/{id}``: the runbook rendered from its markdown (sanitised), the
known causes as a decision path, metadata and source cases; publish and archive (forms) and
export (markdown with front matter, as ``faultmaven runbooks export`` writes it, and JSON, as
``GET /api/v1/runbooks/{id}`` answers) through the pages, so the session cookie works.
History, diff and restore: web/runbook_history.py; editing: web/runbook_edit.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from faultmaven.events.schemas import ViewSource
from faultmaven.kit.fields import EntityId, Version
from faultmaven.runbooks import service
from faultmaven.runbooks.frontmatter import render_document
from faultmaven.runbooks.markdown import render_markdown
from faultmaven.runbooks.schemas import Runbook, RunbookPatch, RunbookStatus
from faultmaven.web.deps import EditPage, ViewPage
from faultmaven.web.routing import WebRoute
from faultmaven.web.templating import render

router = APIRouter(prefix="/runbooks", route_class=WebRoute, include_in_schema=False)
RunbookId = Annotated[EntityId, Path(description="A runbook id, e.g. rb_3f9a1c0b7d2e.")]
VersionField = Annotated[Version, Form(description="The version the button was shown for.")]

# what a page says after a form post redirected to it (?done=...): fixed texts, never echoed
NOTICES = {
    "published": "Published.",
    "archived": "Archived: hidden from the library and search; every version is kept.",
    "saved": "Saved as a new version.",
    "restored": "Restored as a new version.",
}


def page_markdown(runbook: Runbook) -> str:
    """The markdown the page shows (the API's ``?format=markdown``, without front matter)."""
    return render_markdown(
        runbook, created=runbook.created_at.date(), last_updated=runbook.updated_at.date()
    )


def source_cases(runbook: Runbook) -> list[str]:
    """The cases the runbook was made from, then those of each known cause (once each)."""
    of_causes = [case for cause in runbook.causes for case in cause.source_case_ids]
    return list(dict.fromkeys([*runbook.source_case_ids, *of_causes]))


def view_source(value: str) -> ViewSource:
    """Where the reader came from (``?from=``, as the API takes it): search (library results),
    suggestion (with ``case_id``: a suggestion opened; the workspace's "📖" buttons record theirs
    through the conversation), link (links between pages). Anything else, or nothing (a typed
    address), counts as direct."""
    try:
        return ViewSource(value)
    except ValueError:
        return ViewSource.direct


def see_runbook(runbook_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/runbooks/{runbook_id}?done={done}", status_code=303)


@router.get("/{runbook_id}", response_class=HTMLResponse)
def runbook_page(
    runbook_id: RunbookId,
    page: ViewPage,
    done: Annotated[str, Query(max_length=20)] = "",
    from_: Annotated[str, Query(alias="from", max_length=20)] = "",
    case_id: Annotated[EntityId | None, Query(description="The case it is read for.")] = None,
) -> HTMLResponse:
    """The runbook; the read is counted (``view_runbook``) with where it came from, except on
    the page a form post of this runbook redirected to (``?done=``: not a new read)."""
    if done in NOTICES:
        runbook = service.get_runbook(page.session, runbook_id=runbook_id)
    else:
        runbook = service.view_runbook(
            page.session,
            runbook_id=runbook_id,
            actor=page.actor,
            source=view_source(from_),
            case_id=case_id,
        )
    markdown = page_markdown(runbook)
    title, _, body = markdown.partition("\n")  # the page's <h1> shows the title
    context = {
        "runbook": runbook,
        "markdown": body if title.startswith("# ") else markdown,
        "notice": NOTICES.get(done),
        "source_cases": source_cases(runbook),
        "statuses": RunbookStatus,
    }
    return render(page.request, "runbook.html", context)


@router.post("/{runbook_id}/publish")
def publish(runbook_id: RunbookId, version: VersionField, page: EditPage) -> Response:
    """Publish the runbook (a new version whose status is published), if still at ``version``."""
    service.patch_runbook(
        page.session,
        runbook_id=runbook_id,
        patch=RunbookPatch.model_validate({"status": "published", "change_note": "published"}),
        expected_version=version,
        actor=page.actor,
    )
    page.wrote("runbook", runbook_id)
    return see_runbook(runbook_id, "published")


@router.post("/{runbook_id}/archive")
def archive(runbook_id: RunbookId, page: EditPage) -> Response:
    service.archive_runbook(page.session, runbook_id=runbook_id, actor=page.actor)
    page.wrote("runbook", runbook_id)
    return see_runbook(runbook_id, "archived")


def _download(body: str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/{runbook_id}/export.md")
def export_markdown(runbook_id: RunbookId, page: ViewPage) -> Response:
    """Markdown with YAML front matter: the file ``faultmaven runbooks export`` writes."""
    runbook = service.get_runbook(page.session, runbook_id=runbook_id)
    return _download(render_document(runbook), "text/markdown; charset=utf-8", f"{runbook.id}.md")


@router.get("/{runbook_id}/export.json")
def export_json(runbook_id: RunbookId, page: ViewPage) -> Response:
    """The runbook as ``GET /api/v1/runbooks/{id}`` answers it."""
    runbook = service.get_runbook(page.session, runbook_id=runbook_id)
    return _download(runbook.model_dump_json(indent=2), "application/json", f"{runbook.id}.json")
