"""Every input is bounded at the edge by its field type (kit/fields.py): the inputs that once
answered 500 now get a 4xx naming the field, and nothing is written."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

BIG = 2**63  # past SQLite's and PostgreSQL's BIGINT
INT32 = 2**31  # past PostgreSQL's INTEGER (runbook versions)
SECRETS = "password=x "  # 11 characters that redaction turns into 29


def _counts(client: TestClient) -> tuple[int, int]:
    return (
        client.get("/api/v1/cases").json()["total_count"],
        client.get("/api/v1/runbooks").json()["total_count"],
    )


def _rejected(response, mentions: str) -> None:
    assert 400 <= response.status_code < 500, response.text
    message = response.json()["error"]["message"]
    assert mentions in message, message


@pytest.fixture
def runbook_id(client: TestClient) -> str:
    return client.post("/api/v1/runbooks", json={"title": "Kafka consumer lag"}).json()["id"]


@pytest.fixture
def case_id(client: TestClient) -> str:
    return client.post("/api/v1/cases", json={"title": "Disk full"}).json()["case"]["id"]


@pytest.mark.parametrize(
    ("path", "mentions"),
    [
        (f"/api/v1/runbooks?offset={BIG}", "offset"),
        (f"/api/v1/runbooks?offset={INT32}", "offset"),
        (f"/api/v1/cases?offset={BIG}", "offset"),
        ("/api/v1/runbooks?offset=-1", "offset"),
        ("/api/v1/runbooks?tag=a%00b", "tag"),
        ("/api/v1/runbooks?service=ops%40example.com", "service"),
        ("/api/v1/runbooks/search?q=a%00b", "q"),
        ("/api/v1/runbooks/rb_%00", "runbook_id"),
        ("/api/v1/cases/case_%00", "case_id"),
        ("/api/v1/jobs/job_%00", "job_id"),
    ],
)
def test_bad_query_and_path_values(client: TestClient, path: str, mentions: str) -> None:
    _rejected(client.get(path), mentions)


@pytest.mark.parametrize("version", [INT32, BIG, 0])
def test_version_in_the_path_is_bounded(client: TestClient, runbook_id: str, version: int) -> None:
    _rejected(client.get(f"/api/v1/runbooks/{runbook_id}/versions/{version}"), "version")


@pytest.mark.parametrize(
    ("body", "headers", "mentions"),
    [
        ({"title": "y", "version": 2**40}, {}, "version"),
        ({"title": "y", "version": BIG}, {}, "version"),
        ({"title": "y"}, {"If-Match": '"99999999999999999999"'}, "If-Match"),
        ({"title": "y"}, {"If-Match": f'"{INT32}"'}, "If-Match"),
        ({"title": "y"}, {"If-Match": '"0"'}, "If-Match"),
        ({"title": "y"}, {"If-Match": '"' + "9" * 5000 + '"'}, "If-Match"),
        ({"title": "y\u0000"}, {}, "title"),
        ({"title": "y", "average_resolution_minutes": 1e308}, {}, "average_resolution_minutes"),
    ],
)
def test_bad_edits_change_nothing(
    client: TestClient, runbook_id: str, body: dict, headers: dict, mentions: str
) -> None:
    url = f"/api/v1/runbooks/{runbook_id}"
    whole = {**client.get(url).json(), **body}  # a PUT sends the whole runbook
    _rejected(client.put(url, json=whole, headers=headers), mentions)
    runbook = client.get(url).json()
    assert (runbook["title"], runbook["version"]) == ("Kafka consumer lag", 1)
    assert len(client.get(f"/api/v1/runbooks/{runbook_id}/versions").json()) == 1


CONTROL = "\u0000"


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"title": f"a{CONTROL}b"}, "title"),
        ({"title": "a", "description": f"x{CONTROL}"}, "description"),
        ({"title": "a", "symptoms": [f"x{CONTROL}"]}, "symptoms.0"),
        ({"title": "a", "evidence": ["ok", "\u001b[31mred\u001b[0m"]}, "evidence.1"),
        ({"title": "a", "services": [f"redis{CONTROL}"]}, "services.0"),
        ({"title": "a", "tags": ["ops@example.com"]}, "tags.0"),
        ({"title": "a", "services": ["10.0.3.17"]}, "services.0"),
        ({"title": "a", "services": ["2001:db8::7"]}, "services.0"),
        ({"title": "a", "tags": ["a, b"]}, "tags.0"),
        ({"title": "a", "solutions": [{"title": "t", "commands": [f"ls{CONTROL}"]}]}, "commands"),
        ({"title": "a", "validations": [{"description": "d", "hypothesis": BIG}]}, "hypothesis"),
        ({"title": "a", "opened_at": "0001-01-01T00:00:00+14:00"}, "opened_at"),
        ({"title": "a", "timeline": [{"event": "e", "at": "9999-12-31T23:59:59-14:00"}]}, "at"),
    ],
)
def test_bad_case_text_is_rejected(client: TestClient, body: dict, mentions: str) -> None:
    _rejected(client.post("/api/v1/cases", json=body), mentions)
    assert _counts(client) == (0, 0)


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"title": f"a{CONTROL}b"}, "title"),
        ({"title": "a", "summary": f"{CONTROL}"}, "summary"),
        ({"title": "a", "owner": "alice@example.com"}, "owner"),
        ({"title": "a", "owner": f"al{CONTROL}ice"}, "owner"),
        ({"title": "a", "tags": ["x" * 101]}, "tags.0"),
        ({"title": "a", "average_resolution_minutes": 1e308}, "average_resolution_minutes"),
        ({"title": "a", "average_resolution_minutes": -1}, "average_resolution_minutes"),
        ({"title": "a", "review_by": "0001-01-01"}, "review_by"),
    ],
)
def test_bad_runbook_fields_are_rejected(client: TestClient, body: dict, mentions: str) -> None:
    _rejected(client.post("/api/v1/runbooks", json=body), mentions)
    _rejected(client.post("/api/v1/runbooks/import", json={"items": [body]}), mentions)
    assert _counts(client) == (0, 0)


@pytest.mark.parametrize("number", [b"Infinity", b"-Infinity", b"NaN", b"1e400"])
def test_non_finite_minutes_are_rejected(client: TestClient, number: bytes) -> None:
    body = b'{"title": "m", "average_resolution_minutes": ' + number + b"}"
    response = client.post(
        "/api/v1/runbooks", content=body, headers={"Content-Type": "application/json"}
    )
    _rejected(response, "average_resolution_minutes")
    assert _counts(client) == (0, 0)


def test_sane_minutes_render(client: TestClient) -> None:
    body = {"title": "m", "average_resolution_minutes": 10 * 365 * 24 * 60}
    runbook = client.post("/api/v1/runbooks", json=body).json()
    assert client.get(f"/api/v1/runbooks/{runbook['id']}?format=markdown").status_code == 200


def test_entry_edits_and_messages_reject_control_characters(
    client: TestClient, case_id: str
) -> None:
    case = client.post(
        f"/api/v1/cases/{case_id}/hypotheses", json={"items": [{"statement": "full"}]}
    ).json()
    hypothesis = case["hypotheses"][0]["id"]
    _rejected(
        client.patch(
            f"/api/v1/cases/{case_id}/hypotheses/{hypothesis}", json={"statement": "a\u0000"}
        ),
        "statement",
    )
    _rejected(client.post(f"/api/v1/cases/{case_id}/evidence", json={"items": ["\u0000"]}), "0")
    bell = {"content": "\u0007"}
    _rejected(client.post(f"/api/v1/cases/{case_id}/messages", json=bell), "content")
    _rejected(client.patch(f"/api/v1/cases/{case_id}", json={"tags": ["10.1.2.3"]}), "tags")
    after = client.get(f"/api/v1/cases/{case_id}").json()
    assert after["hypotheses"][0]["statement"] == "full"
    assert (after["evidence"], after["messages"], after["tags"]) == ([], [], [])


@pytest.mark.parametrize(
    ("actor", "mentions"),
    [
        ("ops@example.com", "e-mail"),
        ("192.168.1.20", "IP address"),
        ("a\u0001b", "U+0001"),
        ("x" * 101, "at most 100"),
        ("bob; rm -rf", "';'"),
    ],
)
def test_the_actor_header_is_a_name(client: TestClient, actor: str, mentions: str) -> None:
    response = client.post(
        "/api/v1/runbooks", json={"title": "a"}, headers={"X-FaultMaven-Actor": actor}
    )
    _rejected(response, "X-FaultMaven-Actor")
    _rejected(response, mentions)
    assert _counts(client) == (0, 0)


def test_good_names_are_kept(client: TestClient) -> None:
    body = {"title": "a", "services": ["k8s/ingress-nginx", "db:primary"], "tags": ["c++", "José"]}
    response = client.post(
        "/api/v1/runbooks", json=body, headers={"X-FaultMaven-Actor": "chat-copilot:alice"}
    )
    assert response.status_code == 201, response.text
    runbook = response.json()
    assert (runbook["services"], runbook["tags"]) == (body["services"], body["tags"])
    assert runbook["author"] == "chat-copilot:alice"


# ---- redaction never makes a valid value invalid ---------------------------------------------


def _assert_fitted(text: str, limit: int) -> None:
    assert len(text) <= limit
    assert text.endswith("\u2026")
    assert "password=x" not in text
    assert "[" not in re.sub(r"\[REDACTED:[a-z_]+\]", "", text)  # no placeholder cut in half


def test_evidence_that_redaction_lengthens_is_cut_to_its_limit(client: TestClient) -> None:
    evidence = SECRETS * 1000  # 11 KB, 29 KB once redacted
    response = client.post("/api/v1/cases", json={"title": "a", "evidence": [evidence]})
    assert response.status_code == 201, response.text
    case_id = response.json()["case"]["id"]
    _assert_fitted(client.get(f"/api/v1/cases/{case_id}").json()["evidence"][0], 20_000)

    added = client.post(f"/api/v1/cases/{case_id}/evidence", json={"items": [evidence]})
    assert added.status_code == 200, added.text
    _assert_fitted(added.json()["evidence"][1], 20_000)


def test_a_title_full_of_secrets_is_cut_to_its_limit(client: TestClient) -> None:
    title = (SECRETS * 27)[:297]
    case = client.post("/api/v1/cases", json={"title": title})
    assert case.status_code == 201, case.text
    case_id = case.json()["case"]["id"]
    _assert_fitted(client.get(f"/api/v1/cases/{case_id}").json()["title"], 300)

    patched = client.patch(f"/api/v1/cases/{case_id}", json={"title": title})
    assert patched.status_code == 200, patched.text
    _assert_fitted(patched.json()["title"], 300)

    runbook = client.post("/api/v1/runbooks", json={"title": title})
    assert runbook.status_code == 201, runbook.text
    stored = client.get(f"/api/v1/runbooks/{runbook.json()['id']}").json()
    _assert_fitted(stored["title"], 300)
    assert stored["redaction"]["password"] >= 1


def test_a_solution_edit_full_of_secrets_is_cut_to_its_limit(
    client: TestClient, case_id: str
) -> None:
    case = client.post(
        f"/api/v1/cases/{case_id}/solutions", json={"items": [{"title": "Free space"}]}
    ).json()
    solution = case["solutions"][0]["id"]
    response = client.patch(
        f"/api/v1/cases/{case_id}/solutions/{solution}", json={"title": (SECRETS * 27)[:297]}
    )
    assert response.status_code == 200, response.text
    _assert_fitted(response.json()["solutions"][0]["title"], 300)
