"""Sign-in sessions over the real ASGI app on both databases: logout, the list of one's
sessions, ending one (one's own; an admin anyone's), disabling a user, and the two login rate
limits (per user name, per client address) with Retry-After."""

from __future__ import annotations

from team_mode import People, team_client

from faultmaven.accounts import audit
from faultmaven.accounts.schemas import AuditFilters, Role
from faultmaven.config import Settings
from faultmaven.kit.db import unit_of_work

PASSWORD = "correct horse battery"


def _login(client, name: str, password: str = PASSWORD):  # noqa: ANN001, ANN202
    return client.post("/api/v1/auth/login", json={"name": name, "password": password})


def _bearer(answer) -> dict[str, str]:  # noqa: ANN001
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _actions(client, admin: dict[str, str]) -> list[str]:  # noqa: ANN001
    log = client.get("/api/v1/audit", params={"limit": 100}, headers=admin).json()
    return [entry["action"] for entry in log["items"]]


def test_list_end_and_logout(settings: Settings) -> None:
    people = People(settings)
    people.team("alpha")
    people.user("ana", ("alpha", Role.viewer), password=PASSWORD)
    people.user("root", ("alpha", Role.admin), password=PASSWORD)
    try:
        with team_client(settings) as client:
            laptop = _login(client, "ana")
            phone = _login(client, "ana")
            ana, ana_phone = _bearer(laptop), _bearer(phone)
            assert client.get("/api/v1/me", headers=ana).status_code == 200
            listed = client.get("/api/v1/auth/sessions", headers=ana)
            assert listed.status_code == 200, listed.text
            sessions = listed.json()
            assert [s["id"] for s in sessions] == [
                phone.json()["session_id"],
                laptop.json()["session_id"],
            ]
            current = sessions[1]
            assert current["current"] is True and sessions[0]["current"] is False
            assert current["user"] == "ana" and current["signed_in_with"] == "password"
            assert current["client"] and current["expires_at"] > current["created_at"]
            assert current["last_used_at"] is not None  # GET /me used it
            assert client.get("/api/v1/me", headers=ana).status_code == 200
            relisted = client.get("/api/v1/auth/sessions", headers=ana).json()
            assert relisted[1]["last_used_at"] == current["last_used_at"]  # kept every 5 min

            other = client.delete(f"/api/v1/auth/sessions/{sessions[0]['id']}", headers=ana)
            assert other.status_code == 204
            ended = client.get("/api/v1/me", headers=ana_phone)
            assert ended.status_code == 401 and ended.json()["error"]["code"] == "TOKEN_REVOKED"
            assert len(client.get("/api/v1/auth/sessions", headers=ana).json()) == 1

            assert client.post("/api/v1/auth/logout", headers=ana).status_code == 204
            assert client.get("/api/v1/me", headers=ana).status_code == 401  # at once
            root = _bearer(_login(client, "root"))
            actions = _actions(client, root)
            assert actions.count("auth.logout") == 1 and actions.count("auth.session_ended") == 1
            assert "POST /api/v1/auth/logout" not in actions  # one record per write
    finally:
        people.close()


def test_others_sessions_are_an_admins_business(settings: Settings) -> None:
    people = People(settings)
    people.team("alpha")
    people.user("ana", ("alpha", Role.editor), password=PASSWORD)
    people.user("bo", ("alpha", Role.editor), password=PASSWORD)
    people.user("root", ("alpha", Role.admin), password=PASSWORD)
    _, api_token = people.token("ana")
    try:
        with team_client(settings) as client:
            ana, bo, root = (_bearer(_login(client, name)) for name in ("ana", "bo", "root"))
            (bos,) = client.get("/api/v1/auth/sessions", headers=bo).json()
            url = f"/api/v1/auth/sessions/{bos['id']}"
            assert client.delete(url, headers=ana).status_code == 404  # not 403: not hers
            mine = client.get("/api/v1/auth/sessions", params={"user": "bo"}, headers=ana)
            assert mine.status_code == 403
            seen = client.get("/api/v1/auth/sessions", params={"user": "bo"}, headers=root)
            assert [s["id"] for s in seen.json()] == [bos["id"]]
            assert client.delete(url, headers=root).status_code == 204
            assert client.get("/api/v1/me", headers=bo).status_code == 401
            assert client.delete(url, headers=root).status_code == 204  # ending twice: no error
            assert (
                client.delete("/api/v1/auth/sessions/tok_000000000000", headers=root).status_code
                == 404
            )

            not_a_session = client.post("/api/v1/auth/logout", headers={"Authorization": api_token})
            assert not_a_session.status_code == 422
            assert not_a_session.json()["error"]["code"] == "NOT_A_SESSION"
            assert "DELETE /api/v1/tokens" in not_a_session.json()["error"]["message"]
            tokens = client.get("/api/v1/tokens", headers=root).json()
            assert [t["name"] for t in tokens] == ["test"]  # sessions are not listed as tokens
            assert client.get("/api/v1/me", headers=ana).status_code == 200
    finally:
        people.close()


def test_disabling_a_user_stops_their_tokens_and_sessions_at_once(settings: Settings) -> None:
    people = People(settings)
    people.team("alpha")
    people.user("ana", ("alpha", Role.viewer), password=PASSWORD)
    people.user("root", ("alpha", Role.admin), password=PASSWORD)
    _, api_token = people.token("ana")
    token = {"Authorization": api_token}
    try:
        with team_client(settings) as client:
            root, ana = _bearer(_login(client, "root")), _bearer(_login(client, "ana"))
            off = client.patch("/api/v1/users/ana", json={"disabled": True}, headers=root)
            assert off.status_code == 200 and off.json()["disabled"] is True
            for credentials in (token, ana):
                refused = client.get("/api/v1/cases", headers=credentials)
                assert refused.status_code == 401, refused.text
            assert _login(client, "ana").status_code == 401
            on = client.patch("/api/v1/users/ana", json={"disabled": False}, headers=root)
            assert on.json()["disabled"] is False
            assert client.get("/api/v1/cases", headers=token).status_code == 200
            assert client.get("/api/v1/cases", headers=ana).status_code == 401  # ended for good
            assert client.get("/api/v1/cases", headers=_bearer(_login(client, "ana"))).is_success
            myself = client.patch("/api/v1/users/root", json={"disabled": True}, headers=root)
            assert myself.status_code == 409
            assert myself.json()["error"]["code"] == "CANNOT_DISABLE_SELF"
    finally:
        people.close()


def test_login_limits_per_user_name_and_per_address(settings: Settings) -> None:
    people = People(settings)
    people.user("ana", password=PASSWORD)
    people.user("bo", password=PASSWORD)
    people.user("cy", password=PASSWORD)
    limited = settings.model_copy(update={"login_attempts": 2, "login_attempts_per_address": 5})
    try:
        with team_client(limited) as client:
            for _ in range(2):
                assert _login(client, "ana", "wrong password").status_code == 401
            blocked = _login(client, "ana")  # the right password, too late
            assert blocked.status_code == 429
            error = blocked.json()["error"]
            assert error["code"] == "LOGIN_RATE_LIMITED"
            assert "for this user name" in error["message"]
            assert "try again in 15 minutes" in error["message"]
            assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60
            assert error["details"]["limited"] == "name"
            assert _login(client, "bo").status_code == 200  # the same address, another name

            for name in ("bo", "nobody", "nobody2"):  # 5 failures from this address in all
                assert _login(client, name, "wrong password").status_code == 401
            crowded = _login(client, "cy")
            assert crowded.status_code == 429
            assert "from this address" in crowded.json()["error"]["message"]
            assert crowded.json()["error"]["details"]["limited"] == "client"
            assert int(crowded.headers["retry-after"]) > 0
        with unit_of_work(people.factory) as session:  # refused tries are auth events too
            refused = audit.list_audit(session, filters=AuditFilters(action="auth.login_")).items
        assert [(e.action, e.object_id, e.status_code) for e in refused][:2] == [
            ("auth.login_limited", "cy", 429),
            ("auth.login_failed", "nobody2", 401),
        ]
    finally:
        people.close()
