"""``faultmaven users|teams|tokens|audit`` on the database directly, and ``serve`` refusing an
open address without sign-in."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from faultmaven.cli.main import app


def test_users_teams_tokens_and_audit(cli) -> None:
    added = cli(
        "users",
        "add",
        "ana",
        "--email",
        "ana@example.com",
        "--password-stdin",
        "--json",
        input="correct horse battery\n",
    )
    assert added.exit_code == 0, added.output
    user = json.loads(added.stdout)
    assert user["name"] == "ana" and user["has_password"] is True
    assert cli("teams", "add", "payments").exit_code == 0
    granted = cli("teams", "grant", "payments", "ana", "editor", "--json")
    assert json.loads(granted.stdout)["members"] == {"ana": "editor"}
    made = cli("tokens", "create", "ana", "--scope", "write", "--expires", "30d", "--name", "ci")
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("fm_")
    listed = json.loads(cli("tokens", "list", "--json").stdout)
    assert [(t["user"], t["scope"], t["name"]) for t in listed] == [("ana", "write", "ci")]
    assert secret not in cli("tokens", "list").stdout
    assert cli("tokens", "revoke", listed[0]["id"]).exit_code == 0
    assert json.loads(cli("tokens", "list", "--json").stdout)[0]["revoked_at"]
    table = cli("users", "list")
    assert "ana" in table.stdout and "payments (editor)" in table.stdout
    assert cli("users", "disable", "ana").exit_code == 0
    shown = json.loads(cli("users", "show", "ana", "--json").stdout)
    assert shown["disabled"] is True and shown["teams"] == {"payments": "editor"}
    assert "yes" in cli("users", "show", "ana").stdout
    updated = cli("users", "update", "ana", "--email", "ana@corp.example", "--json")
    assert json.loads(updated.stdout)["email"] == "ana@corp.example"
    assert cli("users", "update", "ana", "--email", "nope").exit_code == 1
    teams = json.loads(cli("teams", "list", "--json").stdout)
    assert {"payments"} <= {t["name"] for t in teams["items"]}
    assert cli("teams", "revoke", "payments", "ana").exit_code == 0
    assert json.loads(cli("users", "list", "--json").stdout)["items"][0]["teams"] == {}
    assert cli("teams", "revoke", "payments", "ana").exit_code == 1  # not a member any more
    log = json.loads(cli("audit", "--json").stdout)
    assert [e["action"] for e in log["items"]][:3] == [
        "teams revoke",
        "users update",
        "users disable",
    ]


def test_mistakes_are_one_line(cli, assert_mistake) -> None:
    assert cli("users", "add", "bo").exit_code == 0
    assert_mistake(cli("users", "add", "bo"), "already exists")
    assert_mistake(cli("teams", "grant", "nope", "bo", "viewer"), "Team 'nope' does not exist")
    assert_mistake(cli("tokens", "create", "bo", "--scope", "read", "--expires", "soon"), "90d")


def test_serve_refuses_an_open_address_without_sign_in(tmp_path) -> None:
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path), "serve", "--host", "0.0.0.0"], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 1
    assert "FAULTMAVEN_AUTH=required" in result.stderr
