"""Retrieval metrics and the `faultmaven bench retrieval` command on a small labelled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faultmaven.cli.main import app
from faultmaven.search.evaluation import mean_metrics, query_metrics


def test_metrics_of_a_known_ranking() -> None:
    metrics = query_metrics(["x", "a", "y", "b"], {"a", "b"})
    assert metrics["MAP"] == pytest.approx(100 * (1 / 2 + 2 / 4) / 2)
    assert metrics["MRR"] == pytest.approx(50.0)
    assert metrics["P@1"] == 0.0
    assert metrics["Recall@10"] == 100.0
    assert query_metrics(["a"], {"a"})["nDCG@10"] == pytest.approx(100.0)
    assert query_metrics([], {"a"})["MAP"] == 0.0
    assert (
        mean_metrics(
            [
                {"MAP": 10, "MRR": 0, "nDCG@10": 0, "Recall@10": 0, "P@1": 0},
                {"MAP": 20, "MRR": 0, "nDCG@10": 0, "Recall@10": 0, "P@1": 0},
            ]
        )["MAP"]
        == 15
    )


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows))
    return path


def test_bench_retrieval_reports_both_rankers(tmp_path: Path) -> None:
    corpus = _write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            {"id": "1", "text": "NameNode OOM on startup\nheap exhausted loading fsimage"},
            {
                "id": "2",
                "text": "NameNode runs out of memory\nOutOfMemoryError while loading fsimage",
            },
            {"id": "3", "text": "S3A upload timeout\nmultipart upload times out on slow links"},
            {"id": "4", "text": "Kerberos ticket renewal fails\nGSSException no valid credentials"},
        ],
    )
    queries = _write_jsonl(
        tmp_path / "queries.jsonl",
        [
            {
                "id": "1",
                "text": "NameNode OOM on startup\nheap exhausted loading fsimage",
                "relevant_ids": ["2"],
                "exclude_ids": [],
            },
            {"id": "q", "text": "multipart upload to S3A timing out", "relevant_ids": ["3"]},
        ],
    )
    result = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(tmp_path / "data"),
            "bench",
            "retrieval",
            "--corpus",
            str(corpus),
            "--queries",
            str(queries),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    parts = report["sets"][tmp_path.name]
    assert set(parts) == {"tuning", "untouched"}  # one duplicate cluster each
    assert parts["tuning"]["queries"] + parts["untouched"]["queries"] == 2
    for part in parts.values():
        assert set(part) == {"queries", "bm25s", "keyword", "hybrid"}
        assert part["keyword"]["P@1"] == 100.0  # the query's own document is excluded
        assert part["hybrid"]["Recall@10"] == 100.0
    assert {rule["rule"] for rule in report["rules"]} == {"keyword >= bm25s", "hybrid >= keyword"}
    assert all(rule["holds"] for rule in report["rules"])
    assert not (tmp_path / "data" / "faultmaven.db").exists()  # a throwaway database


def test_bench_retrieval_reads_set_folders_and_is_deterministic(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    _write_jsonl(
        folder / "corpus.jsonl",
        [{"id": str(i), "text": f"disk full on node{i % 3}\nno space left"} for i in range(6)],
    )
    _write_jsonl(
        folder / "queries.jsonl",
        [{"id": "q", "text": "no space left on node1", "relevant_ids": ["4"]}],
    )
    args = ["--data-dir", str(tmp_path / "d"), "bench", "retrieval", "--set", str(folder)]
    runs = [CliRunner().invoke(app, [*args, "--json"]) for _ in range(2)]
    assert runs[0].exit_code == 0, runs[0].output
    assert runs[0].stdout == runs[1].stdout  # ties (node1 is in docs 1 and 4) by corpus order
    report = json.loads(runs[0].stdout)
    assert report["sets"]["tiny"]["tuning"]["keyword"]["MRR"] == 50.0  # doc 1 before doc 4
    shown = CliRunner().invoke(app, args)
    assert "tiny, tuning part: 1 queries over 6 documents" in shown.stdout
    assert "keyword >= bm25s" in shown.stdout


def test_bench_retrieval_rejects_a_bad_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "1"}\n')
    result = CliRunner().invoke(
        app, ["bench", "retrieval", "--corpus", str(corpus), "--queries", str(corpus)]
    )
    assert result.exit_code == 1
    assert "corpus.jsonl:1" in result.stderr


def test_bench_retrieval_knows_the_sets_in_bench_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, word in (("disks", "disk"), ("certs", "certificate")):
        folder = tmp_path / "bench" / "data" / name
        folder.mkdir(parents=True)
        _write_jsonl(
            folder / "corpus.jsonl",
            [{"id": str(i), "text": f"{word} problem on host{i}\nsee logs"} for i in range(4)],
        )
        _write_jsonl(
            folder / "queries.jsonl",
            [{"id": "q", "text": f"{word} problem host2", "relevant_ids": ["2"]}],
        )
    (tmp_path / "bench" / "data" / "notes").mkdir()  # not a set: no corpus.jsonl
    monkeypatch.chdir(tmp_path)
    base = ["--data-dir", str(tmp_path / "d"), "bench", "retrieval", "--json"]

    every = CliRunner().invoke(app, base)
    assert every.exit_code == 0, every.output
    assert sorted(json.loads(every.stdout)["sets"]) == ["certs", "disks"]

    one = CliRunner().invoke(app, [*base, "--dataset", "disks"])
    assert one.exit_code == 0, one.output
    report = json.loads(one.stdout)
    assert list(report["sets"]) == ["disks"]
    assert report["sets"]["disks"]["tuning"]["keyword"]["P@1"] == 100.0

    unknown = CliRunner().invoke(app, [*base, "--dataset", "notes"])
    assert unknown.exit_code == 1
    assert "known: certs, disks" in unknown.stderr

    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    nothing = CliRunner().invoke(app, base)
    assert nothing.exit_code == 1
    assert "give --dataset NAME" in nothing.stderr
