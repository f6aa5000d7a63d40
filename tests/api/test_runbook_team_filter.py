"""``team=<name>``: runbooks owned by that team, in the list and in search (keyword and
hybrid), never more than the viewer may see; an unknown team is a 422 that names it. In team
mode and in local mode, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from team_mode import People, team_client

from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings


def _runbook(title: str, visibility: str) -> dict:
    return {
        "title": title,
        "symptoms": ["Kafka consumer lag grows"],
        "services": ["kafka"],
        "status": "published",
        "visibility": visibility,
    }


# (author, visibility) -> title: each team has a team runbook and an organization runbook
TITLES = {
    ("a_editor", "team"): "Kafka lag: alpha's own fix",
    ("a_editor", "organization"): "Kafka lag: alpha's fix for everyone",
    ("b_editor", "team"): "Kafka lag: beta's own fix",
    ("b_editor", "organization"): "Kafka lag: beta's fix for everyone",
}


@pytest.fixture
def teams(settings: Settings) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    people = People(settings)
    for team in ("alpha", "beta", "gamma"):
        people.team(team)
    people.user("a_editor", ("alpha", Role.editor))
    people.user("b_editor", ("beta", Role.editor))
    people.user("both", ("alpha", Role.viewer), ("beta", Role.viewer))
    headers = {
        user: {"Authorization": people.token(user)[1]} for user in ("a_editor", "b_editor", "both")
    }
    with team_client(settings) as client:
        for (author, visibility), title in TITLES.items():
            made = client.post(
                "/api/v1/runbooks", json=_runbook(title, visibility), headers=headers[author]
            )
            assert made.status_code == 201, made.text
        yield client, headers
    people.close()


def _listed(client: TestClient, headers: dict[str, str], **params: str) -> list[str]:
    answer = client.get("/api/v1/runbooks", params={"limit": 100, **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    return sorted(item["title"] for item in answer.json()["items"])


def _found(client: TestClient, headers: dict[str, str], mode: str, **params: str) -> list[str]:
    answer = client.get(
        "/api/v1/runbooks/search",
        params={"q": "kafka lag fix", "mode": mode, "limit": 100, "min_score": 0, **params},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    return sorted(hit["runbook"]["title"] for hit in answer.json()["items"])


def _titles(author: str, *visibilities: str) -> list[str]:
    return sorted(TITLES[(author, v)] for v in visibilities)


def test_team_filter_in_list_and_search(teams) -> None:
    client, headers = teams
    both, a = headers["both"], headers["a_editor"]
    assert len(_listed(client, both)) == 4
    assert _listed(client, both, team="alpha") == _titles("a_editor", "team", "organization")
    assert _listed(client, both, team="beta") == _titles("b_editor", "team", "organization")
    assert _listed(client, both, team="gamma") == []  # a team without runbooks
    # with the other filters: all must hold
    assert _listed(client, both, team="beta", service="kafka", status="published") == _titles(
        "b_editor", "team", "organization"
    )
    assert _listed(client, both, team="beta", service="redis") == []
    for mode in ("keyword", "hybrid"):
        assert len(_found(client, both, mode)) == 4, mode
        assert _found(client, both, mode, team="alpha") == _titles(
            "a_editor", "team", "organization"
        ), mode
        assert _found(client, both, mode, team="beta") == _titles(
            "b_editor", "team", "organization"
        ), mode
        assert _found(client, both, mode, team="gamma") == [], mode
        # visibility still holds: alpha's editor finds only beta's organization runbook
        assert _found(client, a, mode, team="beta") == _titles("b_editor", "organization"), mode
    assert _listed(client, a, team="beta") == _titles("b_editor", "organization")


def test_unknown_team_is_422_that_names_it(teams) -> None:
    client, headers = teams
    for path, params in (
        ("/api/v1/runbooks", {}),
        ("/api/v1/runbooks/search", {"q": "kafka", "mode": "keyword"}),
        ("/api/v1/runbooks/search", {"q": "kafka", "mode": "hybrid"}),
    ):
        answer = client.get(path, params={**params, "team": "nobody"}, headers=headers["both"])
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["message"] == "No team is named 'nobody'."


def test_local_mode_filters_by_the_default_team(client: TestClient, settings: Settings) -> None:
    """Runbooks made before accounts, or in local mode, belong to the team named default."""
    assert client.post("/api/v1/runbooks", json=_runbook("Kafka lag", "team")).status_code == 201
    people = People(settings)
    try:
        people.team("ops")
    finally:
        people.close()
    assert _listed(client, {}, team="default") == ["Kafka lag"]
    assert _listed(client, {}, team="ops") == []
    for mode in ("keyword", "hybrid"):
        assert _found(client, {}, mode, team="default") == ["Kafka lag"]
        assert _found(client, {}, mode, team="ops") == []


def test_local_mode_team_header_makes_the_team_own_it(
    client: TestClient, settings: Settings
) -> None:
    """Locally, ``X-FaultMaven-Team: ops`` makes a runbook ops's (found by ``team=ops``); a
    team that does not exist is a 422 that says how to add it, and nothing is written."""
    people = People(settings)
    try:
        people.team("ops")
    finally:
        people.close()
    ops = {"X-FaultMaven-Team": "ops"}
    made = client.post("/api/v1/runbooks", json=_runbook("Kafka lag", "team"), headers=ops)
    assert made.status_code == 201, made.text
    assert _listed(client, {}, team="ops") == ["Kafka lag"]
    assert _listed(client, {}, team="default") == []
    refused = client.post(
        "/api/v1/runbooks",
        json=_runbook("Kafka lag again", "team"),
        headers={"X-FaultMaven-Team": "sre"},
    )
    assert refused.status_code == 422, refused.text
    assert "faultmaven teams add sre" in refused.json()["error"]["message"]
    assert _listed(client, {}) == ["Kafka lag"]
