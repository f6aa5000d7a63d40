"""The recurring-problems report (``GET /api/v1/analytics/recurring``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from faultmaven.cases.schemas import Severity
from faultmaven.kit.pagination import Page


class RecurringRunbook(BaseModel):
    id: str
    title: str
    status: str
    created_at: datetime


class RunbookOffer(BaseModel):
    """The problem recurs without a runbook: make one from this case."""

    case_id: str = Field(description="The most recent case of the problem without a runbook.")
    method: str = "POST"
    path: str = Field(description="The API call that makes the runbook from the case.")


class PreventionPointer(BaseModel):
    """The problem came back after its runbook existed: look at the runbook's Prevention."""

    runbook_id: str
    runbook_title: str
    section: str = "prevention"
    monitoring: list[str] = Field(default_factory=list)
    automation: list[str] = Field(default_factory=list)
    process: list[str] = Field(default_factory=list)
    empty: bool = Field(description="The runbook records no prevention at all: write some.")


class RecurringProblem(BaseModel):
    title: str = Field(description="The title of its most recent case.")
    count: int = Field(description="How many resolved cases in the window are this problem.")
    first_seen: datetime = Field(description="When its earliest case in the window was opened.")
    last_seen: datetime = Field(description="When its latest case in the window was opened.")
    case_ids: list[str] = Field(description="Its cases, latest first.")
    services: list[str]
    severity: Severity = Field(description="The highest severity among its cases.")
    has_runbook: bool = Field(
        description="A runbook (not archived) you can see was made from, linked to or used in "
        "(read during) its cases."
    )
    runbooks: list[RecurringRunbook]
    recurred_after_runbook: int = Field(
        description="Cases opened after its first runbook was created."
    )
    offer: RunbookOffer | None = Field(
        default=None, description="Recurring without a runbook: where to make one."
    )
    prevention: PreventionPointer | None = Field(
        default=None, description="Recurring despite a runbook: its prevention section."
    )
    summary: str = Field(description="One line, e.g. 'seen 5 times in 90 days, last on ...'.")


class RecurringReport(Page[RecurringProblem]):
    """Problems seen at least ``min_count`` times, most often first, then most recent."""

    days: int
    since: datetime
    until: datetime
    cases_grouped: int = Field(description="Resolved cases in the window that were grouped.")
    threshold: float = Field(description="The similarity threshold of the grouping.")
    notes: list[str] = Field(default_factory=list)
