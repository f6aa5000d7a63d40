"""The analytics page ``/analytics``: the reports of ``GET /api/v1/analytics/...`` for a
person, through the same services (so it shows exactly what the viewer may see): the summary
numbers, time to resolve by week with vs without a runbook and each runbook's success rate as
charts (inline SVG, web/charts.py, with the same numbers in tables), the runbooks, the content
gaps and the problems that keep coming back. The filters are a GET form (no script needed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError, field_validator

from faultmaven.accounts import service as accounts_service
from faultmaven.analytics import service
from faultmaven.analytics.recurring_schemas import RecurringReport
from faultmaven.analytics.recurring_service import recurring_problems
from faultmaven.analytics.schemas import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MIN_CASES,
    Comparison,
    ReportFilters,
    RunbookSort,
    RunbookUsage,
    Summary,
)
from faultmaven.cases.schemas import Severity
from faultmaven.errors import InvalidInput
from faultmaven.kit.pagination import PageRequest
from faultmaven.web import charts
from faultmaven.web.deps import PageContext, ViewPage
from faultmaven.web.routing import WebRoute
from faultmaven.web.templating import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
TABLE_ROWS = 20  # runbooks in the table (most viewed first)
CHART_ROWS = 10  # runbooks in the success-rate chart (most used first)
GAPS = 20
RECURRING = 20


class AnalyticsQuery(BaseModel):
    """The filter form's fields, as the API takes them (``days`` instead of since/until)."""

    days: int = Field(default=DEFAULT_DAYS, ge=1, le=MAX_DAYS)
    service: str | None = Field(default=None, max_length=300)
    severity: Severity | None = None
    team: str | None = Field(default=None, max_length=300)

    @field_validator("service", "team", "severity", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
        return value or None

    @field_validator("days", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any) -> Any:
        return DEFAULT_DAYS if value in ("", None) else value

    def filters(self) -> ReportFilters:
        return ReportFilters.model_validate(
            {
                "days": self.days,
                "service": self.service,
                "severity": self.severity,
                "team": self.team,
            }
        )


def _parse(raw: dict[str, str]) -> tuple[AnalyticsQuery, ReportFilters | None, str | None]:
    """The query and its filters, or the query as typed with what to fix."""
    try:
        query = AnalyticsQuery.model_validate(raw)
        return query, query.filters(), None
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(p) for p in problem.get("loc", ())) or "filter"
        shown = AnalyticsQuery.model_construct(
            days=DEFAULT_DAYS,
            service=raw.get("service", "")[:300] or None,
            severity=None,
            team=raw.get("team", "")[:300] or None,
        )
        return shown, None, f"The {field} filter is not usable: {problem['msg']}."


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".0%", "%")


def minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:g} min"


def _week_chart(summary: Summary) -> str:
    weeks = summary.by_week
    series = [
        charts.Series(
            "With a runbook",
            "series-a",
            [charts.Point(w.with_runbook.median_minutes, w.with_runbook.count) for w in weeks],
        ),
        charts.Series(
            "Without a runbook",
            "series-b",
            [
                charts.Point(w.without_runbook.median_minutes, w.without_runbook.count)
                for w in weeks
            ],
        ),
    ]
    return charts.grouped_bars(
        chart_id="chart-weeks",
        title="Time to resolve by week, with and without a runbook",
        desc=(
            f"Median minutes to resolve the cases resolved each week (weeks start on Monday), "
            f"cases that used a runbook beside those that did not; n is the number of cases, "
            f"a median needs at least {MIN_CASES}. The table below has the same numbers."
        ),
        categories=[f"{w.week:%d %b}" for w in weeks],
        series=series,
        unit="min",
        axis_label="median minutes",
        empty="No case was resolved in this window.",
    )


@dataclass(frozen=True)
class RunbookLine:
    """What the page shows of a runbook: its usage and its time to resolve."""

    usage: RunbookUsage
    resolve_time: Comparison


def _success_chart(reports: list[RunbookLine]) -> str:
    rows = [
        charts.Row(
            label=r.usage.title,
            rate=r.usage.success.rate,
            low=r.usage.success.low,
            high=r.usage.success.high,
            note=(
                f"{percent(r.usage.success.rate)} ({r.usage.success.solved}/"
                f"{r.usage.success.answers})"
                if r.usage.success.answers
                else "no answers"
            ),
        )
        for r in reports
    ]
    return charts.interval_bars(
        chart_id="chart-success",
        title="Success rate of the most used runbooks",
        desc=(
            "For each runbook (most used first): the share of feedback answers that said it "
            "solved the problem, with its Wilson 95% interval as an error bar and the count of "
            "answers. The runbooks table below has the same numbers."
        ),
        rows=rows,
        empty="No runbook to show yet.",
    )


def _recurring(page: PageContext, query: AnalyticsQuery) -> RecurringReport:
    team_id = accounts_service.team_id_of(page.session, name=query.team) if query.team else None
    return recurring_problems(
        page.session,
        days=query.days,
        service=query.service,
        severity=query.severity,
        team=team_id,
        page=PageRequest(limit=RECURRING, offset=0),
    )


def _reports(page: PageContext, query: AnalyticsQuery, filters: ReportFilters) -> dict[str, Any]:
    session = page.session
    summary = service.summary(session, filters=filters)
    listed = service.runbook_reports(
        session, filters=filters, sort=RunbookSort.views, page=PageRequest(limit=TABLE_ROWS)
    )
    most_used = service.runbook_reports(
        session, filters=filters, sort=RunbookSort.uses, page=PageRequest(limit=CHART_ROWS)
    )
    # both lists' runbooks' times to resolve at once (not one report per runbook)
    usages = {item.runbook_id: item for item in listed.items + most_used.items}
    times = service.resolve_times(session, runbook_ids=list(usages), filters=filters)
    details = {rid: RunbookLine(usage=usages[rid], resolve_time=times[rid]) for rid in usages}
    used = [details[item.runbook_id] for item in most_used.items if item.uses]
    return {
        "summary": summary,
        "runbooks": [details[item.runbook_id] for item in listed.items],
        "runbooks_total": listed.total_count,
        "most_used": used,
        "week_chart": _week_chart(summary),
        "success_chart": _success_chart(used),
        "gaps": service.gaps(session, filters=filters, limit=GAPS),
        "recurring": _recurring(page, query),
    }


TextQ = Annotated[str, Query(max_length=2000)]


def _form(
    days: TextQ = "",
    service_: Annotated[str, Query(alias="service", max_length=2000)] = "",
    severity: TextQ = "",
    team: TextQ = "",
) -> dict[str, str]:
    return {"days": days, "service": service_, "severity": severity, "team": team}


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(page: ViewPage, form: Annotated[dict[str, str], Depends(_form)]) -> HTMLResponse:
    """Is each runbook used, does it work, is it fresh; where content is missing; what keeps
    coming back. Filters that cannot be used are said on the page (400), never a 500."""
    query, filters, problem = _parse(form)
    context: dict[str, Any] = {
        "query": query,
        "severities": list(Severity),
        "problem": problem,
        "min_cases": MIN_CASES,
        "percent": percent,
        "minutes": minutes,
    }
    if filters is not None:
        try:
            context.update(_reports(page, query, filters))
        except InvalidInput as error:  # e.g. no team of that name
            context["problem"] = error.message
    status = 400 if context["problem"] else 200
    return render(page.request, "analytics.html", context, status_code=status)
