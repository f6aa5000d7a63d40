"""Pydantic shapes of a case: the case record of DESIGN.md §2, in and out.

Every entry that is an object gets an ``id`` when it is stored; string entries (symptoms,
evidence, affected systems) stay plain strings so that the record keeps the shape other tools send.
Input fields use the field types of :mod:`faultmaven.kit.fields` (one rule per kind of field).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from faultmaven.kit.fields import (
    MAX_ITEMS,
    Command,
    EntryIndex,
    Line,
    Name,
    OptionalCommand,
    OptionalText,
    ShortText,
    Text,
    UTCTimestamp,
)


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


class CaseStatus(StrEnum):
    open = "open"
    investigating = "investigating"
    resolved = "resolved"
    closed = "closed"


class HypothesisStatus(StrEnum):
    proposed = "proposed"
    validated = "validated"
    refuted = "refuted"
    inconclusive = "inconclusive"


class TimelineKind(StrEnum):
    observation = "observation"
    change = "change"
    deploy = "deploy"
    alert = "alert"
    action = "action"


class SolutionKind(StrEnum):
    immediate = "immediate"
    long_term = "long_term"


class SolutionOutcome(StrEnum):
    """applied: done and confirmed working; unverified: shipped but not (yet) confirmed;
    failed: tried, did not work; proposed: not carried out."""

    applied = "applied"
    unverified = "unverified"
    failed = "failed"
    proposed = "proposed"


class RunbookOfferState(StrEnum):
    not_offered = "not_offered"
    offered = "offered"
    accepted = "accepted"
    declined = "declined"


class CaseOrigin(StrEnum):
    recorded = "recorded"  # opened and worked in FaultMaven
    imported = "imported"  # read from a post-mortem or runbook written elsewhere


class MessageRole(StrEnum):
    user = "user"
    assistant = "assistant"
    system = "system"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---- entries as sent (no ids) ---------------------------------------------------------------


class BlastRadiusIn(_Strict):
    check: Text = Field(description="What was checked, often the command run.")
    finding: OptionalText = Field(default="", description="What the check showed.")


class TimelineEventIn(_Strict):
    at: UTCTimestamp | None = Field(default=None, description="When it happened (UTC).")
    event: Text
    kind: TimelineKind = TimelineKind.observation


class HypothesisIn(_Strict):
    statement: Text
    status: HypothesisStatus = HypothesisStatus.proposed
    evidence: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)


class ValidationIn(_Strict):
    description: Text
    command: OptionalCommand = ""
    output: OptionalText = ""
    conclusion: OptionalText = ""
    hypothesis: EntryIndex | None = Field(
        default=None, ge=0, description="Index into the case's hypotheses list."
    )


class RootCause(_Strict):
    cause: Text
    evidence: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    contributing_factors: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)


class SolutionIn(_Strict):
    title: Line
    kind: SolutionKind = SolutionKind.immediate
    steps: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    commands: list[Command] = Field(default_factory=list, max_length=MAX_ITEMS)
    outcome: SolutionOutcome = SolutionOutcome.proposed
    validation: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    rollback: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    duration: ShortText = Field(default="", description="How long the fix took, e.g. '10 mins'.")
    why_failed: OptionalText = Field(
        default="", description="For a failed solution: why it did not work."
    )


class Prevention(_Strict):
    monitoring: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    automation: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    process: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)


class MessageIn(_Strict):
    role: MessageRole
    content: Text
    at: UTCTimestamp | None = None


# ---- entries as stored (with ids) ------------------------------------------------------------


class BlastRadiusFinding(BlastRadiusIn):
    id: str


class TimelineEvent(TimelineEventIn):
    id: str


class Hypothesis(HypothesisIn):
    id: str


class Validation(ValidationIn):
    id: str


class Solution(SolutionIn):
    id: str


class Message(MessageIn):
    id: str


# ---- the case record -------------------------------------------------------------------------


class CaseFields(_Strict):
    """Scalar and list fields that PATCH may replace."""

    title: Line | None = None
    description: OptionalText | None = None
    severity: Severity | None = None
    affected_systems: list[Line] | None = Field(default=None, max_length=MAX_ITEMS)
    services: list[Name] | None = Field(default=None, max_length=MAX_ITEMS)
    tags: list[Name] | None = Field(default=None, max_length=MAX_ITEMS)
    root_cause: RootCause | None = None
    prevention: Prevention | None = None


class CaseCreate(_Strict):
    """The case record of DESIGN.md §2. Only ``title`` is required."""

    title: Line
    description: OptionalText = ""
    severity: Severity = Severity.medium
    affected_systems: list[Line] = Field(default_factory=list, max_length=MAX_ITEMS)
    services: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    tags: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    symptoms: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    blast_radius: list[BlastRadiusIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    timeline: list[TimelineEventIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    hypotheses: list[HypothesisIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    validations: list[ValidationIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    evidence: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    root_cause: RootCause | None = None
    solutions: list[SolutionIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    prevention: Prevention | None = None
    messages: list[MessageIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    opened_at: UTCTimestamp | None = Field(
        default=None,
        description="When the investigation began (default: now); resolution time counts "
        "from here.",
    )

    @model_validator(mode="after")
    def _hypothesis_refs_exist(self) -> CaseCreate:
        for position, validation in enumerate(self.validations):
            if validation.hypothesis is not None and validation.hypothesis >= len(self.hypotheses):
                raise ValueError(
                    f"validations[{position}].hypothesis is {validation.hypothesis} but the case "
                    f"has {len(self.hypotheses)} hypotheses (indexes start at 0)"
                )
        return self


class UnmappedPart(BaseModel):
    """A part of an imported document that maps to no field of the case: kept, not dropped."""

    heading: str = Field(description="Its heading ('' for text before the first heading).")
    line: int = Field(description="Where it starts in the original text (1-based).")
    text: str


class CaseSource(BaseModel):
    """Where an imported case came from: the original document, whole (secrets redacted)."""

    name: str = Field(description="The file name (or the name the import was given).")
    format: str = Field(default="markdown", description="How it was read.")
    text: str = Field(description="The original text.")
    unmapped: list[UnmappedPart] = Field(default_factory=list)


class SuggestedRunbook(BaseModel):
    runbook_id: str
    title: str
    score: float


class CaseRecord(BaseModel):
    """A stored case: the record with ids on every object entry, plus lifecycle fields."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    description: str = ""
    severity: Severity = Severity.medium
    status: CaseStatus = CaseStatus.open
    affected_systems: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    symptoms: list[str] = Field(default_factory=list)
    blast_radius: list[BlastRadiusFinding] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    validations: list[Validation] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    root_cause: RootCause | None = None
    solutions: list[Solution] = Field(default_factory=list)
    prevention: Prevention | None = None
    messages: list[Message] = Field(default_factory=list)
    runbook_offer: RunbookOfferState = RunbookOfferState.not_offered
    runbook_ids: list[str] = Field(default_factory=list)
    runbooks_viewed: list[str] = Field(default_factory=list)
    suggested_runbooks: list[SuggestedRunbook] = Field(
        default_factory=list, description="Similar published runbooks offered for this case."
    )
    close_reason: str | None = None
    origin: CaseOrigin = Field(
        default=CaseOrigin.recorded, description="recorded here, or imported from a document."
    )
    source: CaseSource | None = Field(
        default=None, description="An imported case's original document."
    )
    created_by: str = "anonymous"
    opened_at: datetime
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    revision: int = 1

    @property
    def resolution_minutes(self) -> float | None:
        if self.resolved_at is None:
            return None
        return max(0.0, (self.resolved_at - self.opened_at).total_seconds() / 60)

    @property
    def applied_solutions(self) -> list[Solution]:
        return [s for s in self.solutions if s.outcome is SolutionOutcome.applied]


class CaseSummary(BaseModel):
    id: str
    title: str
    severity: Severity
    status: CaseStatus
    services: list[str]
    runbook_offer: RunbookOfferState
    runbook_ids: list[str]
    origin: CaseOrigin = CaseOrigin.recorded
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None


class ResolveRequest(_Strict):
    resolved_at: UTCTimestamp | None = Field(
        default=None, description="When the fix was confirmed working (default: now)."
    )
    note: OptionalText = Field(default="", description="How the fix was confirmed.")


class CloseRequest(_Strict):
    reason: Text = Field(description="Why the case is closed, e.g. 'duplicate of case_...'.")
