"""Convert the Ask Ubuntu question pairs of Bogdanova et al. (2015) into a labelled retrieval set
for ``faultmaven bench retrieval`` (``corpus.jsonl`` + ``queries.jsonl``).

Why this source: it is the one public, human-labelled, troubleshooting-domain duplicate set whose
texts could be brought to this machine (a GitHub snapshot; the full Stack Exchange dumps and the
other copies are unreachable, see bench/README.md, issue 10). The input is the validation file
published with the replication by Silva et al. (2018), ``msrdsdl/data/askubuntu/noclue/val.tsv``
of github.com/nlx-group/Replicating-Bogdanova-et-al.-2015-Duplicate-Question-Detection (commit
45abfb94be7719a4a990d75538fa3c6e584252d3; deleted from the repository later): one pair a line,
``duplicate|non-duplicate <TAB> question <TAB> question``, each question its title followed by
its body's HTML, as in the Ask Ubuntu data dump (content CC BY-SA 3.0).

* The labels are Ask Ubuntu's own: a ``duplicate`` pair is two questions the site's users closed
  as duplicates (a human judgement). ``non-duplicate`` pairs are random questions: they only
  contribute distractors, never a label.
* A question is identified by its exact text (several appear in more than one pair); ids are
  ``askubuntu-NNNN`` in order of first appearance.
* The "Possible Duplicate:" quote that Ask Ubuntu inserts when it closes a question (a link to
  the answer) is removed, as the replication meant to ("noclue"); what the askers wrote
  themselves stays. Text = title + "\\n" + body as plain text (``stackexchange_duplicates``).
* ``queries.jsonl``: every question in a duplicate pair; ``relevant_ids``: the questions paired
  with it as duplicates (either side), as ``stackexchange_duplicates`` does for dump links.

The whole file is kept (no sampling: it is small).

    python bench/askubuntu_pairs.py VAL_TSV bench/data/askubuntu_dup_pairs
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from stackexchange_duplicates import Question, plain_text, write

DUPLICATE = "duplicate"
LABELS = {DUPLICATE, "non-duplicate"}
_CLUE = re.compile(
    r"<blockquote>(?:(?!</blockquote>).)*?possible duplicate.*?</blockquote>", re.I | re.S
)
_FIRST_TAG = re.compile(r"<[A-Za-z]")


@dataclass(frozen=True)
class Pairs:
    texts: list[str]  # converted question texts, index = position of first appearance
    linked: dict[int, set[int]]  # duplicate pairs, both directions
    pairs: int
    duplicate_pairs: int


def question_text(raw: str) -> str:
    """One question of the file (title, then body HTML) as title + newline + plain body, with the
    site's "Possible Duplicate" quote removed."""
    start = _FIRST_TAG.search(raw)
    split = start.start() if start else len(raw)
    title = html.unescape(raw[:split]).strip()
    body = plain_text(_CLUE.sub(" ", raw[split:]))
    return f"{title}\n{body}".strip()


def read_pairs(path: Path) -> Pairs:
    index: dict[str, int] = {}
    texts: list[str] = []
    linked: dict[int, set[int]] = defaultdict(set)
    pairs = duplicates = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3 or fields[0] not in LABELS:
            raise ValueError(f"{path}:{number}: expected 'label<TAB>question<TAB>question'")
        ids = []
        for raw in fields[1:]:
            if raw not in index:
                index[raw] = len(texts)
                texts.append(question_text(raw))
            ids.append(index[raw])
        pairs += 1
        a, b = ids
        if fields[0] == DUPLICATE and a != b:
            duplicates += 1
            linked[a].add(b)
            linked[b].add(a)
    return Pairs(texts, dict(linked), pairs, duplicates)


def to_set(pairs: Pairs) -> tuple[list[Question], list[dict[str, object]]]:
    width = max(4, len(str(len(pairs.texts))))

    def doc_id(position: int) -> str:
        return f"askubuntu-{position + 1:0{width}d}"

    licence = "CC BY-SA 3.0"
    corpus = [Question(doc_id(i), text, "", licence) for i, text in enumerate(pairs.texts)]
    queries: list[dict[str, object]] = [
        {
            "id": doc_id(i),
            "text": pairs.texts[i],
            "relevant_ids": [doc_id(j) for j in sorted(pairs.linked[i])],
            "exclude_ids": [],
        }
        for i in sorted(pairs.linked)
    ]
    return corpus, queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pairs", type=Path, help="the pairs file (label, question, question)")
    parser.add_argument("out", type=Path, help="the set's folder, e.g. bench/data/NAME")
    args = parser.parse_args(argv)
    pairs = read_pairs(args.pairs)
    corpus, queries = to_set(pairs)
    write(args.out, corpus, queries)
    print(
        f"{pairs.pairs:,} pairs ({pairs.duplicate_pairs:,} duplicate); {len(corpus):,} distinct "
        f"questions, {len(queries):,} of them in duplicate pairs (queries)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
