"""A runbook's markdown answer is the file ``faultmaven runbooks export`` writes (YAML front
matter above the seed's markdown), and it comes back identical through the API's import
(text/markdown) and the CLI's, into an empty database of the same kind: on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from faultmaven.app import create_app
from faultmaven.cli.main import app as cli_app
from faultmaven.config import Settings

# What the importing store keeps for itself (its own bookkeeping), not part of the runbook.
BOOKKEEPING = ("version", "author", "created_at", "updated_at", "redaction", "generated_by")
CASE = {
    "title": "Redis pods OOMKilled",
    "symptoms": ["OOMKilled"],
    "services": ["redis"],
    "tags": ["memory"],
    "timeline": [{"at": "2025-10-05T13:50:00Z", "event": "Deployed prefs", "kind": "deploy"}],
    "validations": [{"description": "mem", "command": "kubectl top pod", "output": "2Gi"}],
    "root_cause": {"cause": "sessions grew", "contributing_factors": ["no limit"]},
    "solutions": [
        {"title": "Raise limit", "outcome": "applied", "commands": ["kubectl patch x"]},
        {"title": "Restart", "outcome": "failed", "steps": ["restarted"]},
    ],
}


def _runbooks(client: TestClient) -> list[dict]:
    """Runbooks of the knowledge base: two with every kind of metadata, one from a case."""
    manual = {
        "title": "Disk full on kafka brokers",
        "symptoms": ["No space left on device"],
        "status": "published",
        "services": ["kafka"],
        "tags": ["disk", "storage"],
        "owner": "sre-team",
        "review_by": "2027-01-31",
        "causes": [
            {"root_cause": {"cause": "Retention too long"}},
            {"root_cause": {"cause": "Log compaction stuck"}, "times_seen": 3},
        ],
    }
    made = [client.post("/api/v1/runbooks", json=manual).json()]
    case = client.post("/api/v1/cases", json=CASE).json()["case"]
    assert client.post(f"/api/v1/cases/{case['id']}/resolve", json={}).status_code == 200
    drafted = client.post(f"/api/v1/cases/{case['id']}/runbook")
    assert drafted.status_code == 201, drafted.text
    made.append(drafted.json())
    return [client.get(f"/api/v1/runbooks/{item['id']}").json() for item in made]


def _without_bookkeeping(runbook: dict) -> dict:
    return {key: value for key, value in runbook.items() if key not in BOOKKEEPING}


def test_markdown_answers_round_trip_through_api_and_cli_import(
    client: TestClient, empty_database, settings: Settings, tmp_path: Path
) -> None:
    runner = CliRunner()
    originals = _runbooks(client)
    documents = {}
    for runbook in originals:
        url = f"/api/v1/runbooks/{runbook['id']}"
        answer = client.get(url, headers={"Accept": "text/markdown"})
        assert answer.headers["content-type"].startswith("text/markdown")
        assert answer.text.startswith(f"---\nid: {runbook['id']}\nstatus: {runbook['status']}")
        assert f"# Runbook: {runbook['title']}" in answer.text
        assert client.get(url, params={"format": "markdown"}).text == answer.text
        exported = runner.invoke(
            cli_app, ["--database-url", settings.database_url, "runbooks", "export", runbook["id"]]
        )
        assert exported.exit_code == 0, exported.output
        assert answer.text == exported.stdout  # exactly what `runbooks export` writes
        documents[runbook["id"]] = answer.text

    # into an empty database through the API's import, one runbook file per request
    empty = settings.model_copy(update={"database_url": empty_database()})
    other = create_app(empty)
    with TestClient(other) as elsewhere:
        assert elsewhere.get("/api/v1/runbooks").json()["total_count"] == 0
        for runbook_id, text in documents.items():
            saved = elsewhere.post(
                "/api/v1/runbooks/import",
                content=text.encode(),
                headers={"Content-Type": "text/markdown; charset=utf-8"},
            )
            assert saved.status_code == 201, saved.text
            assert [item["id"] for item in saved.json()["items"]] == [runbook_id]
        for runbook in originals:
            again = elsewhere.get(f"/api/v1/runbooks/{runbook['id']}").json()
            assert _without_bookkeeping(again) == _without_bookkeeping(runbook)
            document = elsewhere.get(f"/api/v1/runbooks/{runbook['id']}?format=markdown").text
            assert _body(document) == _body(documents[runbook["id"]])
    other.state.engine.dispose()

    # and through the CLI's import, from the files the API answered
    folder = tmp_path / "from-api"
    folder.mkdir()
    for runbook_id, text in documents.items():
        (folder / f"{runbook_id}.md").write_text(text, encoding="utf-8")
    target = empty_database()
    imported = runner.invoke(cli_app, ["--database-url", target, "runbooks", "import", str(folder)])
    assert imported.exit_code == 0, imported.output
    for runbook in originals:
        shown = runner.invoke(
            cli_app, ["--database-url", target, "runbooks", "show", runbook["id"], "--json"]
        )
        assert _without_bookkeeping(json.loads(shown.output)) == _without_bookkeeping(runbook)


def _body(document: str) -> str:
    """The document without the dates the importing store sets afresh (created, updated)."""
    return "\n".join(
        line
        for line in document.splitlines()
        if not line.startswith(("created:", "last_updated:", "**Created**", "**Last Updated**"))
    )


def test_a_markdown_body_that_is_not_a_runbook_says_where(client: TestClient) -> None:
    bad = client.post(
        "/api/v1/runbooks/import",
        content=b"---\nid: rb_000000000001\n---\n\nno heading here\n",
        headers={"Content-Type": "text/markdown"},
    )
    assert bad.status_code == 422
    assert "# Runbook: <title>" in bad.json()["error"]["message"]
    wrong_meta = client.post(
        "/api/v1/runbooks/import",
        content=b"---\ncolour: blue\n---\n# Runbook: X\n",
        headers={"Content-Type": "text/markdown"},
    )
    assert wrong_meta.status_code == 422 and "colour" in wrong_meta.text
    assert client.get("/api/v1/runbooks").json()["total_count"] == 0
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/runbooks/import"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "text/markdown",
        "text/plain",
    }
