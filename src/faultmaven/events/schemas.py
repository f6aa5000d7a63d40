"""Event kinds, where a view came from, feedback outcomes, and the feedback records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from faultmaven.kit.fields import EntityId, Note


class EventKind(StrEnum):
    """What happened. ``runbook_used``: the runbook was used in a case (the responder said so
    with feedback, or it was viewed while the case was open and the case was then resolved);
    ``runbook_produced``: a resolved case made a runbook or was added to one; ``case_resolved``
    carries the minutes the case took (``value``); ``search_performed`` and ``case_opened``
    carry how many runbooks they found (``value``)."""

    runbook_viewed = "runbook_viewed"
    runbook_suggested = "runbook_suggested"
    suggestion_opened = "suggestion_opened"
    runbook_used = "runbook_used"
    runbook_produced = "runbook_produced"
    feedback = "feedback"
    runbook_created = "runbook_created"
    runbook_edited = "runbook_edited"
    runbook_published = "runbook_published"
    runbook_archived = "runbook_archived"
    search_performed = "search_performed"
    case_opened = "case_opened"
    case_resolved = "case_resolved"


@dataclass(frozen=True)
class CaseFacts:
    """What case events carry about their case: its team and access key (visibility), its
    primary service (the first, lower-cased) and severity (report filters, comparable cases)."""

    team_id: str | None
    access: str | None
    service: str | None
    severity: str | None


class Resolution(StrEnum):
    """The ``source`` of a ``case_resolved`` event: did the case look at or use a runbook by
    the time it was resolved? (Time to resolve with vs without a runbook groups by it.)"""

    with_runbook = "with_runbook"
    without_runbook = "without_runbook"


class ViewSource(StrEnum):
    """Where a runbook view came from (``?from=`` on GET /runbooks/{id})."""

    search = "search"
    suggestion = "suggestion"
    link = "link"
    direct = "direct"


class FeedbackOutcome(StrEnum):
    solved = "solved"
    partly = "partly"
    not_helpful = "not_helpful"


# A runbook is flagged for review when at least this many answers exist and more than half of
# them say it did not help (strict majority: 2 of 4 is not flagged, 2 of 3 is).
REVIEW_MIN_FEEDBACK = 3


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    case_id: EntityId | None = Field(
        default=None,
        description="The case it was used in (one answer per runbook and case: a new answer "
        "replaces the old one). Without it the answer is kept on its own.",
    )
    outcome: FeedbackOutcome = Field(
        description="solved (it solved the problem), partly, or not_helpful."
    )
    comment: Note | None = Field(default=None, description="What was missing or wrong.")


class Feedback(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    runbook_id: str
    case_id: str | None
    outcome: FeedbackOutcome
    comment: str | None
    actor: str
    created_at: datetime
    updated_at: datetime


class FeedbackSummary(BaseModel):
    """The answers a runbook got, all time."""

    solved: int = 0
    partly: int = 0
    not_helpful: int = 0
    needs_review: bool = Field(
        default=False,
        description=f"At least {REVIEW_MIN_FEEDBACK} answers, more than half of them "
        "not_helpful: the runbook keeps not helping and should be reviewed.",
    )

    @property
    def total(self) -> int:
        return self.solved + self.partly + self.not_helpful


def needs_review(*, not_helpful: int, total: int) -> bool:
    return total >= REVIEW_MIN_FEEDBACK and 2 * not_helpful > total


class RunbookFeedback(BaseModel):
    """A runbook's feedback: the all-time counts with the review flag, and the latest answers."""

    summary: FeedbackSummary
    items: list[Feedback] = Field(description="The latest answers, newest first (at most 20).")
