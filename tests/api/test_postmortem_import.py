"""POST /api/v1/import/postmortem on both databases: a real post-mortem becomes a resolved,
imported case (original text kept) and a draft runbook; what cannot be imported says why."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

DATA = Path(__file__).parent.parent / "data" / "postmortems"


def _post(client: TestClient, relative: str):
    path = DATA / relative
    return client.post(
        "/api/v1/import/postmortem",
        json={"name": path.name, "text": path.read_text(encoding="utf-8")},
    )


def test_a_postmortem_becomes_a_resolved_case_and_a_draft_runbook(client: TestClient) -> None:
    response = _post(client, "kubernetes-test-infra/2019-01-23.md")
    assert response.status_code == 201, response.text
    report = response.json()
    assert response.headers["Location"] == f"/api/v1/cases/{report['case_id']}"
    assert report["title"] == "January 23rd, 2019 Prow Outage"
    assert {"heading": "Appendix", "line": 138, "mapped_to": None} in report["sections"]

    case = client.get(f"/api/v1/cases/{report['case_id']}").json()
    assert case["status"] == "resolved" and case["origin"] == "imported"
    assert case["resolved_at"] == "2019-01-23T16:36:00Z"
    assert case["source"]["name"] == "2019-01-23.md"
    assert case["source"]["text"] == (DATA / "kubernetes-test-infra/2019-01-23.md").read_text()
    assert [part["heading"] for part in case["source"]["unmapped"]] == ["", "Appendix"]
    assert case["runbook_ids"] == [report["runbook_id"]]
    listed = client.get("/api/v1/cases").json()["items"]
    assert [c["origin"] for c in listed] == ["imported"]
    recorded = client.post("/api/v1/cases", json={"title": "Disk full on db-1"}).json()["case"]
    by_origin = {
        origin: [c["id"] for c in client.get(f"/api/v1/cases?origin={origin}").json()["items"]]
        for origin in ("imported", "recorded")
    }
    assert by_origin == {"imported": [report["case_id"]], "recorded": [recorded["id"]]}
    assert client.get("/api/v1/cases").json()["total_count"] == 2
    wrong = client.get("/api/v1/cases?origin=typed")
    assert wrong.status_code == 422 and "origin" in wrong.text

    runbook = client.get(f"/api/v1/runbooks/{report['runbook_id']}").json()
    assert runbook["status"] == "draft" and runbook["source_case_ids"] == [report["case_id"]]
    assert runbook["causes"][0]["root_cause"]["cause"].startswith("When the job config was")
    assert runbook["causes"][0]["solution"]["fixes"][0]["title"].startswith("Initially a revert")
    assert runbook["average_resolution_minutes"] is None
    markdown = client.get(f"/api/v1/runbooks/{report['runbook_id']}?format=markdown").text
    assert markdown.startswith("# Runbook: January 23rd, 2019 Prow Outage")


def test_without_a_resolution_section_the_draft_has_no_fix_and_a_warning(
    client: TestClient,
) -> None:
    response = _post(client, "mybinder/2018-03-26-no-space-left.md")
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["warnings"][0].startswith("2018-03-26-no-space-left.md:1: no resolution")
    runbook = client.get(f"/api/v1/runbooks/{report['runbook_id']}").json()
    assert runbook["causes"][0]["solution"]["fixes"] == []


def test_what_cannot_be_imported_says_where_and_why(client: TestClient) -> None:
    response = client.post(
        "/api/v1/import/postmortem",
        json={"name": "notes.md", "text": "# Notes\n\n## Groceries\n\n- milk\n"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "POSTMORTEM_NOT_IMPORTABLE"
    assert error["message"].startswith("notes.md:3: no post-mortem or runbook section found")
    assert client.get("/api/v1/cases").json()["total_count"] == 0
    empty = client.post("/api/v1/import/postmortem", json={"name": "x.md", "text": ""})
    assert empty.status_code == 422
