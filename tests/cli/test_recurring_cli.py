"""``faultmaven analytics recurring`` (the command the ``analytics`` group registers as
``recurring``): table, --json and --csv from one history, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseCreate, ResolveRequest
from faultmaven.kit.db import unit_of_work
from faultmaven.runbooks import service as runbooks_service

COMMAND = "analytics", "recurring"
REDIS = {
    "title": "Redis pods OOMKilled in production",
    "symptoms": ["redis pods OOMKilled", "redis memory limit exceeded"],
    "services": ["redis"],
    "severity": "critical",
}
DISK = {
    "title": "Disk full on /var/log of the nginx web nodes",
    "symptoms": ["No space left on device", "/var/log at 100%"],
    "services": ["nginx"],
    "severity": "high",
}
APPLIED = [{"title": "Fix it", "commands": ["make fix"], "outcome": "applied"}]


def _resolved(session, spec: dict) -> str:
    data = CaseCreate.model_validate({**spec, "solutions": APPLIED})
    case = cases_service.create_case(session, data=data, actor="test")
    cases_service.resolve_case(session, case_id=case.id, request=ResolveRequest(), actor="test")
    return case.id


def _history(session_factory) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {"redis": [], "disk": []}
    with unit_of_work(session_factory) as session:
        ids["redis"].append(_resolved(session, REDIS))
        ids["runbook"] = [
            runbooks_service.create_from_case(session, case_id=ids["redis"][0], actor="t").id
        ]
        ids["redis"].append(_resolved(session, REDIS))  # opened after the runbook existed
        ids["disk"] = [_resolved(session, DISK), _resolved(session, DISK)]
    return ids


def test_table_json_and_csv(cli, session_factory) -> None:
    ids = _history(session_factory)

    table = cli(*COMMAND)
    assert table.exit_code == 0, table.output
    assert "Recurring problems in 90 days (2; 4 resolved cases grouped)" in table.output
    assert "Redis pods OOMKilled in production" in table.output
    assert f"faultmaven runbooks from-case {ids['disk'][1]}" in table.output
    assert f"write its Prevention: {ids['runbook'][0]}" in table.output  # none recorded

    report = json.loads(cli(*COMMAND, "--json").output)
    assert report["total_count"] == 2
    by_title = {item["title"]: item for item in report["items"]}
    assert by_title[REDIS["title"]]["recurred_after_runbook"] == 1
    assert by_title[REDIS["title"]]["prevention"]["empty"] is True
    assert by_title[DISK["title"]]["offer"]["case_id"] == ids["disk"][1]

    rows = list(csv.DictReader(io.StringIO(cli(*COMMAND, "--csv", "--service", "nginx").output)))
    assert [(r["rank"], r["title"], r["count"], r["runbook"]) for r in rows] == [
        ("1", DISK["title"], "2", "no")
    ]
    assert rows[0]["case_ids"] == " ".join(reversed(ids["disk"]))


def test_json_and_csv_together_is_a_usage_error(cli) -> None:
    result = cli(*COMMAND, "--json", "--csv")
    assert result.exit_code == 2
    assert "choose one of --json and --csv" in result.output
