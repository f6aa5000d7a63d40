"""Editing a runbook's markdown (``/runbooks/{id}/edit``): a textarea with a live preview (the
``/preview`` fragment: the text read back as a runbook, or what stops it from reading as one),
saved as a new version naming the version it edits. When someone saved in between, nothing is
saved and nothing is lost: the page answers 409 with what they changed (their version against
the one you edited), what your text would change against theirs, and your text still in the
form, now based on their version (saving again keeps yours over theirs, on purpose)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from faultmaven.errors import Conflict, InvalidInput
from faultmaven.runbooks import service
from faultmaven.runbooks.markdown import parse_markdown, render_markdown
from faultmaven.runbooks.schemas import Runbook, RunbookContent, RunbookUpdate
from faultmaven.web.deps import EditPage, PageContext, reads_only
from faultmaven.web.diff_view import side_by_side
from faultmaven.web.routing import WebRoute
from faultmaven.web.runbook_history import comparison
from faultmaven.web.runbooks import RunbookId, VersionField, page_markdown, see_runbook
from faultmaven.web.templating import render

router = APIRouter(prefix="/runbooks", route_class=WebRoute, include_in_schema=False)
MAX_MARKDOWN = 1_000_000
MarkdownField = Annotated[str, Form(max_length=MAX_MARKDOWN)]
NoteField = Annotated[str, Form(max_length=500)]
_METADATA = {"status", "services", "tags", "owner", "review_by", "visibility"}


def _edit_page(
    page: PageContext,
    runbook: Runbook,
    *,
    text: str,
    change_note: str = "",
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    context = {"runbook": runbook, "text": text, "change_note": change_note, **extra}
    return render(page.request, "runbook_edit.html", context, status_code=status_code)


@router.get("/{runbook_id}/edit", response_class=HTMLResponse)
def edit_form(runbook_id: RunbookId, page: EditPage) -> HTMLResponse:
    runbook = service.get_runbook(page.session, runbook_id=runbook_id)
    return _edit_page(page, runbook, text=page_markdown(runbook))


def _read(text: str) -> RunbookContent:
    """``text`` read as a runbook; InvalidInput (a MarkdownError names the line) otherwise."""
    if not text.strip():
        raise InvalidInput("The text is empty; a runbook needs at least its title (# Title).")
    return parse_markdown(text).content


@router.post("/{runbook_id}/preview", response_class=HTMLResponse)
@reads_only
def preview(runbook_id: RunbookId, page: EditPage, markdown: MarkdownField = "") -> HTMLResponse:
    """The preview fragment: the text as it will be saved (read back, then rendered)."""
    service.get_runbook(page.session, runbook_id=runbook_id)  # may see and change it
    try:
        shown, problem = render_markdown(_read(markdown)), None
    except InvalidInput as error:
        shown, problem = markdown, error.message
    context = {"preview": shown, "problem": problem}
    return render(page.request, "partials/runbook_preview.html", context)


def _update(runbook: Runbook, content: RunbookContent, note: str, version: int) -> RunbookUpdate:
    """The whole runbook as a PUT sends it: the edited content, the metadata as it is."""
    return RunbookUpdate.model_validate(
        {
            **runbook.model_dump(mode="json", include=_METADATA),
            **content.model_dump(mode="json"),
            "version": version,
            "change_note": note or "edited in the browser",
        }
    )


@router.post("/{runbook_id}/edit", response_class=HTMLResponse)
def save(
    runbook_id: RunbookId,
    version: VersionField,
    page: EditPage,
    markdown: MarkdownField = "",
    change_note: NoteField = "",
) -> Response:
    runbook = service.get_runbook(page.session, runbook_id=runbook_id)
    keep = {"text": markdown, "change_note": change_note}
    try:
        content = _read(markdown)
    except InvalidInput as error:
        return _edit_page(page, runbook, **keep, problem=error.message, status_code=422)
    try:
        service.update_runbook(
            page.session,
            runbook_id=runbook_id,
            data=_update(runbook, content, change_note, version),
            expected_version=version,
            actor=page.actor,
        )
    except Conflict as conflict:
        if conflict.code != "STALE_VERSION" or version >= runbook.version:
            raise
        theirs = comparison(page, runbook_id, version, runbook.version)
        yours = side_by_side(render_markdown(runbook), render_markdown(content))
        return _edit_page(
            page, runbook, **keep, theirs=theirs, yours=yours, edited=version, status_code=409
        )
    page.wrote("runbook", runbook_id)
    return see_runbook(runbook_id, "saved")
