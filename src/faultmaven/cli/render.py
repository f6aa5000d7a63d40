"""Terminal rendering shared by the command groups: tables and the assistant's turns."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich import box
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from faultmaven.assistant.doctor_patient import LLMResponse
from faultmaven.cases.schemas import CaseSummary
from faultmaven.cli.context import console
from faultmaven.kit.clock import isoformat_z
from faultmaven.runbooks.schemas import RunbookDiff, RunbookSummary
from faultmaven.runbooks.service import SearchResults
from faultmaven.suggestions.service import Suggestion


def _when(value: datetime | None) -> str:
    return isoformat_z(value)[:10] if value else "-"


def cases_table(cases: Iterable[CaseSummary], *, total: int) -> None:
    table = Table(title=f"Cases ({total})", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("title", min_width=12)
    for column in ("severity", "status", "offer", "created"):
        table.add_column(column, no_wrap=True)
    for case in cases:
        table.add_row(
            case.id,
            case.title,
            case.severity.value,
            case.status.value,
            case.runbook_offer.value,
            _when(case.created_at),
        )
    console.print(table)


def runbooks_table(runbooks: Iterable[RunbookSummary], *, total: int) -> None:
    table = Table(title=f"Runbooks ({total})", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("title", min_width=12)
    for column in ("severity", "status"):
        table.add_column(column, no_wrap=True)
    table.add_column("services")
    for column in ("version", "updated"):
        table.add_column(column, no_wrap=True)
    for runbook in runbooks:
        table.add_row(
            runbook.id,
            runbook.title,
            runbook.severity.value,
            runbook.status.value,
            ", ".join(runbook.services),
            str(runbook.version),
            _when(runbook.updated_at),
        )
    console.print(table)


def search_table(results: SearchResults) -> None:
    table = Table(title=f"Search: {results.query}", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("#", "score"):
        table.add_column(column, justify="right")
    table.add_column("id", no_wrap=True)
    for column in ("title", "matched"):
        table.add_column(column)
    for position, hit in enumerate(results.items, start=1 + results.offset):
        matched = "; ".join(
            f"{field}: {', '.join(words)}" for field, words in hit.why.fields.items()
        )
        table.add_row(str(position), f"{hit.score:.3g}", hit.runbook.id, hit.runbook.title, matched)
    console.print(table if results.items else "[yellow]No runbook matches.[/yellow]")


def suggestions_table(suggestions: Iterable[Suggestion], *, case_title: str) -> None:
    table = Table(title=f"Similar runbooks: {case_title}", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("title", min_width=12)
    table.add_column("shared words")
    table.add_column("similarity", justify="right")
    rows = 0
    for s in suggestions:
        words = sorted({w for field in ("title", "symptoms") for w in s.why.fields.get(field, [])})
        similarity = f"{s.why.similarity:.2f}" if s.why.similarity is not None else "-"
        table.add_row(s.runbook_id, s.title, ", ".join(words), similarity)
        rows += 1
    console.print(table if rows else "[yellow]No similar published runbook.[/yellow]")


def assistant_turn(turn: LLMResponse) -> None:
    lines = [turn.answer]
    for number, action in enumerate(turn.suggested_actions, start=1):
        lines.append(f"  [{number}] {action.label}")
    console.print(Panel("\n".join(lines), title="FaultMaven", border_style="cyan"))


_DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def runbook_diff(diff: RunbookDiff) -> None:
    """The changed fields, the metadata before and after, then the unified diff of the markdown
    in colour (plain text when the output is not a terminal)."""
    console.print(
        f"[bold]{diff.runbook_id}[/bold] version {diff.from_version} → {diff.to_version}",
        highlight=False,
    )
    if not diff.changed_fields:
        console.print("No changes.")
    else:
        console.print(Text("Changed: " + ", ".join(diff.changed_fields)))
    for change in diff.metadata:
        console.print(Text(f"  {change.field}: {change.before!r} → {change.after!r}"))
    for note in diff.notes:
        console.print(Text(note, style="yellow"))
    for line in diff.diff.splitlines():
        style = next((style for mark, style in _DIFF_STYLES if line.startswith(mark)), "")
        console.print(Text(line, style=style), soft_wrap=True, highlight=False)
