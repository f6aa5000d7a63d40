"""Case lifecycle: create, read, record the investigation, resolve, close.

Services take keyword-only arguments, raise FaultMavenError subclasses and never commit.
Status rules: ``open -> investigating -> resolved -> closed``; recording any investigation entry
moves an open case to investigating; resolving needs an ``applied`` solution; a closed case is
read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from faultmaven.cases import repository
from faultmaven.cases.models import CaseRow
from faultmaven.cases.schemas import (
    MAX_ITEMS,
    BlastRadiusIn,
    CaseCreate,
    CaseFields,
    CaseOrigin,
    CaseRecord,
    CaseSource,
    CaseStatus,
    CaseSummary,
    CloseRequest,
    HypothesisIn,
    HypothesisStatus,
    MessageIn,
    MessageRole,
    OptionalText,
    ResolveRequest,
    RunbookOfferState,
    SolutionIn,
    SolutionKind,
    SolutionOutcome,
    Text,
    TimelineEventIn,
    ValidationIn,
)
from faultmaven.errors import Conflict, Forbidden, InvalidInput, NotFound
from faultmaven.events import service as events
from faultmaven.events.schemas import CaseFacts, EventKind, Resolution
from faultmaven.kit.access import team_key, viewer_of
from faultmaven.kit.clock import utcnow
from faultmaven.kit.fields import Command, Line, OptionalCommand, ShortText, validate_fitted
from faultmaven.kit.ids import new_id
from faultmaven.kit.pagination import Page, PageRequest
from faultmaven.redaction import RedactionPolicy, Redactor, shorten

# The investigation record: fields stored in the JSON document of the case row.
RECORD_FIELDS = (
    "affected_systems",
    "services",
    "tags",
    "symptoms",
    "blast_radius",
    "timeline",
    "hypotheses",
    "validations",
    "evidence",
    "root_cause",
    "solutions",
    "prevention",
    "messages",
)


class Phase(StrEnum):
    """Parts of the record that entries can be appended to (``POST /cases/{id}/{phase}``)."""

    symptoms = "symptoms"
    blast_radius = "blast-radius"
    timeline = "timeline"
    hypotheses = "hypotheses"
    validations = "validations"
    evidence = "evidence"
    solutions = "solutions"
    messages = "messages"

    @property
    def field(self) -> str:
        return self.value.replace("-", "_")


# phase -> (input model or None for plain strings, id prefix)
_ENTRY_MODELS: dict[Phase, tuple[type[BaseModel] | None, str]] = {
    Phase.symptoms: (None, ""),
    Phase.evidence: (None, ""),
    Phase.blast_radius: (BlastRadiusIn, "br"),
    Phase.timeline: (TimelineEventIn, "tl"),
    Phase.hypotheses: (HypothesisIn, "hyp"),
    Phase.validations: (ValidationIn, "val"),
    Phase.solutions: (SolutionIn, "sol"),
    Phase.messages: (MessageIn, "msg"),
}


_STRINGS = TypeAdapter(list[Text])
_STRING = TypeAdapter(Text)


class _Patch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HypothesisPatch(_Patch):
    statement: Text | None = None
    status: HypothesisStatus | None = None
    evidence: list[Text] | None = Field(default=None, max_length=MAX_ITEMS)


class ValidationPatch(_Patch):
    description: Text | None = None
    command: OptionalCommand | None = None
    output: OptionalText | None = None
    conclusion: OptionalText | None = None


class SolutionPatch(_Patch):
    title: Line | None = None
    kind: SolutionKind | None = None
    outcome: SolutionOutcome | None = None
    steps: list[Text] | None = Field(default=None, max_length=MAX_ITEMS)
    commands: list[Command] | None = Field(default=None, max_length=MAX_ITEMS)
    validation: list[Text] | None = Field(default=None, max_length=MAX_ITEMS)
    rollback: list[Text] | None = Field(default=None, max_length=MAX_ITEMS)
    duration: ShortText | None = None
    why_failed: OptionalText | None = None


ENTRY_PATCH_MODELS: dict[Phase, type[_Patch]] = {
    Phase.hypotheses: HypothesisPatch,
    Phase.validations: ValidationPatch,
    Phase.solutions: SolutionPatch,
}


# ---- conversions -----------------------------------------------------------------------------


def _to_record(row: CaseRow) -> CaseRecord:
    return CaseRecord.model_validate(
        {
            **row.record,
            "id": row.id,
            "title": row.title,
            "description": row.description,
            "severity": row.severity,
            "status": row.status,
            "runbook_offer": row.runbook_offer,
            "runbook_ids": row.runbook_ids,
            "runbooks_viewed": row.runbooks_viewed,
            "suggested_runbooks": row.suggested_runbooks or [],
            "close_reason": row.close_reason,
            "origin": row.origin,
            "source": row.source,
            "created_by": row.created_by,
            "opened_at": row.opened_at,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "resolved_at": row.resolved_at,
            "closed_at": row.closed_at,
            "revision": row.revision,
        }
    )


def _record_document(record: CaseRecord) -> dict[str, Any]:
    return record.model_dump(mode="json", include=set(RECORD_FIELDS))


def _store(row: CaseRow, record: CaseRecord) -> None:
    """Write ``record`` back to ``row`` (a new dict, so the ORM sees the change)."""
    row.title = record.title
    row.description = record.description
    row.severity = record.severity.value
    row.status = record.status.value
    row.record = _record_document(record)
    row.runbook_offer = record.runbook_offer.value
    row.runbook_ids = list(record.runbook_ids)
    row.runbooks_viewed = list(record.runbooks_viewed)
    row.suggested_runbooks = [s.model_dump(mode="json") for s in record.suggested_runbooks]
    row.close_reason = record.close_reason
    row.resolved_at = record.resolved_at
    row.closed_at = record.closed_at
    row.updated_at = utcnow()


def _changed(record: CaseRecord, **update: Any) -> CaseRecord:
    """A validated copy of ``record`` with ``update`` applied (entries may be dicts)."""
    return CaseRecord.model_validate({**record.model_dump(), **update})


def _with_ids(entries: Sequence[BaseModel | str], prefix: str) -> list[Any]:
    if not prefix:
        return list(entries)
    return [{**entry.model_dump(mode="json"), "id": new_id(prefix)} for entry in entries]  # type: ignore[union-attr]


def _summary(row: CaseRow) -> CaseSummary:
    return CaseSummary(
        id=row.id,
        title=row.title,
        severity=row.severity,
        status=row.status,
        services=row.record.get("services", []),
        runbook_offer=row.runbook_offer,
        runbook_ids=row.runbook_ids,
        origin=row.origin,
        created_at=row.created_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
    )


def _load(session: Session, case_id: str, *, for_update: bool = False) -> CaseRow:
    row = repository.get(session, case_id, for_update=for_update)
    if row is None or not viewer_of(session).sees(row.access):  # unseen: as if missing
        raise NotFound.entity("case", case_id)
    return row


def case_exists(session: Session, *, case_id: str) -> bool:
    """Whether the case exists and the viewer may see it."""
    row = repository.get(session, case_id)
    return row is not None and viewer_of(session).sees(row.access)


def _facts(row: CaseRow) -> CaseFacts:
    services = row.record.get("services") or []
    return CaseFacts(
        team_id=row.team_id,
        access=row.access,
        service=services[0] if services else None,
        severity=row.severity,
    )


def case_facts(session: Session, *, case_id: str) -> CaseFacts:
    """What the case's events carry about it (``events.schemas.CaseFacts``)."""
    return _facts(_load(session, case_id))


def team_of(session: Session, *, case_id: str) -> str | None:
    """The team that owns the case (its runbooks belong to it too)."""
    return _load(session, case_id).team_id


_SECRETS_ONLY = Redactor(RedactionPolicy.from_setting("none"))
_Valid = TypeVar("_Valid", bound=BaseModel | str)


def scrub_secrets(data: _Valid) -> _Valid:
    """Secrets (keys, tokens, passwords...) never enter a case record: they become typed
    placeholders as they arrive. Personal data stays: it is what one troubleshoots with.

    ``data`` is validated input (a model, or a string entry); so is the result: a text that the
    placeholders make longer than its field allows is cut to fit (``validate_fitted``), because
    redaction never makes valid input invalid."""
    if isinstance(data, str):
        cleaned, counts = _SECRETS_ONLY.redact(data)
        return validate_fitted(_STRING, cleaned, shorten=shorten) if counts else data  # type: ignore[return-value]
    dumped, counts = _SECRETS_ONLY.redact_data(data.model_dump(mode="json", exclude_unset=True))
    return validate_fitted(type(data), dumped, shorten=shorten) if counts else data


def _flush(session: Session) -> None:
    """Write pending changes; a concurrent writer's change to the same case is a Conflict."""
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            "The case was changed by someone else at the same moment; nothing was saved. Retry.",
            code="CONCURRENT_UPDATE",
        ) from None


def _lock(session: Session, case_id: str) -> CaseRow:
    """The case row, locked for this transaction: concurrent changes to one case (appends to a
    phase, say) wait for each other and all land, instead of one overwriting or failing.
    Changing it needs the request's role in the case's team."""
    row = _load(session, case_id, for_update=True)
    if not viewer_of(session).may_change(team_id=row.team_id):
        raise Forbidden(
            f"Case {case_id} belongs to a team where your role may not change it.",
            code="FORBIDDEN",
        )
    return row


def _require_editable(record: CaseRecord) -> None:
    if record.status is CaseStatus.closed:
        raise Conflict(
            f"Case {record.id} is closed ({record.close_reason}); closed cases are read-only.",
            code="CASE_CLOSED",
        )


# ---- queries ---------------------------------------------------------------------------------


def get_case(session: Session, *, case_id: str, for_update: bool = False) -> CaseRecord:
    """The case; ``for_update`` locks it for this transaction (a caller about to change the
    case and other records takes the case first, the order every writer keeps)."""
    return _to_record(_load(session, case_id, for_update=for_update))


def get_cases(session: Session, *, case_ids: Sequence[str]) -> list[CaseRecord]:
    """The cases that exist among ``case_ids``, in the given order (missing ones skipped)."""
    rows = (repository.get(session, case_id) for case_id in case_ids)
    return [_to_record(row) for row in rows if row is not None]


def list_cases(
    session: Session,
    *,
    status: CaseStatus | None = None,
    severity: str | None = None,
    origin: CaseOrigin | None = None,
    service: str | None = None,
    page: PageRequest = PageRequest(),
) -> Page[CaseSummary]:
    """Cases, newest first; ``origin``: only those recorded here or only those imported;
    ``service``: only those that name it."""
    rows, total = repository.list_page(
        session,
        status=status.value if status else None,
        severity=severity,
        origin=origin.value if origin else None,
        service=service,
        access=viewer_of(session).keys,
        page=page,
    )
    return Page[CaseSummary].build([_summary(row) for row in rows], total_count=total, page=page)


def resolved_cases(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    severity: str | None = None,
    service: str | None = None,
    team_id: str | None = None,
    limit: int | None = None,
) -> list[CaseRecord]:
    """The cases the viewer sees that were resolved in [since, until] (closed ones too, if
    they were resolved), newest first, at most ``limit``; ``service``: only cases that name it
    (any case)."""
    rows = repository.resolved_between(
        session,
        since=since,
        until=until,
        severity=severity,
        team_id=team_id,
        access=viewer_of(session).keys,
    )
    wanted = service.casefold() if service else None
    found: list[CaseRecord] = []
    try:
        for row in rows:
            if limit is not None and len(found) >= limit:
                break
            named = (s.casefold() for s in row.record.get("services", []))
            if wanted is None or wanted in named:
                found.append(_to_record(row))
    finally:
        rows.close()
    return found


# ---- commands --------------------------------------------------------------------------------


def create_case(session: Session, *, data: CaseCreate, actor: str) -> CaseRecord:
    data = scrub_secrets(data)
    now = utcnow()
    opened_at = data.opened_at or now
    if opened_at > now:
        raise InvalidInput("opened_at is in the future; send when the investigation began.")
    has_investigation = any(
        getattr(data, name) for name in ("blast_radius", "timeline", "hypotheses", "validations")
    ) or bool(data.solutions or data.root_cause)
    record = CaseRecord(
        id=new_id("case"),
        title=data.title,
        description=data.description,
        severity=data.severity,
        status=CaseStatus.investigating if has_investigation else CaseStatus.open,
        affected_systems=data.affected_systems,
        services=data.services,
        tags=data.tags,
        symptoms=data.symptoms,
        evidence=data.evidence,
        root_cause=data.root_cause,
        prevention=data.prevention,
        blast_radius=_with_ids(data.blast_radius, "br"),
        timeline=_with_ids(data.timeline, "tl"),
        hypotheses=_with_ids(data.hypotheses, "hyp"),
        validations=_with_ids(data.validations, "val"),
        solutions=_with_ids(data.solutions, "sol"),
        messages=[
            {**m.model_dump(mode="json"), "at": (m.at or now).isoformat(), "id": new_id("msg")}
            for m in data.messages
        ],
        created_by=actor,
        opened_at=opened_at,
        created_at=now,
        updated_at=now,
    )
    team_id = viewer_of(session).team_id
    row = CaseRow(
        id=record.id,
        created_by=actor,
        opened_at=opened_at,
        created_at=now,
        team_id=team_id,
        access=team_key(team_id),
    )
    _store(row, record)
    repository.add(session, row)
    return _to_record(row)


def import_case(
    session: Session,
    *,
    data: CaseCreate,
    source: CaseSource,
    resolved_at: datetime | None,
    actor: str,
) -> CaseRecord:
    """A case read from a document written elsewhere (a post-mortem): resolved as the document
    records it (the incident is over, even when the document names no fix), marked imported,
    with the original text kept as its source (secrets redacted, like everything in a case)."""
    record = create_case(session, data=data, actor=actor)
    row = _load(session, record.id)
    kept, _ = _SECRETS_ONLY.redact_data(source.model_dump(mode="json"))
    row.origin = CaseOrigin.imported.value
    row.source = kept
    resolved = resolved_at or utcnow()
    _check_resolution_time(record, resolved)
    resolved_case = _apply(session, row, record, status=CaseStatus.resolved, resolved_at=resolved)
    _record_resolution(session, row, resolved_case, actor=actor, origin="imported")
    return resolved_case


def update_case(session: Session, *, case_id: str, changes: CaseFields, actor: str) -> CaseRecord:
    row = _lock(session, case_id)
    record = _to_record(row)
    _require_editable(record)
    update = scrub_secrets(changes).model_dump(mode="json", exclude_unset=True, exclude_none=True)
    return _apply(session, row, record, **update)


def _parse_entries(phase: Phase, items: Sequence[Any]) -> list[Any]:
    model, _prefix = _ENTRY_MODELS[phase]
    if not items:
        raise InvalidInput(f"items is empty; send at least one {phase.value} entry.")
    try:
        if model is None:
            return _STRINGS.validate_python(list(items))
        return [model.model_validate(item) for item in items]
    except ValidationError as error:
        raise InvalidInput.from_validation(error, f"Invalid {phase.value} entry") from None


def parse_patch(model: type[_Patch], changes: dict[str, Any]) -> _Patch:
    """Validate the body of an entry edit (PATCH /cases/{id}/{phase}/{entry_id})."""
    if not changes:
        raise InvalidInput(f"Send at least one field to change: {', '.join(model.model_fields)}.")
    try:
        return model.model_validate(changes)
    except ValidationError as error:
        raise InvalidInput.from_validation(error, "Invalid change") from None


def add_entries(
    session: Session, *, case_id: str, phase: Phase, items: Sequence[Any], actor: str
) -> CaseRecord:
    """Append entries to one phase of the record; returns the updated case."""
    row = _lock(session, case_id)
    record = _to_record(row)
    if phase is not Phase.messages:  # the transcript may go on after closing
        _require_editable(record)
    entries = [scrub_secrets(entry) for entry in _parse_entries(phase, items)]
    existing = getattr(record, phase.field)
    if len(existing) + len(entries) > MAX_ITEMS:
        raise InvalidInput(f"A case holds at most {MAX_ITEMS} {phase.value} entries.")
    if phase is Phase.validations:
        for entry in entries:
            if entry.hypothesis is not None and entry.hypothesis >= len(record.hypotheses):
                raise InvalidInput(
                    f"hypothesis index {entry.hypothesis} does not exist; the case has "
                    f"{len(record.hypotheses)} hypotheses (indexes start at 0)."
                )
    if phase is Phase.messages:
        now = utcnow()
        entries = [entry.model_copy(update={"at": entry.at or now}) for entry in entries]
    _model, prefix = _ENTRY_MODELS[phase]
    update: dict[str, Any] = {phase.field: [*existing, *_with_ids(entries, prefix)]}
    if record.status is CaseStatus.open and phase not in (Phase.messages, Phase.symptoms):
        update["status"] = CaseStatus.investigating
    return _apply(session, row, record, **update)


def update_entry(
    session: Session, *, case_id: str, phase: Phase, entry_id: str, changes: _Patch, actor: str
) -> CaseRecord:
    """Change fields of one entry (a hypothesis validated, a solution applied...)."""
    row = _lock(session, case_id)
    record = _to_record(row)
    _require_editable(record)
    entries = getattr(record, phase.field)
    position = next((i for i, entry in enumerate(entries) if entry.id == entry_id), None)
    if position is None:
        raise NotFound(
            f"Case {case_id} has no {phase.value} entry {entry_id!r}.",
            code="ENTRY_NOT_FOUND",
            details={"case_id": case_id, "entry_id": entry_id},
        )
    entry = entries[position]
    update = scrub_secrets(changes).model_dump(mode="json", exclude_unset=True, exclude_none=True)
    patched = type(entry).model_validate({**entry.model_dump(mode="json"), **update})
    new_entries = [*entries[:position], patched, *entries[position + 1 :]]
    return _apply(session, row, record, **{phase.field: new_entries})


def resolve_case(
    session: Session, *, case_id: str, request: ResolveRequest, actor: str
) -> CaseRecord:
    """Mark the fix confirmed working. Needs at least one solution with outcome ``applied``."""
    row = _lock(session, case_id)
    record = _to_record(row)
    if record.status in (CaseStatus.resolved, CaseStatus.closed):
        raise Conflict(
            f"Case {case_id} is already {record.status.value}; it cannot be resolved again.",
            code="CASE_ALREADY_RESOLVED" if record.status is CaseStatus.resolved else "CASE_CLOSED",
        )
    if not record.applied_solutions:
        raise Conflict(
            f"Case {case_id} has no solution with outcome 'applied'. Record the fix that worked "
            "(POST /cases/{id}/solutions or PATCH a solution's outcome) before resolving.",
            code="CASE_HAS_NO_APPLIED_SOLUTION",
        )
    resolved_at = request.resolved_at or utcnow()
    _check_resolution_time(record, resolved_at)
    resolved = _apply(session, row, record, status=CaseStatus.resolved, resolved_at=resolved_at)
    _record_resolution(session, row, resolved, actor=actor, origin="recorded")
    return resolved


def runbooks_used(session: Session, *, case: CaseRecord) -> list[str]:
    """The runbooks looked at during the case: viewed in its conversation, or opened with the
    case named (``?case_id=``), first seen first."""
    return runbooks_used_in(session, cases=[case])[case.id]


def runbooks_used_in(session: Session, *, cases: Sequence[CaseRecord]) -> dict[str, list[str]]:
    """``runbooks_used`` of each of ``cases`` (by case id), the views read in a few queries
    rather than one per case."""
    viewed = events.runbooks_viewed_in_cases(session, case_ids=[case.id for case in cases])
    return {
        case.id: list(dict.fromkeys([*case.runbooks_viewed, *viewed.get(case.id, [])]))
        for case in cases
    }


def _record_resolution(
    session: Session, row: CaseRow, case: CaseRecord, *, actor: str, origin: str
) -> None:
    """The case's resolution (how long it took, and whether it had a runbook by then: the
    time-to-resolve reports) and the runbooks it used, inferred: the ones looked at while it
    was open."""
    assert case.resolved_at is not None
    facts = _facts(row)
    used = runbooks_used(session, case=case)
    for runbook_id in used:
        events.record(
            session,
            kind=EventKind.runbook_used,
            runbook_id=runbook_id,
            case_id=case.id,
            actor=actor,
            source="inferred",
            at=case.resolved_at,
            case=facts,
        )
    minutes = (case.resolved_at - case.opened_at).total_seconds() / 60
    events.record(
        session,
        kind=EventKind.case_resolved,
        case_id=case.id,
        actor=actor,
        source=(Resolution.with_runbook if used else Resolution.without_runbook).value,
        at=case.resolved_at,
        value=round(minutes, 3),
        case=facts,
        data={"origin": origin},
    )


def _check_resolution_time(record: CaseRecord, resolved_at: datetime) -> None:
    if resolved_at < record.opened_at:
        raise InvalidInput(
            f"resolved_at {resolved_at.isoformat()} is before the case was opened "
            f"({record.opened_at.isoformat()})."
        )
    if resolved_at > utcnow():
        raise InvalidInput("resolved_at is in the future.")


def close_case(session: Session, *, case_id: str, request: CloseRequest, actor: str) -> CaseRecord:
    row = _lock(session, case_id)
    record = _to_record(row)
    _require_editable(record)
    return _close(session, row, record, request.reason)


def _close(session: Session, row: CaseRow, record: CaseRecord, reason: str) -> CaseRecord:
    return _apply(
        session, row, record, status=CaseStatus.closed, closed_at=utcnow(), close_reason=reason
    )


def _apply(session: Session, row: CaseRow, record: CaseRecord, **update: Any) -> CaseRecord:
    """Store ``record`` with ``update`` applied and return the stored case."""
    _store(row, _changed(record, **update))
    _flush(session)
    return _to_record(row)


def set_runbook_offer(session: Session, *, case_id: str, state: RunbookOfferState) -> CaseRecord:
    """Record the runbook offer's state."""
    row = _lock(session, case_id)
    return _apply(session, row, _to_record(row), runbook_offer=state)


def record_assistant_turn(session: Session, *, case_id: str, text: str) -> CaseRecord:
    """Append what the assistant said to the transcript (also on a closed case: the transcript
    records how it was closed)."""
    row = _lock(session, case_id)
    record = _to_record(row)
    entry = {"id": new_id("msg"), "role": MessageRole.assistant, "content": text, "at": utcnow()}
    return _apply(session, row, record, messages=[*record.messages, entry])


def link_runbook(session: Session, *, case_id: str, runbook_id: str) -> CaseRecord:
    row = _lock(session, case_id)
    record = _to_record(row)
    if runbook_id in record.runbook_ids:
        return record
    return _apply(session, row, record, runbook_ids=[*record.runbook_ids, runbook_id])


def close_after_offer(session: Session, *, case_id: str, reason: str) -> CaseRecord:
    """Close a resolved case once the runbook offer is answered."""
    row = _lock(session, case_id)
    record = _to_record(row)
    if record.status is CaseStatus.closed:
        return record
    return _close(session, row, record, reason)


def set_suggestions(
    session: Session, *, case_id: str, suggestions: Sequence[dict[str, Any]]
) -> CaseRecord:
    row = _lock(session, case_id)
    return _apply(session, row, _to_record(row), suggested_runbooks=list(suggestions))


def record_runbook_view(session: Session, *, case_id: str, runbook_id: str) -> CaseRecord:
    """Remember that the runbook was looked at during the case (analytics use it)."""
    row = _lock(session, case_id)
    record = _to_record(row)
    if runbook_id in record.runbooks_viewed:
        return record
    return _apply(session, row, record, runbooks_viewed=[*record.runbooks_viewed, runbook_id])
