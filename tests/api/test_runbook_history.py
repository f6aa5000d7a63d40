"""Runbook history through the API, on both databases: diff two versions, restore one."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _runbook() -> dict:
    return {
        "title": "Redis Cluster OOM Kills",
        "summary": "Redis pods repeatedly restart with OOM kills in production.",
        "severity": "critical",
        "symptoms": ["Pods restarting every 5-10 minutes"],
        "root_cause": {"cause": "Session objects grew from 100KB to 5MB."},
        "solution": {
            "fixes": [{"title": "Increase Redis memory limit", "commands": ["kubectl apply"]}]
        },
        "services": ["redis"],
        "tags": ["kubernetes"],
        "status": "published",
    }


def _create(client: TestClient, payload: dict) -> dict:
    response = client.post("/api/v1/runbooks", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def _patch(client: TestClient, url: str, version: int, **changes) -> dict:
    response = client.patch(url, json=changes, headers={"If-Match": f'"{version}"'})
    assert response.status_code == 200, response.text
    return response.json()


def test_diff_shows_markdown_and_changed_fields(client: TestClient) -> None:
    runbook = _create(client, _runbook())
    url = f"/api/v1/runbooks/{runbook['id']}"
    causes = runbook["causes"]  # a merge patch replaces a list whole: send them all
    causes[0]["root_cause"]["cause"] = "Session objects grew to 5MB after the cart change."
    _patch(client, url, 1, causes=causes, tags=["kubernetes", "memory"], status="in_review")
    response = client.get(f"{url}/diff", params={"from": 1, "to": 2})
    assert response.status_code == 200, response.text
    diff = response.json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert diff["changed_fields"] == ["causes.0.root_cause.cause", "status", "tags"]
    assert {c["field"]: (c["before"], c["after"]) for c in diff["metadata"]} == {
        "status": ("published", "in_review"),
        "tags": (["kubernetes"], ["kubernetes", "memory"]),
    }
    lines = diff["diff"].splitlines()
    assert lines[0] == f"--- {runbook['id']} v1" and lines[1] == f"+++ {runbook['id']} v2"
    assert "-Session objects grew from 100KB to 5MB." in lines
    assert "+Session objects grew to 5MB after the cart change." in lines
    # defaults: from the previous version to the current one
    assert client.get(f"{url}/diff").json() == diff
    same = client.get(f"{url}/diff", params={"from": 2, "to": 2}).json()
    assert same["diff"] == "" and same["changed_fields"] == []


def test_diff_of_a_missing_version_or_runbook_is_404(client: TestClient) -> None:
    runbook = _create(client, _runbook())
    url = f"/api/v1/runbooks/{runbook['id']}"
    missing = client.get(f"{url}/diff", params={"from": 1, "to": 7})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "RUNBOOK_VERSION_NOT_FOUND"
    assert client.get("/api/v1/runbooks/rb_000000000000/diff").status_code == 404
    assert client.get(f"{url}/diff", params={"from": 0}).status_code == 422


def test_restore_makes_a_new_version_equal_to_the_old_one(client: TestClient) -> None:
    runbook = _create(client, _runbook())
    url = f"/api/v1/runbooks/{runbook['id']}"
    _patch(client, url, 1, title="Redis OOM", tags=["memory"], owner="sre-team")
    _patch(client, url, 2, status="archived")
    restored = client.post(f"{url}/versions/1/restore", headers={"If-Match": '"3"'})
    assert restored.status_code == 200, restored.text
    assert restored.headers["ETag"] == '"4"'
    now = restored.json()
    assert now["version"] == 4
    assert (now["title"], now["tags"], now["owner"], now["status"]) == (
        runbook["title"],
        runbook["tags"],
        runbook["owner"],
        "published",
    )
    volatile = ("version", "updated_at")
    assert {k: v for k, v in now.items() if k not in volatile} == {
        k: v for k, v in runbook.items() if k not in volatile
    }
    versions = client.get(f"{url}/versions").json()
    assert versions[0]["change_note"] == "restored version 1"
    assert client.get(f"{url}/diff", params={"from": 1, "to": 4}).json()["changed_fields"] == []
    with_note = client.post(
        f"{url}/versions/2/restore", json={"version": 4, "change_note": "back to the short title"}
    )
    assert with_note.status_code == 200, with_note.text
    assert with_note.json()["title"] == "Redis OOM"
    assert client.get(f"{url}/versions").json()[0]["change_note"] == "back to the short title"


def test_restore_needs_the_current_version(client: TestClient) -> None:
    runbook = _create(client, _runbook())
    url = f"/api/v1/runbooks/{runbook['id']}"
    _patch(client, url, 1, title="Redis OOM")
    unnamed = client.post(f"{url}/versions/1/restore")
    assert unnamed.status_code == 422
    assert unnamed.json()["error"]["code"] == "VERSION_REQUIRED"
    stale = client.post(f"{url}/versions/1/restore", json={"version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "STALE_VERSION"
    assert client.get(url).json()["title"] == "Redis OOM"
    missing = client.post(f"{url}/versions/9/restore", json={"version": 2})
    assert missing.status_code == 404
    mismatch = client.post(
        f"{url}/versions/1/restore", json={"version": 2}, headers={"If-Match": '"1"'}
    )
    assert mismatch.status_code == 409
    assert mismatch.json()["error"]["code"] == "VERSION_MISMATCH"
