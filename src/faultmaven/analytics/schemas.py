"""What the reports answer (API, CLI and the web app's charts render these as they are).

Every report names its ``window`` and ``filters``; times are minutes; a median is shown only
over at least ``MIN_CASES`` cases (``count`` is always there), so that no claim rests on too
few cases.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from faultmaven.cases.schemas import Severity
from faultmaven.events.schemas import Feedback
from faultmaven.kit.fields import Name, UTCTimestamp

MIN_CASES = 5  # fewer cases than this in a group: no median, no comparison
STALE_AFTER_DAYS = 180  # not edited or reviewed for this long (and no review-by date): stale
DEFAULT_DAYS = 30
MAX_DAYS = 3660


class RunbookSort(StrEnum):
    """Order of the per-runbook report: highest first, or by title."""

    views = "views"
    uses = "uses"
    suggested = "suggested"
    success_rate = "success_rate"
    by_title = "title"


class ReportFilters(BaseModel):
    """The window (``since`` <= time < ``until``; default: the last 30 days) and filters.
    ``service``/``severity`` narrow runbooks by their labels and cases by their primary
    service and severity; ``team`` (a team name) narrows both to that team's."""

    model_config = ConfigDict(extra="forbid")
    since: UTCTimestamp | None = None
    until: UTCTimestamp | None = None
    days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    service: Name | None = None
    severity: Severity | None = None
    team: Name | None = None


class Window(BaseModel):
    since: datetime
    until: datetime


class Median(BaseModel):
    median_minutes: float | None = Field(
        description=f"Median minutes to resolve; null under {MIN_CASES} cases."
    )
    count: int = Field(description="How many cases.")


class Comparison(BaseModel):
    """Time to resolve with and without a runbook."""

    with_runbook: Median
    without_runbook: Median
    difference_minutes: float | None = Field(
        default=None,
        description="without - with (positive: faster with the runbook); only when both sides "
        f"have at least {MIN_CASES} cases.",
    )


class SuccessRate(BaseModel):
    """Feedback answers in the window. Success = solved; partly is counted apart."""

    solved: int
    partly: int
    not_helpful: int
    answers: int
    rate: float | None = Field(description="solved / answers (null without answers).")
    low: float | None = Field(description="Wilson 95% interval, lower bound.")
    high: float | None = Field(description="Wilson 95% interval, upper bound.")


class Freshness(BaseModel):
    created_at: datetime
    last_edited: datetime
    last_reviewed: datetime | None = Field(
        description="Last time it was published (the review step), since events exist."
    )
    review_by: date | None
    last_used: datetime | None
    stale: bool = Field(
        description=f"Its review-by date has passed, or (without one) it was neither edited nor "
        f"reviewed in {STALE_AFTER_DAYS} days."
    )
    stale_reason: str | None = None


class ViewsBySource(BaseModel):
    search: int = 0
    suggestion: int = 0
    link: int = 0
    direct: int = 0


class RunbookUsage(BaseModel):
    runbook_id: str
    title: str
    status: str
    severity: str
    services: list[str]
    views: int
    views_by_source: ViewsBySource
    suggested: int = Field(description="Cases it was suggested to.")
    opened: int = Field(description="Of those, cases that opened it from the suggestion.")
    uses: int = Field(description="Cases that used it (said so, or looked at it, then resolved).")
    success: SuccessRate
    needs_review: bool = Field(
        description="It keeps not helping: at least 3 answers (all time), more than half "
        "not_helpful."
    )
    freshness: Freshness


class RunbookReport(BaseModel):
    window: Window
    usage: RunbookUsage
    resolve_time: Comparison = Field(
        description="Cases resolved in the window that used it, against comparable cases that "
        "did not: same primary service and severity as the cases that used it."
    )
    recent_feedback: list[Feedback]


class RunbookUsagePage(BaseModel):
    window: Window
    items: list[RunbookUsage]
    total_count: int
    limit: int
    offset: int
    has_more: bool


class WeekPoint(BaseModel):
    week: date = Field(description="The Monday the week starts on (UTC).")
    with_runbook: Median
    without_runbook: Median


class Coverage(BaseModel):
    resolved_cases: int
    with_runbook: int = Field(description="Resolved cases that produced or used a runbook.")
    share: float | None


class SearchCounts(BaseModel):
    searches: int
    found_nothing: int
    cases_opened: int
    cases_without_suggestion: int


class Precision(BaseModel):
    suggested: int = Field(description="(case, runbook) pairs suggested.")
    opened: int = Field(description="Of those, pairs opened from the suggestion.")
    precision: float | None


class RunbookRef(BaseModel):
    runbook_id: str
    title: str
    created_at: datetime


class Summary(BaseModel):
    window: Window
    filters: ReportFilters
    resolved_cases: int
    time_to_resolve: Comparison
    by_week: list[WeekPoint]
    coverage: Coverage
    searches: SearchCounts
    suggestions: Precision
    views: int
    feedback: SuccessRate
    published_runbooks: int
    never_used_count: int = Field(description="Published runbooks no case ever used.")
    never_used: list[RunbookRef] = Field(description="The oldest of those (at most 20).")


class Gap(BaseModel):
    terms: str = Field(description="The normalised words (stemmed, sorted) that group them.")
    example: str = Field(description="The latest search or case title with these words.")
    searches: int
    cases: int
    total: int
    last_seen: datetime


class GapsReport(BaseModel):
    window: Window
    found_nothing: int = Field(description="Searches and new cases that found no runbook.")
    items: list[Gap]
