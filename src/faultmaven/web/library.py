"""The runbook library at ``/``: hybrid search with filters, results as you type (the
``/library/results`` fragment) and on Enter (``GET /?q=``, no JavaScript needed); without a
query, the runbooks most recently updated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError, field_validator

from faultmaven.accounts import service as accounts_service
from faultmaven.cases.schemas import Severity
from faultmaven.errors import InvalidInput
from faultmaven.kit.access import DEFAULT_TEAM_ID, viewer_of
from faultmaven.kit.pagination import PageRequest
from faultmaven.runbooks import service
from faultmaven.runbooks.schemas import KnownCause, Runbook, RunbookStatus
from faultmaven.runbooks.service import RunbookFilters, SearchHit
from faultmaven.search.query import MAX_QUERY_CHARS
from faultmaven.web.deps import PageContext, ViewPage
from faultmaven.web.routing import WebRoute
from faultmaven.web.templating import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
RESULTS = 20


class LibraryQuery(BaseModel):
    """The search form's fields; anything unusable becomes a message, never an error page."""

    q: str = Field(default="", max_length=MAX_QUERY_CHARS)
    service: str = Field(default="", max_length=300)
    tag: str = Field(default="", max_length=300)
    team: str = Field(default="", max_length=300)
    severity: Severity | None = None
    status: RunbookStatus | None = None

    @field_validator("severity", "status", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("q", "service", "tag", "team", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    def filters(self) -> RunbookFilters:
        return RunbookFilters(
            status=self.status,
            severity=self.severity,
            service=self.service or None,
            tag=self.tag or None,
            team=self.team or None,
        )


@dataclass
class Result:
    """A result card: the hit, and the known cause the query matched best (if any)."""

    hit: SearchHit
    cause: KnownCause | None
    cause_number: int | None


def _cause_text(cause: KnownCause) -> str:
    checks = [f"{c.description} {c.command} {c.conclusion}" for c in cause.checks]
    return " ".join([cause.root_cause.cause, *checks])


def best_cause(runbook: Runbook, terms: list[str]) -> tuple[KnownCause | None, int | None]:
    """The known cause whose text holds the most query words as words (or word beginnings,
    as the highlighting marks them; the first on a tie, the only one when there is one)."""
    if not runbook.causes:
        return None, None
    words = [re.compile(rf"\b{re.escape(term)}", re.IGNORECASE) for term in terms]
    scores = [sum(bool(w.search(_cause_text(c))) for w in words) for c in runbook.causes]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return runbook.causes[best], best + 1


def _parse(raw: dict[str, str]) -> tuple[LibraryQuery, str | None]:
    try:
        return LibraryQuery.model_validate(raw), None
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(p) for p in problem.get("loc", ()))
        return LibraryQuery(q=raw.get("q", "")[:MAX_QUERY_CHARS]), (
            f"The {field} filter was ignored: {problem['msg']}."
        )


def _results(page: PageContext, query: LibraryQuery, *, counted: bool) -> dict[str, Any]:
    """The listing (no query) or the search results; ``counted``: the search is one a person
    made (the page itself: Enter, a link), counted for analytics — the results fetched while
    typing are not, or every keystroke would count."""
    if not query.q:
        listed = service.list_runbooks(
            page.session, filters=query.filters(), page=PageRequest(limit=RESULTS, offset=0)
        )
        return {"listing": listed.items, "total": listed.total_count, "results": None}
    try:
        found = service.search_runbooks(
            page.session,
            query=query.q,
            filters=query.filters(),
            limit=RESULTS,
            actor=page.actor if counted else None,
        )
    except InvalidInput as error:
        return {"results": [], "terms": [], "problem": error.message, "notes": []}
    results = []
    for hit in found.items:
        runbook = service.get_runbook(page.session, runbook_id=hit.runbook.id)
        cause, number = best_cause(runbook, hit.why.matched_terms or found.terms)
        results.append(Result(hit, cause, number))
    return {"results": results, "terms": found.terms, "notes": found.notes}


def _teams(page: PageContext, query: LibraryQuery) -> tuple[list[str], str | None]:
    """The teams the filter offers, and a problem with the one asked for. Offered: the
    viewer's own teams, or every team for a viewer who sees everything (local mode, the
    CLI's database); none while the only team is the default one (no accounts yet). A team
    asked for by name (a link) is offered too; an unknown one is ignored, with a message."""
    every = accounts_service.team_names(page.session)
    if viewer_of(page.session).unrestricted:
        offered = [] if set(every) <= {DEFAULT_TEAM_ID} else list(every.values())
    else:
        offered = sorted(page.principal.team_names.values())
    if not query.team:
        return offered, None
    if query.team not in every.values():
        return offered, f"The team filter was ignored: no team is named {query.team!r}."
    return sorted({*offered, query.team}), None


def _context(page: PageContext, raw: dict[str, str], *, counted: bool) -> dict[str, Any]:
    query, problem = _parse(raw)
    teams, team_problem = _teams(page, query)
    if team_problem:
        query, problem = query.model_copy(update={"team": ""}), problem or team_problem
    context = {
        "query": query,
        "severities": list(Severity),
        "statuses": list(RunbookStatus),
        "teams": teams,
        **_results(page, query, counted=counted),
    }
    context["problem"] = context.get("problem") or problem
    return context


TextQ = Annotated[str, Query(max_length=2000)]


def _form(
    q: TextQ = "",
    service_: Annotated[str, Query(alias="service", max_length=2000)] = "",
    tag: TextQ = "",
    team: TextQ = "",
    severity: TextQ = "",
    status: TextQ = "",
) -> dict[str, str]:
    return {
        "q": q,
        "service": service_,
        "tag": tag,
        "team": team,
        "severity": severity,
        "status": status,
    }


FormDep = Annotated[dict[str, str], Depends(_form)]


@router.get("/", response_class=HTMLResponse)
def library(page: ViewPage, form: FormDep) -> HTMLResponse:
    return render(page.request, "library.html", _context(page, form, counted=True))


@router.get("/library/results", response_class=HTMLResponse)
def library_results(page: ViewPage, form: FormDep) -> HTMLResponse:
    """The results part of the library, for the search-as-you-type script."""
    return render(
        page.request, "partials/library_results.html", _context(page, form, counted=False)
    )
