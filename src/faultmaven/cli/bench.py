"""``faultmaven bench retrieval``: search quality on labelled corpora, through the real service
path (runbooks created and indexed in a throwaway database), with plain BM25 (bm25s) as the
baseline in the same run. The sets: folders given with ``--set`` (or ``--corpus`` +
``--queries``), the public sets shipped in ``bench/data/`` by name (``--dataset``), and, when
none is named, every set in ``bench/data/``.

Every set's queries are split by duplicate cluster (``evaluation.split_by_cluster``, fixed
seed) into a *tuning* part, on which every ranking choice is made, and an *untouched* part that
is only reported. Deterministic: runbook ids follow the corpus order, so every tie (in the
keyword index, the fusion and bm25s) is broken by corpus position; no randomness but the
fixed-seed split. The rules of issue 10 are checked on every set: keyword >= bm25s on the
untouched part, hybrid >= keyword on both parts with every embedder (MAP)."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from unittest import mock

import typer
from pydantic import BaseModel, Field, ValidationError
from rich.progress import Progress
from rich.table import Table

from faultmaven.cli.context import console, read_text_file, session_scope
from faultmaven.errors import InvalidInput
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import RunbookCreate, RunbookStatus
from faultmaven.search import service as search_service
from faultmaven.search.evaluation import METRICS, mean_metrics, query_metrics, split_by_cluster
from faultmaven.search.query import MAX_QUERY_CHARS

app = typer.Typer(help="Measure search quality.", no_args_is_help=True)

DEPTH = 100  # ranked results scored per query
TITLE_CHARS, SUMMARY_CHARS = 300, 20_000
PARTS = ("tuning", "untouched")
RULE_METRIC = "MAP"
KNOWN_SETS = Path("bench") / "data"  # the public labelled sets shipped with the repository
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what a runbook text may not hold


class CorpusDoc(BaseModel):
    id: str
    text: str = Field(min_length=1)


class LabelledQuery(BaseModel):
    id: str
    text: str = Field(min_length=1)
    relevant_ids: list[str] = Field(min_length=1)
    exclude_ids: list[str] = Field(default_factory=list)


@dataclass
class LabelledSet:
    name: str
    docs: list[CorpusDoc]
    queries: list[LabelledQuery]


PerQuery = dict[str, dict[str, float]]  # query id -> metrics


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
    """A corpus text as a runbook: first line is the title, the rest the summary (control
    characters a runbook may not hold, e.g. a backspace in a pasted log, become spaces)."""
    title, _, rest = _CONTROL.sub(" ", doc.text).strip().partition("\n")
    return RunbookCreate(
        title=title.strip()[:TITLE_CHARS] or doc.id,
        summary=rest.strip()[:SUMMARY_CHARS],
        status=RunbookStatus.published,
    )


def _set_files(folder: Path) -> tuple[Path, Path]:
    for name in ("queries.jsonl", "dev_queries.jsonl"):
        if (folder / name).is_file():
            return folder / "corpus.jsonl", folder / name
    raise InvalidInput(
        f"{folder} has no queries.jsonl (or dev_queries.jsonl) next to corpus.jsonl."
    )


def known_sets(root: Path = KNOWN_SETS) -> list[Path]:
    """The labelled sets this repository ships: every folder of ``bench/data/`` (relative to
    the working directory, i.e. the repository root) with a ``corpus.jsonl``, by name."""
    if not root.is_dir():
        return []
    return sorted(folder for folder in root.iterdir() if (folder / "corpus.jsonl").is_file())


def _dataset_folder(name: str) -> Path:
    folder = KNOWN_SETS / name
    if name in {"", ".", ".."} or "/" in name or not (folder / "corpus.jsonl").is_file():
        names = ", ".join(f.name for f in known_sets()) or "none here"
        raise InvalidInput(
            f"No labelled set {name!r} in {KNOWN_SETS}/ (known: {names}). Run from the "
            "repository root, or give the folder with --set."
        )
    return folder


def _load_sets(
    corpus: Path | None, queries: Path | None, folders: Sequence[Path], datasets: Sequence[str]
) -> list[LabelledSet]:
    pairs: list[tuple[str, Path, Path]] = []
    if (corpus is None) != (queries is None):
        raise InvalidInput("--corpus and --queries go together.")
    if corpus is not None and queries is not None:
        pairs.append((corpus.parent.name or "set", corpus, queries))
    chosen = [*folders, *(_dataset_folder(name) for name in datasets)]
    if not pairs and not chosen:
        chosen = known_sets()
    pairs.extend((folder.name, *_set_files(folder)) for folder in chosen)
    if not pairs:
        raise InvalidInput(
            f"No labelled set given and none in {KNOWN_SETS}/ here: give --dataset NAME, "
            "--set FOLDER (one or more), or --corpus with --queries."
        )
    return [
        LabelledSet(name, _read_jsonl(c, CorpusDoc), _read_jsonl(q, LabelledQuery))
        for name, c, q in pairs
    ]


@app.command("retrieval")
def retrieval(
    ctx: typer.Context,
    corpus: Annotated[
        Path | None, typer.Option(help="JSONL of {id, text}.", readable=False)
    ] = None,
    queries: Annotated[
        Path | None,
        typer.Option(help="JSONL of {id, text, relevant_ids, exclude_ids}.", readable=False),
    ] = None,
    sets: Annotated[
        list[Path] | None,
        typer.Option(
            "--set",
            help="A folder with corpus.jsonl and queries.jsonl (or dev_queries.jsonl); repeatable.",
            readable=False,
        ),
    ] = None,
    datasets: Annotated[
        list[str] | None,
        typer.Option(
            "--dataset",
            help="A labelled set shipped in bench/data/ by name (repeatable). With no "
            "--dataset, --set or --corpus: every set in bench/data/.",
        ),
    ] = None,
    embedders: Annotated[
        list[str] | None,
        typer.Option(
            "--embedder",
            help="Embedder(s) for the hybrid ranking (repeatable); default: the configured one.",
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when a ranking rule fails.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Score plain BM25 (bm25s), keyword-only and hybrid search on the tuning and untouched
    parts of every labelled set, and check the ranking rules."""
    labelled_sets = _load_sets(corpus, queries, sets or [], datasets or [])
    chosen = embedders or [ctx.obj["settings"].embedder]
    plain_bm25 = _bm25s_ranker()
    report: dict[str, Any] = {"sets": {}, "rules": []}
    for labelled in labelled_sets:
        per_ranker: dict[str, PerQuery] = {"bm25s": plain_bm25(labelled)}
        for position, embedder in enumerate(chosen):
            found = _service_rankings(ctx, labelled, embedder, keyword=position == 0, quiet=as_json)
            per_ranker.update(found)
        parts = _parts(labelled, per_ranker)
        report["sets"][labelled.name] = parts
        report["rules"].extend(_rules(labelled.name, parts))
    if as_json:
        typer.echo(json.dumps(report))
    else:
        _print(report, labelled_sets)
    if check and not all(rule["holds"] for rule in report["rules"]):
        raise typer.Exit(1)


def _ranker_name(embedder: str) -> str:
    return "hybrid" if embedder == "default" else f"hybrid {embedder.rpartition(':')[2]}"


def _parts(labelled: LabelledSet, per_ranker: dict[str, PerQuery]) -> dict[str, Any]:
    tuning, untouched = split_by_cluster(labelled.queries)
    out: dict[str, Any] = {}
    for part, chosen in zip(PARTS, (tuning, untouched), strict=True):
        out[part] = {
            "queries": len(chosen),
            **{
                ranker: mean_metrics([scores[q.id] for q in chosen])
                for ranker, scores in per_ranker.items()
            },
        }
    return out


def _rules(name: str, parts: dict[str, Any]) -> list[dict[str, Any]]:
    rules = []
    for part, rankers in parts.items():
        pairs = [(r, "keyword") for r in rankers if r.startswith("hybrid")]
        if part == "untouched":
            pairs.insert(0, ("keyword", "bm25s"))
        for better, baseline in pairs:
            a, b = rankers[better][RULE_METRIC], rankers[baseline][RULE_METRIC]
            rules.append(
                {
                    "set": name,
                    "part": part,
                    "rule": f"{better} >= {baseline}",
                    "holds": a >= b,
                    "values": [a, b],
                }
            )
    return rules


def _print(report: dict[str, Any], labelled_sets: Sequence[LabelledSet]) -> None:
    for labelled in labelled_sets:
        parts = report["sets"][labelled.name]
        for part, rankers in parts.items():
            table = Table(
                title=f"{labelled.name}, {part} part: {rankers['queries']} queries over "
                f"{len(labelled.docs)} documents"
            )
            table.add_column("ranker")
            for metric in METRICS:
                table.add_column(metric, justify="right")
            for ranker, metrics in rankers.items():
                if ranker != "queries":
                    table.add_row(ranker, *(f"{metrics[m]:.1f}" for m in METRICS))
            console.print(table)
    for rule in report["rules"]:
        mark = "holds" if rule["holds"] else "FAILS"
        a, b = rule["values"]
        console.print(
            f"{rule['set']} {rule['part']}: {rule['rule']} "
            f"({RULE_METRIC} {a:.1f} vs {b:.1f}) {mark}"
        )


def _bm25s_ranker() -> Callable[[LabelledSet], PerQuery]:
    try:
        import bm25s  # noqa: PLC0415 - a bench-only dependency (the "test" extra)
        import numpy as np  # noqa: PLC0415
    except ImportError:
        raise InvalidInput(
            "The plain BM25 baseline needs bm25s: pip install 'faultmaven[test]'."
        ) from None

    def rank(labelled: LabelledSet) -> PerQuery:
        """Plain BM25 (bm25s defaults: lowercase word tokens, k1 1.5, b 0.75) over the raw
        corpus texts; ties by corpus position."""
        retriever = bm25s.BM25()
        texts = [doc.text for doc in labelled.docs]
        retriever.index(
            bm25s.tokenize(texts, stopwords=None, show_progress=False), show_progress=False
        )
        out: PerQuery = {}
        for query in labelled.queries:
            tokens = bm25s.tokenize(
                [query.text[:MAX_QUERY_CHARS]], stopwords=None, show_progress=False
            )
            vocabulary = {index: word for word, index in tokens.vocab.items()}
            words = [vocabulary[i] for i in tokens.ids[0]]
            scores = retriever.get_scores(words) if words else np.zeros(len(texts))
            order = np.lexsort((np.arange(len(texts)), -scores))
            skip = {query.id, *query.exclude_ids}
            ranked = [
                labelled.docs[i].id
                for i in order
                if scores[i] > 0 and labelled.docs[i].id not in skip
            ][:DEPTH]
            out[query.id] = query_metrics(ranked, set(query.relevant_ids))
        return out

    return rank


@contextmanager
def _ids_in_corpus_order() -> Iterator[None]:
    """Runbook ids rb_000000000001, rb_000000000002, ... in corpus order (a throwaway database):
    every tie broken by id is then broken by corpus position, the same in every run."""
    counter = iter(range(1, 1 << 40))
    with mock.patch.object(
        runbooks_service, "new_id", lambda prefix: f"{prefix}_{next(counter):012x}"
    ):
        yield


def _service_rankings(
    ctx: typer.Context, labelled: LabelledSet, embedder: str, *, keyword: bool, quiet: bool
) -> dict[str, PerQuery]:
    """Index the set into a throwaway database with ``embedder`` and run its queries in hybrid
    (and, with ``keyword``, keyword-only) mode."""
    settings = ctx.obj["settings"]
    with tempfile.TemporaryDirectory(prefix="faultmaven-bench-") as scratch:
        ctx.obj["settings"] = settings.model_copy(
            update={"data_dir": Path(scratch), "database_url": None, "embedder": embedder}
        )
        try:
            return _evaluate(ctx, labelled, embedder, keyword=keyword, quiet=quiet)
        finally:
            ctx.obj["settings"] = settings


def _evaluate(
    ctx: typer.Context, labelled: LabelledSet, embedder: str, *, keyword: bool, quiet: bool
) -> dict[str, PerQuery]:
    runbook_of: dict[str, str] = {}
    docs, queries = labelled.docs, labelled.queries
    with Progress(console=console, transient=True, disable=quiet) as progress:
        task = progress.add_task(f"Indexing {labelled.name}", total=len(docs))
        with session_scope(ctx) as session, _ids_in_corpus_order():
            for doc in docs:
                runbook = runbooks_service.create_runbook(
                    session, data=as_runbook(doc), actor="bench"
                )
                runbook_of[runbook.id] = doc.id
                progress.advance(task)
            embedding = progress.add_task(f"Embedding ({embedder})", total=len(docs))
            search_service.drain_after_commit(
                session, on_progress=lambda n: progress.advance(embedding, n)
            )
        modes = {**({"keyword": "keyword"} if keyword else {}), "hybrid": _ranker_name(embedder)}
        scores: dict[str, PerQuery] = {name: {} for name in modes.values()}
        task = progress.add_task("Running queries", total=len(queries) * len(modes))
        with session_scope(ctx) as session:
            for query in queries:
                skip = {query.id, *query.exclude_ids}
                for mode, name in modes.items():
                    found = runbooks_service.search_runbooks(
                        session,
                        query=query.text[:MAX_QUERY_CHARS],
                        limit=DEPTH,
                        mode=mode,  # type: ignore[arg-type]
                        min_score=0.0,  # ranking quality: the floor is measured on its own
                    )
                    ranked = [runbook_of[h.runbook.id] for h in found.items]
                    ranked = [doc_id for doc_id in ranked if doc_id not in skip]
                    scores[name][query.id] = query_metrics(ranked, set(query.relevant_ids))
                    progress.advance(task)
    return scores
