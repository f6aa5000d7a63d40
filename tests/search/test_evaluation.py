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
    scores = json.loads(result.stdout)
    assert set(scores) == {"hybrid", "keyword"}
    assert scores["keyword"]["P@1"] == 100.0  # the query's own document is excluded
    assert scores["hybrid"]["Recall@10"] == 100.0
    assert not (tmp_path / "data" / "faultmaven.db").exists()  # a throwaway database


def test_bench_retrieval_rejects_a_bad_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "1"}\n')
    result = CliRunner().invoke(
        app, ["bench", "retrieval", "--corpus", str(corpus), "--queries", str(corpus)]
    )
    assert result.exit_code == 1
    assert "corpus.jsonl:1" in result.stderr
