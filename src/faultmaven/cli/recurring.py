"""``faultmaven analytics recurring``: the problems that keep coming back (a table, JSON or CSV).

The command function is registered in the ``analytics`` command group."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from faultmaven.analytics.recurring_schemas import RecurringProblem, RecurringReport
from faultmaven.analytics.recurring_service import recurring_problems
from faultmaven.cases.schemas import Severity
from faultmaven.cli.context import console, print_json, session_scope
from faultmaven.kit.clock import isoformat_z
from faultmaven.kit.pagination import MAX_LIMIT, PageRequest

CSV_COLUMNS = (
    "rank",
    "title",
    "count",
    "first_seen",
    "last_seen",
    "runbook",
    "recurred_after_runbook",
    "severity",
    "services",
    "case_ids",
    "action",
)


def _action(problem: RecurringProblem) -> str:
    if problem.offer is not None:
        return f"make a runbook: faultmaven runbooks from-case {problem.offer.case_id}"
    if problem.prevention is not None:
        what = "write its" if problem.prevention.empty else "review its"
        return f"{what} Prevention: {problem.prevention.runbook_id}"
    return ""


def _runbook(problem: RecurringProblem) -> str:
    return " ".join(r.id for r in problem.runbooks) or "no"


def recurring(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option(min=1, max=3650, help="The window: cases resolved in the last N days.")
    ] = 90,
    service: Annotated[str | None, typer.Option(help="Only cases that name this service.")] = None,
    severity: Annotated[Severity | None, typer.Option(help="Only cases of this severity.")] = None,
    team: Annotated[str | None, typer.Option(help="Only cases of this team (its id).")] = None,
    min_count: Annotated[
        int, typer.Option(min=1, help="Only problems seen at least this often.")
    ] = 2,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="Problems to show.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Problems to skip.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the problems as CSV.")] = False,
) -> None:
    """Problems that keep coming back: resolved cases grouped by similarity, most frequent
    first, then most recent; each says whether it has a runbook and how often it came back
    after the runbook existed, and what to do (make a runbook, or review its Prevention)."""
    if as_json and as_csv:
        raise typer.BadParameter("choose one of --json and --csv.")
    with session_scope(ctx) as session:
        report = recurring_problems(
            session,
            days=days,
            service=service,
            severity=severity,
            team=team,
            min_count=min_count,
            page=PageRequest(limit=limit, offset=offset),
        )
    if as_json:
        print_json(report.model_dump(mode="json"))
    elif as_csv:
        _csv(report)
    else:
        _table(report)


def _csv(report: RecurringReport) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rank, problem in enumerate(report.items, start=report.offset + 1):
        writer.writerow(
            [
                rank,
                problem.title,
                problem.count,
                isoformat_z(problem.first_seen),
                isoformat_z(problem.last_seen),
                _runbook(problem),
                problem.recurred_after_runbook,
                problem.severity.value,
                " ".join(problem.services),
                " ".join(problem.case_ids),
                _action(problem),
            ]
        )


def _table(report: RecurringReport) -> None:
    title = (
        f"Recurring problems in {report.days} days ({report.total_count}; "
        f"{report.cases_grouped} resolved cases grouped)"
    )
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", no_wrap=True, justify="right")
    table.add_column("problem", min_width=12)
    table.add_column("seen", no_wrap=True, justify="right")
    table.add_column("last", no_wrap=True)
    table.add_column("runbook", no_wrap=True)
    table.add_column("after runbook", no_wrap=True, justify="right")
    table.add_column("next step")
    for rank, problem in enumerate(report.items, start=report.offset + 1):
        table.add_row(
            str(rank),
            problem.title,
            str(problem.count),
            isoformat_z(problem.last_seen)[:10],
            _runbook(problem),
            str(problem.recurred_after_runbook) if problem.runbooks else "-",
            _action(problem),
        )
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    if report.has_more:
        console.print(f"more: --offset {report.offset + len(report.items)}")
