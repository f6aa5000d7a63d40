"""Every write of the CLI leaves its audit record, as an API write does: through the real Typer
app on both databases. The actor is the OS user, "from where" is ``cli``, the action is the
command, the object what it wrote; a read leaves none, a failed write none."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from faultmaven.accounts.service import os_user

POSTMORTEM = (
    Path(__file__).parent.parent
    / "data"
    / "postmortems"
    / "flutter"
    / "Postmortem-Build-Breakage-on-2016-11-08.md"
)


def _id(output: str, prefix: str) -> str:
    return next(w for w in output.split() if w.startswith(prefix)).rstrip(":.,)")


def _log(cli) -> list[dict]:
    """The whole audit log, oldest first."""
    result = cli("audit", "--json", "--limit", "100")
    assert result.exit_code == 0, result.output
    return list(reversed(json.loads(result.stdout)["items"]))


def _editor(tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "editor.py"
    script.write_text(
        f"#!{sys.executable}\nimport sys, pathlib\npath = pathlib.Path(sys.argv[-1])\n"
        "path.write_text(path.read_text().replace('5MB', 'five megabytes'))\n"
    )
    script.chmod(0o755)
    return {"EDITOR": str(script), "VISUAL": ""}


def test_every_cli_write_is_audited(cli, tmp_path: Path, redis_case: dict, monkeypatch) -> None:
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(redis_case))
    case_id = _id(cli("cases", "create", str(case_file)).output, "case_")
    assert cli("cases", "add", case_id, "symptoms", "Latency up on checkout").exit_code == 0
    chat = cli("chat", case_id, input="What should I check next?\n/quit\n")
    assert chat.exit_code == 0, chat.output
    assert cli("cases", "resolve", case_id).exit_code == 0
    declined = cli("cases", "offer", case_id, "decline")  # then: runbooks from-case
    assert declined.exit_code == 0, declined.output
    other = _id(cli("cases", "create", str(case_file)).output, "case_")
    assert cli("cases", "close", other, "--reason", "duplicate of the first").exit_code == 0

    runbook_file = tmp_path / "rb.json"
    runbook_file.write_text(json.dumps({"title": "Disk full", "root_cause": {"cause": "5MB"}}))
    runbook_id = _id(cli("runbooks", "create", str(runbook_file)).output, "rb_")
    folder = tmp_path / "many"
    folder.mkdir()
    for n in (1, 2):
        (folder / f"{n}.json").write_text(json.dumps({"title": f"Imported {n}"}))
    assert cli("runbooks", "import", str(folder)).exit_code == 0
    from_case = cli("runbooks", "from-case", case_id)
    assert from_case.exit_code == 0, from_case.output
    for key, value in _editor(tmp_path).items():
        monkeypatch.setenv(key, value)
    assert cli("runbooks", "edit", runbook_id).exit_code == 0
    assert cli("runbooks", "restore", runbook_id, "1").exit_code == 0
    pm = tmp_path / "pm"
    pm.mkdir()
    shutil.copy(POSTMORTEM, pm)
    imported = cli("import", "postmortems", str(pm), "--json")
    assert imported.exit_code == 0, imported.output
    pm_case = json.loads(imported.stdout)[0]["imported"]["case_id"]

    before = len(_log(cli))
    for read in (("cases", "list"), ("cases", "show", case_id), ("runbooks", "show", runbook_id)):
        assert cli(*read).exit_code == 0
    assert cli("cases", "close", "case_000000000000", "--reason", "x").exit_code == 1
    assert len(_log(cli)) == before, "reads and failed writes leave no record"

    log = _log(cli)
    assert {e["actor"] for e in log} == {os_user()}
    assert {e["client"] for e in log} == {"cli"}
    assert all(e["outcome"] == "ok" and e["request_id"].startswith("cli-") for e in log)
    written = [(e["action"], e["object_type"], e["object_id"]) for e in log]
    imported_ids = [e["object_id"] for e in log if e["action"] == "runbooks import"]
    assert len(imported_ids) == 2 and all(i.startswith("rb_") for i in imported_ids)
    made = [e for e in log if e["action"] == "runbooks from-case"]
    assert made[0]["object_type"] == "runbook" and made[0]["details"] == {"case_id": case_id}
    assert written == [
        ("cases create", "case", case_id),
        ("cases add", "case", case_id),
        ("chat", "case", case_id),
        ("cases resolve", "case", case_id),
        ("cases offer", "case", case_id),
        ("cases create", "case", other),
        ("cases close", "case", other),
        ("runbooks create", "runbook", runbook_id),
        *[("runbooks import", "runbook", i) for i in imported_ids],
        ("runbooks from-case", "runbook", made[0]["object_id"]),
        ("runbooks edit", "runbook", runbook_id),
        ("runbooks restore", "runbook", runbook_id),
        ("import postmortems", "case", pm_case),
    ]


def test_every_accounts_command_is_audited(cli) -> None:
    assert cli("users", "add", "ana").exit_code == 0
    assert cli("teams", "add", "payments").exit_code == 0
    assert cli("teams", "grant", "payments", "ana", "editor").exit_code == 0
    token = json.loads(cli("tokens", "create", "ana", "--scope", "read", "--json").stdout)
    assert cli("tokens", "revoke", token["id"]).exit_code == 0
    assert cli("users", "disable", "ana").exit_code == 0
    assert cli("users", "enable", "ana").exit_code == 0
    assert cli("teams", "revoke", "payments", "ana").exit_code == 0
    for read in (
        ("users", "list"),
        ("teams", "list"),
        ("tokens", "list"),
        ("users", "show", "ana"),
    ):
        assert cli(*read).exit_code == 0
    log = _log(cli)
    assert [(e["action"], e["object_type"], e["object_id"], e["details"]) for e in log] == [
        ("users add", "user", "ana", {}),
        ("teams add", "team", "payments", {}),
        ("teams grant", "team", "payments", {"user": "ana", "role": "editor"}),
        ("tokens create", "token", token["id"], {"user": "ana", "scope": "read"}),
        ("tokens revoke", "token", token["id"], {}),
        ("users disable", "user", "ana", {"disabled": True}),
        ("users enable", "user", "ana", {"disabled": False}),
        ("teams revoke", "team", "payments", {"user": "ana"}),
    ]
    assert {(e["actor"], e["client"]) for e in log} == {(os_user(), "cli")}
