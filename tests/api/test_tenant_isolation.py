"""Team B can neither get, list, search, be suggested, be offered as a duplicate, nor export any
of team A's team or private runbooks and cases (by id, by exact title, by a case with identical
symptoms), while organization runbooks stay visible to both. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from team_mode import People, team_client

from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings

SYMPTOMS = ["Consumer lag grows on orders-topic", "Kafka broker disk 95% full"]
TITLES = {
    "team": "Kafka consumer lag on orders-topic from a full broker disk",
    "private": "Kafka broker disk full: orders-topic retention by hand",
    "organization": "Kafka orders-topic consumer lag: organization-wide fix",
}


def _runbook(title: str, visibility: str) -> dict:
    return {
        "title": title,
        "symptoms": SYMPTOMS,
        "services": ["kafka"],
        "status": "published",
        "visibility": visibility,
        "solution": {
            "fixes": [{"title": "Raise retention", "commands": ["kafka-configs --alter"]}]
        },
    }


@pytest.fixture
def teams(settings: Settings) -> Iterator[tuple]:
    people = People(settings)
    for team in ("alpha", "beta"):
        people.team(team)
    people.user("a_editor", ("alpha", Role.editor))
    people.user("a_viewer", ("alpha", Role.viewer))
    people.user("b_editor", ("beta", Role.editor))
    people.user("b_responder", ("beta", Role.responder))
    headers = {
        user: {"Authorization": people.token(user)[1]}
        for user in ("a_editor", "a_viewer", "b_editor", "b_responder")
    }
    with team_client(settings) as client:
        yield client, headers
    people.close()


def _solved_case(title: str) -> dict:
    return {
        "title": title,
        "symptoms": SYMPTOMS,
        "services": ["kafka"],
        "solutions": [
            {"title": "Raise retention", "commands": ["kafka-configs"], "outcome": "applied"}
        ],
    }


def test_team_b_sees_nothing_of_team_a_but_organization_runbooks(teams) -> None:
    client, headers = teams
    a, b = headers["a_editor"], headers["b_editor"]
    ids = {}
    for visibility, title in TITLES.items():
        made = client.post("/api/v1/runbooks", json=_runbook(title, visibility), headers=a)
        assert made.status_code == 201, made.text
        assert made.json()["visibility"] == visibility
        ids[visibility] = made.json()["id"]
    a_case = client.post("/api/v1/cases", json=_solved_case("Kafka lag in alpha"), headers=a)
    a_case_id = a_case.json()["case"]["id"]
    hidden = [ids["team"], ids["private"]]
    hidden_titles = [TITLES["team"], TITLES["private"]]

    # by id: 404 (not 403) for every read and write; versions and the markdown export too
    for runbook_id in hidden:
        url = f"/api/v1/runbooks/{runbook_id}"
        for method, path, params in [
            ("GET", url, None),
            ("GET", url, {"format": "markdown"}),
            ("GET", f"{url}/versions", None),
            ("GET", f"{url}/versions/1", None),
            ("PATCH", url, None),
            ("DELETE", url, None),
        ]:
            body = {"status": "archived", "version": 1} if method == "PATCH" else None
            answer = client.request(method, path, params=params, json=body, headers=b)
            assert answer.status_code == 404, (method, path, answer.text)
    assert client.get(f"/api/v1/runbooks/{ids['organization']}", headers=b).status_code == 200
    # ... but an organization runbook of team A is not team B's to change
    archive = client.delete(f"/api/v1/runbooks/{ids['organization']}", headers=b)
    assert archive.status_code == 403
    for path in (f"/api/v1/cases/{a_case_id}", f"/api/v1/cases/{a_case_id}/suggestions"):
        assert client.get(path, headers=b).status_code == 404
    said = client.post(f"/api/v1/cases/{a_case_id}/messages", json={"content": "hi"}, headers=b)
    assert said.status_code == 404

    # lists
    listed = client.get("/api/v1/runbooks", params={"limit": 100}, headers=b).json()
    assert [r["id"] for r in listed["items"]] == [ids["organization"]]
    assert client.get("/api/v1/cases", headers=b).json()["total_count"] == 0

    # search by exact title, keyword and hybrid
    for title in TITLES.values():
        for mode in ("keyword", "hybrid"):
            found = client.get(
                "/api/v1/runbooks/search", params={"q": title, "mode": mode}, headers=b
            ).json()
            assert [h["runbook"]["id"] for h in found["items"]] == [ids["organization"]], mode

    # a case with identical symptoms: suggestions, the conversation, the duplicate prompt
    opened = client.post(
        "/api/v1/cases", json=_solved_case("Kafka lag in beta"), headers=headers["b_responder"]
    )
    assert opened.status_code == 201, opened.text
    b_case = opened.json()["case"]
    assert [s["runbook_id"] for s in b_case["suggested_runbooks"]] == [ids["organization"]]
    for title in hidden_titles:
        shown = client.post(
            f"/api/v1/cases/{b_case['id']}/messages",
            json={"content": f"Show me runbook: {title}"},
            headers=b,
        )
        assert shown.json()["assistant"]["answer"].startswith("No runbook is titled")
    resolved = client.post(f"/api/v1/cases/{b_case['id']}/resolve", headers=b)
    assert resolved.status_code == 200, resolved.text
    offer = client.post(
        f"/api/v1/cases/{b_case['id']}/runbook-offer", json={"decision": "accept"}, headers=b
    )
    assert offer.status_code == 200, offer.text
    record = client.get(f"/api/v1/cases/{b_case['id']}", headers=b).json()
    said_by_faultmaven = [  # (but for the echo of what B asked for)
        m
        for m in record["messages"]
        if m["role"] != "user" and not m["content"].startswith("No runbook is titled")
    ]
    text = json.dumps(
        [
            offer.json()["assistant"],
            offer.json().get("duplicate_of"),
            said_by_faultmaven,
            record["suggested_runbooks"],
            record["runbook_ids"],
            record["runbooks_viewed"],
        ]
    )
    for title in hidden_titles:
        assert title not in text, text
    for runbook_id in hidden:
        assert runbook_id not in text

    # team A: its own, and a private runbook is its author's alone
    mine = client.get("/api/v1/runbooks", params={"limit": 100}, headers=a).json()
    assert {r["id"] for r in mine["items"]} >= set(ids.values())
    teammate = headers["a_viewer"]
    assert client.get(f"/api/v1/runbooks/{ids['team']}", headers=teammate).status_code == 200
    assert client.get(f"/api/v1/runbooks/{ids['private']}", headers=teammate).status_code == 404
    assert client.get(f"/api/v1/cases/{a_case_id}", headers=teammate).status_code == 200
    # the control: team A's own case with these symptoms is offered team A's runbook
    assert client.post(f"/api/v1/cases/{a_case_id}/resolve", headers=a).status_code == 200
    own = client.post(
        f"/api/v1/cases/{a_case_id}/runbook-offer", json={"decision": "accept"}, headers=a
    ).json()
    assert own["duplicate_of"]["runbook"]["id"] in ids.values(), own
