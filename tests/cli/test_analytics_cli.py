"""``faultmaven analytics`` and ``faultmaven runbooks feedback`` through the real Typer app, on
both databases. The history is written with the services in units of work of their own (no
app, so no event sink: the events are written right after each commit, as in the CLI)."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy.orm import Session, sessionmaker

from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseCreate, ResolveRequest
from faultmaven.kit.db import unit_of_work
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import RunbookCreate


def _history(factory: sessionmaker[Session]) -> tuple[str, str]:
    with unit_of_work(factory) as session:
        runbook = runbooks_service.create_runbook(
            session,
            data=RunbookCreate.model_validate(
                {"title": "Redis Cluster OOM Kills", "services": ["redis"], "status": "published"}
            ),
            actor="alice",
        )
        case = cases_service.create_case(
            session,
            data=CaseCreate.model_validate(
                {
                    "title": "Redis pods OOMKilled",
                    "services": ["redis"],
                    "solutions": [{"title": "Raise the limit", "outcome": "applied"}],
                }
            ),
            actor="alice",
        )
    with unit_of_work(factory) as session:
        cases_service.resolve_case(
            session, case_id=case.id, request=ResolveRequest(), actor="alice"
        )
    return runbook.id, case.id


def test_feedback_and_the_reports(cli, session_factory) -> None:
    runbook_id, case_id = _history(session_factory)
    assert cli("runbooks", "show", runbook_id).exit_code == 0  # a view
    given = cli(
        "runbooks",
        "feedback",
        runbook_id,
        "--case",
        case_id,
        "--outcome",
        "solved",
        "--comment",
        "worked as written",
    )
    assert given.exit_code == 0, given.output
    assert "Recorded: solved" in given.output
    assert cli("runbooks", "search", "zookeeper", "quorum").exit_code == 0  # finds nothing

    listed = cli("analytics", "runbooks", "--json")
    assert listed.exit_code == 0, listed.output
    (item,) = json.loads(listed.output)["items"]
    assert (item["runbook_id"], item["views"], item["uses"]) == (runbook_id, 1, 1)
    assert item["success"]["solved"] == 1 and item["success"]["answers"] == 1

    table = cli("analytics", "runbooks")
    assert "Redis Cluster OOM Kills" in table.output and "100% of 1" in table.output

    one = cli("analytics", "runbook", runbook_id, "--csv")
    assert one.exit_code == 0, one.output
    metrics = dict(csv.reader(io.StringIO(one.output)))
    assert metrics["usage.views"] == "1"
    assert metrics["recent_feedback.0.comment"] == "worked as written"

    summary = cli("analytics", "summary")
    assert summary.exit_code == 0, summary.output
    assert "resolved cases" in summary.output and "published runbooks never used" in summary.output
    summary_json = json.loads(cli("analytics", "summary", "--json").output)
    assert summary_json["resolved_cases"] == 1
    assert summary_json["coverage"]["with_runbook"] == 1  # the feedback says it was used

    gaps = cli("analytics", "gaps", "--csv")
    rows = list(csv.DictReader(io.StringIO(gaps.output)))
    assert rows[0]["example"] == "zookeeper quorum" and rows[0]["searches"] == "1"


def test_show_says_when_a_runbook_is_flagged_for_review(cli, session_factory) -> None:
    runbook_id, _case_id = _history(session_factory)
    for outcome in ("not_helpful", "not_helpful", "partly"):
        assert cli("runbooks", "feedback", runbook_id, "--outcome", outcome).exit_code == 0
    shown = cli("runbooks", "show", runbook_id)
    assert shown.exit_code == 0
    assert "Flagged for review: 2 of 3 answers say it did not help." in shown.stderr
    assert shown.stdout.startswith("# Runbook: Redis Cluster OOM Kills")


def test_mistakes_are_one_line(cli, assert_mistake) -> None:
    assert_mistake(
        cli("analytics", "summary", "--days", "3", "--since", "2026-01-01"), "days or since"
    )
    assert_mistake(cli("analytics", "summary", "--json", "--csv"), "--json or --csv")
    assert_mistake(cli("analytics", "gaps", "--since", "yesterday"), "--since")
    assert_mistake(cli("analytics", "runbook", "rb_000000000000"), "rb_000000000000")
    assert_mistake(
        cli("runbooks", "feedback", "rb_000000000000", "--outcome", "solved"), "rb_000000000000"
    )
