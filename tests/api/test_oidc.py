"""OIDC sign-in against a small provider run locally (tests/support/oidc_provider.py)."""

from __future__ import annotations

import httpx
from oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider
from pydantic import SecretStr
from team_mode import People, team_client

from faultmaven.accounts import service as accounts
from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings
from faultmaven.kit.db import unit_of_work

CALLBACK = "http://testserver/api/v1/auth/oidc/callback"


def _sign_in(client, *, tamper: bool = False):  # noqa: ANN001, ANN202
    start = client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    assert start.status_code == 302, start.text
    back = httpx.get(start.headers["location"], follow_redirects=False)
    assert back.status_code == 302 and back.headers["location"].startswith(CALLBACK)
    path = back.headers["location"].removeprefix("http://testserver")
    if tamper:
        path = path.replace("state=", "state=x")
    return client.get(path)


def test_sign_in_with_oidc(settings: Settings) -> None:
    people = People(settings)
    people.team("alpha")
    with oidc_provider() as issuer:
        configured = settings.model_copy(
            update={
                "oidc_issuer": issuer,
                "oidc_client_id": CLIENT_ID,
                "oidc_client_secret": SecretStr(CLIENT_SECRET),
                "oidc_redirect_url": CALLBACK,
            }
        )
        with team_client(configured) as client:
            assert _sign_in(client, tamper=True).status_code == 401
            signed_in = _sign_in(client)
            assert signed_in.status_code == 200, signed_in.text
            assert signed_in.json()["user"] == "ana"
            bearer = {"Authorization": f"Bearer {signed_in.json()['token']}"}
            assert client.get("/api/v1/me", headers=bearer).status_code == 403  # in no team yet
            (mine,) = client.get("/api/v1/auth/sessions", headers=bearer).json()  # even so
            assert mine["signed_in_with"] == "oidc" and mine["current"] is True
            assert mine["id"] == signed_in.json()["session_id"]
            with unit_of_work(people.factory) as session:
                accounts.grant(session, team="alpha", user="ana", role=Role.viewer)
            me = client.get("/api/v1/me", headers=bearer).json()
            assert me["name"] == "ana" and me["teams"] == {"alpha": "viewer"}
            again = _sign_in(client)  # the same subject: the same user
            assert again.json()["user"] == "ana"
            with unit_of_work(people.factory) as session:
                assert [u.name for u in accounts.list_users(session).items] == ["ana"]
    people.close()


def test_oidc_not_configured_says_so(settings: Settings) -> None:
    with team_client(settings) as client:
        answer = client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "OIDC_NOT_CONFIGURED"
