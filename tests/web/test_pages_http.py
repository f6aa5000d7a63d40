"""The pages over real HTTP through the ASGI app (no browser): CSRF, the 404 and error pages,
team mode's redirect to /login, visibility exactly as the API's."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from team_mode import People, team_client

from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _runbook(client: TestClient, **fields: object) -> dict:
    response = client.post("/api/v1/runbooks", json={"title": "Disk full on db-1", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def _token(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def test_root_is_the_library_with_a_link_to_the_api_docs(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<a href="/docs">API docs</a>' in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert client.get("/docs").status_code == 200


def test_a_form_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(
    client: TestClient,
) -> None:
    runbook = _runbook(client)
    path = f"/runbooks/{runbook['id']}/publish"
    answers = [
        client.post(path, data={"version": "1"}),  # no token
        client.post(path, data={"version": "1", "csrf_token": "0" * 64}),  # a wrong one
    ]
    token = _token(client, f"/runbooks/{runbook['id']}")
    answers.append(  # a right token sent from another site
        client.post(
            path,
            data={"version": "1", "csrf_token": token},
            headers={"Origin": "http://evil.example"},
        )
    )
    for answer in answers:
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("text/html")
        assert "nothing was saved" in answer.text
    assert client.get(f"/api/v1/runbooks/{runbook['id']}").json()["status"] == "draft"
    done = client.post(path, data={"version": "1", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/runbooks/{runbook['id']}?done=published"
    assert client.get(f"/api/v1/runbooks/{runbook['id']}").json()["status"] == "published"


def test_the_csrf_cookie_is_http_only_and_same_site(client: TestClient) -> None:
    fresh = TestClient(client.app)
    cookie = fresh.get("/").headers["set-cookie"]
    assert cookie.startswith("fm_csrf=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


def test_unknown_pages_and_records_answer_the_404_page(client: TestClient) -> None:
    for path in ("/runbooks/rb_000000000000", "/runbooks/not-an-id", "/no/such/page"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "<h1>Not found</h1>" in response.text
    api = client.get("/api/v1/no-such-endpoint")  # the API keeps its JSON errors
    assert api.status_code == 404 and api.json()["error"]["code"] == "NOT_FOUND"


def test_a_stale_publish_answers_the_conflict_page(client: TestClient) -> None:
    runbook = _runbook(client)
    token = _token(client, f"/runbooks/{runbook['id']}")
    client.patch(f"/api/v1/runbooks/{runbook['id']}", json={"version": 1, "tags": ["disk"]})
    response = client.post(
        f"/runbooks/{runbook['id']}/publish", data={"version": "1", "csrf_token": token}
    )
    assert response.status_code == 409
    assert "version 2" in response.text and "Traceback" not in response.text


@pytest.fixture
def team(settings: Settings) -> Iterator[tuple[TestClient, People]]:
    people = People(settings)
    people.team("alpha")
    people.user("alice", ("alpha", Role.editor), password="alice-password")
    people.user("bob", ("alpha", Role.editor), password="bob-password")
    people.user("carol", ("alpha", Role.viewer), password="carol-password")
    with team_client(settings) as client:
        yield client, people
    people.close()


def _sign_in(client: TestClient, name: str) -> None:
    login = client.post("/api/v1/auth/login", json={"name": name, "password": f"{name}-password"})
    assert login.status_code == 200, login.text
    client.cookies.set("fm_session", login.json()["token"])


def test_team_mode_without_a_session_redirects_to_login(team: tuple[TestClient, People]) -> None:
    client, _ = team
    for path, target in (
        ("/", "/login?next=/"),
        ("/?q=disk%20full", "/login?next=/%3Fq%3Ddisk%2520full"),
        ("/runbooks/rb_000000000000", "/login?next=/runbooks/rb_000000000000"),
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == target
    client.cookies.set("fm_session", "fm_not-a-session")
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    client.cookies.clear()
    assert client.get("/static/app.css").status_code == 200  # assets need no session


def test_a_private_runbook_of_another_user_is_not_found(team: tuple[TestClient, People]) -> None:
    client, _ = team
    _sign_in(client, "alice")
    token = client.cookies["fm_session"]
    headers = {"Authorization": f"Bearer {token}"}
    private = client.post(
        "/api/v1/runbooks",
        json={"title": "Alice's private notes on disk full", "visibility": "private"},
        headers=headers,
    ).json()
    shared = client.post(
        "/api/v1/runbooks", json={"title": "Team notes on disk full"}, headers=headers
    ).json()
    assert client.get(f"/runbooks/{private['id']}").status_code == 200
    _sign_in(client, "bob")
    assert client.get(f"/runbooks/{shared['id']}").status_code == 200
    for path in (f"/runbooks/{private['id']}", f"/runbooks/{private['id']}/export.md"):
        hidden = client.get(path)
        assert hidden.status_code == 404, path
        assert "Alice's private" not in hidden.text
    library = client.get("/", params={"q": "disk full"}).text
    assert f'href="/runbooks/{shared["id"]}?from=search"' in library
    assert private["id"] not in library and "private notes" not in library


def test_export_is_the_cli_file_and_the_api_json(client: TestClient) -> None:
    from faultmaven.runbooks.frontmatter import render_document
    from faultmaven.runbooks.schemas import Runbook

    runbook = _runbook(client, services=["postgres"], tags=["disk"])
    api = client.get(f"/api/v1/runbooks/{runbook['id']}").json()
    markdown = client.get(f"/runbooks/{runbook['id']}/export.md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert f'filename="{runbook["id"]}.md"' in markdown.headers["content-disposition"]
    assert markdown.text == render_document(Runbook.model_validate(api))
    assert client.get(f"/runbooks/{runbook['id']}/export.json").json() == api


def test_restore_and_edit_forms_make_new_versions(client: TestClient) -> None:
    runbook = _runbook(client, summary="Disk fills up with WAL files.")
    path = f"/runbooks/{runbook['id']}"
    client.patch(f"/api/v1{path}", json={"version": 1, "summary": "Changed."})
    token = _token(client, f"{path}/history")
    restored = client.post(
        f"{path}/versions/1/restore",
        data={"current": "2", "csrf_token": token},
        follow_redirects=False,
    )
    assert restored.headers["location"] == f"{path}?done=restored"
    now = client.get(f"/api/v1{path}").json()
    assert (now["version"], now["summary"]) == (3, "Disk fills up with WAL files.")
    editor = client.get(f"{path}/edit").text
    assert "**Services**" not in editor  # metadata are fields, not text that would be ignored
    text = client.get(f"/api/v1{path}", params={"format": "markdown"}).text
    fields = {
        "markdown": text.replace("WAL files", "old WAL files"),
        "version": "3",
        "csrf_token": token,
        "change_note": "more precise",
        "services": "postgres, pgbouncer",
        "tags": "disk",
        "owner": "dba-team",
        "review_by": "2027-01-31",
    }
    saved = client.post(f"{path}/edit", data=fields, follow_redirects=False)
    assert saved.status_code == 303  # the exported file: its front matter is set aside
    versions = client.get(f"/api/v1{path}/versions").json()
    assert versions[0]["version"] == 4 and versions[0]["change_note"] == "more precise"
    now = client.get(f"/api/v1{path}").json()
    assert now["summary"] == "Disk fills up with old WAL files."
    assert (now["services"], now["tags"], now["owner"], now["review_by"]) == (
        ["postgres", "pgbouncer"],
        ["disk"],
        "dba-team",
        "2027-01-31",
    )
    bad_name = client.post(
        f"{path}/edit", data={**fields, "version": "4", "services": "post<gres>"}
    )
    assert bad_name.status_code == 422 and "services" in bad_name.text
    assert 'value="post&lt;gres&gt;"' in bad_name.text  # what was typed, kept
    broken = client.post(
        f"{path}/edit", data={"markdown": "no heading", "version": "4", "csrf_token": token}
    )
    assert broken.status_code == 422
    assert "Nothing saved" in broken.text and ">no heading</textarea>" in broken.text


def test_a_viewer_sees_no_edit_buttons_and_may_not_post(team: tuple[TestClient, People]) -> None:
    client, _ = team
    _sign_in(client, "alice")
    headers = {"Authorization": f"Bearer {client.cookies['fm_session']}"}
    runbook = client.post(
        "/api/v1/runbooks", json={"title": "Team notes on disk full"}, headers=headers
    ).json()
    path = f"/runbooks/{runbook['id']}"
    assert ">Edit</a>" in client.get(path).text
    _sign_in(client, "carol")
    page = client.get(path).text
    assert ">Edit</a>" not in page and ">Publish</button>" not in page
    posts = re.findall(r'<form[^>]*method="post"[^>]*>', page)
    assert all('action="/logout"' in form for form in posts), posts  # only signing out
    edit = client.get(f"{path}/edit")
    assert edit.status_code == 403 and "needs the editor role" in edit.text
    key, session_token = client.cookies["fm_csrf"], client.cookies["fm_session"]
    token = hmac.new(key.encode(), session_token.encode(), hashlib.sha256).hexdigest()
    refused = client.post(f"{path}/publish", data={"version": "1", "csrf_token": token})
    assert refused.status_code == 403
    assert client.get(f"/api/v1{path}", headers=headers).json()["status"] == "draft"


def test_every_page_asks_for_a_sign_in_in_team_mode(team: tuple[TestClient, People]) -> None:
    """Every GET page of faultmaven.web (web/mount.py ROUTERS) redirects to /login without a
    session; every form post without a valid CSRF token is refused before anything else."""
    from fastapi.routing import APIRoute

    from faultmaven.web.mount import ROUTERS

    client, _ = team
    routes = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]
    assert len(routes) >= 10
    public = {"/login", "/login/oidc", "/login/oidc/callback"}  # signing in itself
    for route in routes:
        path = re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1) == "version" else "x_1", route.path)
        path = path.replace("x_1", "rb_0123456789ab")
        for method in route.methods:
            if route.path in public:
                continue
            answer = client.request(method, path, follow_redirects=False)
            if method == "GET":
                assert answer.status_code == 303, f"{method} {route.path}"
                assert answer.headers["location"].startswith("/login?next="), route.path
            else:
                assert answer.status_code == 403, f"{method} {route.path}"
