"""/api/v1/analytics/recurring: the problems that keep coming back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from faultmaven.analytics.recurring_schemas import RecurringReport
from faultmaven.analytics.recurring_service import recurring_problems
from faultmaven.api.deps import PageDep, SessionDep
from faultmaven.api.routing import FaultMavenRoute
from faultmaven.cases.schemas import Severity
from faultmaven.kit.fields import EntityId, Name

router = APIRouter(prefix="/analytics", tags=["analytics"], route_class=FaultMavenRoute)
MAX_DAYS = 3650


@router.get("/recurring", response_model=RecurringReport)
def get_recurring(
    session: SessionDep,
    page: PageDep,
    days: Annotated[
        int, Query(ge=1, le=MAX_DAYS, description="The window: cases resolved in the last N days.")
    ] = 90,
    service: Annotated[Name | None, Query(description="Only cases that name this service.")] = None,
    severity: Annotated[Severity | None, Query(description="Only cases of this severity.")] = None,
    team: Annotated[
        EntityId | None, Query(description="Only cases of this team (its id, e.g. team_default).")
    ] = None,
    min_count: Annotated[
        int, Query(ge=1, le=1000, description="Only problems seen at least this often.")
    ] = 2,
):
    """Resolved cases that are the same problem, grouped (similar words and meaning, the same
    services, the same runbook), with how often and when each was seen, whether it has a
    runbook and how often it came back after the runbook existed. Most frequent first, then
    most recent. A problem without a runbook carries `offer` (the case to make one from, with
    `POST /api/v1/cases/{id}/runbook`); one that recurred despite its runbook carries
    `prevention` (that runbook's Prevention section). You see only cases and runbooks you may
    see."""
    return recurring_problems(
        session,
        days=days,
        service=service,
        severity=severity,
        team=team,
        min_count=min_count,
        page=page,
    )
