"""The runbook: every section of the seed document as typed fields, plus metadata.

``RunbookContent`` is what a version holds and what markdown renders/parses;
``Runbook`` adds the identity and lifecycle metadata that the store keeps.

A runbook describes one problem (summary, symptoms, blast radius, history, hypotheses,
prevention) and holds one or more **known causes** (``causes``): each with the checks that tell
it apart (their output points to it), its root cause and evidence, its fix (immediate and
long-term, validation, rollback), what was tried and failed, and where it was seen (source
cases, times seen, last seen). Content in the shape used before causes (``root_cause``,
``solution`` and ``diagnosis.validations`` at the top) is still accepted on input and read as
one cause.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from faultmaven.accounts.schemas import Visibility
from faultmaven.cases.schemas import HypothesisStatus, Severity, SolutionKind, TimelineKind
from faultmaven.kit.fields import (
    MAX_ITEMS,
    Command,
    Day,
    EntityId,
    Line,
    Minutes,
    Name,
    Note,
    OptionalCommand,
    OptionalText,
    ShortText,
    Text,
    UTCTimestamp,
    Version,
)


def _one_line(value: str) -> str:
    return re.sub(r"\s*\n\s*", " ", value)


# Titles and durations are headings in the markdown: one line (line breaks read as spaces).
OneLine = Annotated[Line, AfterValidator(_one_line)]
OneLineShort = Annotated[ShortText, AfterValidator(_one_line)]


class RunbookStatus(StrEnum):
    draft = "draft"
    in_review = "in_review"
    published = "published"
    archived = "archived"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DiagnosisCheck(_Strict):
    check: Text
    finding: OptionalText = ""


class DiagnosisEvent(_Strict):
    at: UTCTimestamp | None = None
    event: Text
    kind: TimelineKind = TimelineKind.observation


class DiagnosisHypothesis(_Strict):
    statement: Text
    status: HypothesisStatus = HypothesisStatus.proposed


class DiagnosisValidation(_Strict):
    description: Text
    command: OptionalCommand = ""
    output: OptionalText = ""
    conclusion: OptionalText = ""


class Diagnosis(_Strict):
    """What is common to every cause: the blast-radius checks, the short history (``timeline``:
    when it started, what changed) and the hypotheses considered. The checks that tell the
    causes apart belong to each cause (``KnownCause.checks``)."""

    blast_radius: list[DiagnosisCheck] = Field(default_factory=list, max_length=MAX_ITEMS)
    timeline: list[DiagnosisEvent] = Field(default_factory=list, max_length=MAX_ITEMS)
    hypotheses: list[DiagnosisHypothesis] = Field(default_factory=list, max_length=MAX_ITEMS)


class RootCauseSection(_Strict):
    cause: OptionalText = ""
    evidence: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    contributing_factors: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)


class FixOutcome(StrEnum):
    """applied: done and confirmed; unverified: shipped, not confirmed working; proposed: not
    carried out yet (e.g. a long-term fix the case planned)."""

    applied = "applied"
    unverified = "unverified"
    proposed = "proposed"


class Fix(_Strict):
    """A fix: applied and confirmed, shipped but unverified, or proposed (labelled as such)."""

    title: OneLine
    kind: SolutionKind = SolutionKind.immediate
    outcome: FixOutcome = FixOutcome.applied
    duration: OneLineShort = ""
    steps: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    commands: list[Command] = Field(default_factory=list, max_length=MAX_ITEMS)


class FailedAttempt(_Strict):
    """Something tried during the case that did not work: listed, never presented as the fix."""

    title: OneLine
    steps: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    commands: list[Command] = Field(default_factory=list, max_length=MAX_ITEMS)
    why_failed: OptionalText = ""


class SolutionSection(_Strict):
    fixes: list[Fix] = Field(default_factory=list, max_length=MAX_ITEMS)
    validation: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    rollback: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    tried_and_failed: list[FailedAttempt] = Field(default_factory=list, max_length=MAX_ITEMS)


MAX_CAUSES = 50
MAX_SEEN = 1_000_000


class KnownCause(_Strict):
    """One cause of the problem and everything known about it."""

    checks: list[DiagnosisValidation] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="How to tell this cause apart: checks with the output that points to it.",
    )
    root_cause: RootCauseSection = Field(default_factory=RootCauseSection)
    solution: SolutionSection = Field(default_factory=SolutionSection)
    source_case_ids: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    times_seen: int = Field(default=1, ge=0, le=MAX_SEEN)
    last_seen: Day | None = Field(default=None, description="When it was last seen (UTC day).")


_LEGACY_KEYS = ("root_cause", "solution")


def _from_legacy(data: Any) -> Any:
    """Content in the shape before causes (root_cause, solution, diagnosis.validations) -> one
    cause."""
    if not isinstance(data, dict):
        return data
    legacy = [key for key in _LEGACY_KEYS if key in data]
    diagnosis = data.get("diagnosis")
    checks = diagnosis.get("validations") if isinstance(diagnosis, dict) else None
    if not legacy and checks is None:
        return data
    if "causes" in data:
        raise PydanticCustomError(
            "mixed_shapes",
            "send either causes or the older root_cause/solution/diagnosis.validations, not both",
        )
    data = dict(data)
    cause: dict[str, Any] = {key: data.pop(key) for key in legacy}
    if checks is not None:
        assert isinstance(diagnosis, dict)
        data["diagnosis"] = {k: v for k, v in diagnosis.items() if k != "validations"}
        cause["checks"] = checks
    data["causes"] = [cause]
    return data


class PreventionSection(_Strict):
    monitoring: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    automation: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    process: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)


class ResolutionBasis(StrEnum):
    """What the average resolution time is measured from."""

    incident_start = "incident_start"  # the first timeline event of each case
    case_opened = "case_opened"  # when the case was opened in FaultMaven
    mixed = "mixed"  # incident start where the case recorded one, case opened otherwise


class RunbookContent(_Strict):
    """Every section of the seed's runbook. Empty lists/strings mean "nothing recorded"."""

    title: OneLine
    summary: OptionalText = Field(default="", description="One-paragraph problem description.")
    severity: Severity = Severity.medium
    symptoms: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    affected_systems: list[Line] = Field(default_factory=list, max_length=MAX_ITEMS)
    diagnosis: Diagnosis = Field(default_factory=Diagnosis)
    causes: list[KnownCause] = Field(
        default_factory=lambda: [KnownCause()],
        min_length=1,
        max_length=MAX_CAUSES,
        description="The known causes of this problem (at least one; an empty one is a gap).",
    )
    prevention: PreventionSection = Field(default_factory=PreventionSection)
    average_resolution_minutes: Minutes | None = Field(
        default=None, description="Mean time to resolve, from the linked cases (at most 10 years)."
    )
    resolution_time_basis: ResolutionBasis | None = Field(
        default=None, description="What the average resolution time is measured from."
    )

    @model_validator(mode="before")
    @classmethod
    def _older_shape(cls, data: Any) -> Any:
        return _from_legacy(data)


class RunbookMetadata(_Strict):
    status: RunbookStatus = RunbookStatus.draft
    services: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    tags: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    owner: Name | None = None
    review_by: Day | None = None
    visibility: Visibility | None = Field(
        default=None,
        description="Team mode: private (the author), team (the owning team; the default of a "
        "new runbook) or organization. Unset on an edit: unchanged.",
    )


class RunbookCreate(RunbookContent, RunbookMetadata):
    """Body of ``POST /runbooks``: content plus metadata."""


class RunbookImportItem(RunbookCreate):
    """One runbook of an import: a new runbook, or one exported from FaultMaven coming back —
    then it keeps its id and source cases (an id already in use is refused)."""

    id: EntityId | None = Field(default=None, description="Keep this id (rb_<12 hex>).")
    source_case_ids: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)


MAX_IMPORT = 1000  # runbooks per import request


class RunbookImport(BaseModel):
    """Body of ``POST /runbooks/import``: several new runbooks, saved together or not at all."""

    items: list[RunbookImportItem] = Field(
        min_length=1,
        max_length=MAX_IMPORT,
        description=f"1 to {MAX_IMPORT} runbooks, each as the body of POST /runbooks.",
    )


EDITABLE_FIELDS = tuple(RunbookCreate.model_fields)
# Fields a PUT may leave out (they came after PUT clients were written; left out = default /
# unchanged): visibility (clients from before accounts do not send it), resolution_time_basis.
PUT_OPTIONAL_FIELDS = ("visibility", "resolution_time_basis")
# What GET /runbooks/{id} answers but the store keeps itself: a PUT may send them back (the
# runbook as read, edited) and they are ignored (the URL says which runbook is edited).
READ_ONLY_FIELDS = (
    "id",
    "source_case_ids",
    "author",
    "generated_by",
    "redaction",
    "created_at",
    "updated_at",
    "team_id",
)


class RunbookUpdate(RunbookCreate):
    """Body of ``PUT /runbooks/{id}``: the whole runbook, replacing every field, plus the
    version being edited. Every field of the runbook must be sent (send the runbook as read,
    edited); for a partial edit use ``PATCH`` with a JSON merge patch."""

    version: Version | None = Field(
        default=None,
        description="The version this edit is based on (or send If-Match). Stale -> 409.",
    )
    change_note: Note = ""

    @model_validator(mode="before")
    @classmethod
    def _without_read_only_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if key not in READ_ONLY_FIELDS}
        return data

    @model_validator(mode="after")
    def _whole_runbook(self) -> RunbookUpdate:
        missing = [
            name
            for name in EDITABLE_FIELDS
            if name not in self.model_fields_set and name not in PUT_OPTIONAL_FIELDS
        ]
        if missing:
            raise PydanticCustomError(
                "missing_fields",
                "a PUT replaces the whole runbook; missing: {missing}. Send the runbook as read "
                "(GET), edited, or use PATCH with a JSON merge patch",
                {"missing": ", ".join(missing)},
            )
        return self


class RunbookPatch(BaseModel):
    """Body of ``PATCH /runbooks/{id}``: a JSON merge patch (RFC 7396) of the runbook's editable
    fields, e.g. ``{"status": "published", "tags": ["disk"]}``; ``null`` removes a value
    (resets it to its default). ``version`` and ``change_note`` may ride along."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})

    version: Version | None = Field(
        default=None,
        description="The version this edit is based on (or send If-Match). Stale -> 409.",
    )
    change_note: Note = ""

    @property
    def changes(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Runbook(RunbookContent):
    """A stored runbook at its current version."""

    model_config = ConfigDict(extra="forbid")

    id: str
    version: int
    status: RunbookStatus
    services: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    source_case_ids: list[str] = Field(default_factory=list)
    author: str
    owner: str | None = None
    review_by: date | None = None
    generated_by: str = Field(
        default="manual", description="manual, deterministic (drafted from a case) or llm:<model>."
    )
    redaction: dict[str, int] = Field(
        default_factory=dict,
        description="Secrets and personal data replaced in this runbook: type -> count.",
    )
    created_at: datetime
    updated_at: datetime
    visibility: Visibility | None = None
    team_id: str | None = Field(default=None, description="The owning team.")


class RunbookVersionInfo(BaseModel):
    runbook_id: str
    version: int
    title: str
    author: str
    change_note: str
    generated_by: str
    created_at: datetime


class RunbookVersion(RunbookVersionInfo):
    """A full snapshot. Metadata fields are null in versions saved before snapshots held them."""

    content: RunbookContent
    status: RunbookStatus | None = None
    services: list[str] | None = None
    tags: list[str] | None = None
    owner: str | None = None
    review_by: date | None = None
    source_case_ids: list[str] | None = None


class RunbookSummary(BaseModel):
    id: str
    title: str
    severity: Severity
    status: RunbookStatus
    services: list[str]
    tags: list[str]
    version: int
    updated_at: datetime


class ImportResult(BaseModel):
    created: int = Field(description="How many runbooks were saved.")
    items: list[RunbookSummary] = Field(description="The new runbooks, in the order sent.")


# ---- history: diff and restore (runbooks/history.py, service.diff_versions / restore_version) ---


class FieldChange(BaseModel):
    field: str
    before: Any = None
    after: Any = None


class RunbookDiff(BaseModel):
    runbook_id: str
    from_version: int
    to_version: int
    changed_fields: list[str] = Field(
        description="Dotted paths of what changed, content and metadata (e.g. root_cause.cause, "
        "solution.fixes, status, tags)."
    )
    metadata: list[FieldChange] = Field(
        description="Metadata that changed, before and after (the markdown does not show it)."
    )
    diff: str = Field(description="Unified diff of the two versions' markdown.")
    notes: list[str] = Field(default_factory=list)


class RunbookRestore(BaseModel):
    """Body of ``POST /runbooks/{id}/versions/{n}/restore`` (optional with If-Match)."""

    model_config = ConfigDict(extra="forbid")

    version: Version | None = Field(
        default=None,
        description="The runbook's current version (or send If-Match). Stale -> 409.",
    )
    change_note: Note = ""
