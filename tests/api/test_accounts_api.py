"""Team mode: sign-in with a password (rate limited), the audit log of writes and of auth
events, token revocation holding at once."""

from __future__ import annotations

from team_mode import People, team_client

from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings


def test_login_audit_and_revocation(settings: Settings) -> None:
    people = People(settings)
    people.team("alpha")
    people.user("ana", ("alpha", Role.admin), password="correct horse battery")
    try:
        with team_client(settings) as client:
            assert client.get("/api/v1/me").status_code == 401
            login = client.post(
                "/api/v1/auth/login", json={"name": "ana", "password": "correct horse battery"}
            )
            assert login.status_code == 200, login.text
            ana = {"Authorization": f"Bearer {login.json()['token']}"}
            me = client.get("/api/v1/me", headers=ana).json()
            assert me == {
                "name": "ana",
                "mode": "team",
                "teams": {"alpha": "admin"},
                "scope": "admin",
            }

            created = client.post(
                "/api/v1/cases",
                json={"title": "Disk full"},
                headers={**ana, "X-FaultMaven-Actor": "mallory", "X-Request-ID": "req-1"},
            )
            assert created.status_code == 201
            case_id = created.json()["case"]["id"]
            assert created.json()["case"]["created_by"] == "ana"  # the header is ignored

            log = client.get("/api/v1/audit", params={"object_id": case_id}, headers=ana).json()
            (entry,) = log["items"]
            assert entry["actor"] == "ana" and entry["action"] == "POST /api/v1/cases"
            assert entry["request_id"] == "req-1" and entry["client"]

            token = client.post(
                "/api/v1/tokens", json={"user": "ana", "scope": "read"}, headers=ana
            ).json()
            reader = {"Authorization": f"Bearer {token['token']}"}
            assert client.get("/api/v1/cases", headers=reader).status_code == 200
            assert (
                client.post("/api/v1/cases", json={"title": "x"}, headers=reader).status_code == 403
            )
            assert client.delete(f"/api/v1/tokens/{token['id']}", headers=ana).status_code == 204
            revoked = client.get("/api/v1/cases", headers=reader)
            assert revoked.status_code == 401
            assert revoked.json()["error"]["code"] == "TOKEN_REVOKED"

            for _ in range(settings.login_attempts):
                wrong = client.post("/api/v1/auth/login", json={"name": "ana", "password": "nope"})
                assert wrong.status_code == 401
            limited = client.post(
                "/api/v1/auth/login", json={"name": "ana", "password": "correct horse battery"}
            )
            assert limited.status_code == 429
            actions = [
                e["action"]
                for e in client.get("/api/v1/audit", params={"limit": 100}, headers=ana).json()[
                    "items"
                ]
            ]
            assert actions.count("auth.login_failed") == settings.login_attempts
            assert (
                "auth.login" in actions and "auth.rejected" in actions and "auth.denied" in actions
            )
    finally:
        people.close()


def test_the_team_header_chooses_the_owning_team(settings: Settings) -> None:
    people = People(settings)
    for team in ("alpha", "beta"):
        people.team(team)
    people.user("both", ("alpha", Role.responder), ("beta", Role.responder))
    people.user("only_alpha", ("alpha", Role.viewer))
    people.user("only_beta", ("beta", Role.viewer))
    both, alpha, beta = (
        {"Authorization": people.token(user)[1]} for user in ("both", "only_alpha", "only_beta")
    )
    try:
        with team_client(settings) as client:
            made = client.post(
                "/api/v1/cases",
                json={"title": "Disk full"},
                headers={**both, "X-FaultMaven-Team": "beta"},
            )
            assert made.status_code == 201, made.text
            url = f"/api/v1/cases/{made.json()['case']['id']}"
            assert client.get(url, headers=beta).status_code == 200
            assert client.get(url, headers=alpha).status_code == 404
            elsewhere = client.post(
                "/api/v1/cases",
                json={"title": "Disk full"},
                headers={**both, "X-FaultMaven-Team": "gamma"},
            )
            assert elsewhere.status_code == 403
            assert elsewhere.json()["error"]["code"] == "NOT_A_MEMBER"
    finally:
        people.close()
