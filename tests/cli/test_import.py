"""``faultmaven runbooks import``: many files at once, reported per file; good files are saved
unless ``--atomic``; symlinks never lead out of an imported directory."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from faultmaven.runbooks.markdown import render_markdown
from faultmaven.runbooks.schemas import RunbookContent


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # short relative paths in the report


def _titles(cli) -> set[str]:
    listed = json.loads(cli("runbooks", "list", "--json", "--limit", "100").output)
    return {item["title"] for item in listed["items"]}


def _rows(output: str) -> dict[str, list[str]]:
    """The report table: file -> [result, detail]."""
    rows = {}
    for line in output.splitlines():
        cells = line.strip().split(maxsplit=2)
        if len(cells) == 3 and cells[1] in ("imported", "failed", "skipped", "not"):
            rows[cells[0]] = cells[1:]
    return rows


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
    lines = [json.dumps(_runbook(f"Batch job {n} stuck", status="published")) for n in range(3)]
    (root / "export.jsonl").write_text("\n".join(lines) + "\n\n")


def test_import_a_directory_of_runbooks(cli, tmp_path: Path) -> None:
    _write_library(tmp_path)
    done = cli("runbooks", "import", ".")
    assert done.exit_code == 0, done.output
    assert "Imported 7 runbooks." in done.output
    rows = _rows(done.stdout)
    assert rows["wiki/redis.md"][0] == "imported" and rows["wiki/redis.md"][1].startswith("rb_")
    assert rows["many.json"][0] == "imported" and rows["many.json"][1].count("rb_") == 2
    assert "wiki/notes.txt" not in rows  # other files are skipped without a word

    listed = json.loads(cli("runbooks", "list", "--json").output)
    assert listed["total_count"] == 7
    statuses = {item["title"]: item["status"] for item in listed["items"]}
    assert statuses["Redis Cluster OOM Kills"] == "draft"  # the --status default
    assert statuses["Batch job 0 stuck"] == "published"  # a file may say otherwise

    found = json.loads(cli("runbooks", "search", "kafka disk", "--json").output)["items"]
    assert found[0]["runbook"]["title"] == "Disk full on kafka brokers"
    assert found[0]["why"]["method"] == "keyword+semantic"  # embedded before the command ended


def _write_bad_files(root: Path) -> None:
    bad = json.dumps(_runbook("Broken", severity="apocalyptic"))
    (root / "export.jsonl").write_text(json.dumps(_runbook("Fine")) + "\n" + bad + "\n")
    (root / "wiki" / "bad.md").write_text("# Runbook: Half done\n\n## Problem Summary\n\n# Oops\n")


def test_bad_files_are_reported_and_the_good_ones_imported(
    assert_mistake, cli, tmp_path: Path
) -> None:
    _write_library(tmp_path)
    _write_bad_files(tmp_path)
    done = cli("runbooks", "import", ".")
    assert_mistake(done, "2 of 5 files failed; 4 runbooks from the others saved.")
    rows = _rows(done.stdout)
    assert rows["export.jsonl"] == [
        "failed",
        "export.jsonl:2: severity: Input should be 'critical', 'high', 'medium' or 'low'",
    ]
    assert rows["wiki/bad.md"][0] == "failed"
    assert rows["wiki/bad.md"][1].startswith("wiki/bad.md:5: a runbook has one '# ' heading")
    assert rows["one.json"][0] == "imported"
    assert _titles(cli) == {
        "Redis Cluster OOM Kills",
        "TLS certificate expired",
        "Disk full on kafka brokers",
        "DNS lookups time out",
    }  # a file is imported whole or not at all: "Fine" shared a file with a bad line


def test_atomic_saves_nothing_when_a_file_fails(assert_mistake, cli, tmp_path: Path) -> None:
    _write_library(tmp_path)
    _write_bad_files(tmp_path)
    done = cli("runbooks", "import", ".", "--atomic")
    assert_mistake(done, "2 of 5 files failed; nothing was saved (--atomic).")
    rows = _rows(done.stdout)
    assert rows["one.json"] == ["not", "saved   valid: 1 runbook"]
    assert rows["export.jsonl"][0] == "failed"
    assert _titles(cli) == set()

    (tmp_path / "export.jsonl").unlink()
    (tmp_path / "wiki" / "bad.md").unlink()
    assert cli("runbooks", "import", ".", "--atomic").exit_code == 0
    assert len(_titles(cli)) == 4


def test_symlinks_out_of_the_directory_are_not_read(cli, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = RunbookContent(title="Zanzibar secret runbook", symptoms=["zanzibar"])
    (outside / "secret.md").write_text(render_markdown(secret))
    (outside / "secret.json").write_text(json.dumps(_runbook("Zanzibar secret json")))
    library = tmp_path / "library"
    library.mkdir()
    (library / "ok.json").write_text(json.dumps(_runbook("TLS certificate expired")))
    (library / "secret.md").symlink_to(outside / "secret.md")
    (library / "elsewhere").symlink_to(outside, target_is_directory=True)
    (library / "nested").mkdir()
    (library / "nested" / "up.json").symlink_to(Path("..", "..", "outside", "secret.json"))
    (library / "again.json").symlink_to("ok.json")  # inside: the same file, read once

    done = cli("runbooks", "import", "library")
    assert done.exit_code == 0, done.output
    rows = _rows(done.stdout)
    assert rows["library/secret.md"][0] == "skipped"
    assert "outside library; not read" in rows["library/secret.md"][1]
    assert rows["library/elsewhere"][0] == rows["library/nested/up.json"][0] == "skipped"
    assert rows["library/ok.json"][0] == "imported"
    assert rows["library/again.json"] == ["skipped", "same file as library/ok.json; not read"]
    assert _titles(cli) == {"TLS certificate expired"}
    assert not json.loads(cli("runbooks", "search", "zanzibar", "--json").output)["items"]


def test_not_json_and_missing_paths_are_named(assert_mistake, cli, tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text('{"title": "ok"}\n{oops\n')
    done = cli("runbooks", "import", "x.jsonl")
    assert_mistake(done, "1 of 1 files failed")
    assert _rows(done.stdout)["x.jsonl"][1].startswith("x.jsonl:2: not valid JSON")
    assert_mistake(cli("runbooks", "import", "nope"), "nope does not exist")
    (tmp_path / "empty").mkdir()
    assert_mistake(cli("runbooks", "import", "empty"), "No runbook files")


def test_unreadable_files_are_reported(assert_mistake, cli, tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "latin1.md").write_bytes(b"# Runbook: caf\xe9\n")
    (tmp_path / "lib" / "ok.json").write_text(json.dumps(_runbook("TLS certificate expired")))
    done = cli("runbooks", "import", "lib")
    assert_mistake(done, "1 of 2 files failed; 1 runbook from the others saved.")
    assert _rows(done.stdout)["lib/latin1.md"][1].startswith("lib/latin1.md is not UTF-8 text")


@pytest.mark.usefixtures("enforced_permissions")
def test_files_and_folders_without_permission_are_reported(
    assert_mistake, cli, tmp_path: Path
) -> None:
    (tmp_path / "lib" / "locked").mkdir(parents=True)
    (tmp_path / "lib" / "locked" / "hidden.json").write_text(json.dumps(_runbook("Hidden")))
    (tmp_path / "lib" / "locked").chmod(0)
    (tmp_path / "lib" / "private.json").write_text(json.dumps(_runbook("Private")))
    (tmp_path / "lib" / "private.json").chmod(0)
    (tmp_path / "lib" / "ok.json").write_text(json.dumps(_runbook("TLS certificate expired")))
    try:
        done = cli("runbooks", "import", "lib")
    finally:
        (tmp_path / "lib" / "locked").chmod(0o755)
    assert_mistake(done, "2 of 3 files failed; 1 runbook from the others saved.")
    rows = _rows(done.stdout)
    assert rows["lib/locked"] == [
        "failed",
        "lib/locked: permission denied; check its permissions or use another path.",
    ]
    assert rows["lib/private.json"][1].startswith("lib/private.json: permission denied")
    assert _titles(cli) == {"TLS certificate expired"}


def test_export_all_then_import_into_an_empty_database_is_identical(
    cli, empty_database, tmp_path: Path
) -> None:
    """On both databases: the empty knowledge base is of the same kind as the first."""
    from typer.testing import CliRunner

    from faultmaven.cli.main import app

    case = {
        "title": "Redis OOM",
        "symptoms": ["OOMKilled"],
        "services": ["redis"],
        "tags": ["memory"],
        "validations": [{"description": "mem", "command": "kubectl top pod", "output": "2Gi"}],
        "root_cause": {"cause": "sessions grew"},
        "solutions": [{"title": "Raise limit", "outcome": "applied", "commands": ["kubectl x"]}],
    }
    (tmp_path / "case.json").write_text(json.dumps(case))
    case_id = json.loads(cli("cases", "create", "case.json", "--json").output)["id"]
    assert cli("cases", "resolve", case_id).exit_code == 0
    done = cli("runbooks", "from-case", case_id)
    assert done.exit_code == 0, done.output
    (tmp_path / "manual.json").write_text(
        json.dumps(_runbook("Disk full", status="in_review", owner="sre", tags=["disk"]))
    )
    assert cli("runbooks", "create", "manual.json").exit_code == 0
    exported = cli("runbooks", "export", "--all", "out")
    assert exported.exit_code == 0, exported.output
    before = {
        item["id"]: json.loads(cli("runbooks", "show", item["id"], "--json").output)
        for item in json.loads(cli("runbooks", "list", "--json").output)["items"]
    }
    empty = empty_database()
    runner = CliRunner()

    def listed(url: str) -> dict:
        return json.loads(
            runner.invoke(app, ["--database-url", url, "runbooks", "list", "--json"]).output
        )

    assert listed(empty)["total_count"] == 0
    imported = runner.invoke(app, ["--database-url", empty, "runbooks", "import", "out"])
    assert imported.exit_code == 0, imported.output
    kept = ("version", "author", "created_at", "updated_at", "redaction", "generated_by")
    for runbook_id, original in before.items():
        shown = runner.invoke(
            app, ["--database-url", empty, "runbooks", "show", runbook_id, "--json"]
        )
        again = json.loads(shown.output)
        assert {k: v for k, v in again.items() if k not in kept} == {
            k: v for k, v in original.items() if k not in kept
        }
    assert listed(empty)["total_count"] == len(before) == 2
