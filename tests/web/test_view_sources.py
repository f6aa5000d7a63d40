"""The pages count runbook views with where they came from, as ``GET /api/v1/runbooks/{id}?from=``
does: a library search result is ``search``, a link between pages ``link``, a typed address (or
an unknown ``from``) ``direct``; a "📖" suggestion in the case workspace is a ``suggestion``
view and a suggestion opened for that case. The page a form post redirects to is no new read.
Read back through the analytics API, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def flush(client: TestClient) -> None:
    client.app.state.event_sink.flush()  # type: ignore[attr-defined]


def sources(client: TestClient, runbook_id: str) -> dict[str, int]:
    flush(client)
    report = client.get(f"/api/v1/analytics/runbooks/{runbook_id}").json()
    return report["usage"]["views_by_source"]


def _published(client: TestClient, title: str, **fields: object) -> dict:
    made = client.post("/api/v1/runbooks", json={"title": title, "status": "published", **fields})
    assert made.status_code == 201, made.text
    return made.json()


def test_a_library_click_counts_as_search_a_typed_address_as_direct(client: TestClient) -> None:
    runbook = _published(client, "Disk full on db-1", symptoms=["No space left on device"])
    assert sources(client, runbook["id"]) == {"search": 0, "suggestion": 0, "link": 0, "direct": 0}

    library = client.get("/", params={"q": "disk full"}).text
    link = re.search(rf'href="(/runbooks/{runbook["id"]}\?from=search)"', library)
    assert link, "the result links with from=search"
    assert client.get(link.group(1)).status_code == 200
    assert sources(client, runbook["id"])["search"] == 1

    assert client.get(f"/runbooks/{runbook['id']}").status_code == 200  # typed
    assert client.get(f"/runbooks/{runbook['id']}", params={"from": "<evil>"}).status_code == 200
    assert client.get(f"/runbooks/{runbook['id']}", params={"from": "link"}).status_code == 200
    assert sources(client, runbook["id"]) == {"search": 1, "suggestion": 0, "link": 1, "direct": 2}

    # the listing without a query and the page's own breadcrumbs are links
    listing = client.get("/").text
    assert f'href="/runbooks/{runbook["id"]}?from=link"' in listing
    history = client.get(f"/runbooks/{runbook['id']}/history").text
    assert f'href="/runbooks/{runbook["id"]}?from=link"' in history


def test_the_page_after_a_form_post_is_not_a_new_read(client: TestClient) -> None:
    draft = client.post("/api/v1/runbooks", json={"title": "Disk full on db-2"}).json()
    path = f"/runbooks/{draft['id']}"
    token = CSRF.search(client.get(path).text)
    assert token
    posted = client.post(f"{path}/publish", data={"version": "1", "csrf_token": token.group(1)})
    assert posted.status_code == 200 and str(posted.url).endswith("?done=published")
    assert sources(client, draft["id"])["direct"] == 1  # the first GET only


def test_a_suggestion_opened_in_the_workspace_counts_as_suggestion(
    client: TestClient, redis_case: dict
) -> None:
    runbook = _published(
        client,
        redis_case["title"],
        symptoms=redis_case["symptoms"],
        services=["redis"],
        root_cause={"cause": "Session objects grew from 100KB to 5MB."},
    )
    opened = client.post(
        "/api/v1/cases",
        json={
            "title": "Redis pods OOMKilled again",
            "symptoms": redis_case["symptoms"],
            "services": ["redis"],
        },
    )
    case = opened.json()["case"]
    assert [s["runbook_id"] for s in case["suggested_runbooks"]] == [runbook["id"]]
    workspace = client.get(f"/cases/{case['id']}").text
    token = CSRF.search(workspace)
    assert token and f'name="open" value="{runbook["id"]}"' in workspace
    payload = re.search(r'name="content" value="([^"]*)"[^>]*>\s*<input[^>]*name="open"', workspace)
    assert payload, "the 📖 button's form"
    content = html.unescape(payload.group(1))
    assert content == f"Show me runbook: {runbook['title']}"
    shown = client.post(
        f"/cases/{case['id']}/say",
        data={"csrf_token": token.group(1), "content": content, "open": runbook["id"]},
        follow_redirects=False,
    )
    assert shown.headers["location"] == f"/cases/{case['id']}?runbook={runbook['id']}#runbook-panel"
    panel = client.get(shown.headers["location"]).text  # the panel beside: no second count
    assert f'href="/runbooks/{runbook["id"]}?from=link"' in panel
    assert sources(client, runbook["id"]) == {"search": 0, "suggestion": 1, "link": 0, "direct": 0}
    usage = client.get(f"/api/v1/analytics/runbooks/{runbook['id']}").json()["usage"]
    assert (usage["suggested"], usage["opened"]) == (1, 1)
    precision = client.get("/api/v1/analytics/summary").json()["suggestions"]
    assert (precision["suggested"], precision["opened"]) == (1, 1)

    # the API's way from another page: ?from=suggestion&case_id= counts the same
    client.get(f"/runbooks/{runbook['id']}", params={"from": "suggestion", "case_id": case["id"]})
    assert sources(client, runbook["id"])["suggestion"] == 2


def test_a_search_made_in_the_library_counts_once_typing_does_not(client: TestClient) -> None:
    _published(client, "Disk full on db-1", symptoms=["No space left on device"])

    def searches() -> dict:
        flush(client)
        return client.get("/api/v1/analytics/summary").json()["searches"]

    before = searches()
    for typed in ("kafka", "kafka lag", "kafka consumer lag"):  # as you type: fragments
        assert client.get("/library/results", params={"q": typed}).status_code == 200
    assert searches() == before
    assert client.get("/", params={"q": "kafka consumer lag"}).status_code == 200  # Enter
    assert client.get("/", params={"q": "disk full"}).status_code == 200
    after = searches()
    assert after["searches"] == before["searches"] + 2
    assert after["found_nothing"] == before["found_nothing"] + 1  # a content gap
