"""``faultmaven bench retrieval``: search quality on a labelled corpus, through the real
service path (runbooks created and indexed in a throwaway database)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, Field, ValidationError
from rich.progress import Progress
from rich.table import Table

from faultmaven.cli.context import console, read_text_file, session_scope
from faultmaven.errors import InvalidInput
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import RunbookCreate, RunbookStatus
from faultmaven.search import service as search_service
from faultmaven.search.evaluation import METRICS, mean_metrics, query_metrics
from faultmaven.search.query import MAX_QUERY_CHARS

app = typer.Typer(help="Measure search quality.", no_args_is_help=True)

DEPTH = 100  # ranked results scored per query
TITLE_CHARS, SUMMARY_CHARS = 300, 20_000


class CorpusDoc(BaseModel):
    id: str
    text: str = Field(min_length=1)


class LabelledQuery(BaseModel):
    id: str
    text: str = Field(min_length=1)
    relevant_ids: list[str] = Field(min_length=1)
    exclude_ids: list[str] = Field(default_factory=list)


def _read_jsonl(path: Path, model: type[BaseModel]) -> list[Any]:
    lines = read_text_file(path).splitlines()
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(model.model_validate_json(line))
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidInput(f"{path}:{number}: {first['loc']}: {first['msg']}") from None
    if not items:
        raise InvalidInput(f"{path} has no records.")
    return items


def as_runbook(doc: CorpusDoc) -> RunbookCreate:
    """A corpus text as a runbook: first line is the title, the rest the summary."""
    title, _, rest = doc.text.strip().partition("\n")
    return RunbookCreate(
        title=title.strip()[:TITLE_CHARS] or doc.id,
        summary=rest.strip()[:SUMMARY_CHARS],
        status=RunbookStatus.published,
    )


@app.command("retrieval")
def retrieval(
    ctx: typer.Context,
    corpus: Annotated[Path, typer.Option(help="JSONL of {id, text}.", readable=False)],
    queries: Annotated[
        Path, typer.Option(help="JSONL of {id, text, relevant_ids, exclude_ids}.", readable=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Index the corpus into a throwaway database and score hybrid and keyword-only search."""
    docs = _read_jsonl(corpus, CorpusDoc)
    labelled = _read_jsonl(queries, LabelledQuery)
    with tempfile.TemporaryDirectory(prefix="faultmaven-bench-") as scratch:
        ctx.obj["settings"] = ctx.obj["settings"].model_copy(
            update={"data_dir": Path(scratch), "database_url": None}
        )
        results = _evaluate(ctx, docs, labelled, quiet=as_json)
    if as_json:
        typer.echo(json.dumps(results))
        return
    table = Table(title=f"Retrieval: {len(labelled)} queries over {len(docs)} documents")
    table.add_column("ranker")
    for name in METRICS:
        table.add_column(name, justify="right")
    for ranker, metrics in results.items():
        table.add_row(ranker, *(f"{metrics[name]:.1f}" for name in METRICS))
    console.print(table)


def _evaluate(
    ctx: typer.Context, docs: list[CorpusDoc], labelled: list[LabelledQuery], *, quiet: bool
) -> dict[str, dict[str, float]]:
    runbook_of: dict[str, str] = {}
    with Progress(console=console, transient=True, disable=quiet) as progress:
        task = progress.add_task("Indexing corpus", total=len(docs))
        with session_scope(ctx) as session:
            for doc in docs:
                runbook = runbooks_service.create_runbook(
                    session, data=as_runbook(doc), actor="bench"
                )
                runbook_of[runbook.id] = doc.id
                progress.advance(task)
            embedding = progress.add_task("Embedding corpus", total=len(docs))
            search_service.drain_after_commit(
                session, on_progress=lambda n: progress.advance(embedding, n)
            )
        scores: dict[str, list[dict[str, float]]] = {"hybrid": [], "keyword": []}
        task = progress.add_task("Running queries", total=len(labelled) * 2)
        with session_scope(ctx) as session:
            for query in labelled:
                skip = {query.id, *query.exclude_ids}
                for mode in scores:
                    found = runbooks_service.search_runbooks(
                        session,
                        query=query.text[:MAX_QUERY_CHARS],
                        limit=min(100, DEPTH),
                        mode=mode,  # type: ignore[arg-type]
                        min_score=0.0,  # ranking quality: the floor is measured on its own
                    )
                    ranked = [runbook_of[h.runbook.id] for h in found.items]
                    ranked = [doc_id for doc_id in ranked if doc_id not in skip]
                    scores[mode].append(query_metrics(ranked, set(query.relevant_ids)))
                    progress.advance(task)
    return {mode: mean_metrics(per_query) for mode, per_query in scores.items()}
