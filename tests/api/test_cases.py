"""The case lifecycle through the real ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

OFFER = (
    "Glad we solved it! To help with future troubleshooting, "
    "would you like me to create a runbook for this issue?"
)


def _create(client: TestClient, payload: dict) -> dict:
    response = client.post("/api/v1/cases", json=payload)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/api/v1/cases/{response.json()['case']['id']}"
    return response.json()["case"]


def test_create_case_keeps_the_record_and_adds_ids(client: TestClient, redis_case: dict) -> None:
    case = _create(client, redis_case)
    assert case["id"].startswith("case_") and len(case["id"]) == 17
    assert case["status"] == "investigating"
    assert case["symptoms"] == redis_case["symptoms"]
    assert case["validations"][0]["command"] == "redis-cli DEBUG OBJECT session:abc123"
    assert all(h["id"].startswith("hyp_") for h in case["hypotheses"])
    fetched = client.get(f"/api/v1/cases/{case['id']}").json()
    assert fetched == case


def test_title_only_case_is_open(client: TestClient) -> None:
    case = _create(client, {"title": "Checkout latency spike"})
    assert case["status"] == "open"
    assert case["runbook_offer"] == "not_offered"


def test_recording_the_investigation_step_by_step(client: TestClient) -> None:
    case = _create(client, {"title": "Disk full on db-1", "services": ["postgres"]})
    url = f"/api/v1/cases/{case['id']}"
    response = client.post(f"{url}/symptoms", json={"items": ["No space left on device"]})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"  # symptoms alone are intake
    client.post(f"{url}/hypotheses", json={"items": [{"statement": "WAL not archived"}]})
    case = client.post(
        f"{url}/solutions",
        json={"items": [{"title": "Remove old logs", "commands": ["rm /var/log/x.gz"]}]},
    ).json()
    assert case["status"] == "investigating"
    hypothesis_id = case["hypotheses"][0]["id"]
    solution_id = case["solutions"][0]["id"]
    response = client.patch(f"{url}/hypotheses/{hypothesis_id}", json={"status": "validated"})
    assert response.json()["hypotheses"][0]["status"] == "validated"
    response = client.patch(f"{url}/solutions/{solution_id}", json={"outcome": "applied"})
    assert response.json()["solutions"][0]["outcome"] == "applied"
    response = client.patch(url, json={"root_cause": {"cause": "archive_command failing"}})
    assert response.json()["root_cause"]["cause"] == "archive_command failing"


def test_resolve_offers_a_runbook_once(client: TestClient, redis_case: dict) -> None:
    case = _create(client, redis_case)
    response = client.post(f"/api/v1/cases/{case['id']}/resolve")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["assistant"]["answer"] == OFFER
    actions = body["assistant"]["suggested_actions"]
    assert [a["type"] for a in actions] == ["create_runbook", "transition"]
    assert all(a["label"] and a["payload"] for a in actions)
    assert body["case"]["status"] == "resolved"
    assert body["case"]["runbook_offer"] == "offered"
    assert body["case"]["messages"][-1]["content"] == OFFER
    again = client.post(f"/api/v1/cases/{case['id']}/resolve")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "CASE_ALREADY_RESOLVED"
    offers = [
        m
        for m in client.get(f"/api/v1/cases/{case['id']}").json()["messages"]
        if m["content"] == OFFER
    ]
    assert len(offers) == 1


def test_resolve_needs_an_applied_solution(client: TestClient) -> None:
    case = _create(
        client,
        {"title": "x", "solutions": [{"title": "Restart", "outcome": "failed"}]},
    )
    response = client.post(f"/api/v1/cases/{case['id']}/resolve")
    assert response.status_code == 409
    assert "applied" in response.json()["error"]["message"]
    assert client.get(f"/api/v1/cases/{case['id']}").json()["status"] == "investigating"


def test_accepting_the_offer_saves_a_runbook_from_the_case(
    client: TestClient, redis_case: dict
) -> None:
    case = _create(client, redis_case)
    client.post(f"/api/v1/cases/{case['id']}/resolve", json={"resolved_at": "2025-10-05T14:45:00Z"})
    response = client.post(f"/api/v1/cases/{case['id']}/runbook-offer", json={"decision": "accept"})
    assert response.status_code == 200, response.text
    body = response.json()
    runbook = body["runbook"]
    assert runbook["source_case_ids"] == [case["id"]]
    assert runbook["generated_by"] == "deterministic"
    assert runbook["average_resolution_minutes"] == 15
    assert [f["title"] for f in runbook["causes"][0]["solution"]["fixes"]] == [
        "Increase Redis memory limit"
    ]
    assert body["case"]["runbook_ids"] == [runbook["id"]]
    assert body["case"]["runbook_offer"] == "accepted"
    stored = client.get(f"/api/v1/runbooks/{runbook['id']}")
    assert stored.status_code == 200
    # answering twice is refused: the offer is made and answered once
    again = client.post(f"/api/v1/cases/{case['id']}/runbook-offer", json={"decision": "accept"})
    assert again.status_code == 409


def test_declining_closes_the_case_and_a_runbook_can_still_be_made(
    client: TestClient, redis_case: dict
) -> None:
    case = _create(client, redis_case)
    client.post(f"/api/v1/cases/{case['id']}/resolve")
    response = client.post(
        f"/api/v1/cases/{case['id']}/runbook-offer", json={"decision": "decline"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["runbook"] is None
    assert response.json()["case"]["status"] == "closed"
    assert client.get("/api/v1/runbooks").json()["total_count"] == 0
    later = client.post(f"/api/v1/cases/{case['id']}/runbook")
    assert later.status_code == 201, later.text
    assert later.headers["Location"].startswith("/api/v1/runbooks/rb_")
    twice = client.post(f"/api/v1/cases/{case['id']}/runbook")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "CASE_HAS_RUNBOOK"


def test_runbook_from_an_unresolved_case_is_refused(client: TestClient) -> None:
    case = _create(client, {"title": "Still broken"})
    response = client.post(f"/api/v1/cases/{case['id']}/runbook")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CASE_NOT_RESOLVED"


def test_close_with_reason_makes_the_case_read_only(client: TestClient) -> None:
    case = _create(client, {"title": "False alarm"})
    response = client.post(f"/api/v1/cases/{case['id']}/close", json={"reason": "duplicate"})
    assert response.json()["status"] == "closed"
    assert response.json()["close_reason"] == "duplicate"
    blocked = client.post(f"/api/v1/cases/{case['id']}/symptoms", json={"items": ["x"]})
    assert blocked.status_code == 409
    assert blocked.json()["error"]["code"] == "CASE_CLOSED"
    assert client.post(f"/api/v1/cases/{case['id']}/resolve").status_code == 409


def test_list_cases_pages_and_filters(client: TestClient) -> None:
    for n in range(3):
        _create(client, {"title": f"case {n}"})
    closed = _create(client, {"title": "closed one"})
    client.post(f"/api/v1/cases/{closed['id']}/close", json={"reason": "noise"})
    page = client.get("/api/v1/cases", params={"limit": 2}).json()
    assert page["total_count"] == 4 and len(page["items"]) == 2 and page["has_more"] is True
    only_closed = client.get("/api/v1/cases", params={"status": "closed"}).json()
    assert [c["id"] for c in only_closed["items"]] == [closed["id"]]
