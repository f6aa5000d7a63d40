"""``faultmaven cases``: open, inspect, record, resolve and close troubleshooting cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from faultmaven.assistant import conversation
from faultmaven.assistant.runbook_offer import (
    DuplicateChoice,
    OfferDecision,
    decide_offer,
    resolve_with_offer,
)
from faultmaven.cases import service
from faultmaven.cases.schemas import (
    CaseCreate,
    CaseOrigin,
    CaseStatus,
    CloseRequest,
    ResolveRequest,
    Severity,
)
from faultmaven.cases.service import Phase
from faultmaven.cli import render
from faultmaven.cli.context import (
    audit_objects,
    cli_actor,
    console,
    print_json,
    read_json_file,
    session_scope,
    validated,
)
from faultmaven.errors import InvalidInput
from faultmaven.kit.pagination import MAX_LIMIT, PageRequest
from faultmaven.suggestions.service import suggestions_for

app = typer.Typer(
    help="Open, record, resolve and close troubleshooting cases.", no_args_is_help=True
)

CaseIdArg = Annotated[str, typer.Argument(help="Case id, e.g. case_3f9a1c0b7d2e.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("create")
def create(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="Case record JSON (DESIGN.md §2); - for stdin.", readable=False)
    ],
    as_json: JsonFlag = False,
) -> None:
    """Open a case from a case-record JSON file."""
    data = validated(CaseCreate, read_json_file(file), file)
    with session_scope(ctx, audited=True) as session:
        turn = conversation.open_case(session, data=data, actor=cli_actor(ctx))
        audit_objects(session, "case", turn.case.id)
    case = turn.case
    if as_json:
        print_json(case.model_dump(mode="json"))
        return
    console.print(f"Opened [bold]{case.id}[/bold]: {case.title} ({case.status.value})")
    if turn.assistant:
        render.assistant_turn(turn.assistant)


@app.command("suggest")
def suggest(ctx: typer.Context, case_id: CaseIdArg, as_json: JsonFlag = False) -> None:
    """Published runbooks similar to the case, best first."""
    with session_scope(ctx) as session:
        case = service.get_case(session, case_id=case_id)
        found = suggestions_for(session, case=case)
    if as_json:
        print_json([s.model_dump(mode="json") for s in found])
        return
    render.suggestions_table(found, case_title=case.title)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[CaseStatus | None, typer.Option(help="Only this status.")] = None,
    severity: Annotated[Severity | None, typer.Option(help="Only this severity.")] = None,
    origin: Annotated[
        CaseOrigin | None,
        typer.Option(help="Only cases recorded here, or only those imported (post-mortems)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonFlag = False,
) -> None:
    """List cases, newest first."""
    with session_scope(ctx) as session:
        page = service.list_cases(
            session,
            status=status,
            severity=severity.value if severity else None,
            origin=origin,
            page=PageRequest(limit=limit, offset=offset),
        )
    if as_json:
        print_json(page.model_dump(mode="json"))
    else:
        render.cases_table(page.items, total=page.total_count)


@app.command("show")
def show(ctx: typer.Context, case_id: CaseIdArg) -> None:
    """Print a case record as JSON."""
    with session_scope(ctx) as session:
        case = service.get_case(session, case_id=case_id)
    print_json(case.model_dump(mode="json"))


@app.command("add")
def add(
    ctx: typer.Context,
    case_id: CaseIdArg,
    phase: Annotated[Phase, typer.Argument(help="Which part of the record.")],
    items: Annotated[
        list[str],
        typer.Argument(help="Entries: text for symptoms/evidence, JSON objects for the others."),
    ],
) -> None:
    """Record investigation entries, e.g. `cases add case_x symptoms "Disk full on db-1"`."""
    entries = [_entry(item) for item in items]
    with session_scope(ctx, audited=True) as session:
        case = service.add_entries(
            session, case_id=case_id, phase=phase, items=entries, actor=cli_actor(ctx)
        )
        turn = (
            conversation.problem_changed(session, case_id=case_id)
            if phase is Phase.symptoms
            else None
        )
    console.print(f"{case.id}: {len(getattr(case, phase.field))} {phase.value} entries")
    if turn and turn.assistant:
        render.assistant_turn(turn.assistant)


def _entry(item: str) -> object:
    if not item.lstrip().startswith("{"):
        return item
    try:
        return json.loads(item)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"entry is not valid JSON: {error.msg}: {item[:60]}") from None


@app.command("resolve")
def resolve(
    ctx: typer.Context,
    case_id: CaseIdArg,
    resolved_at: Annotated[
        datetime | None,
        typer.Option(
            help="When the fix was confirmed (UTC, e.g. 2025-10-05T14:45:00); default now."
        ),
    ] = None,
) -> None:
    """Mark the fix confirmed working; FaultMaven offers to create a runbook."""
    request = ResolveRequest(resolved_at=_utc(resolved_at) if resolved_at else None)
    with session_scope(ctx, audited=True) as session:
        turn = resolve_with_offer(session, case_id=case_id, request=request, actor=cli_actor(ctx))
    render.assistant_turn(turn.assistant)
    console.print(f"Answer with: faultmaven cases offer {case_id} accept|decline")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class DuplicateOption(StrEnum):
    """``--duplicate``: what accepting does when a similar runbook exists."""

    ask = "ask"
    add_cause = "add-cause"
    update = "update"
    new = "new"


@app.command("offer")
def offer(
    ctx: typer.Context,
    case_id: CaseIdArg,
    decision: Annotated[OfferDecision, typer.Argument(help="accept or decline.")],
    duplicate: Annotated[
        DuplicateOption,
        typer.Option(
            help="If a similar runbook exists: ask (name it), add-cause (the case becomes "
            "another known cause of it), update (one of its causes: --cause, else the one with "
            "the case's root cause), or new (make a new runbook).",
        ),
    ] = DuplicateOption.ask,
    runbook: Annotated[
        str | None,
        typer.Option(help="With add-cause/update: the runbook (default: the similar one)."),
    ] = None,
    cause: Annotated[
        int | None, typer.Option(min=1, help="With update: the number of the cause to update.")
    ] = None,
) -> None:
    """Answer the runbook offer: accept saves a runbook, decline closes the case."""
    with session_scope(ctx, audited=True) as session:
        outcome = decide_offer(
            session,
            case_id=case_id,
            decision=decision,
            actor=cli_actor(ctx),
            duplicate=DuplicateChoice(duplicate.name),
            runbook_id=runbook,
            cause=cause,
        )
    render.assistant_turn(outcome.assistant)
    if outcome.runbook is not None:
        console.print(f"Show it with: faultmaven runbooks show {outcome.runbook.id}")


@app.command("close")
def close(
    ctx: typer.Context,
    case_id: CaseIdArg,
    reason: Annotated[str, typer.Option(help="Why the case is closed.")],
) -> None:
    """Close a case from any state, with a reason."""
    request = validated(CloseRequest, {"reason": reason}, Path("--reason"))
    with session_scope(ctx, audited=True) as session:
        case = service.close_case(session, case_id=case_id, request=request, actor=cli_actor(ctx))
    console.print(f"{case.id} closed: {case.close_reason}")
