"""``faultmaven runbooks import``: many files at once, checked first, all or nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faultmaven.cli.main import app
from faultmaven.runbooks.markdown import render_markdown
from faultmaven.runbooks.schemas import RunbookContent

runner = CliRunner()


@pytest.fixture
def cli(database_url: str):
    def invoke(*args: str):
        return runner.invoke(app, ["--database-url", database_url, *args])

    return invoke


def _runbook(title: str, **extra) -> dict:
    return {"title": title, "symptoms": [f"{title} symptom"], **extra}


def _write_library(root: Path) -> None:
    (root / "wiki").mkdir()
    redis = RunbookContent(title="Redis Cluster OOM Kills", symptoms=["Pods OOMKilled"])
    (root / "wiki" / "redis.md").write_text(render_markdown(redis, created=date(2025, 10, 5)))
    (root / "wiki" / "notes.txt").write_text("not a runbook")  # other files are skipped
    (root / "one.json").write_text(json.dumps(_runbook("TLS certificate expired")))
    (root / "many.json").write_text(
        json.dumps([_runbook("Disk full on kafka brokers"), _runbook("DNS lookups time out")])
    )
    lines = [json.dumps(_runbook(f"Batch job {n} stuck", status="draft")) for n in range(3)]
    (root / "export.jsonl").write_text("\n".join(lines) + "\n\n")


def test_import_a_directory_of_runbooks(cli, tmp_path: Path) -> None:
    _write_library(tmp_path)
    done = cli("runbooks", "import", str(tmp_path))
    assert done.exit_code == 0, done.output
    assert "Imported 7 runbooks." in done.output

    listed = json.loads(cli("runbooks", "list", "--json").output)
    assert listed["total_count"] == 7
    statuses = {item["title"]: item["status"] for item in listed["items"]}
    assert statuses["Redis Cluster OOM Kills"] == "published"  # the --status default
    assert statuses["Batch job 0 stuck"] == "draft"  # a file may say otherwise

    found = json.loads(cli("runbooks", "search", "kafka disk", "--json").output)["items"]
    assert found[0]["runbook"]["title"] == "Disk full on kafka brokers"
    assert found[0]["why"]["method"] == "keyword+semantic"  # embedded before the command ended


def test_one_bad_record_saves_nothing_and_names_the_line(cli, tmp_path: Path) -> None:
    _write_library(tmp_path)
    bad = json.dumps(_runbook("Broken", severity="apocalyptic"))
    (tmp_path / "export.jsonl").write_text(json.dumps(_runbook("Fine")) + "\n" + bad + "\n")
    done = cli("runbooks", "import", str(tmp_path))
    assert done.exit_code == 1
    assert "export.jsonl:2: severity" in done.output
    assert json.loads(cli("runbooks", "list", "--json").output)["total_count"] == 0


def test_not_json_and_missing_paths_are_named(cli, tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text('{"title": "ok"}\n{oops\n')
    done = cli("runbooks", "import", str(tmp_path / "x.jsonl"))
    assert done.exit_code == 1 and "x.jsonl:2: not JSON" in done.output
    missing = cli("runbooks", "import", str(tmp_path / "nope"))
    assert missing.exit_code == 1 and "no such file or directory" in missing.output
    (tmp_path / "empty").mkdir()
    empty = cli("runbooks", "import", str(tmp_path / "empty"))
    assert empty.exit_code == 1 and "No runbook files" in empty.output
