"""Suggestions when a case starts, the conversation endpoint, duplicate-aware runbooks."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from faultmaven.demo import load_demo_cases

DEMOS = {demo.slug: demo for demo in load_demo_cases()}


def _play(client: TestClient, slug: str) -> dict:
    """Open, resolve and accept a demo case; returns the saved runbook."""
    demo = DEMOS[slug]
    case_id = client.post("/api/v1/cases", json=demo.case.model_dump(mode="json")).json()["case"][
        "id"
    ]
    client.post(
        f"/api/v1/cases/{case_id}/resolve", json={"resolved_at": demo.resolved_at.isoformat()}
    )
    accepted = client.post(f"/api/v1/cases/{case_id}/runbook-offer", json={"decision": "accept"})
    assert accepted.status_code == 200, accepted.text
    runbook = accepted.json()["runbook"]
    assert runbook is not None, accepted.json()["assistant"]["answer"]
    return runbook


@pytest.fixture
def store(client: TestClient) -> dict[str, dict]:
    return {slug: _play(client, slug) for slug in DEMOS}


def test_every_demo_case_gets_its_own_runbook(store: dict[str, dict]) -> None:
    assert len({rb["id"] for rb in store.values()}) == len(DEMOS)


def test_a_new_case_is_offered_the_similar_runbook(client: TestClient, store: dict) -> None:
    response = client.post(
        "/api/v1/cases",
        json={
            "title": "Redis pods OOMKilled again",
            "symptoms": ["redis-0 restarting", "OOMKilled in kubectl describe pod"],
            "services": ["redis"],
        },
    )
    body = response.json()
    actions = body["assistant"]["suggested_actions"]
    redis = store["redis_oom"]
    score = body["case"]["suggested_runbooks"][0]["score"]
    assert 0 < score <= 1
    assert actions[0] == {
        "label": f"📖 {redis['title']} — {score:.2f}",
        "type": "question_template",
        "payload": f"Show me runbook: {redis['title']}",
        "icon": None,
        "metadata": actions[0]["metadata"],
    }
    assert all("TLS" not in a["payload"] for a in actions)
    assert body["case"]["suggested_runbooks"][0]["runbook_id"] == redis["id"]
    fresh = client.get(f"/api/v1/cases/{body['case']['id']}/suggestions").json()
    assert fresh[0]["runbook_id"] == redis["id"]
    assert fresh[0]["why"]["fields"]["title"]


def test_an_unrelated_case_gets_no_suggestion(client: TestClient, store: dict) -> None:
    body = client.post(
        "/api/v1/cases", json={"title": "Kafka consumer group rebalancing loop"}
    ).json()
    assert body["assistant"]["answer"] == "No similar runbook yet."
    assert body["assistant"]["suggested_actions"] == []
    assert body["case"]["suggested_runbooks"] == []


def test_every_suggestion_is_labelled_with_its_runbook(client: TestClient, store: dict) -> None:
    body = client.post(
        "/api/v1/cases",
        json={"title": "Redis pods OOMKilled", "symptoms": ["redis-0 restarting"]},
    ).json()
    labels = [a["label"] for a in body["assistant"]["suggested_actions"]]
    titles = [s["title"] for s in body["case"]["suggested_runbooks"]]
    assert labels and len(set(labels)) == len(labels)
    assert all(
        label.startswith(f"📖 {title} — ") for label, title in zip(labels, titles, strict=True)
    )
    assert "solved before" not in body["assistant"]["answer"]


def test_suggestions_follow_the_problem_as_it_is_described(client: TestClient, store: dict) -> None:
    case = client.post("/api/v1/cases", json={"title": "Something is wrong"}).json()["case"]
    assert case["suggested_runbooks"] == []
    updated = client.post(
        f"/api/v1/cases/{case['id']}/symptoms",
        json={"items": ["x509: certificate has expired", "TLS handshake fails on the ingress"]},
    ).json()
    titles = [s["title"] for s in updated["suggested_runbooks"]]
    assert titles and titles[0] == store["tls_cert_expiry"]["title"]


def test_show_me_runbook_answers_with_it_and_records_the_view(
    client: TestClient, store: dict
) -> None:
    created = client.post(
        "/api/v1/cases", json={"title": "Redis OOMKilled", "symptoms": ["OOMKilled"]}
    ).json()
    payload = created["assistant"]["suggested_actions"][0]["payload"]
    case_id = created["case"]["id"]
    answer = client.post(f"/api/v1/cases/{case_id}/messages", json={"content": payload})
    assert answer.status_code == 200, answer.text
    assert answer.json()["assistant"]["answer"].startswith("# Runbook: ")
    case = answer.json()["case"]
    assert case["runbooks_viewed"] == [store["redis_oom"]["id"]]
    assert [m["role"] for m in case["messages"]][-2:] == ["user", "assistant"]


def test_free_text_without_an_llm_says_what_to_configure(client: TestClient) -> None:
    case_id = client.post("/api/v1/cases", json={"title": "x"}).json()["case"]["id"]
    answer = client.post(f"/api/v1/cases/{case_id}/messages", json={"content": "it is slow"})
    assert "FAULTMAVEN_LLM_PROVIDER" in answer.json()["assistant"]["answer"]


def test_offer_payloads_work_through_messages(client: TestClient, redis_case: dict) -> None:
    case_id = client.post("/api/v1/cases", json=redis_case).json()["case"]["id"]
    client.post(f"/api/v1/cases/{case_id}/resolve")
    answer = client.post(
        f"/api/v1/cases/{case_id}/messages", json={"content": "Yes, create a runbook"}
    ).json()
    assert answer["case"]["runbook_offer"] == "accepted"
    assert answer["case"]["runbook_ids"]
    assert answer["assistant"]["answer"].startswith("Runbook rb_")


def test_a_duplicate_is_named_and_can_be_updated(client: TestClient, store: dict) -> None:
    again = DEMOS["redis_oom"].case.model_copy(
        update={"symptoms": [*DEMOS["redis_oom"].case.symptoms, "Sentinel failover loop"]}
    )
    case_id = client.post("/api/v1/cases", json=again.model_dump(mode="json")).json()["case"]["id"]
    client.post(f"/api/v1/cases/{case_id}/resolve")
    asked = client.post(f"/api/v1/cases/{case_id}/runbook-offer", json={"decision": "accept"})
    body = asked.json()
    redis = store["redis_oom"]
    assert body["runbook"] is None
    assert body["duplicate_of"]["runbook"]["id"] == redis["id"]
    assert redis["title"] in body["assistant"]["answer"]
    assert body["matching_cause"] == 1
    assert [a["payload"] for a in body["assistant"]["suggested_actions"]] == [
        f"Add as another cause of {redis['title']}",
        "Update cause 1",
        "Create a new runbook",
    ]
    assert body["case"]["runbook_offer"] == "offered"
    updated = client.post(
        f"/api/v1/cases/{case_id}/messages", json={"content": "Update cause 1"}
    ).json()
    assert updated["case"]["runbook_ids"] == [redis["id"]]
    runbook = client.get(f"/api/v1/runbooks/{redis['id']}").json()
    assert runbook["version"] == 2
    assert case_id in runbook["source_case_ids"]
    assert "Sentinel failover loop" in runbook["symptoms"]
    (cause,) = runbook["causes"]
    assert cause["times_seen"] == 2 and case_id in cause["source_case_ids"]
    assert client.get("/api/v1/runbooks").json()["total_count"] == len(DEMOS)


def test_a_recurrence_with_another_root_cause_becomes_another_cause(
    client: TestClient, store: dict
) -> None:
    demo = DEMOS["redis_oom"].case
    other = demo.model_copy(
        update={
            "root_cause": demo.root_cause.model_copy(
                update={"cause": "maxmemory-policy was noeviction after a config reload"}
            )
        }
    )
    case_id = client.post("/api/v1/cases", json=other.model_dump(mode="json")).json()["case"]["id"]
    client.post(f"/api/v1/cases/{case_id}/resolve")
    asked = client.post(f"/api/v1/cases/{case_id}/runbook-offer", json={"decision": "accept"})
    assert asked.json()["matching_cause"] is None
    redis = store["redis_oom"]
    added = client.post(
        f"/api/v1/cases/{case_id}/messages",
        json={"content": f"Add as another cause of {redis['title']}"},
    ).json()
    assert added["case"]["runbook_ids"] == [redis["id"]]
    runbook = client.get(f"/api/v1/runbooks/{redis['id']}").json()
    causes = [c["root_cause"]["cause"] for c in runbook["causes"]]
    assert causes == [redis["causes"][0]["root_cause"]["cause"], other.root_cause.cause]
    markdown = client.get(f"/api/v1/runbooks/{redis['id']}", headers={"Accept": "text/markdown"})
    assert "Which Cause Is It?" in markdown.text


def test_runbook_endpoint_refuses_a_duplicate_unless_told(client: TestClient, store: dict) -> None:
    case_id = client.post(
        "/api/v1/cases", json=DEMOS["disk_full"].case.model_dump(mode="json")
    ).json()["case"]["id"]
    client.post(f"/api/v1/cases/{case_id}/resolve")
    refused = client.post(f"/api/v1/cases/{case_id}/runbook")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "DUPLICATE_RUNBOOK"
    assert error["details"]["runbook_id"] == store["disk_full"]["id"]
    made = client.post(f"/api/v1/cases/{case_id}/runbook", json={"duplicate": "new"})
    assert made.status_code == 201
    assert made.json()["id"] != store["disk_full"]["id"]
