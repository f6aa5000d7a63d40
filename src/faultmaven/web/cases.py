"""The case list ``/cases`` (filters: status, severity, service, origin; pages of 25) and the
new-case page ``/cases/new``: the case record as a form, or pasted as JSON in the shape of
``POST /api/v1/cases`` (DESIGN.md §2). A refused form comes back with each problem beside its
field and everything the user typed still in it; nothing is written. Opening a case goes
through the conversation service, as the API's does (similar runbooks are looked for)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from faultmaven.assistant import conversation
from faultmaven.cases import service
from faultmaven.cases.schemas import CaseCreate, CaseOrigin, CaseStatus, Severity
from faultmaven.errors import InvalidInput
from faultmaven.kit.pagination import PageRequest
from faultmaven.web.case_form import (
    FormErrors,
    lines,
    parse_json_record,
    service_errors,
    validate,
)
from faultmaven.web.deps import PageContext, RespondPage, ViewPage
from faultmaven.web.routing import WebRoute
from faultmaven.web.templating import render
from faultmaven.web.workspace import may_respond

router = APIRouter(prefix="/cases", route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 25
MULTI_FIELDS = ("services", "affected_systems", "symptoms", "tags")
_E = TypeVar("_E", bound=StrEnum)
FilterQ = Annotated[str, Query(max_length=200)]


def _choice(kind: type[_E], value: str, name: str, problems: list[str]) -> _E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        problems.append(f"The {name} filter was ignored: it is one of {', '.join(kind)}.")
        return None


@router.get("", response_class=HTMLResponse)
def case_list(
    page: ViewPage,
    status: FilterQ = "",
    severity: FilterQ = "",
    service_: Annotated[str, Query(alias="service", max_length=200)] = "",
    origin: FilterQ = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    problems: list[str] = []
    status_ = _choice(CaseStatus, status, "status", problems)
    severity_ = _choice(Severity, severity, "severity", problems)
    origin_ = _choice(CaseOrigin, origin, "origin", problems)
    service_name = service_.strip() or None
    found = service.list_cases(
        page.session,
        status=status_,
        severity=severity_.value if severity_ else None,
        origin=origin_,
        service=service_name,
        page=PageRequest(limit=PAGE_SIZE, offset=offset),
    )
    chosen = {"status": status_, "severity": severity_, "origin": origin_, "service": service_name}
    query = {k: (v.value if isinstance(v, StrEnum) else v) for k, v in chosen.items() if v}
    context = {
        "found": found,
        "query": query,
        "problems": problems,
        "statuses": list(CaseStatus),
        "severities": list(Severity),
        "origins": list(CaseOrigin),
        "previous_offset": max(0, offset - PAGE_SIZE) if offset else None,
        "next_offset": offset + PAGE_SIZE if found.has_more else None,
        "may_respond": may_respond(page),
    }
    return render(page.request, "cases/list.html", context)


def _new_form(
    page: PageContext,
    *,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    json_text: str = "",
    json_errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "values": values or {"severity": Severity.medium.value},
        "errors": errors or FormErrors(),
        "json_text": json_text,
        "json_errors": json_errors or FormErrors(),
        "severities": list(Severity),
    }
    return render(page.request, "cases/new.html", context, status_code=status_code)


@router.get("/new", response_class=HTMLResponse)
def new_case_form(page: RespondPage) -> HTMLResponse:
    return _new_form(page)


def _open(page: PageContext, data: CaseCreate) -> Response:
    turn = conversation.open_case(page.session, data=data, actor=page.actor)
    page.wrote("case", turn.case.id)
    return RedirectResponse(f"/cases/{turn.case.id}?done=opened", status_code=303)


Multi = Annotated[str, Form(max_length=200_000)]


@router.post("/new")
def create_from_form(
    page: RespondPage,
    title: Annotated[str, Form(max_length=2000)] = "",
    description: Annotated[str, Form(max_length=40_000)] = "",
    severity: Annotated[str, Form(max_length=20)] = "medium",
    services: Multi = "",
    affected_systems: Multi = "",
    symptoms: Multi = "",
    tags: Multi = "",
) -> Response:
    """The case record from the form's fields (multi-value fields: one per line)."""
    typed = {
        "title": title,
        "description": description,
        "severity": severity,
        "services": services,
        "affected_systems": affected_systems,
        "symptoms": symptoms,
        "tags": tags,
    }
    data = {k: lines(v) if k in MULTI_FIELDS else v for k, v in typed.items()}
    case, errors = validate(CaseCreate, data)
    if errors:
        return _new_form(page, values=typed, errors=errors, status_code=422)
    try:
        return _open(page, case)
    except InvalidInput as error:
        return _new_form(page, values=typed, errors=service_errors(error), status_code=422)


@router.post("/new/json")
def create_from_json(
    page: RespondPage, record: Annotated[str, Form(max_length=2_000_000)] = ""
) -> Response:
    """The case record pasted as JSON (the body of POST /api/v1/cases)."""
    case, errors = parse_json_record(record, CaseCreate)
    if case is None:
        return _new_form(page, json_text=record, json_errors=errors, status_code=422)
    assert isinstance(case, CaseCreate)
    try:
        return _open(page, case)
    except InvalidInput as error:
        return _new_form(page, json_text=record, json_errors=service_errors(error), status_code=422)
