"""/api/v1/cases: open a case, record the investigation, resolve it, answer the runbook offer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from faultmaven.api.deps import ActorDep, PageDep, SessionDep
from faultmaven.assistant.doctor_patient import LLMResponse
from faultmaven.assistant.runbook_offer import (
    OfferDecision,
    OfferOutcome,
    ResolutionTurn,
    decide_offer,
    resolve_with_offer,
)
from faultmaven.cases import service
from faultmaven.cases.schemas import (
    MAX_ITEMS,
    CaseCreate,
    CaseFields,
    CaseRecord,
    CaseStatus,
    CaseSummary,
    CloseRequest,
    ResolveRequest,
    Severity,
)
from faultmaven.cases.service import ENTRY_PATCH_MODELS, Phase
from faultmaven.errors import InvalidInput
from faultmaven.kit.pagination import Page
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import Runbook

router = APIRouter(prefix="/cases", tags=["cases"])
CaseId = Annotated[str, Path(max_length=40, description="A case id, e.g. case_3f9a1c0b7d2e.")]


class CaseTurn(BaseModel):
    case: CaseRecord
    assistant: LLMResponse | None = Field(
        default=None, description="What the assistant says about the new case, if anything."
    )


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


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseTurn)
def create_case(data: CaseCreate, session: SessionDep, actor: ActorDep, response: Response):
    """Open a case with as much of the investigation record as you have (DESIGN.md §2)."""
    case = service.create_case(session, data=data, actor=actor)
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return CaseTurn(case=case)


@router.get("", response_model=Page[CaseSummary])
def list_cases(
    session: SessionDep,
    page: PageDep,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    severity: Severity | None = None,
):
    """Cases, newest first."""
    return service.list_cases(
        session, status=status_, severity=severity.value if severity else None, page=page
    )


@router.get("/{case_id}", response_model=CaseRecord)
def get_case(case_id: CaseId, session: SessionDep):
    return service.get_case(session, case_id=case_id)


@router.patch("/{case_id}", response_model=CaseRecord)
def update_case(case_id: CaseId, changes: CaseFields, session: SessionDep, actor: ActorDep):
    """Replace the given fields (title, description, severity, systems, services, tags,
    root_cause, prevention). Add entries to a phase with POST /cases/{case_id}/{phase}."""
    return service.update_case(session, case_id=case_id, changes=changes, actor=actor)


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
    """Accept (drafts and saves the runbook) or decline (closes the case without one)."""
    return decide_offer(session, case_id=case_id, decision=body.decision, actor=actor)


@router.post("/{case_id}/runbook", status_code=status.HTTP_201_CREATED, response_model=Runbook)
def create_runbook_from_case(
    case_id: CaseId, session: SessionDep, actor: ActorDep, response: Response
):
    """Make the runbook from the case history, any time after the case was resolved (also after
    the offer was declined)."""
    runbook = runbooks_service.create_from_case(session, case_id=case_id, actor=actor)
    response.headers["Location"] = f"/api/v1/runbooks/{runbook.id}"
    return runbook


@router.post("/{case_id}/{phase}", response_model=CaseRecord)
def add_entries(
    case_id: CaseId, phase: Phase, body: EntriesIn, session: SessionDep, actor: ActorDep
):
    """Append entries to a phase: symptoms, blast-radius, timeline, hypotheses, validations,
    evidence, solutions or messages. Each object entry gets an id."""
    return service.add_entries(session, case_id=case_id, phase=phase, items=body.items, actor=actor)


@router.patch("/{case_id}/{phase}/{entry_id}", response_model=CaseRecord)
def update_entry(
    case_id: CaseId,
    phase: Phase,
    entry_id: Annotated[str, Path(max_length=40)],
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
