"""``faultmaven analytics``: the reports of ``analytics.service`` in the terminal (Rich
tables), as JSON (``--json``) or CSV (``--csv``: one row per item; the summary and one
runbook's report as ``metric,value`` rows with dotted names)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich import box
from rich.table import Table

from faultmaven.analytics import service
from faultmaven.analytics.schemas import (
    MAX_DAYS,
    GapsReport,
    Median,
    ReportFilters,
    RunbookReport,
    RunbookSort,
    RunbookUsage,
    Summary,
)
from faultmaven.cases.schemas import Severity
from faultmaven.cli.context import console, print_json, session_scope
from faultmaven.errors import InvalidInput
from faultmaven.kit.pagination import MAX_LIMIT, PageRequest

app = typer.Typer(
    help="Reports: runbook usage, success and freshness; time to resolve; content gaps.",
    no_args_is_help=True,
)

SinceOpt = Annotated[
    str | None,
    typer.Option(help="Window start: 2026-11-01 or 2026-11-01T00:00:00Z (default: --days ago)."),
]
UntilOpt = Annotated[str | None, typer.Option(help="Window end, exclusive (default: now).")]
DaysOpt = Annotated[
    int | None, typer.Option(min=1, max=MAX_DAYS, help="Window length in days (default 30).")
]
ServiceOpt = Annotated[
    str | None, typer.Option("--service", help="Runbooks with this service; cases with it first.")
]
SeverityOpt = Annotated[Severity | None, typer.Option(help="Only this severity.")]
TeamOpt = Annotated[str | None, typer.Option(help="Only this team's (a team name).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
CsvFlag = Annotated[bool, typer.Option("--csv", help="Print CSV.")]


def _moment(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--{name}: {value!r} is not a date or an ISO 8601 time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _filters(
    since: str | None,
    until: str | None,
    days: int | None,
    service_: str | None,
    severity: Severity | None,
    team: str | None,
) -> ReportFilters:
    try:
        return ReportFilters(
            since=_moment(since, "since"),
            until=_moment(until, "until"),
            days=days,
            service=service_,
            severity=severity,
            team=team,
        )
    except ValidationError as error:
        raise InvalidInput.from_validation(error, "Invalid filter") from None


def _flat(data: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """Dotted (name, value) pairs of nested JSON."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _flat(value, f"{prefix}{key}.")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _flat(value, f"{prefix}{index}.")
    else:
        yield prefix.rstrip("."), data


def _csv_rows(rows: list[dict[str, Any]]) -> None:
    flat = [dict(_flat(row)) for row in rows]
    names = list(dict.fromkeys(name for row in flat for name in row))
    writer = csv.DictWriter(sys.stdout, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)


def _csv_metrics(report: BaseModel) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["metric", "value"])
    writer.writerows(_flat(report.model_dump(mode="json")))


def _emit(
    report: BaseModel, as_json: bool, as_csv: bool, rows: list[BaseModel] | None = None
) -> bool:
    """Printed as JSON, or as CSV (``rows`` one a line, else the report's metrics): True; or
    left to a table: False."""
    if as_json and as_csv:
        raise InvalidInput("Choose --json or --csv, not both.")
    if as_json:
        print_json(report.model_dump(mode="json"))
    elif as_csv and rows is not None:
        _csv_rows([row.model_dump(mode="json") for row in rows])
    elif as_csv:
        _csv_metrics(report)
    return as_json or as_csv


def _minutes(median: Median) -> str:
    if median.median_minutes is None:
        return f"- ({median.count})"
    return f"{median.median_minutes:g} min ({median.count})"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _window(report: Summary | GapsReport | RunbookReport) -> str:
    return f"{report.window.since:%Y-%m-%d %H:%M} to {report.window.until:%Y-%m-%d %H:%M} UTC"


@app.command("summary")
def summary(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: UntilOpt = None,
    days: DaysOpt = None,
    service_: ServiceOpt = None,
    severity: SeverityOpt = None,
    team: TeamOpt = None,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
) -> None:
    """Time to resolve with and without a runbook (by week too), coverage, searches and new
    cases that found nothing, suggestion precision, feedback, runbooks never used."""
    filters = _filters(since, until, days, service_, severity, team)
    with session_scope(ctx) as session:
        report = service.summary(session, filters=filters)
    if _emit(report, as_json, as_csv):
        return
    table = Table(title=f"Summary, {_window(report)}", box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("metric")
    table.add_column("value")
    ttr = report.time_to_resolve
    rows = [
        ("resolved cases", str(report.resolved_cases)),
        ("time to resolve, with a runbook", _minutes(ttr.with_runbook)),
        ("time to resolve, without", _minutes(ttr.without_runbook)),
        ("coverage (produced or used a runbook)", _share(report.coverage.share)),
        (
            "searches / found nothing",
            f"{report.searches.searches} / {report.searches.found_nothing}",
        ),
        (
            "new cases / without a suggestion",
            f"{report.searches.cases_opened} / {report.searches.cases_without_suggestion}",
        ),
        (
            "suggestions opened / suggested",
            f"{report.suggestions.opened} / {report.suggestions.suggested} "
            f"({_share(report.suggestions.precision)})",
        ),
        ("runbook views", str(report.views)),
        ("feedback: solved rate", f"{_share(report.feedback.rate)} of {report.feedback.answers}"),
        (
            "published runbooks never used",
            f"{report.never_used_count} of {report.published_runbooks}",
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if report.by_week:
        weeks = Table(title="Time to resolve by week (median, cases)", box=box.SIMPLE_HEAD)
        for column in ("week", "with a runbook", "without"):
            weeks.add_column(column)
        for point in report.by_week:
            weeks.add_row(
                point.week.isoformat(),
                _minutes(point.with_runbook),
                _minutes(point.without_runbook),
            )
        console.print(weeks)


def _usage_table(items: list[RunbookUsage], title: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("title", min_width=12)
    for column in ("views", "suggested", "opened", "uses", "solved", "95% interval", "fresh"):
        table.add_column(column, no_wrap=True)
    for item in items:
        success = item.success
        interval = "-" if success.low is None else f"{success.low:.2f}-{success.high:.2f}"
        flags = [
            *(["REVIEW"] if item.needs_review else []),
            *(["stale"] if item.freshness.stale else []),
        ]
        table.add_row(
            item.runbook_id,
            item.title,
            str(item.views),
            str(item.suggested),
            str(item.opened),
            str(item.uses),
            f"{_share(success.rate)} of {success.answers}",
            interval,
            " ".join(flags) or "ok",
        )
    return table


@app.command("runbooks")
def runbooks(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: UntilOpt = None,
    days: DaysOpt = None,
    service_: ServiceOpt = None,
    severity: SeverityOpt = None,
    team: TeamOpt = None,
    sort: Annotated[RunbookSort, typer.Option(help="Highest first, or by title.")] = (
        RunbookSort.views
    ),
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
) -> None:
    """Per runbook: views, suggested and opened, uses, success rate (Wilson 95% interval),
    review flag (keeps not helping) and staleness."""
    filters = _filters(since, until, days, service_, severity, team)
    with session_scope(ctx) as session:
        page = service.runbook_reports(
            session, filters=filters, sort=sort, page=PageRequest(limit=limit, offset=offset)
        )
    if not _emit(page, as_json, as_csv, rows=list(page.items)):
        console.print(_usage_table(page.items, f"Runbooks ({page.total_count})"))


@app.command("runbook")
def runbook(
    ctx: typer.Context,
    runbook_id: Annotated[str, typer.Argument(help="Runbook id, e.g. rb_3f9a1c0b7d2e.")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    days: DaysOpt = None,
    service_: ServiceOpt = None,
    severity: SeverityOpt = None,
    team: TeamOpt = None,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
) -> None:
    """One runbook: usage, time to resolve against comparable cases, freshness, feedback."""
    filters = _filters(since, until, days, service_, severity, team)
    with session_scope(ctx) as session:
        report = service.runbook_report(session, runbook_id=runbook_id, filters=filters)
    if _emit(report, as_json, as_csv):
        return
    console.print(_usage_table([report.usage], f"Runbook, {_window(report)}"))
    fresh = report.usage.freshness
    comparison = report.resolve_time
    table = Table(box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("metric")
    table.add_column("value")
    for name, value in [
        ("time to resolve, cases that used it", _minutes(comparison.with_runbook)),
        ("comparable cases that did not", _minutes(comparison.without_runbook)),
        ("last edited", f"{fresh.last_edited:%Y-%m-%d}"),
        ("last reviewed", f"{fresh.last_reviewed:%Y-%m-%d}" if fresh.last_reviewed else "-"),
        ("review by", fresh.review_by.isoformat() if fresh.review_by else "-"),
        ("last used", f"{fresh.last_used:%Y-%m-%d}" if fresh.last_used else "-"),
        ("stale", fresh.stale_reason or "no"),
    ]:
        table.add_row(name, value)
    console.print(table)
    for answer in report.recent_feedback:
        note = f": {answer.comment}" if answer.comment else ""
        console.print(f"  {answer.updated_at:%Y-%m-%d} {answer.outcome.value}{note}")


@app.command("gaps")
def gaps(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: UntilOpt = None,
    days: DaysOpt = None,
    service_: ServiceOpt = None,
    severity: SeverityOpt = None,
    team: TeamOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: JsonFlag = False,
    as_csv: CsvFlag = False,
) -> None:
    """Content gaps: searches and new cases that found no runbook, grouped by their words."""
    filters = _filters(since, until, days, service_, severity, team)
    with session_scope(ctx) as session:
        report = service.gaps(session, filters=filters, limit=limit)
    if _emit(report, as_json, as_csv, rows=list(report.items)):
        return
    table = Table(
        title=f"Content gaps ({report.found_nothing} found nothing), {_window(report)}",
        box=box.SIMPLE_HEAD,
    )
    for column in ("example", "searches", "cases", "last seen"):
        table.add_column(column)
    for gap in report.items:
        table.add_row(gap.example, str(gap.searches), str(gap.cases), f"{gap.last_seen:%Y-%m-%d}")
    console.print(table)
