"""Team mode: analytics show each team only what it may see. Team B sees nothing of team A's
team and private runbooks, cases, searches or feedback in any report; an organization runbook
is counted for both (its use by team A's case stays team A's). On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from team_mode import People, team_client

from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings


def _runbook(title: str, visibility: str) -> dict:
    return {
        "title": title,
        "symptoms": ["Consumer lag grows on orders-topic"],
        "services": ["kafka"],
        "status": "published",
        "visibility": visibility,
    }


@pytest.fixture
def teams(settings: Settings) -> Iterator[tuple]:
    people = People(settings)
    for team in ("alpha", "beta"):
        people.team(team)
    people.user("a_editor", ("alpha", Role.editor))
    people.user("b_viewer", ("beta", Role.viewer))
    headers = {user: {"Authorization": people.token(user)[1]} for user in ("a_editor", "b_viewer")}
    with team_client(settings) as client:
        yield client, headers
    people.close()


def test_team_b_sees_nothing_of_team_a(teams) -> None:
    client, headers = teams
    a, b = headers["a_editor"], headers["b_viewer"]
    ids = {}
    for visibility in ("team", "private", "organization"):
        made = client.post(
            "/api/v1/runbooks", json=_runbook(f"Kafka lag {visibility}", visibility), headers=a
        )
        assert made.status_code == 201, made.text
        ids[visibility] = made.json()["id"]
    case = client.post(
        "/api/v1/cases",
        json={
            "title": "Kafka lag in alpha",
            "services": ["kafka"],
            "solutions": [{"title": "Raise retention", "outcome": "applied"}],
        },
        headers=a,
    ).json()["case"]
    for runbook_id in ids.values():
        client.get(f"/api/v1/runbooks/{runbook_id}", params={"case_id": case["id"]}, headers=a)
        given = client.post(
            f"/api/v1/runbooks/{runbook_id}/feedback",
            json={"case_id": case["id"], "outcome": "not_helpful"},
            headers=a,
        )
        assert given.status_code == 201, given.text
    client.get("/api/v1/runbooks/search", params={"q": "zookeeper quorum"}, headers=a)
    client.app.state.event_sink.flush()
    assert client.post(f"/api/v1/cases/{case['id']}/resolve", headers=a).status_code == 200
    client.app.state.event_sink.flush()

    # team A sees everything it made
    mine = client.get("/api/v1/analytics/runbooks", headers=a).json()
    assert {i["runbook_id"] for i in mine["items"]} == set(ids.values())
    assert all(i["views"] == 1 and i["uses"] == 1 for i in mine["items"])
    summary_a = client.get("/api/v1/analytics/summary", headers=a).json()
    assert summary_a["resolved_cases"] == 1 and summary_a["searches"]["searches"] == 1
    assert client.get("/api/v1/analytics/gaps", headers=a).json()["items"]

    # team B: only the organization runbook, and none of team A's cases or searches
    theirs = client.get("/api/v1/analytics/runbooks", headers=b).json()
    assert [i["runbook_id"] for i in theirs["items"]] == [ids["organization"]]
    for hidden in (ids["team"], ids["private"]):
        report = client.get(f"/api/v1/analytics/runbooks/{hidden}", headers=b)
        assert report.status_code == 404
    org = client.get(f"/api/v1/analytics/runbooks/{ids['organization']}", headers=b).json()
    assert org["resolve_time"]["with_runbook"]["count"] == 0  # team A's case is not B's
    assert [f["case_id"] for f in org["recent_feedback"]] == [None]  # nor named to B
    summary_b = client.get("/api/v1/analytics/summary", headers=b).json()
    assert summary_b["resolved_cases"] == 0
    assert summary_b["searches"] == {
        "searches": 0,
        "found_nothing": 0,
        "cases_opened": 0,
        "cases_without_suggestion": 0,
    }
    assert summary_b["views"] == 1  # the organization runbook's view
    assert summary_b["feedback"]["answers"] == 1
    assert summary_b["published_runbooks"] == 1
    gaps_b = client.get("/api/v1/analytics/gaps", headers=b).json()
    assert gaps_b == {**gaps_b, "found_nothing": 0, "items": []}
    # and team B may not give feedback about a case it cannot see
    denied = client.post(
        f"/api/v1/runbooks/{ids['organization']}/feedback",
        json={"case_id": case["id"], "outcome": "solved"},
        headers=b,
    )
    assert denied.status_code == 403  # a viewer may not write at all
