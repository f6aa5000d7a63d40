"""Runbook history through the real Typer app on both databases: diff, restore, and edit in
$EDITOR (a small script), including a change made by someone else while the editor is open."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

CAUSE = "Session objects grew from 100KB to 5MB."


def _runbook_id(output: str) -> str:
    return next(w for w in output.split() if w.startswith("rb_")).rstrip(":.")


@pytest.fixture
def runbook_id(cli, tmp_path: Path) -> str:
    source = tmp_path / "rb.json"
    source.write_text(
        json.dumps(
            {
                "title": "Redis Cluster OOM Kills",
                "symptoms": ["Pods restarting every 5-10 minutes"],
                "root_cause": {"cause": CAUSE},
                "tags": ["kubernetes"],
            }
        )
    )
    created = cli("runbooks", "create", str(source))
    assert created.exit_code == 0, created.output
    return _runbook_id(created.output)


def _editor(tmp_path: Path, body: str, name: str = "editor.py") -> dict[str, str]:
    """An $EDITOR: a Python script given the file to edit as its last argument."""
    script = tmp_path / name
    script.write_text(
        f"#!{sys.executable}\nimport sys, pathlib\npath = pathlib.Path(sys.argv[-1])\n"
        f"text = path.read_text()\n{body}\n"
    )
    script.chmod(0o755)
    return {"EDITOR": str(script), "VISUAL": ""}


def _replace(old: str, new: str) -> str:
    return f"path.write_text(text.replace({old!r}, {new!r}))"


def test_edit_saves_a_version_then_diff_and_restore(
    cli, runbook_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in _editor(tmp_path, _replace(CAUSE, "Sessions hit 5MB.")).items():
        monkeypatch.setenv(key, value)
    edited = cli("runbooks", "edit", runbook_id, "-m", "shorter cause")
    assert edited.exit_code == 0, edited.output
    assert "as version 2" in edited.output
    shown = cli("runbooks", "show", runbook_id, "--json")
    assert json.loads(shown.output)["causes"][0]["root_cause"]["cause"] == "Sessions hit 5MB."
    assert json.loads(shown.output)["tags"] == ["kubernetes"]  # metadata kept
    assert "shorter cause" in cli("runbooks", "versions", runbook_id).output

    diff = cli("runbooks", "diff", runbook_id)
    assert diff.exit_code == 0, diff.output
    assert "version 1 → 2" in diff.output
    assert "Changed: causes.0.root_cause.cause" in diff.output
    assert f"-{CAUSE}" in diff.output and "+Sessions hit 5MB." in diff.output
    as_json = json.loads(
        cli("runbooks", "diff", runbook_id, "--from", "1", "--to", "2", "--json").output
    )
    assert as_json["changed_fields"] == ["causes.0.root_cause.cause"]

    restored = cli("runbooks", "restore", runbook_id, "1")
    assert restored.exit_code == 0, restored.output
    assert "as version 3" in restored.output
    shown = json.loads(cli("runbooks", "show", runbook_id, "--json").output)
    assert shown["causes"][0]["root_cause"]["cause"] == CAUSE and shown["version"] == 3
    assert (
        json.loads(cli("runbooks", "diff", runbook_id, "--from", "1", "--json").output)[
            "changed_fields"
        ]
        == []
    )


def test_edit_without_changes_saves_nothing(
    cli, runbook_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in _editor(tmp_path, "pass").items():
        monkeypatch.setenv(key, value)
    result = cli("runbooks", "edit", runbook_id)
    assert result.exit_code == 0, result.output
    assert "No changes" in result.output
    assert json.loads(cli("runbooks", "show", runbook_id, "--json").output)["version"] == 1


def test_restore_refuses_a_stale_current_version(assert_mistake, cli, runbook_id: str) -> None:
    assert cli("runbooks", "restore", runbook_id, "1").exit_code == 0
    assert_mistake(
        cli("runbooks", "restore", runbook_id, "1", "--current", "1"), "version 2", "version 1"
    )
    assert_mistake(cli("runbooks", "restore", runbook_id, "5"), "has no version 5")


def test_edit_that_is_not_a_runbook_is_kept(
    assert_mistake, cli, runbook_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in _editor(tmp_path, "path.write_text('no title here\\n' + text)").items():
        monkeypatch.setenv(key, value)
    result = cli("runbooks", "edit", runbook_id)
    assert_mistake(result, "nothing saved, your edit is kept there")
    kept = Path(result.stderr.split(":")[1].removeprefix(" ").strip())
    assert kept.read_text().startswith("no title here")
    assert json.loads(cli("runbooks", "show", runbook_id, "--json").output)["version"] == 1
    kept.unlink()


def test_a_change_made_while_editing_is_a_conflict_and_the_edit_is_kept(
    cli, database_url: str, runbook_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in _editor(tmp_path, _replace(CAUSE, "Sessions hit 5MB."), "a.py").items():
        monkeypatch.setenv(key, value)
    assert cli("runbooks", "edit", runbook_id).exit_code == 0  # version 2
    # while the editor is open, someone else restores version 1 (the cause changes back)
    meanwhile = (
        "import subprocess\n"
        f"subprocess.run([{sys.executable!r}, '-m', 'faultmaven', '--database-url', "
        f"{database_url!r}, 'runbooks', 'restore', {runbook_id!r}, '1', '-m', 'theirs'], "
        "check=True, capture_output=True)\n" + _replace("Sessions hit 5MB.", "My cause.")
    )
    for key, value in _editor(tmp_path, meanwhile, "b.py").items():
        monkeypatch.setenv(key, value)
    result = cli("runbooks", "edit", runbook_id)
    assert result.exit_code == 1, result.output
    assert "changed while you were editing" in result.output
    assert "version 2 → 3" in result.output
    assert "-Sessions hit 5MB." in result.output and f"+{CAUSE}" in result.output
    assert "Your edit changes: causes.0.root_cause.cause" in result.output
    assert "Changed by both: causes.0.root_cause.cause" in result.output
    assert "nothing saved" in result.stderr and "--file" in result.stderr
    kept = Path(result.stderr.split("Your edit is kept in ")[1].split(";")[0].strip())
    assert "My cause." in kept.read_text()
    shown = json.loads(cli("runbooks", "show", runbook_id, "--json").output)
    assert shown["version"] == 3 and shown["causes"][0]["root_cause"]["cause"] == CAUSE

    # re-applied on the new version from the kept file
    for key, value in _editor(tmp_path, "pass", "noop.py").items():
        monkeypatch.setenv(key, value)
    again = cli("runbooks", "edit", runbook_id, "--file", str(kept))
    assert again.exit_code == 0, again.output
    shown = json.loads(cli("runbooks", "show", runbook_id, "--json").output)
    assert shown["version"] == 4 and shown["causes"][0]["root_cause"]["cause"] == "My cause."
    kept.unlink()
