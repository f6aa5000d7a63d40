"""``faultmaven search``: the search index (rebuild, status)."""

from __future__ import annotations

import typer
from rich.progress import Progress

from faultmaven.cli.context import console, session_scope
from faultmaven.runbooks import service as runbooks_service
from faultmaven.search import service as search_service
from faultmaven.search.runtime import runtime_of

app = typer.Typer(help="The search index.", no_args_is_help=True)


@app.command("reindex")
def reindex(ctx: typer.Context) -> None:
    """Rebuild the keyword and semantic index of every runbook with the configured embedder."""
    with Progress(console=console) as progress, session_scope(ctx) as session:
        queued = runbooks_service.reindex_all(session)
        identity = runtime_of(session).identity(session)
        task = progress.add_task(f"Embedding with {identity.model}", total=queued)
        drained = search_service.drain_after_commit(
            session, on_progress=lambda n: progress.advance(task, n)
        )
    done = drained()
    console.print(
        f"Reindexed {done} of {queued} runbooks ({identity.model}, {identity.dimension} "
        f"dimensions, {identity.backend})."
    )
    if done < queued:
        console.print("[yellow]Some runbooks are still queued; see the log and run it again.[/]")
        raise typer.Exit(code=1)


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the index's embedder, backend and queued documents."""
    with session_scope(ctx) as session:
        runtime = runtime_of(session)
        stored = search_service.stored_identity(session)
        current = runtime.identity(session)
        pending = search_service.pending_count(session)
        note = search_service.mismatch_note(session, runtime)
    console.print(f"configured: {current.model} ({current.dimension} dims, {current.backend})")
    console.print(f"index:      {stored.model if stored else 'empty'}")
    console.print(f"queued:     {pending}")
    if note:
        console.print(f"[yellow]{note}[/]")
