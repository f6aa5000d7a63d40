"""/api/v1/analytics: is each runbook used, does it work, is it fresh; where content is
missing. Every report is limited to what the caller may see, and takes a time window
(``since``/``until`` or ``days``; default the last 30 days) and service / severity / team
filters. Definitions: analytics.service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import ValidationError

from faultmaven.analytics import service
from faultmaven.analytics.schemas import (
    MAX_DAYS,
    GapsReport,
    ReportFilters,
    RunbookReport,
    RunbookSort,
    RunbookUsagePage,
    Summary,
)
from faultmaven.api.deps import PageDep, SessionDep
from faultmaven.api.routing import FaultMavenRoute
from faultmaven.cases.schemas import Severity
from faultmaven.errors import InvalidInput
from faultmaven.kit.fields import EntityId, Name, UTCTimestamp

router = APIRouter(prefix="/analytics", tags=["analytics"], route_class=FaultMavenRoute)


def _filters(
    since: Annotated[
        UTCTimestamp | None,
        Query(description="Window start (ISO 8601, inclusive); default: `days` before until."),
    ] = None,
    until: Annotated[
        UTCTimestamp | None, Query(description="Window end (ISO 8601, exclusive); default now.")
    ] = None,
    days: Annotated[
        int | None,
        Query(ge=1, le=MAX_DAYS, description="Window length in days (default 30); not with since."),
    ] = None,
    service_: Annotated[
        Name | None,
        Query(alias="service", description="Runbooks with this service; cases with it first."),
    ] = None,
    severity: Annotated[Severity | None, Query(description="Only this severity.")] = None,
    team: Annotated[Name | None, Query(description="Only this team's (a team name).")] = None,
) -> ReportFilters:
    try:
        return ReportFilters(
            since=since, until=until, days=days, service=service_, severity=severity, team=team
        )
    except ValidationError as error:
        raise InvalidInput.from_validation(error, "Invalid report filters") from None


FiltersDep = Annotated[ReportFilters, Depends(_filters)]


@router.get("/summary", response_model=Summary)
def get_summary(session: SessionDep, filters: FiltersDep) -> Summary:
    """The overall picture: time to resolve (median minutes) with and without a runbook, by
    week too; coverage (resolved cases that produced or used a runbook); searches and new cases
    that found nothing; suggestion precision (opened / suggested); views; feedback; published
    runbooks never used. Medians need at least 5 cases."""
    return service.summary(session, filters=filters)


@router.get("/runbooks", response_model=RunbookUsagePage)
def list_runbook_reports(
    session: SessionDep,
    filters: FiltersDep,
    page: PageDep,
    sort: Annotated[
        RunbookSort,
        Query(description="views, uses, suggested, success_rate (highest first), title."),
    ] = RunbookSort.views,
) -> RunbookUsagePage:
    """Per runbook (not archived): views by source, how often suggested and opened, uses,
    success rate with its Wilson 95% interval, the review flag (keeps not helping) and
    freshness (last edited, reviewed, used; review-by; stale)."""
    return service.runbook_reports(session, filters=filters, sort=sort, page=page)


@router.get("/runbooks/{runbook_id}", response_model=RunbookReport)
def get_runbook_report(
    runbook_id: Annotated[EntityId, Path(description="A runbook id, e.g. rb_3f9a1c0b7d2e.")],
    session: SessionDep,
    filters: FiltersDep,
) -> RunbookReport:
    """One runbook's usage, the time to resolve of cases that used it against comparable cases
    (same primary service and severity) that did not, and its latest feedback."""
    return service.runbook_report(session, runbook_id=runbook_id, filters=filters)


@router.get("/gaps", response_model=GapsReport)
def get_gaps(
    session: SessionDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Groups to show.")] = 20,
) -> GapsReport:
    """Content gaps: searches and new cases that found no runbook, grouped by their normalised
    words (stemmed, without stop words), most frequent first, with the latest example."""
    return service.gaps(session, filters=filters, limit=limit)
