"""Confidence curve and relevance floor, fitted on the *tuning* parts of several labelled sets
together (issue 10, fifth slice). The product's ranking (``retrieval_tuning.product_ranking``:
keyword share, blended with the embedder's cosine in hybrid mode) on every tuning query; the
top 10 hits of each, labelled right or wrong, fit one logistic curve per mode, each set weighing
the same (otherwise the set with the most queries decides alone). Then, per set and mode, what
a floor on that curve does: queries with a suggestion when the answer is in the store
("present"), the right answer in the top 3 above the floor, and a suggestion when it is not
("absent": the same query with its relevant documents taken out).

    PYTHONPATH=src .venv/bin/python bench/retrieval_calibration.py SET_FOLDER [SET_FOLDER ...] \
        [--embedder default] [--part tune|untouched] [--curve KA KB HA HB]

A folder holds ``corpus.jsonl`` and ``queries.jsonl`` (or ``dev_queries.jsonl``). ``--curve``
skips the fit and reports floors on a given curve (keyword slope, intercept, hybrid slope,
intercept): the untouched parts are only ever read that way, with the curve of the tuning parts.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from retrieval_tuning import OfflineBM25, load, product_ranking, vectors

from faultmaven.search import fusion
from faultmaven.search.embedders import make_embedder
from faultmaven.search.evaluation import split_by_cluster
from faultmaven.search.service import embedding_text

FLOORS = (0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12, 0.15)
MODES = ("keyword", "hybrid")


def _queries_file(folder: Path) -> Path:
    for name in ("queries.jsonl", "dev_queries.jsonl"):
        if (folder / name).is_file():
            return folder / name
    raise SystemExit(f"{folder} has no queries.jsonl or dev_queries.jsonl")


def rankings(folder: Path, embedder: str, part: str) -> dict[str, list[tuple[list, list, set]]]:
    """Per mode, per query of ``part``: top 3 present, top 1 absent, relevant ids."""
    docs, queries = load(folder / "corpus.jsonl", _queries_file(folder))
    tune, untouched = split_by_cluster(queries)
    chosen = tune if part == "tune" else untouched
    ids = [d["id"] for d in docs]
    offline = OfflineBM25(docs)
    doc_vectors = vectors(embedder, [embedding_text(d["text"]) for d in docs])
    query_vectors = vectors(embedder, [embedding_text(q["text"][:2000]) for q in chosen])
    weight = fusion.blend_weight(make_embedder(embedder).name)
    out: dict[str, list[tuple[list, list, set]]] = {mode: [] for mode in MODES}
    for qi, query in enumerate(chosen):
        text = query["text"][:2000]
        skip = {query["id"], *query.get("exclude_ids", [])}
        relevant = set(query["relevant_ids"])
        for mode in MODES:
            cos = doc_vectors @ query_vectors[qi] if mode == "hybrid" else None
            present = product_ranking(offline, ids, text, cos, weight, skip)[:10]
            absent = product_ranking(offline, ids, text, cos, weight, skip | relevant)[:1]
            out[mode].append((present, absent, relevant))
    return out


def fit(per_set: list[list[tuple[list, list, set]]]) -> tuple[float, float]:
    """Logistic curve of 'right answer' on the raw score of the top 10 hits, sets weighted
    equally."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - bench only

    x, y, w = [], [], []
    for rows in per_set:
        samples = [
            (score, doc in relevant) for present, _, relevant in rows for doc, score in present
        ]
        x.extend([s] for s, _ in samples)
        y.extend(r for _, r in samples)
        w.extend([1.0 / len(samples)] * len(samples))
    model = LogisticRegression(C=1e6).fit(np.array(x), np.array(y), sample_weight=np.array(w))
    return float(model.coef_[0][0]), float(model.intercept_[0])


def floor_table(name: str, mode: str, rows: list, curve: tuple[float, float]) -> None:
    slope, intercept = curve
    n = len(rows)
    for floor in FLOORS:
        raw = (math.log(floor / (1 - floor)) - intercept) / slope
        made = sum(1 for present, _, _ in rows if present and present[0][1] >= raw)
        right = sum(
            1 for present, _, rel in rows if any(s >= raw and d in rel for d, s in present[:3])
        )
        wrong = sum(1 for _, absent, _ in rows if absent and absent[0][1] >= raw)
        precision = right / (made + wrong) if made + wrong else 1.0
        print(
            f"| {name} | {mode} | {floor:.2f} | {raw:.3f} | {made}/{n} | {right}/{n} | "
            f"{wrong}/{n} ({100 * (n - wrong) / n:.0f}% none) | {precision:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", type=Path, nargs="+")
    parser.add_argument("--embedder", default="default")
    parser.add_argument("--part", default="tune", choices=["tune", "untouched"])
    parser.add_argument("--curve", type=float, nargs=4, metavar=("KA", "KB", "HA", "HB"))
    args = parser.parse_args()
    if args.part == "untouched" and not args.curve:
        raise SystemExit("the untouched parts are read with the tuning parts' curve: --curve")
    ranked = {folder.name: rankings(folder, args.embedder, args.part) for folder in args.sets}
    curves = {}
    for i, mode in enumerate(MODES):
        if args.curve:
            curves[mode] = (args.curve[2 * i], args.curve[2 * i + 1])
        else:
            curves[mode] = fit([by_mode[mode] for by_mode in ranked.values()])
        print(f"{mode}: sigmoid({curves[mode][0]:.3f} * raw + {curves[mode][1]:.3f})")
    print(
        "\n| set | mode | floor | raw | suggested (present) | right in top 3 >= floor "
        "| suggested (absent) | precision |\n|---|---|---:|---:|---|---|---|---:|"
    )
    for name, by_mode in ranked.items():
        for mode in MODES:
            floor_table(name, mode, by_mode[mode], curves[mode])


if __name__ == "__main__":
    main()
