"""The workspace's small forms: add an entry to a phase (symptoms, blast radius, timeline,
hypotheses, validations, evidence, solutions), change one (a hypothesis's status, a solution's
outcome, a validation's output), the case's details, root cause and prevention; resolve and
close. Each calls the case services as the API does (a changed problem refreshes the similar
runbooks); a refused form shows the workspace again with the problems beside the fields and
the user's input kept (422), nothing written."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from faultmaven.assistant import conversation
from faultmaven.assistant.runbook_offer import resolve_with_offer
from faultmaven.cases import service
from faultmaven.cases.schemas import (
    CaseFields,
    CaseStatus,
    CloseRequest,
    Prevention,
    ResolveRequest,
    RootCause,
)
from faultmaven.cases.service import ENTRY_PATCH_MODELS, Phase
from faultmaven.errors import InvalidInput
from faultmaven.kit.fields import EntityId
from faultmaven.web.case_form import FormErrors, lines, service_errors, validate
from faultmaven.web.csrf import CSRF_FIELD
from faultmaven.web.deps import PageContext, RespondPage
from faultmaven.web.routing import WebRoute
from faultmaven.web.workspace import CaseId, FormState, render_workspace

router = APIRouter(prefix="/cases", route_class=WebRoute, include_in_schema=False)

# fields of the forms that are lists (a textarea, one per line)
LIST_FIELDS = frozenset(
    {
        "steps",
        "commands",
        "validation",
        "rollback",
        "evidence",
        "contributing_factors",
        "monitoring",
        "automation",
        "process",
        "services",
        "affected_systems",
        "tags",
    }
)
# optional fields whose blank means "not given"
BLANK_IS_NONE = frozenset({"at", "hypothesis"})
STRING_PHASES = (Phase.symptoms, Phase.evidence)  # entries are plain strings, one per line
PROBLEM_FIELDS = frozenset({"title", "description", "affected_systems", "services"})


async def _fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (the CSRF check has read the form already)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


Fields = Annotated[dict[str, str], Depends(_fields)]


def _data(fields: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in fields.items():
        if name in LIST_FIELDS:
            data[name] = lines(value)
        elif name in BLANK_IS_NONE and not value.strip():
            continue
        else:
            data[name] = value
    return data


def _refused(
    page: PageContext, case_id: str, name: str, fields: dict[str, str], errors: FormErrors
) -> Response:
    form = FormState(name=name, values=fields, errors=errors)
    return render_workspace(page, case_id, form=form, status_code=422)


def _done(page: PageContext, case_id: str, done: str, anchor: str = "") -> Response:
    page.wrote("case", case_id)
    target = f"/cases/{case_id}?done={done}" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(target, status_code=303)


@router.post("/{case_id}/add/{phase}")
def add_entry(case_id: CaseId, phase: Phase, page: RespondPage, fields: Fields) -> Response:
    """Append one entry to ``phase`` (symptoms and evidence: one per line)."""
    if phase is Phase.messages:
        raise InvalidInput("Messages are sent with the conversation's box.")
    name = f"add-{phase.value}"
    items: list[Any]
    if phase in STRING_PHASES:
        items = lines(fields.get("entries", ""))
        if not items:
            errors = FormErrors()
            errors.add("entries", "Write at least one line.")
            return _refused(page, case_id, name, fields, errors)
    else:
        items = [_data(fields)]
    try:
        service.add_entries(
            page.session, case_id=case_id, phase=phase, items=items, actor=page.actor
        )
    except InvalidInput as error:
        return _refused(page, case_id, name, fields, service_errors(error, list_field="entries"))
    if phase is Phase.symptoms:
        conversation.problem_changed(page.session, case_id=case_id)
    return _done(page, case_id, "added", anchor=phase.value)


EntryId = Annotated[EntityId, Path(description="The entry's id, e.g. hyp_3f9a1c0b7d2e.")]


@router.post("/{case_id}/edit/{phase}/{entry_id}")
def update_entry(
    case_id: CaseId, phase: Phase, entry_id: EntryId, page: RespondPage, fields: Fields
) -> Response:
    """Change fields of one hypothesis, validation or solution (blank fields stay as they are)."""
    model = ENTRY_PATCH_MODELS.get(phase)
    if model is None:
        raise InvalidInput(f"Entries of {phase.value} cannot be changed.")
    name = f"edit-{entry_id}"
    changes = {k: v for k, v in _data(fields).items() if k in model.model_fields and v != ""}
    try:
        patch = service.parse_patch(model, changes)
        service.update_entry(
            page.session,
            case_id=case_id,
            phase=phase,
            entry_id=entry_id,
            changes=patch,
            actor=page.actor,
        )
    except InvalidInput as error:
        return _refused(page, case_id, name, fields, service_errors(error))
    return _done(page, case_id, "updated", anchor=phase.value)


_PARTS: dict[str, tuple[str, Any] | None] = {
    "details": None,
    "root-cause": ("root_cause", RootCause),
    "prevention": ("prevention", Prevention),
}


@router.post("/{case_id}/record/{part}")
def update_part(case_id: CaseId, part: str, page: RespondPage, fields: Fields) -> Response:
    """Replace the case's details (title, description, severity, services, systems, tags), its
    root cause or its prevention notes."""
    if part not in _PARTS:
        raise InvalidInput(f"{part!r} is not a part of the case; one of {', '.join(_PARTS)}.")
    target = _PARTS[part]
    data = _data(fields)
    if target is not None:
        name, model = target
        value, errors = validate(model, data)
        if not errors:
            data = {name: value}
    else:
        value, errors = validate(CaseFields, data)
    if errors:
        return _refused(page, case_id, part, fields, errors)
    try:
        changes = CaseFields.model_validate(data)
        service.update_case(page.session, case_id=case_id, changes=changes, actor=page.actor)
    except InvalidInput as error:
        return _refused(page, case_id, part, fields, service_errors(error))
    if changes.model_fields_set & PROBLEM_FIELDS:
        conversation.problem_changed(page.session, case_id=case_id)
    return _done(page, case_id, "updated", anchor=part)


@router.post("/{case_id}/resolve")
def resolve(
    case_id: CaseId, page: RespondPage, note: Annotated[str, Form(max_length=20_000)] = ""
) -> Response:
    """The fix is confirmed working: resolve, and show the assistant's answer (the runbook
    offer) with its buttons. Sent again (a reload, a double click) for a case already resolved
    or closed: back to the case, which says so, rather than an error page."""
    status = service.get_case(page.session, case_id=case_id).status
    if status in (CaseStatus.resolved, CaseStatus.closed):
        return _done(page, case_id, f"already-{status.value}", anchor="conversation")
    turn = resolve_with_offer(
        page.session, case_id=case_id, request=ResolveRequest(note=note), actor=page.actor
    )
    page.wrote("case", case_id)
    return render_workspace(page, case_id, turn=turn.assistant)


@router.post("/{case_id}/close")
def close(
    case_id: CaseId, page: RespondPage, reason: Annotated[str, Form(max_length=20_000)] = ""
) -> Response:
    request, errors = validate(CloseRequest, {"reason": reason})
    if errors:
        return _refused(page, case_id, "close", {"reason": reason}, errors)
    service.close_case(page.session, case_id=case_id, request=request, actor=page.actor)
    return _done(page, case_id, "closed")
