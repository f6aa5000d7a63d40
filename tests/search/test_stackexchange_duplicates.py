"""bench/stackexchange_duplicates.py: a Stack Exchange dump becomes a labelled set whose
clusters stay whole, whose labels are the dump's duplicate links, and which the bench reads."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from faultmaven.cli.bench import CorpusDoc, LabelledQuery

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "stackexchange_duplicates.py"


def _converter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("stackexchange_duplicates", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def _question(post_id: int, title: str, body: str) -> str:
    body = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<row Id="{post_id}" PostTypeId="1" CreationDate="2020-01-0{post_id % 9 + 1}T00:00:00"'
        f' Title="{title}" Body="{body}" ContentLicense="CC BY-SA 4.0" />'
    )


def _dump(folder: Path) -> Path:
    folder.mkdir()
    posts = [
        _question(1, "Disk full on /var", "<p>df says 100% &amp; writes fail</p>"),
        _question(2, "No space left on device", "<p>cannot write, <code>ENOSPC</code></p>"),
        _question(3, "Root partition filled up", "<p>what filled /?</p>"),
        _question(4, "nginx 502 after upgrade", "<p>bad gateway</p>"),
        _question(5, "502 Bad Gateway from nginx", "<p>upstream closed</p>"),
        _question(6, "How do I set the hostname", "<p>hostnamectl?</p>"),
        _question(7, "Change keyboard layout", "<p>on the console</p>"),
        '<row Id="8" PostTypeId="2" ParentId="1" Body="&lt;p&gt;an answer&lt;/p&gt;" />',
    ]
    (folder / "Posts.xml").write_text("<posts>\n" + "\n".join(posts) + "\n</posts>")
    links = [(2, 1, 3), (3, 2, 3), (5, 4, 3), (6, 7, 1), (7, 99, 3)]  # 1 = related, 99 missing
    (folder / "PostLinks.xml").write_text(
        "<postlinks>\n"
        + "\n".join(
            f'<row Id="{i}" PostId="{a}" RelatedPostId="{b}" LinkTypeId="{kind}" />'
            for i, (a, b, kind) in enumerate(links, start=1)
        )
        + "\n</postlinks>"
    )
    return folder


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_dump_becomes_a_set_of_whole_clusters(tmp_path: Path) -> None:
    dump = _dump(tmp_path / "dump")
    converter = _converter()
    assert converter.main([str(dump), str(tmp_path / "set"), "--max-mb", "1"]) == 0
    corpus = _read(tmp_path / "set" / "corpus.jsonl")
    queries = _read(tmp_path / "set" / "queries.jsonl")
    assert [doc["id"] for doc in corpus] == ["1", "2", "3", "4", "5", "6", "7"]  # no answer
    assert corpus[0]["text"] == "Disk full on /var\ndf says 100% & writes fail"
    assert corpus[1]["text"] == "No space left on device\ncannot write, ENOSPC"
    relevant = {q["id"]: q["relevant_ids"] for q in queries}
    assert relevant == {"1": ["2"], "2": ["1", "3"], "3": ["2"], "4": ["5"], "5": ["4"]}
    for doc in corpus:
        CorpusDoc.model_validate(doc)
    for query in queries:
        LabelledQuery.model_validate(query)

    # a small budget keeps whole clusters only, and the same seed keeps the same ones
    for out in ("small1", "small2"):
        converter.main([str(dump), str(tmp_path / out), "--max-mb", "0.0008"])
    small = _read(tmp_path / "small1" / "queries.jsonl")
    assert small == _read(tmp_path / "small2" / "queries.jsonl")
    kept = {q["id"] for q in small}
    assert kept in ({"1", "2", "3"}, {"4", "5"})
