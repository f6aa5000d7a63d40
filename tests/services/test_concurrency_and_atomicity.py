"""Concurrent writers never lose each other's work; a failed request leaves nothing behind."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.search.keyword_memory import MemoryKeywordIndex
from faultmaven.search.runtime import runtime_of


def test_a_failure_while_saving_the_runbook_leaves_the_case_as_it_was(
    settings: Settings, redis_case: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        case_id = client.post("/api/v1/cases", json=redis_case).json()["case"]["id"]
        client.post(f"/api/v1/cases/{case_id}/resolve")

        def broken_index(*_args, **_kwargs):
            raise RuntimeError("index unavailable")

        monkeypatch.setattr(MemoryKeywordIndex, "upsert", broken_index)
        response = client.post(
            f"/api/v1/cases/{case_id}/runbook-offer", json={"decision": "accept"}
        )
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "INTERNAL_ERROR"
        assert "Traceback" not in response.text
        monkeypatch.undo()
        case = client.get(f"/api/v1/cases/{case_id}").json()
        assert case["runbook_offer"] == "offered" and case["status"] == "resolved"
        assert case["runbook_ids"] == []
        assert client.get("/api/v1/runbooks").json()["total_count"] == 0
        # and the offer can still be accepted once the fault is gone
        retry = client.post(f"/api/v1/cases/{case_id}/runbook-offer", json={"decision": "accept"})
        assert retry.status_code == 200
    app.state.engine.dispose()


def test_replicas_see_each_others_writes(settings: Settings, redis_case: dict) -> None:
    """Two apps on one database: separate search runtimes, coherent through the database."""
    first_app, second_app = create_app(settings), create_app(settings)
    indexes = []
    for app in (first_app, second_app):
        with app.state.session_factory() as session:
            indexes.append(runtime_of(session).keyword_index)
    assert indexes[0] is not indexes[1]
    with TestClient(first_app) as first, TestClient(second_app) as second:
        case_id = first.post("/api/v1/cases", json=redis_case).json()["case"]["id"]
        second.post(f"/api/v1/cases/{case_id}/resolve")
        accepted = first.post(f"/api/v1/cases/{case_id}/runbook-offer", json={"decision": "accept"})
        runbook_id = accepted.json()["runbook"]["id"]
        hits = second.get("/api/v1/runbooks/search", params={"q": "OOMKilled"}).json()["items"]
        assert [hit["runbook"]["id"] for hit in hits] == [runbook_id]
        copies = [index._caches.get(settings.resolved_database_url) for index in indexes]
        assert copies[1] is not None and copies[1] is not copies[0]
        assert copies[1].ids == [runbook_id]  # read from the database by the second replica
    first_app.state.engine.dispose()
    second_app.state.engine.dispose()
