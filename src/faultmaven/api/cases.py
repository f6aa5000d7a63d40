"""/api/v1/cases: open a case, record the investigation, resolve it, answer the runbook offer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from faultmaven.api.deps import ActorDep, PageDep, SessionDep
from faultmaven.api.routing import FaultMavenRoute
from faultmaven.assistant import conversation
from faultmaven.assistant.conversation import CaseTurn, MessageIn
from faultmaven.assistant.runbook_offer import (
    DuplicateChoice,
    OfferDecision,
    OfferOutcome,
    ResolutionTurn,
    decide_offer,
    make_runbook,
    resolve_with_offer,
)
from faultmaven.cases import service
from faultmaven.cases.schemas import (
    MAX_ITEMS,
    CaseCreate,
    CaseFields,
    CaseOrigin,
    CaseRecord,
    CaseStatus,
    CaseSummary,
    CloseRequest,
    ResolveRequest,
    Severity,
)
from faultmaven.cases.service import ENTRY_PATCH_MODELS, Phase
from faultmaven.errors import Conflict, InvalidInput
from faultmaven.jobs.service import Job
from faultmaven.kit.fields import EntityId
from faultmaven.kit.pagination import Page
from faultmaven.runbooks.schemas import MAX_CAUSES, Runbook
from faultmaven.suggestions.service import Suggestion, suggestions_for

router = APIRouter(prefix="/cases", tags=["cases"], route_class=FaultMavenRoute)
CaseId = Annotated[EntityId, Path(description="A case id, e.g. case_3f9a1c0b7d2e.")]


class EntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[Any] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description="Entries in the case record's shape for this phase (strings for symptoms "
        "and evidence, objects for the others).",
    )


class OfferDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: OfferDecision
    duplicate: DuplicateChoice = Field(
        default=DuplicateChoice.ask,
        description="If a similar runbook exists: ask (answer names it), add_cause (the case "
        "becomes another known cause of it), update (one of its causes: `cause`, else the one "
        "with the case's root cause, else a new cause), or new.",
    )
    runbook_id: EntityId | None = Field(
        default=None, description="With add_cause/update: the runbook (default: the similar one)."
    )
    cause: int | None = Field(
        default=None, ge=1, le=MAX_CAUSES, description="With update: the cause number to update."
    )


class RunbookFromCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duplicate: DuplicateChoice = DuplicateChoice.ask
    runbook_id: EntityId | None = None
    cause: int | None = Field(default=None, ge=1, le=MAX_CAUSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseTurn)
def create_case(data: CaseCreate, session: SessionDep, actor: ActorDep, response: Response):
    """Open a case with as much of the investigation record as you have (DESIGN.md §2). The
    assistant's answer offers similar published runbooks, each labelled "📖 <runbook title> —
    <confidence>" ("No similar runbook yet." when none clears the relevance floor)."""
    turn = conversation.open_case(session, data=data, actor=actor)
    response.headers["Location"] = f"/api/v1/cases/{turn.case.id}"
    return turn


@router.get("", response_model=Page[CaseSummary])
def list_cases(
    session: SessionDep,
    page: PageDep,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    severity: Severity | None = None,
    origin: Annotated[
        CaseOrigin | None,
        Query(
            description="Only cases recorded here (recorded) or only cases imported from "
            "documents such as post-mortems (imported)."
        ),
    ] = None,
):
    """Cases, newest first."""
    return service.list_cases(
        session,
        status=status_,
        severity=severity.value if severity else None,
        origin=origin,
        page=page,
    )


@router.get("/{case_id}", response_model=CaseRecord)
def get_case(case_id: CaseId, session: SessionDep):
    return service.get_case(session, case_id=case_id)


@router.patch("/{case_id}", response_model=CaseRecord)
def update_case(case_id: CaseId, changes: CaseFields, session: SessionDep, actor: ActorDep):
    """Replace the given fields (title, description, severity, systems, services, tags,
    root_cause, prevention). Add entries to a phase with POST /cases/{case_id}/{phase}.
    A changed problem description refreshes the case's similar-runbook suggestions."""
    case = service.update_case(session, case_id=case_id, changes=changes, actor=actor)
    if changes.model_fields_set & _PROBLEM_FIELDS:
        case = conversation.problem_changed(session, case_id=case_id).case
    return case


_PROBLEM_FIELDS = {"title", "description", "affected_systems", "services"}


@router.get("/{case_id}/suggestions", response_model=list[Suggestion])
def get_suggestions(case_id: CaseId, session: SessionDep):
    """Published runbooks similar to the case, best first (computed now)."""
    case = service.get_case(session, case_id=case_id)
    return suggestions_for(session, case=case)


@router.post("/{case_id}/messages", response_model=CaseTurn)
def post_message(case_id: CaseId, body: MessageIn, session: SessionDep, actor: ActorDep):
    """Say something in the case's conversation; the assistant answers. Understands the
    payloads FaultMaven suggests: "Show me runbook: <title>", the runbook offer's "Yes, create a
    runbook" / "No thanks", and "Add as another cause of <title>" / "Update cause N" / "Create a
    new runbook"."""
    return conversation.handle_message(session, case_id=case_id, content=body.content, actor=actor)


@router.post("/{case_id}/resolve", response_model=ResolutionTurn)
def resolve_case(
    case_id: CaseId,
    session: SessionDep,
    actor: ActorDep,
    request: Annotated[ResolveRequest | None, Body()] = None,
):
    """The fix is confirmed working. Needs a solution with outcome 'applied'. Answers with the
    assistant's runbook offer (made once per case)."""
    return resolve_with_offer(
        session, case_id=case_id, request=request or ResolveRequest(), actor=actor
    )


@router.post("/{case_id}/close", response_model=CaseRecord)
def close_case(case_id: CaseId, request: CloseRequest, session: SessionDep, actor: ActorDep):
    """Close the case from any state, with a reason. Closed cases are read-only."""
    return service.close_case(session, case_id=case_id, request=request, actor=actor)


@router.post("/{case_id}/runbook-offer", response_model=OfferOutcome)
def answer_runbook_offer(
    case_id: CaseId, body: OfferDecisionIn, session: SessionDep, actor: ActorDep
):
    """Accept (drafts and saves the runbook) or decline (closes the case without one). If a
    similar runbook exists, accepting asks first (see `duplicate`)."""
    return decide_offer(
        session,
        case_id=case_id,
        decision=body.decision,
        actor=actor,
        duplicate=body.duplicate,
        runbook_id=body.runbook_id,
        cause=body.cause,
    )


@router.post(
    "/{case_id}/runbook",
    status_code=status.HTTP_201_CREATED,
    response_model=Runbook | Job,
    responses={202: {"model": Job, "description": "An LLM is writing it: poll the job."}},
)
def create_runbook_from_case(
    case_id: CaseId,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    body: Annotated[RunbookFromCaseIn | None, Body()] = None,
):
    """Make the runbook from the case history, any time after the case was resolved (also after
    the offer was declined). If a similar runbook exists: 409 DUPLICATE_RUNBOOK naming it,
    unless `duplicate` is `add_cause` or `update` (adds the case to it: 200) or `new`. With an
    LLM configured the runbook is written by a job: 202 with the job (Location:
    /api/v1/jobs/{id})."""
    choice = body or RunbookFromCaseIn()
    outcome = make_runbook(
        session,
        case_id=case_id,
        actor=actor,
        duplicate=choice.duplicate,
        runbook_id=choice.runbook_id,
        cause=choice.cause,
    )
    if outcome.job is not None:
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Location"] = f"/api/v1/jobs/{outcome.job.id}"
        return outcome.job
    if outcome.runbook is None:
        hit = outcome.duplicate_of
        assert hit is not None
        raise Conflict(
            f'Runbook {hit.runbook.id} "{hit.runbook.title}" already covers this problem. '
            'Send {"duplicate": "update"} to add this case to it, or {"duplicate": "new"}.',
            code="DUPLICATE_RUNBOOK",
            details={"runbook_id": hit.runbook.id, "title": hit.runbook.title},
        )
    if outcome.updated_existing:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/runbooks/{outcome.runbook.id}"
    return outcome.runbook


@router.post("/{case_id}/{phase}", response_model=CaseRecord)
def add_entries(
    case_id: CaseId, phase: Phase, body: EntriesIn, session: SessionDep, actor: ActorDep
):
    """Append entries to a phase: symptoms, blast-radius, timeline, hypotheses, validations,
    evidence or solutions (messages go to POST /cases/{case_id}/messages). Each object entry
    gets an id. New symptoms refresh the similar-runbook suggestions."""
    case = service.add_entries(session, case_id=case_id, phase=phase, items=body.items, actor=actor)
    if phase is Phase.symptoms:
        case = conversation.problem_changed(session, case_id=case_id).case
    return case


@router.patch("/{case_id}/{phase}/{entry_id}", response_model=CaseRecord)
def update_entry(
    case_id: CaseId,
    phase: Phase,
    entry_id: Annotated[EntityId, Path()],
    changes: Annotated[dict[str, Any], Body()],
    session: SessionDep,
    actor: ActorDep,
):
    """Change one hypothesis (e.g. status), validation (output, conclusion) or solution
    (e.g. outcome 'applied')."""
    model = ENTRY_PATCH_MODELS.get(phase)
    if model is None:
        editable = ", ".join(p.value for p in ENTRY_PATCH_MODELS)
        raise InvalidInput(f"Entries of {phase.value} cannot be edited; editable: {editable}.")
    patch = service.parse_patch(model, changes)
    return service.update_entry(
        session, case_id=case_id, phase=phase, entry_id=entry_id, changes=patch, actor=actor
    )
