"""The real Typer app on both databases, and the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faultmaven.migrations import head_revision

runner = CliRunner()


def _case_id(output: str) -> str:
    return next(w for w in output.split() if w.startswith("case_")).rstrip(":.,")


def test_case_to_runbook_through_the_cli(cli, tmp_path: Path, redis_case: dict) -> None:
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(redis_case))
    created = cli("cases", "create", str(case_file))
    assert created.exit_code == 0, created.output
    case_id = _case_id(created.output)

    listed = cli("cases", "list")
    assert case_id in listed.output and "investigating" in listed.output

    resolved = cli("cases", "resolve", case_id, "--resolved-at", "2025-10-05T14:45:00")
    assert resolved.exit_code == 0, resolved.output
    assert "Glad we solved it!" in resolved.output
    assert "create a runbook" in resolved.output

    accepted = cli("cases", "offer", case_id, "accept")
    assert accepted.exit_code == 0, accepted.output
    runbook_id = next(w for w in accepted.output.split() if w.startswith("rb_")).rstrip(":.")

    shown = cli("runbooks", "show", runbook_id)
    assert shown.output.startswith("# Runbook: Redis pods OOMKilled in production")
    assert "**Average Resolution Time**: 15 minutes" in shown.output

    exported = tmp_path / "rb.md"
    assert cli("runbooks", "export", runbook_id, "-o", str(exported)).exit_code == 0
    text = exported.read_text()
    assert text.startswith(f"---\nid: {runbook_id}\n") and "\n# Runbook:" in text

    found = cli("runbooks", "search", "oomkilled", "--json")
    hits = json.loads(found.output)["items"]
    assert [h["runbook"]["id"] for h in hits] == [runbook_id]

    versions = cli("runbooks", "versions", runbook_id)
    assert "created" in versions.output


def test_offer_duplicate_choices(cli, tmp_path: Path, redis_case: dict) -> None:
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(redis_case))
    first = _case_id(cli("cases", "create", str(case_file)).output)
    cli("cases", "resolve", first)
    runbook_id = next(
        w for w in cli("cases", "offer", first, "accept").output.split() if w.startswith("rb_")
    ).rstrip(":.")
    other = {**redis_case, "root_cause": {"cause": "maxmemory-policy noeviction after reload"}}
    case_file.write_text(json.dumps(other))
    second = _case_id(cli("cases", "create", str(case_file)).output)
    cli("cases", "resolve", second)
    asked = cli("cases", "offer", second, "accept")
    assert "Add as another cause of" in asked.output and "Update cause 1" in asked.output
    added = cli("cases", "offer", second, "accept", "--duplicate", "add-cause")
    assert added.exit_code == 0, added.output
    runbook = json.loads(cli("runbooks", "show", runbook_id, "--json").output)
    assert len(runbook["causes"]) == 2
    assert cli("cases", "offer", second, "accept", "--duplicate", "maybe").exit_code == 2


def test_decline_then_create_from_case(cli, tmp_path: Path, redis_case: dict) -> None:
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(redis_case))
    case_id = _case_id(cli("cases", "create", str(case_file)).output)
    cli("cases", "resolve", case_id)
    declined = cli("cases", "offer", case_id, "decline")
    assert "still create a runbook" in declined.output
    made = cli("runbooks", "from-case", case_id)
    assert made.exit_code == 0 and "rb_" in made.output


def test_record_entries_and_close(cli) -> None:
    case_id = _case_id(cli("cases", "create", "-", input='{"title": "Disk full"}').output)
    added = cli("cases", "add", case_id, "symptoms", "No space left on device", "df: 100%")
    assert added.exit_code == 0 and "2 symptoms" in added.output
    added = cli("cases", "add", case_id, "hypotheses", '{"statement": "logs not rotated"}')
    assert added.exit_code == 0, added.output
    closed = cli("cases", "close", case_id, "--reason", "duplicate of case_abc")
    assert "closed" in closed.output
    record = json.loads(cli("cases", "show", case_id).output)
    assert record["status"] == "closed" and record["symptoms"][1] == "df: 100%"


def test_runbook_from_markdown_and_json_files(cli, tmp_path: Path) -> None:
    markdown = tmp_path / "rb.md"
    markdown.write_text(
        "# Runbook: Kafka consumer lag\n\n**Severity**: High\n\n## Problem Summary\n\n"
        "Consumers fall behind.\n\n**Symptoms**:\n- lag above 1M messages\n"
    )
    made = cli("runbooks", "create", str(markdown), "--status", "published")
    assert made.exit_code == 0, made.output
    as_json = tmp_path / "rb.json"
    as_json.write_text(json.dumps({"title": "Zookeeper session expiry", "services": ["zk"]}))
    assert cli("runbooks", "create", str(as_json)).exit_code == 0
    listed = cli("runbooks", "list", "--json")
    titles = {item["title"]: item for item in json.loads(listed.output)["items"]}
    assert titles["Kafka consumer lag"]["status"] == "published"
    assert titles["Kafka consumer lag"]["severity"] == "high"
    assert titles["Zookeeper session expiry"]["status"] == "draft"


def test_runbooks_list_and_search_by_team(cli, tmp_path: Path, assert_mistake) -> None:
    """The CLI's runbooks belong to the default team; ``--team`` narrows to a team's."""
    as_json = tmp_path / "rb.json"
    as_json.write_text(json.dumps({"title": "Zookeeper session expiry", "services": ["zk"]}))
    assert cli("runbooks", "create", str(as_json)).exit_code == 0
    assert cli("teams", "add", "payments").exit_code == 0
    for team, titles in (("default", ["Zookeeper session expiry"]), ("payments", [])):
        listed = json.loads(cli("runbooks", "list", "--team", team, "--json").output)
        assert [item["title"] for item in listed["items"]] == titles
        found = json.loads(cli("runbooks", "search", "zookeeper", "--team", team, "--json").output)
        assert [hit["runbook"]["title"] for hit in found["items"]] == titles
    for command in (("list",), ("search", "zookeeper")):
        unknown = cli("runbooks", *command, "--team", "nobody")
        assert_mistake(unknown, "No team is named 'nobody'.")


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (("cases", "show", "case_000000000000"), None, "does not exist"),
        (("cases", "create", "FILE"), '{"title": ', "not valid JSON"),
        (("cases", "create", "FILE"), '{"severity": "high"}', "title"),
        (("cases", "create", "missing.json"), None, "does not exist"),
        (("runbooks", "create", "FILE.md"), "no heading here", "# Runbook:"),
        (("runbooks", "search", "***"), None, "no words"),
        (("cases", "offer", "case_000000000000", "accept"), None, "does not exist"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(
    cli, tmp_path: Path, args: tuple, content: str | None, message: str
) -> None:
    resolved = []
    for arg in args:
        if arg.startswith("FILE"):
            path = tmp_path / arg.replace("FILE", "input.json" if arg == "FILE" else "input")
            path.write_text(content or "")
            arg = str(path)
        resolved.append(arg)
    result = cli(*resolved)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2(cli) -> None:
    assert cli("cases", "show").exit_code == 2
    assert cli("cases", "offer", "case_x", "perhaps").exit_code == 2
    assert cli("runbooks", "list", "--limit", "0").exit_code == 2


def _console_script() -> str:
    script = Path(sys.executable).parent / "faultmaven"
    return str(script) if script.exists() else (shutil.which("faultmaven") or "faultmaven")


def test_installed_demo_walkthrough(tmp_path: Path) -> None:
    env = {**os.environ, "FAULTMAVEN_DATA_DIR": str(tmp_path), "COLUMNS": "120"}
    env.pop("FAULTMAVEN_DATABASE_URL", None)
    result = subprocess.run(
        [_console_script(), "demo"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Glad we solved it! To help with future troubleshooting" in out
    assert "# Runbook: Redis Cluster OOM Kills" in out
    assert "## Root Cause" in out and "## Prevention" in out
    assert out.rindex("Redis Cluster OOM") > out.index("faultmaven runbooks search")
    assert not (tmp_path / "faultmaven.db").exists()  # the walkthrough used a throwaway store


def test_installed_script_exit_codes(tmp_path: Path) -> None:
    env = {**os.environ, "FAULTMAVEN_DATA_DIR": str(tmp_path)}
    env.pop("FAULTMAVEN_DATABASE_URL", None)
    missing = subprocess.run(
        [_console_script(), "runbooks", "show", "rb_000000000000"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: Runbook 'rb_000000000000' does not exist")
    usage = subprocess.run(
        [_console_script(), "runbooks", "nonsense"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert usage.returncode == 2
    migrated = subprocess.run(
        [_console_script(), "db", "upgrade"], capture_output=True, text=True, env=env, timeout=60
    )
    assert migrated.returncode == 0 and head_revision() in migrated.stdout


def test_chat_picks_suggested_actions_by_number(cli, tmp_path: Path, redis_case: dict) -> None:
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(redis_case))
    first = _case_id(cli("cases", "create", str(case_file)).output)
    cli("cases", "resolve", first)
    cli("cases", "offer", first, "accept")
    new_case = _case_id(
        cli("cases", "create", "-", input='{"title": "Redis OOMKilled again"}').output
    )
    chat = cli("chat", new_case, input="1\nwhat now?\n/quit\n")
    assert chat.exit_code == 0, chat.output
    assert "[1] Show me runbook: Redis pods OOMKilled in production" in chat.output
    assert "# Runbook: Redis pods OOMKilled in production" in chat.output
    assert "FAULTMAVEN_LLM_PROVIDER" in chat.output  # free text without an LLM
    record = json.loads(cli("cases", "show", new_case).output)
    assert record["runbooks_viewed"] and len(record["messages"]) == 4
