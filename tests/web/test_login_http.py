"""Sign-in and sign-out over real HTTP (team mode, both databases): failures that do not say
which part was wrong, the rate limit's 429 page, ``next`` kept to local paths, the session
cookie, logout revoking the token, and case pages honouring team visibility as the API does."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider
from pydantic import SecretStr
from team_mode import People, team_client

from faultmaven.accounts import service as accounts
from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings
from faultmaven.kit.db import unit_of_work

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def team(settings: Settings) -> Iterator[tuple[TestClient, People]]:
    people = People(settings)
    people.team("alpha")
    people.team("beta")
    people.user("alice", ("alpha", Role.responder), password="alice-password")
    people.user("carol", ("beta", Role.editor), password="carol-password")
    people.user("vera", ("alpha", Role.viewer), password="vera-password")
    with team_client(settings.model_copy(update={"login_attempts": 3})) as client:
        yield client, people
    people.close()


def _csrf(client: TestClient, path: str = "/login") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, path
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str, next_: str = "/"):
    return client.post(
        "/login",
        data={"csrf_token": _csrf(client), "name": name, "password": password, "next": next_},
        follow_redirects=False,
    )


def test_a_failed_sign_in_never_says_which_part_was_wrong(
    team: tuple[TestClient, People],
) -> None:
    client, _ = team
    answers = [
        sign_in(client, "alice", "wrong-password"),
        sign_in(client, "nobody", "alice-password"),
    ]
    for answer in answers:
        assert answer.status_code == 401
        assert "Wrong user name or password." in answer.text
        assert "fm_session" not in answer.headers.get("set-cookie", "")
    assert 'value="nobody"' in answers[1].text  # the name is kept, the password is not
    assert "alice-password" not in answers[1].text
    refused = client.post(
        "/login", data={"name": "alice", "password": "alice-password"}, follow_redirects=False
    )
    assert refused.status_code == 403  # no CSRF token


def test_too_many_failures_answer_429_with_when_to_retry(
    team: tuple[TestClient, People],
) -> None:
    client, _ = team
    for _ in range(3):
        assert sign_in(client, "alice", "nope").status_code == 401
    limited = sign_in(client, "alice", "alice-password")  # even the right password now
    assert limited.status_code == 429
    assert "Too many failed logins for this user name" in limited.text
    assert "try again in" in limited.text
    assert int(limited.headers["Retry-After"]) > 0
    assert "fm_session" not in limited.headers.get("set-cookie", "")
    api = client.post("/api/v1/auth/login", json={"name": "alice", "password": "alice-password"})
    assert api.status_code == 429  # the API counts the page's failures: one audit log


@pytest.mark.parametrize(
    ("next_", "target"),
    [
        ("/cases?status=open", "/cases?status=open"),
        ("/runbooks/rb_000000000000", "/runbooks/rb_000000000000"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("http:/evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
        ("", "/"),
    ],
)
def test_next_only_leads_to_a_path_on_this_server(
    team: tuple[TestClient, People], next_: str, target: str
) -> None:
    client, _ = team
    answer = sign_in(client, "alice", "alice-password", next_)
    assert answer.status_code == 303
    assert answer.headers["location"] == target
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("fm_session=fm_") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Path=/" in cookie


def test_sign_in_shows_the_user_menu_and_sign_out_revokes_the_session(
    team: tuple[TestClient, People],
) -> None:
    client, _ = team
    assert client.get("/cases", follow_redirects=False).headers["location"] == (
        "/login?next=/cases"
    )
    assert sign_in(client, "alice", "alice-password", "/cases").status_code == 303
    token = client.cookies["fm_session"]
    page = client.get("/cases").text
    assert "Signed in as <strong>alice</strong>" in page and "alpha: responder" in page
    assert 'action="/logout"' in page
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    csrf = _csrf(client, "/cases")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/api/v1/me", headers=bearer).status_code == 200  # still signed in
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login?done=out"
    assert 'fm_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert client.get("/api/v1/me", headers=bearer).status_code == 401  # revoked
    client.cookies.set("fm_session", token)  # a copy of the old cookie is worth nothing
    assert client.get("/cases", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert "Signed out." in client.get("/login?done=out").text


def test_local_mode_needs_no_sign_in(client: TestClient) -> None:
    answer = client.get("/login?next=/cases", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/cases"


def test_another_teams_case_is_not_found_on_the_pages(team: tuple[TestClient, People]) -> None:
    client, _ = team
    sign_in(client, "alice", "alice-password")
    bearer = {"Authorization": f"Bearer {client.cookies['fm_session']}"}
    made = client.post(
        "/api/v1/cases", json={"title": "Alpha's disk is full", "services": ["db"]}, headers=bearer
    )
    case_id = made.json()["case"]["id"]
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert case_id in client.get("/cases").text
    client.cookies.clear()
    sign_in(client, "carol", "carol-password")
    hidden = client.get(f"/cases/{case_id}")
    assert hidden.status_code == 404 and "Alpha's disk" not in hidden.text
    assert case_id not in client.get("/cases").text
    csrf = _csrf(client, "/cases")
    refused = client.post(
        f"/cases/{case_id}/add/evidence", data={"csrf_token": csrf, "entries": "carol was here"}
    )
    assert refused.status_code == 404


def test_with_an_oidc_provider_the_login_page_links_to_its_sign_in(settings: Settings) -> None:
    oidc = settings.model_copy(
        update={
            "oidc_issuer": "https://login.example-idp.test/realms/ops",
            "oidc_client_id": "faultmaven",
            "oidc_client_secret": "s3cret",
            "oidc_redirect_url": "https://fm.example/api/v1/auth/oidc/callback",
        }
    )
    with team_client(oidc) as client:
        page = client.get("/login").text
        assert 'href="/login/oidc"' in page
        assert "Sign in with example-idp.test" in page
    with team_client(settings) as client:
        assert "/login/oidc" not in client.get("/login").text
        assert client.get("/login/oidc", follow_redirects=False).status_code == 422


def test_a_viewer_reads_the_case_without_forms_and_cannot_post(
    team: tuple[TestClient, People],
) -> None:
    client, _ = team
    sign_in(client, "alice", "alice-password")
    bearer = {"Authorization": f"Bearer {client.cookies['fm_session']}"}
    made = client.post("/api/v1/cases", json={"title": "Alpha's disk is full"}, headers=bearer)
    case_id = made.json()["case"]["id"]
    assert 'action="/cases/' + case_id + '/say"' in client.get(f"/cases/{case_id}").text
    client.cookies.clear()
    sign_in(client, "vera", "vera-password")
    page = client.get(f"/cases/{case_id}").text
    assert "Alpha&#39;s disk is full" in page and "needs the responder role" in page
    assert 'method="post" action="/cases/' not in page
    assert "Open a case" not in client.get("/cases").text
    csrf = _csrf(client, "/cases")
    refused = client.post(f"/cases/{case_id}/say", data={"csrf_token": csrf, "content": "hi"})
    assert refused.status_code == 403 and "responder role" in refused.text
    assert client.get(f"/api/v1/cases/{case_id}", headers=bearer).json()["messages"] == []


def test_browser_sign_in_with_oidc_sets_the_session_cookie(settings: Settings) -> None:
    people = People(settings)
    people.team("alpha")
    with oidc_provider() as issuer:
        configured = settings.model_copy(
            update={
                "oidc_issuer": issuer,
                "oidc_client_id": CLIENT_ID,
                "oidc_client_secret": SecretStr(CLIENT_SECRET),
                "oidc_redirect_url": "http://testserver/api/v1/auth/oidc/callback",
            }
        )
        with team_client(configured) as client:
            start = client.get("/login/oidc", follow_redirects=False)
            assert start.status_code == 303
            assert "Path=/login/oidc" in start.headers["set-cookie"]
            back = httpx.get(start.headers["location"], follow_redirects=False)
            target = back.headers["location"]
            assert target.startswith("http://testserver/login/oidc/callback?")
            path = target.removeprefix("http://testserver")
            tampered = client.get(path.replace("state=", "state=x"), follow_redirects=False)
            assert tampered.status_code == 401 and "start again" in tampered.text
            done = client.get(path, follow_redirects=False)
            assert done.status_code == 303 and done.headers["location"] == "/"
            assert "fm_session=fm_" in done.headers["set-cookie"]
            with unit_of_work(people.factory) as session:
                accounts.grant(session, team="alpha", user="ana", role=Role.viewer)
            page = client.get("/cases")
            assert page.status_code == 200 and "Signed in as <strong>ana</strong>" in page.text
    people.close()
