"""``faultmaven runbooks``: create, import, list, show, search, make from a case, export, and
the history: versions, diff, restore, edit in $EDITOR."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel
from rich.progress import Progress
from rich.table import Table

from faultmaven.cases.schemas import Severity
from faultmaven.cli import render, runbook_editing, runbook_files
from faultmaven.cli.context import (
    audit_objects,
    cli_actor,
    console,
    err_console,
    print_json,
    session_scope,
    validated,
)
from faultmaven.errors import Conflict, InvalidInput
from faultmaven.events.schemas import FeedbackIn, FeedbackOutcome
from faultmaven.kit.pagination import MAX_LIMIT, PageRequest
from faultmaven.runbooks import service
from faultmaven.runbooks.feedback import feedback_of, give_feedback
from faultmaven.runbooks.frontmatter import render_document
from faultmaven.runbooks.markdown import render_markdown
from faultmaven.runbooks.schemas import Runbook, RunbookRestore, RunbookStatus
from faultmaven.runbooks.service import RunbookFilters
from faultmaven.search import service as search_service

app = typer.Typer(help="Store, import, find and export runbooks.", no_args_is_help=True)
Shown = TypeVar("Shown", bound=BaseModel)
IMPORT_BATCH = 500  # runbooks per write

RunbookIdArg = Annotated[str, typer.Argument(help="Runbook id, e.g. rb_3f9a1c0b7d2e.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
StatusOpt = Annotated[RunbookStatus | None, typer.Option(help="Only this status.")]
SeverityOpt = Annotated[Severity | None, typer.Option(help="Only this severity.")]
ServiceOpt = Annotated[str | None, typer.Option(help="Only runbooks for this service.")]
TagOpt = Annotated[str | None, typer.Option(help="Only runbooks with this tag.")]
TeamOpt = Annotated[str | None, typer.Option(help="Only runbooks owned by the team of this name.")]


def _markdown(runbook: Runbook) -> str:
    return render_markdown(
        runbook, created=runbook.created_at.date(), last_updated=runbook.updated_at.date()
    )


def _emit(result: Shown, as_json: bool, show: Callable[[Shown], None]) -> None:
    """``result`` as JSON, or as ``show`` renders it."""
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        show(result)


@app.command("create")
def create(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="Runbook as JSON, or markdown in the runbook format (.md).", readable=False
        ),
    ],
    status: Annotated[
        RunbookStatus, typer.Option(help="Status when the file states none (default draft).")
    ] = RunbookStatus.draft,
) -> None:
    """Create a runbook from a JSON or markdown file. Status rule (as for import): the status
    the file states wins, else --status."""
    (data,) = runbook_files.read_runbooks(file, status, many=False)
    with session_scope(ctx, audited=True) as session:
        runbook = service.create_runbook(session, data=data, actor=cli_actor(ctx))
        audit_objects(session, "runbook", runbook.id)
    console.print(f"Created [bold]{runbook.id}[/bold]: {runbook.title} ({runbook.status.value})")


def _save(ctx: typer.Context, files: list[runbook_files.FileImport]) -> None:
    """Save the files' runbooks in bulk batches, index them for semantic search, and give each
    file its runbook ids."""
    runbooks = [runbook for item in files for runbook in item.runbooks]
    if not runbooks:
        return
    ids: list[str] = []
    with (
        Progress(console=console, transient=True) as progress,
        session_scope(ctx, audited=True) as session,
    ):
        task = progress.add_task("Saving runbooks", total=len(runbooks))
        for first in range(0, len(runbooks), IMPORT_BATCH):
            batch = runbooks[first : first + IMPORT_BATCH]
            done = service.import_runbooks(session, items=batch, actor=cli_actor(ctx))
            ids.extend(rb.id for rb in done)
            progress.advance(task, len(batch))
        audit_objects(session, "runbook", *ids)
        indexing = progress.add_task("Indexing for semantic search", total=len(runbooks))
        search_service.drain_after_commit(
            session, on_progress=lambda n: progress.advance(indexing, n)
        )
    saved = iter(ids)
    for item in files:
        item.ids = [next(saved) for _ in item.runbooks]


@app.command("import")
def import_(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or directories: runbook markdown (.md), JSON (.json: one runbook or a "
            "list) or JSON lines (.jsonl: one runbook per line). Symlinks that lead out of a "
            "directory are skipped, not read.",
            readable=False,
        ),
    ],
    status: Annotated[
        RunbookStatus, typer.Option(help="Status of runbooks whose file states none.")
    ] = RunbookStatus.draft,
    atomic: Annotated[
        bool, typer.Option("--atomic", help="All or nothing: save nothing if any file fails.")
    ] = False,
) -> None:
    """Import many runbooks at once, with a report per file: the runbook ids, or why not (with
    file:line). Good files are saved even when others fail (exit code 1 then), unless --atomic.
    Status rule (as for create): the status the file states wins, else --status (default
    draft). A file exported by FaultMaven (front matter) keeps its id, status, services, tags,
    owner, source cases and causes' history."""
    files = [item.read(status) for item in runbook_files.files_to_import(paths)]
    failed = sum(item.failed for item in files)
    if not (atomic and failed):
        _save(ctx, [item for item in files if item.problem is None])
    runbook_files.print_report(files)
    saved = runbook_files.n_runbooks(sum(len(item.ids) for item in files))
    if failed:
        kept = "nothing was saved (--atomic)" if atomic else f"{saved} from the others saved"
        raise InvalidInput(f"{failed} of {len(files)} files failed; {kept}.")
    console.print(f"Imported {saved}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: StatusOpt = None,
    severity: SeverityOpt = None,
    service_: Annotated[str | None, typer.Option("--service", help="Only this service.")] = None,
    tag: TagOpt = None,
    team: TeamOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonFlag = False,
) -> None:
    """List runbooks, most recently updated first (archived ones only with --status archived)."""
    filters = RunbookFilters(status=status, severity=severity, service=service_, tag=tag, team=team)
    with session_scope(ctx) as session:
        page = service.list_runbooks(
            session, filters=filters, page=PageRequest(limit=limit, offset=offset)
        )
    if as_json:
        print_json(page.model_dump(mode="json"))
    else:
        render.runbooks_table(page.items, total=page.total_count)


@app.command("show")
def show(ctx: typer.Context, runbook_id: RunbookIdArg, as_json: JsonFlag = False) -> None:
    """Print a runbook as markdown (or JSON)."""
    with session_scope(ctx) as session:
        runbook = service.view_runbook(session, runbook_id=runbook_id, actor="cli")
        feedback = feedback_of(session, runbook_id=runbook_id).summary
    if feedback.needs_review:
        err_console.print(
            f"Flagged for review: {feedback.not_helpful} of {feedback.total} answers say it "
            "did not help."
        )
    if as_json:
        print_json(runbook.model_dump(mode="json"))
    else:
        typer.echo(_markdown(runbook))


@app.command("export")
def export(
    ctx: typer.Context,
    runbook_id: Annotated[
        str | None, typer.Argument(help="Runbook id, e.g. rb_3f9a1c0b7d2e (or use --all).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (default: stdout).", readable=False
        ),
    ] = None,
    all_to: Annotated[
        Path | None,
        typer.Option(
            "--all",
            help="Export every runbook (archived too) into this directory, one <id>.md each.",
            file_okay=False,
            readable=False,
        ),
    ] = None,
) -> None:
    """Export runbooks as markdown with YAML front matter; `runbooks import` reads them back
    as they were (id, status, services, tags, owner, source cases, every cause)."""
    if (runbook_id is None) == (all_to is None):
        raise InvalidInput("Name one runbook to export, or use --all DIR.")
    if all_to is not None:
        all_to.mkdir(parents=True, exist_ok=True)
        with session_scope(ctx) as session:
            runbooks = service.all_runbooks(session)
        for runbook in runbooks:
            (all_to / f"{runbook.id}.md").write_text(render_document(runbook), encoding="utf-8")
        console.print(f"Wrote {runbook_files.n_runbooks(len(runbooks))} to {all_to}")
        return
    assert runbook_id is not None
    with session_scope(ctx) as session:
        runbook = service.get_runbook(session, runbook_id=runbook_id)
    text = render_document(runbook)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"Wrote {output}")


@app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(help="Words to look for.")],
    status: StatusOpt = None,
    severity: SeverityOpt = None,
    service_: Annotated[str | None, typer.Option("--service", help="Only this service.")] = None,
    tag: TagOpt = None,
    team: TeamOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    min_score: Annotated[
        float | None,
        typer.Option(min=0, max=1, help="Hide hits below this confidence (default: setting)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Find runbooks by keywords; each hit shows its score and what matched."""
    filters = RunbookFilters(status=status, severity=severity, service=service_, tag=tag, team=team)
    with session_scope(ctx) as session:
        results = service.search_runbooks(
            session,
            query=" ".join(query),
            filters=filters,
            limit=limit,
            min_score=min_score,
            actor="cli",
        )
    _emit(results, as_json, render.search_table)


@app.command("from-case")
def from_case(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(help="A resolved case's id.")],
) -> None:
    """Create the runbook from a resolved case's history (also after declining the offer)."""
    with session_scope(ctx, audited=True) as session:
        runbook = service.create_from_case(session, case_id=case_id, actor=cli_actor(ctx))
        audit_objects(session, "runbook", runbook.id, case_id=case_id)
    console.print(f"Created [bold]{runbook.id}[/bold] from {case_id}: {runbook.title}")


@app.command("versions")
def versions(ctx: typer.Context, runbook_id: RunbookIdArg) -> None:
    """List a runbook's versions, newest first."""
    with session_scope(ctx) as session:
        items = service.list_versions(session, runbook_id=runbook_id)
    table = Table(title=f"Versions of {runbook_id}")
    for column in ("version", "title", "author", "change", "made by", "created"):
        table.add_column(column)
    for item in items:
        table.add_row(
            str(item.version),
            item.title,
            item.author,
            item.change_note,
            item.generated_by,
            item.created_at.isoformat(timespec="seconds"),
        )
    console.print(table)


@app.command("diff")
def diff(
    ctx: typer.Context,
    runbook_id: RunbookIdArg,
    from_: Annotated[
        int | None, typer.Option("--from", min=1, help="Older version (default: the previous).")
    ] = None,
    to: Annotated[int | None, typer.Option("--to", min=1, help="Newer (default: current).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show what changed between two versions: changed fields and a coloured unified diff."""
    with session_scope(ctx) as session:
        result = service.diff_versions(
            session, runbook_id=runbook_id, from_version=from_, to_version=to
        )
    _emit(result, as_json, render.runbook_diff)


@app.command("restore")
def restore(
    ctx: typer.Context,
    runbook_id: RunbookIdArg,
    version: Annotated[int, typer.Argument(min=1, help="The version to bring back.")],
    current: Annotated[
        int | None,
        typer.Option(
            "--current",
            min=1,
            help="Refuse unless the runbook is still at this version (default: whatever is "
            "current).",
        ),
    ] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="Change note.")] = "",
) -> None:
    """Save a new version equal to VERSION (content and metadata)."""
    with session_scope(ctx, audited=True) as session:
        expected = current or service.get_runbook(session, runbook_id=runbook_id).version
        runbook = service.restore_version(
            session,
            runbook_id=runbook_id,
            version=version,
            request=RunbookRestore(change_note=message),
            expected_version=expected,
            actor=cli_actor(ctx),
        )
    console.print(
        f"Restored version {version} of [bold]{runbook_id}[/bold] as version {runbook.version}."
    )


@app.command("edit")
def edit(
    ctx: typer.Context,
    runbook_id: RunbookIdArg,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Start from this markdown (e.g. an edit kept after a conflict) instead of the "
            "current runbook; it is saved over the current version.",
            readable=False,
        ),
    ] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="Change note.")] = "",
) -> None:
    """Edit the runbook's markdown in $VISUAL / $EDITOR and save it as a new version. If the
    runbook changes meanwhile, nothing is saved and nothing is lost: what changed is shown and
    your edit is kept in a file (edit it again with --file)."""
    with session_scope(ctx) as session:
        runbook = service.get_runbook(session, runbook_id=runbook_id)
    editing = runbook_editing.start(runbook, _markdown(runbook), file)
    edited = editing.run_editor()
    if edited is None:
        console.print("No changes; nothing saved.")
        return
    try:
        with session_scope(ctx, audited=True) as session:
            saved = service.update_runbook(
                session,
                runbook_id=runbook_id,
                data=runbook_editing.update(runbook, edited, message or "edited in $EDITOR"),
                expected_version=runbook.version,
                actor=cli_actor(ctx),
            )
    except Conflict as conflict:
        if conflict.code != "STALE_VERSION":
            raise
        with session_scope(ctx) as session:
            theirs = service.diff_versions(
                session, runbook_id=runbook_id, from_version=runbook.version
            )
        raise editing.conflict(theirs) from None
    editing.done()
    console.print(f"Saved [bold]{runbook_id}[/bold] as version {saved.version}.")


@app.command("feedback")
def feedback(
    ctx: typer.Context,
    runbook_id: RunbookIdArg,
    outcome: Annotated[
        FeedbackOutcome, typer.Option(help="Did it help: solved, partly or not_helpful.")
    ],
    case: Annotated[
        str | None, typer.Option("--case", help="The case it was used in (marks it used).")
    ] = None,
    comment: Annotated[str | None, typer.Option(help="What was missing or wrong.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Say whether a runbook helped (one answer per runbook and case: a new one replaces it).
    A runbook that keeps not helping is flagged for review in `faultmaven analytics runbooks`."""
    data = validated(
        FeedbackIn, {"case_id": case, "outcome": outcome, "comment": comment}, "feedback"
    )
    with session_scope(ctx) as session:
        given = give_feedback(
            session,
            runbook_id=runbook_id,
            case_id=data.case_id,
            outcome=data.outcome,
            comment=data.comment,
            actor="cli",
        )
    if as_json:
        print_json(given.model_dump(mode="json"))
    else:
        console.print(f"Recorded: {given.outcome.value} for runbook {given.runbook_id}.")
