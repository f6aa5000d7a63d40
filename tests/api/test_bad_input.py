"""Bad input gets a clear 4xx in the error shape and leaves the database as it was."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def _assert_error(response, status: int, code: str | None = None, mentions: str = "") -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    if mentions:
        assert mentions in error["message"], error["message"]
    return error


def _counts(client: TestClient) -> tuple[int, int]:
    return (
        client.get("/api/v1/cases").json()["total_count"],
        client.get("/api/v1/runbooks").json()["total_count"],
    )


def test_malformed_json(client: TestClient) -> None:
    response = client.post(
        "/api/v1/cases", content=b'{"title": "x",', headers={"Content-Type": "application/json"}
    )
    _assert_error(response, 400, "MALFORMED_JSON", "not valid JSON")
    assert _counts(client) == (0, 0)


def test_non_utf8_body(client: TestClient) -> None:
    response = client.post(
        "/api/v1/cases",
        content='{"title": "caf\u00e9"}'.encode("latin-1"),
        headers={"Content-Type": "application/json"},
    )
    _assert_error(response, 400, None, "UTF-8")
    assert _counts(client) == (0, 0)


@pytest.mark.parametrize(
    ("payload", "mentions"),
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "x", "severity": "apocalyptic"}, "severity"),
        ({"title": "x", "hypotheses": [{"statement": "a", "status": "maybe"}]}, "status"),
        ({"title": "x", "validations": [{"description": "d", "hypothesis": 3}]}, "hypothes"),
        ({"title": "x", "timeline": [{"at": "2025-10-05T14:30:00", "event": "e"}]}, "timezone"),
        ({"title": "x", "unknown_field": 1}, "unknown_field"),
        ({"title": "x", "symptoms": ["ok"] * 1001}, "symptoms"),
        ({"title": "x", "opened_at": "2999-01-01T00:00:00Z"}, "future"),
    ],
)
def test_invalid_case_records_name_the_field(
    client: TestClient, payload: dict, mentions: str
) -> None:
    response = client.post("/api/v1/cases", json=payload)
    assert response.status_code == 422, response.text
    assert mentions in response.json()["error"]["message"]
    assert _counts(client) == (0, 0)


def test_oversized_body_is_413(client: TestClient) -> None:
    huge = {"title": "x", "description": "y" * (6 * 1024 * 1024)}
    _assert_error(client.post("/api/v1/cases", json=huge), 413, "PAYLOAD_TOO_LARGE")
    assert _counts(client) == (0, 0)


def test_unknown_ids_are_404_with_the_entity(client: TestClient) -> None:
    _assert_error(client.get("/api/v1/cases/case_000000000000"), 404, "CASE_NOT_FOUND")
    _assert_error(client.get("/api/v1/runbooks/rb_000000000000"), 404, "RUNBOOK_NOT_FOUND")
    _assert_error(client.get("/api/v1/runbooks/rb_000000000000/versions"), 404)
    _assert_error(client.post("/api/v1/cases/nope/resolve"), 404, "CASE_NOT_FOUND")
    _assert_error(client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")


def test_bad_phase_and_entry(client: TestClient) -> None:
    case_id = client.post("/api/v1/cases", json={"title": "x"}).json()["case"]["id"]
    _assert_error(client.post(f"/api/v1/cases/{case_id}/feelings", json={"items": ["x"]}), 422)
    _assert_error(client.post(f"/api/v1/cases/{case_id}/symptoms", json={"items": []}), 422)
    _assert_error(
        client.post(f"/api/v1/cases/{case_id}/hypotheses", json={"items": [{"status": "x"}]}),
        422,
        "INVALID_INPUT",
        "statement",
    )
    _assert_error(
        client.patch(f"/api/v1/cases/{case_id}/hypotheses/hyp_nope", json={"status": "validated"}),
        404,
        "ENTRY_NOT_FOUND",
    )
    _assert_error(client.patch(f"/api/v1/cases/{case_id}/timeline/tl_x", json={"event": "y"}), 422)
    assert client.get(f"/api/v1/cases/{case_id}").json()["hypotheses"] == []


def test_bad_offer_decision(client: TestClient, redis_case: dict) -> None:
    case_id = client.post("/api/v1/cases", json=redis_case).json()["case"]["id"]
    _assert_error(
        client.post(f"/api/v1/cases/{case_id}/runbook-offer", json={"decision": "accept"}),
        409,
        "NO_OPEN_RUNBOOK_OFFER",
    )
    client.post(f"/api/v1/cases/{case_id}/resolve")
    _assert_error(
        client.post(f"/api/v1/cases/{case_id}/runbook-offer", json={"decision": "maybe"}), 422
    )
    assert _counts(client) == (1, 0)


def test_bad_runbook_input(client: TestClient) -> None:
    _assert_error(client.post("/api/v1/runbooks", json={"summary": "no title"}), 422)
    _assert_error(
        client.post("/api/v1/runbooks", json={"title": "x", "status": "secret"}),
        422,
        None,
        "status",
    )
    _assert_error(client.get("/api/v1/runbooks", params={"limit": 1000}), 422, None, "limit")
    _assert_error(client.get("/api/v1/runbooks/search", params={"q": ""}), 422)
    _assert_error(client.get("/api/v1/runbooks/search", params={"q": "x" * 2001}), 422)
    rb = client.post("/api/v1/runbooks", json={"title": "x"}).json()
    _assert_error(
        client.put(
            f"/api/v1/runbooks/{rb['id']}", json={**rb, "title": "y"}, headers={"If-Match": "v"}
        ),
        422,
        None,
        "If-Match",
    )
    assert client.get(f"/api/v1/runbooks/{rb['id']}").json()["title"] == "x"


def test_a_body_that_is_not_json_is_415(client: TestClient) -> None:
    response = client.post(
        "/api/v1/cases", content=b'{"title": "x"}', headers={"Content-Type": "text/plain"}
    )
    _assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE", "application/json")
    assert _counts(client) == (0, 0)
    # a body-less POST needs no content type
    assert client.post("/api/v1/cases/case_000000000000/resolve").status_code == 404
