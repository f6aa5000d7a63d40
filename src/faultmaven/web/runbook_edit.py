"""Editing a runbook (``/runbooks/{id}/edit``): its content as markdown in a textarea with a live
preview (the ``/preview`` fragment: the text read back as a runbook, or what stops it from
reading as one) and its metadata (services, tags, owner, review-by date) as fields, saved as a
new version naming the version it edits. (The markdown holds no metadata: a "**Services**:"
line would be shown but not read back, and an edit there would be lost.) When someone saved in
between, nothing is saved and nothing is lost: the page answers 409 with what they changed
(their version against the one you edited), what your text would change against theirs, and
your text and fields still in the form, now based on their version (saving again keeps yours
over theirs, on purpose)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from faultmaven.errors import Conflict, InvalidInput
from faultmaven.runbooks import service
from faultmaven.runbooks.frontmatter import body_of
from faultmaven.runbooks.markdown import parse_markdown, render_markdown
from faultmaven.runbooks.schemas import Runbook, RunbookContent, RunbookUpdate
from faultmaven.web.deps import EditPage, PageContext, reads_only
from faultmaven.web.diff_view import side_by_side
from faultmaven.web.routing import WebRoute
from faultmaven.web.runbook_history import comparison
from faultmaven.web.runbooks import RunbookId, VersionField, see_runbook
from faultmaven.web.templating import render

router = APIRouter(prefix="/runbooks", route_class=WebRoute, include_in_schema=False)
MAX_MARKDOWN = 1_000_000
MarkdownField = Annotated[str, Form(max_length=MAX_MARKDOWN)]
NoteField = Annotated[str, Form(max_length=500)]
ListField = Annotated[str, Form(max_length=20_000)]
LineField = Annotated[str, Form(max_length=300)]
_KEPT = {"status", "visibility"}  # metadata the form does not change


@dataclass
class Metadata:
    """The form's metadata fields, as typed (shown back as typed when something is wrong)."""

    services: str = ""
    tags: str = ""
    owner: str = ""
    review_by: str = ""

    @classmethod
    def of(cls, runbook: Runbook) -> Metadata:
        review = runbook.review_by.isoformat() if runbook.review_by else ""
        return cls(
            ", ".join(runbook.services), ", ".join(runbook.tags), runbook.owner or "", review
        )

    def values(self) -> dict[str, Any]:
        def names(text: str) -> list[str]:
            return [name.strip() for name in text.split(",") if name.strip()]

        return {
            "services": names(self.services),
            "tags": names(self.tags),
            "owner": self.owner.strip() or None,
            "review_by": self.review_by.strip() or None,
        }


def content_markdown(runbook: RunbookContent) -> str:
    """The text the editor holds: the content alone (no dates, no metadata lines)."""
    return render_markdown(RunbookContent.model_validate(runbook, from_attributes=True))


def _edit_page(
    page: PageContext,
    runbook: Runbook,
    *,
    text: str,
    meta: Metadata,
    change_note: str = "",
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    context = {"runbook": runbook, "text": text, "meta": meta, "change_note": change_note}
    context |= extra
    return render(page.request, "runbook_edit.html", context, status_code=status_code)


@router.get("/{runbook_id}/edit", response_class=HTMLResponse)
def edit_form(runbook_id: RunbookId, page: EditPage) -> HTMLResponse:
    runbook = service.get_runbook(page.session, runbook_id=runbook_id)
    return _edit_page(page, runbook, text=content_markdown(runbook), meta=Metadata.of(runbook))


def _read(text: str) -> RunbookContent:
    """``text`` read as a runbook (an exported file's front matter is set aside: the metadata
    are the form's own fields); InvalidInput (a MarkdownError names the line) otherwise."""
    if not text.strip():
        raise InvalidInput("The text is empty; a runbook needs at least its title (# Title).")
    return parse_markdown(body_of(text)).content


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


def _update(
    runbook: Runbook, content: RunbookContent, meta: Metadata, note: str, version: int
) -> RunbookUpdate:
    """The whole runbook as a PUT sends it: the edited content and metadata, the rest as is."""
    try:
        return RunbookUpdate.model_validate(
            {
                **runbook.model_dump(mode="json", include=_KEPT),
                **content.model_dump(mode="json"),
                **meta.values(),
                "version": version,
                "change_note": note or "edited in the browser",
            }
        )
    except ValidationError as error:
        raise InvalidInput.from_validation(error, "Check the fields") from None


@router.post("/{runbook_id}/edit", response_class=HTMLResponse)
def save(
    runbook_id: RunbookId,
    version: VersionField,
    page: EditPage,
    markdown: MarkdownField = "",
    change_note: NoteField = "",
    services: ListField = "",
    tags: ListField = "",
    owner: LineField = "",
    review_by: LineField = "",
) -> Response:
    runbook = service.get_runbook(page.session, runbook_id=runbook_id)
    meta = Metadata(services, tags, owner, review_by)
    answer = partial(_edit_page, page, runbook, text=markdown, meta=meta, change_note=change_note)
    try:
        content = _read(markdown)
        data = _update(runbook, content, meta, change_note, version)
    except InvalidInput as error:
        return answer(problem=error.message, status_code=422)
    try:
        service.update_runbook(
            page.session,
            runbook_id=runbook_id,
            data=data,
            expected_version=version,
            actor=page.actor,
        )
    except Conflict as conflict:
        if conflict.code != "STALE_VERSION" or version >= runbook.version:
            raise
        theirs = comparison(page, runbook_id, version, runbook.version)
        yours = side_by_side(content_markdown(runbook), render_markdown(content))
        return answer(theirs=theirs, yours=yours, edited=version, status_code=409)
    page.wrote("runbook", runbook_id)
    return see_runbook(runbook_id, "saved")
