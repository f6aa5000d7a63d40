"""bench/askubuntu_pairs.py: the Ask Ubuntu pairs file becomes a labelled set whose labels are
its duplicate pairs only, whose texts lose the site's "Possible Duplicate" link (the answer),
and which the bench reads."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from faultmaven.cli.bench import CorpusDoc, LabelledQuery

BENCH = Path(__file__).resolve().parents[2] / "bench"

DISK = "Disk full on /var<p>df says 100% &amp; writes fail</p>"
ENOSPC = (
    "No space left on device<blockquote> <p><strong>Possible Duplicate:</strong><br>"
    ' <a href="http://askubuntu.com/questions/1/disk-full">Disk full on /var</a></p>'
    "</blockquote> <p>cannot write, <code>ENOSPC</code></p>"
)
ROOT = "Root partition filled up<p>what filled /? I hope this is not a duplicate</p>"
HOSTNAME = "How do I set the hostname<p>hostnamectl?</p>"
KEYBOARD = "Change keyboard layout<ol><li>on the console</li></ol>"


def _converter() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # the script imports its sibling, as when run from bench/
    try:
        spec = importlib.util.spec_from_file_location(
            "askubuntu_pairs", BENCH / "askubuntu_pairs.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclass looks itself up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_duplicate_pairs_become_queries_and_the_rest_distractors(tmp_path: Path) -> None:
    pairs = tmp_path / "val.tsv"
    lines = [
        ("duplicate", DISK, ENOSPC),
        ("non-duplicate", HOSTNAME, KEYBOARD),
        ("duplicate", ROOT, ENOSPC),  # ENOSPC again: one document, linked to both
        ("non-duplicate", DISK, HOSTNAME),
    ]
    pairs.write_text("\n".join("\t".join(line) for line in lines) + "\n", encoding="utf-8")
    assert _converter().main([str(pairs), str(tmp_path / "set")]) == 0

    corpus = _read(tmp_path / "set" / "corpus.jsonl")
    queries = _read(tmp_path / "set" / "queries.jsonl")
    texts = {doc["id"]: doc["text"] for doc in corpus}
    assert texts == {
        "askubuntu-0001": "Disk full on /var\ndf says 100% & writes fail",
        "askubuntu-0002": "No space left on device\ncannot write, ENOSPC",  # the link is gone
        "askubuntu-0003": "How do I set the hostname\nhostnamectl?",
        "askubuntu-0004": "Change keyboard layout\non the console",
        "askubuntu-0005": "Root partition filled up\nwhat filled /? I hope this is not a duplicate",
    }
    relevant = {q["id"]: q["relevant_ids"] for q in queries}
    assert relevant == {
        "askubuntu-0001": ["askubuntu-0002"],
        "askubuntu-0002": ["askubuntu-0001", "askubuntu-0005"],
        "askubuntu-0005": ["askubuntu-0002"],
    }
    for doc in corpus:
        CorpusDoc.model_validate(doc)
    for query in queries:
        LabelledQuery.model_validate(query)
        assert query["text"] == texts[query["id"]]


def test_a_malformed_line_is_named(tmp_path: Path) -> None:
    pairs = tmp_path / "val.tsv"
    pairs.write_text(f"duplicate\t{DISK}\t{ENOSPC}\nmaybe\t{DISK}\t{ROOT}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"val.tsv:2: expected"):
        _converter().main([str(pairs), str(tmp_path / "set")])
