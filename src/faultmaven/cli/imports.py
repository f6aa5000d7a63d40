"""``faultmaven import``: bring in what teams already have (post-mortems in markdown)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from faultmaven.assistant import postmortem_import
from faultmaven.cli import runbook_files
from faultmaven.cli.context import (
    audit_objects,
    cli_actor,
    console,
    print_json,
    read_text_file,
    session_scope,
    user_mistake,
)
from faultmaven.errors import InvalidInput
from faultmaven.postmortems import service
from faultmaven.postmortems.mapping import MappedPostmortem
from faultmaven.postmortems.schemas import PostmortemImported
from faultmaven.search import service as search_service

app = typer.Typer(help="Import what teams already have.", no_args_is_help=True)
POSTMORTEM_FILES = (".md", ".markdown")


@dataclass
class _File:
    path: Path
    mapped: MappedPostmortem | None = None
    imported: PostmortemImported | None = None
    reason: str | None = None  # why it was skipped


def _read(path: Path) -> _File:
    try:
        return _File(path, mapped=service.prepare(name=str(path), text=read_text_file(path)))
    except (InvalidInput, OSError) as error:
        reason = user_mistake(error)
        if reason is None:
            raise
        return _File(path, reason=reason)


@app.command("postmortems")
def postmortems(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Markdown post-mortems (or runbooks in other layouts): files or directories "
            "(.md, .markdown).",
            readable=False,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import post-mortems: each becomes a resolved case (marked imported, original text kept)
    and a draft runbook for review. Prints a report per file: imported (case, runbook, what
    mapped where, sections kept unmapped) or skipped (file:line and why). Exit code 1 when a
    file was skipped; the others are imported."""
    found = runbook_files.files_to_import(paths, suffixes=POSTMORTEM_FILES, what="post-mortems")
    files = [
        _File(item.file, reason=item.problem) if item.problem else _read(item.file)
        for item in found
    ]
    ready = [item for item in files if item.mapped is not None]
    if ready:
        with session_scope(ctx, audited=True) as session:
            for item in ready:
                assert item.mapped is not None
                mapped = postmortem_import.assisted(session, mapped=item.mapped)
                item.imported = service.save(session, mapped=mapped, actor=cli_actor(ctx))
                audit_objects(
                    session,
                    "case",
                    item.imported.case_id,
                    runbook_id=item.imported.runbook_id,
                    file=str(item.path),
                )
            search_service.drain_after_commit(session)
    skipped = [item for item in files if item.imported is None]
    if as_json:
        print_json(
            [
                {"file": str(item.path), "imported": item.imported.model_dump(mode="json")}
                if item.imported
                else {"file": str(item.path), "skipped": item.reason}
                for item in files
            ]
        )
    else:
        _report(files)
    if skipped:
        raise InvalidInput(f"{len(skipped)} of {len(files)} files skipped; {len(ready)} imported.")
    if not as_json:
        console.print(f"Imported {len(ready)} post-mortem{'' if len(ready) == 1 else 's'}.")


def _report(files: list[_File]) -> None:
    table = Table(title="Post-mortem import", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("file", overflow="fold")
    table.add_column("result", no_wrap=True)
    table.add_column("case / runbook", no_wrap=True)
    table.add_column("line: section → field; unmapped (kept); warnings", overflow="fold")
    for item in files:
        if item.imported is None:
            table.add_row(Text(str(item.path)), "[yellow]skipped[/]", "", Text(item.reason or ""))
            continue
        done = item.imported
        mapped = [
            f"{s.line}: {s.heading or '(preamble)'} → {s.mapped_to}"
            for s in done.sections
            if s.mapped_to
        ]
        unmapped = [
            f"{s.line}: {s.heading or '(preamble)'}" for s in done.sections if not s.mapped_to
        ]
        detail = f"mapped by {done.mapped_by}\n" + "\n".join(mapped)
        if unmapped:
            detail += "\nkept unmapped: " + "; ".join(unmapped)
        if done.llm_not_used_because:
            detail += f"\nLLM not used: {done.llm_not_used_because}"
        if done.dropped:
            detail += "\nLLM lines dropped (not in the document): " + "; ".join(done.dropped)
        if done.warnings:
            detail += "\n" + "\n".join(done.warnings)
        table.add_row(
            Text(str(item.path)),
            "[green]imported[/]",
            f"{done.case_id}\n{done.runbook_id}",
            Text(detail),
        )
    console.print(table)
