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
    assert "\n# Runbook: January 23rd, 2019 Prow Outage\n" in markdown


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


def test_the_markdown_itself_as_the_body(client: TestClient) -> None:
    text = (DATA / "kubernetes-test-infra/2019-01-23.md").read_text(encoding="utf-8")
    for media in ("text/markdown; charset=utf-8", "text/plain"):
        response = client.post(
            "/api/v1/import/postmortem?filename=2019-01-23.md",
            content=text.encode(),
            headers={"Content-Type": media},
        )
        assert response.status_code == 201, response.text
        report = response.json()
        assert report["name"] == "2019-01-23.md"
        assert report["title"] == "January 23rd, 2019 Prow Outage"
        case = client.get(f"/api/v1/cases/{report['case_id']}").json()
        assert case["source"] == {**case["source"], "name": "2019-01-23.md", "text": text}
    unnamed = client.post(
        "/api/v1/import/postmortem",
        content=b"## Root cause\n\nThe disk filled up.\n",
        headers={"Content-Type": "text/markdown"},
    )
    assert unnamed.status_code == 201, unnamed.text
    assert unnamed.json()["name"] == "postmortem.md"


def test_bodies_the_import_does_not_take(client: TestClient) -> None:
    url = "/api/v1/import/postmortem"
    other = client.post(url, content=b"<h1>x</h1>", headers={"Content-Type": "text/html"})
    assert other.status_code == 415
    message = other.json()["error"]["message"]
    assert "application/json" in message and "text/markdown" in message
    assert "text/html" in message
    # elsewhere markdown is not offered
    elsewhere = client.post("/api/v1/cases", content=b"x", headers={"Content-Type": "text/plain"})
    assert elsewhere.status_code == 415 and "markdown" not in elsewhere.text

    def text(body: bytes, query: str = ""):
        return client.post(f"{url}{query}", content=body, headers={"Content-Type": "text/plain"})

    not_utf8 = text(b"## Root cause\n\n\xff\xfe bad\n")
    assert not_utf8.status_code == 422 and not_utf8.json()["error"]["code"] == "VALIDATION_ERROR"
    too_long = text(b"## Root cause\n\n" + b"a" * 1_000_001)
    assert too_long.status_code == 422
    assert too_long.json()["error"]["details"][0]["field"] == "text"
    assert text(b"a" * (5 * 1024 * 1024 + 1)).status_code == 413  # the server's body limit
    assert text(b"   \n").status_code == 422
    assert text(b"## Root cause\n\nx\n", "?filename=" + "a" * 301).status_code == 422
    json_string = client.post(url, json="## Root cause\n\nx")
    assert json_string.status_code == 422 and "text/markdown" in json_string.text
    named_twice = client.post(f"{url}?filename=a.md", json={"name": "b.md", "text": "x"})
    assert named_twice.status_code == 422 and "filename" in named_twice.text
    assert client.get("/api/v1/cases").json()["total_count"] == 0


def test_openapi_documents_both_kinds_of_body(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/import/postmortem"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "text/markdown", "text/plain"}
    assert content["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PostmortemImport"
    }
    assert content["text/markdown"]["schema"]["type"] == "string"
    assert "filename" in [p["name"] for p in operation["parameters"]]
    assert {"413", "415", "422"} <= set(operation["responses"])
