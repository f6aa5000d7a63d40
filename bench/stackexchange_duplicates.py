"""Convert one Stack Exchange site's data dump into a labelled retrieval set for
``faultmaven bench retrieval`` (``corpus.jsonl`` + ``queries.jsonl``, the shapes of the Hadoop
duplicate-bug set).

Input: the folder of one site's dump (``Posts.xml`` and ``PostLinks.xml``, as published by
Stack Exchange under CC BY-SA). The labels are the site's own: a question closed as a duplicate
of another (``PostLinks`` ``LinkTypeId=3``) is a human judgement by the site's moderators or
gold-badge holders.

* Questions linked as duplicates form clusters (linked through others too). Clusters are
  shuffled with a fixed seed and taken whole until the duplicate questions fill
  ``--max-mb`` x (1 - ``--distractor-share``); then questions without duplicates, drawn with the
  same seed, fill the rest (they make the search harder, as a real knowledge base would).
* ``corpus.jsonl``: ``{"id", "text"}`` for every kept question, text = title + "\\n" + body
  (HTML tags dropped, entities decoded, code kept as text), in id order.
* ``queries.jsonl``: ``{"id", "text", "relevant_ids", "exclude_ids"}`` for every kept question
  with a duplicate link; ``relevant_ids`` are the questions linked to it in either direction.
  The query's own id is in the corpus: the bench leaves it out of its own results.

It prints what SOURCE.md needs (counts, dump date range, content licences of the kept posts).

    python bench/stackexchange_duplicates.py DUMP_DIR bench/data/NAME --max-mb 3
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from faultmaven.search.evaluation import SPLIT_SEED, cluster_roots

DUPLICATE_LINK = "3"
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    created: str
    licence: str


def _rows(path: Path) -> Iterator[dict[str, str]]:
    for _event, element in ET.iterparse(path):
        if element.tag == "row":
            yield dict(element.attrib)
            element.clear()


def plain_text(body: str) -> str:
    """A post body (HTML) as plain text: tags dropped, entities decoded, blank runs folded."""
    text = html.unescape(_TAG.sub(" ", body.replace("</p>", "</p>\n")))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def read_questions(dump: Path) -> dict[str, Question]:
    out = {}
    for row in _rows(dump / "Posts.xml"):
        if row.get("PostTypeId") != "1" or not row.get("Title"):
            continue
        body = plain_text(row.get("Body", ""))
        out[row["Id"]] = Question(
            row["Id"],
            f"{row['Title'].strip()}\n{body}".strip(),
            row.get("CreationDate", "")[:10],
            row.get("ContentLicense", "unknown"),
        )
    return out


def read_duplicate_links(dump: Path, questions: dict[str, Question]) -> dict[str, set[str]]:
    linked: dict[str, set[str]] = defaultdict(set)
    for row in _rows(dump / "PostLinks.xml"):
        a, b = row.get("PostId", ""), row.get("RelatedPostId", "")
        if row.get("LinkTypeId") == DUPLICATE_LINK and a != b and a in questions and b in questions:
            linked[a].add(b)
            linked[b].add(a)
    return linked


def sample(
    questions: dict[str, Question],
    linked: dict[str, set[str]],
    *,
    max_bytes: int,
    distractor_share: float,
    seed: int,
) -> tuple[list[Question], list[dict[str, object]]]:
    members = sorted(linked, key=int)
    roots = cluster_roots([(q, sorted(linked[q])) for q in members])
    clusters: dict[str, list[str]] = defaultdict(list)
    for question, root in zip(members, roots, strict=True):
        clusters[root].append(question)
    order = sorted(clusters, key=int)
    rng = random.Random(seed)
    rng.shuffle(order)

    def cost(question: str) -> int:  # bytes in corpus.jsonl, and again in queries.jsonl
        text = len(questions[question].text.encode()) + 40
        return 2 * text + 40 if question in linked else text

    kept: list[str] = []
    used = 0
    for root in order:
        needed = sum(cost(q) for q in clusters[root])
        if used + needed <= max_bytes * (1 - distractor_share):
            kept.extend(clusters[root])
            used += needed
    others = sorted((q for q in questions if q not in linked), key=int)
    rng.shuffle(others)
    for question in others:
        if used + cost(question) > max_bytes:
            break
        kept.append(question)
        used += cost(question)
    corpus = sorted((questions[q] for q in kept), key=lambda q: int(q.id))
    queries: list[dict[str, object]] = [
        {
            "id": q.id,
            "text": q.text,
            "relevant_ids": sorted(linked[q.id], key=int),
            "exclude_ids": [],
        }
        for q in corpus
        if q.id in linked
    ]
    return corpus, queries


def write(folder: Path, corpus: list[Question], queries: list[dict[str, object]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "corpus.jsonl").open("w", encoding="utf-8") as out:
        for q in corpus:
            out.write(json.dumps({"id": q.id, "text": q.text}, ensure_ascii=False) + "\n")
    with (folder / "queries.jsonl").open("w", encoding="utf-8") as out:
        for query in queries:
            out.write(json.dumps(query, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path, help="a site's dump folder (Posts.xml, PostLinks.xml)")
    parser.add_argument("out", type=Path, help="the set's folder, e.g. bench/data/NAME")
    parser.add_argument("--max-mb", type=float, default=3.0)
    parser.add_argument("--distractor-share", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=SPLIT_SEED)
    args = parser.parse_args(argv)
    questions = read_questions(args.dump)
    linked = read_duplicate_links(args.dump, questions)
    corpus, queries = sample(
        questions,
        linked,
        max_bytes=int(args.max_mb * 1_000_000),
        distractor_share=args.distractor_share,
        seed=args.seed,
    )
    if not queries:
        print(f"{args.dump}: no duplicate links between questions", file=sys.stderr)
        return 1
    write(args.out, corpus, queries)
    dates = sorted(q.created for q in corpus if q.created)
    licences = Counter(q.licence for q in corpus)
    print(
        f"{len(questions):,} questions, {len(linked):,} in duplicate links; kept "
        f"{len(corpus):,} questions ({len(queries):,} queries with duplicates), created "
        f"{dates[0]} .. {dates[-1]}; licences: {dict(licences)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
