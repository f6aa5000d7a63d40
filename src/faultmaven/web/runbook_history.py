"""A runbook's version history (``/runbooks/{id}/history``): every version, any two side by
side (``?from=&to=``, the history service's comparison: runbooks/history.py) and restore (a
form: a new version equal to an old one, naming the version it was shown)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, Response

from faultmaven.kit.fields import Version
from faultmaven.runbooks import service
from faultmaven.runbooks.history import version_markdown
from faultmaven.runbooks.schemas import RunbookRestore
from faultmaven.web.deps import EditPage, PageContext, ViewPage
from faultmaven.web.diff_view import side_by_side
from faultmaven.web.routing import WebRoute
from faultmaven.web.runbooks import RunbookId, VersionField, see_runbook
from faultmaven.web.templating import render

router = APIRouter(prefix="/runbooks", route_class=WebRoute, include_in_schema=False)


def comparison(page: PageContext, runbook_id: str, older: int, newer: int) -> dict:
    """What changed from version ``older`` to ``newer``: the fields and metadata (the history
    service's diff) and the markdown side by side."""
    diff = service.diff_versions(
        page.session, runbook_id=runbook_id, from_version=older, to_version=newer
    )
    before = service.get_version(page.session, runbook_id=runbook_id, version=older)
    after = service.get_version(page.session, runbook_id=runbook_id, version=newer)
    rows = side_by_side(version_markdown(before), version_markdown(after))
    return {"diff": diff, "rows": rows, "left_label": f"v{older}", "right_label": f"v{newer}"}


OptionalVersion = Annotated[Version | None, Query()]


@router.get("/{runbook_id}/history", response_class=HTMLResponse)
def history(
    runbook_id: RunbookId,
    page: ViewPage,
    from_: Annotated[Version | None, Query(alias="from")] = None,
    to: OptionalVersion = None,
) -> HTMLResponse:
    runbook = service.get_runbook(page.session, runbook_id=runbook_id)
    versions = service.list_versions(page.session, runbook_id=runbook_id)
    newer = to or runbook.version
    older = from_ or max(newer - 1, 1)
    context = {"runbook": runbook, "versions": versions, "older": older, "newer": newer}
    if older != newer:
        context |= comparison(page, runbook_id, older, newer)
    return render(page.request, "runbook_history.html", context)


@router.post("/{runbook_id}/versions/{version}/restore")
def restore(
    runbook_id: RunbookId,
    version: Annotated[Version, Path(description="The version to bring back.")],
    current: VersionField,
    page: EditPage,
    change_note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    service.restore_version(
        page.session,
        runbook_id=runbook_id,
        version=version,
        request=RunbookRestore(change_note=change_note),
        expected_version=current,
        actor=page.actor,
    )
    page.wrote("runbook", runbook_id)
    return see_runbook(runbook_id, "restored")
