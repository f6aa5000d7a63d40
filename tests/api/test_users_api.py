"""Users and teams over the API (admin), on both databases: create (201 + Location, 409 on a
duplicate, messages that say what to fix), paged lists, one user with memberships, changes,
membership granted and taken away (holding from the next request), every write audited."""

from __future__ import annotations

from team_mode import People, team_client

from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings


def test_users_and_teams(settings: Settings) -> None:
    people = People(settings)
    people.team("ops")
    people.user("root", ("ops", Role.admin))
    admin = {"Authorization": people.token("root")[1]}
    try:
        with team_client(settings) as client:
            made = client.post(
                "/api/v1/users",
                json={"name": "ana", "email": "ana@example.com", "password": "correct horse 1"},
                headers=admin,
            )
            assert made.status_code == 201, made.text
            assert made.headers["location"] == "/api/v1/users/ana"
            ana = made.json()
            assert ana["has_password"] and not ana["disabled"] and ana["teams"] == {}
            again = client.post("/api/v1/users", json={"name": "ana"}, headers=admin)
            assert again.status_code == 409 and again.json()["error"]["code"] == "USER_EXISTS"
            for body, field in (
                ({"name": "bo", "email": "not an address"}, "email"),
                ({"name": "bo", "password": "short"}, "password"),
                ({"name": ""}, "name"),
                ({"name": "bo", "role": "admin"}, "role"),
            ):
                bad = client.post("/api/v1/users", json=body, headers=admin)
                assert bad.status_code == 422, body
                assert bad.json()["error"]["details"][0]["field"] == field, bad.text
            assert client.post("/api/v1/users", json={"name": "bo"}, headers=admin).is_success

            page = client.get("/api/v1/users", params={"limit": 2}, headers=admin).json()
            assert [u["name"] for u in page["items"]] == ["ana", "bo"]
            assert page["total_count"] == 3 and page["has_more"] is True
            rest = client.get("/api/v1/users", params={"offset": 2}, headers=admin).json()
            assert [u["name"] for u in rest["items"]] == ["root"]
            assert rest["items"][0]["teams"] == {"ops": "admin"}
            missing = client.get("/api/v1/users/nobody", headers=admin)
            assert missing.status_code == 404
            assert missing.json()["error"]["code"] == "USER_NOT_FOUND"

            changed = client.patch(
                "/api/v1/users/ana", json={"email": "ana@corp.example"}, headers=admin
            )
            assert changed.json()["email"] == "ana@corp.example"
            removed = client.patch("/api/v1/users/ana", json={"email": None}, headers=admin)
            assert removed.json()["email"] is None and removed.json()["has_password"]
            unknown = client.patch("/api/v1/users/ana", json={"admin": True}, headers=admin)
            assert unknown.status_code == 422

            team = client.post("/api/v1/teams", json={"name": "payments"}, headers=admin)
            assert team.status_code == 201 and team.headers["location"] == "/api/v1/teams/payments"
            dup = client.post("/api/v1/teams", json={"name": "payments"}, headers=admin)
            assert dup.status_code == 409 and dup.json()["error"]["code"] == "TEAM_EXISTS"

            ana_token = {"Authorization": people.token("ana")[1]}
            assert client.get("/api/v1/cases", headers=ana_token).status_code == 403  # no team
            member = "/api/v1/teams/payments/members/ana"
            granted = client.put(member, json={"role": "responder"}, headers=admin)
            assert granted.status_code == 200, granted.text
            assert granted.json()["members"] == {"ana": "responder"}
            assert client.get("/api/v1/cases", headers=ana_token).status_code == 200
            bad_role = client.put(member, json={"role": "owner"}, headers=admin)
            assert bad_role.status_code == 422 and "role" in bad_role.json()["error"]["message"]
            nobody = client.put(
                "/api/v1/teams/payments/members/nobody", json={"role": "viewer"}, headers=admin
            )
            assert nobody.status_code == 404
            assert client.get("/api/v1/users/ana", headers=admin).json()["teams"] == {
                "payments": "responder"
            }
            teams = client.get("/api/v1/teams", headers=admin).json()
            names = [t["name"] for t in teams["items"]]  # "default" made by the migration
            assert [n for n in names if n != "default"] == ["ops", "payments"]
            assert teams["total_count"] == len(names)
            assert client.get("/api/v1/teams/payments", headers=admin).json()["members"] == {
                "ana": "responder"
            }
            assert client.get("/api/v1/teams/nope", headers=admin).status_code == 404

            assert client.delete(member, headers=admin).status_code == 204
            assert client.get("/api/v1/cases", headers=ana_token).status_code == 403  # at once
            gone = client.delete(member, headers=admin)
            assert gone.status_code == 404
            assert gone.json()["error"]["code"] == "MEMBERSHIP_NOT_FOUND"

            log = client.get("/api/v1/audit", params={"actor": "root"}, headers=admin).json()
            written = [
                (e["action"], e["object_type"], e["object_id"], e["details"].get("role"))
                for e in reversed(log["items"])
            ]
            assert written == [
                ("POST /api/v1/users", "user", "ana", None),
                ("POST /api/v1/users", "user", "bo", None),
                ("PATCH /api/v1/users/{name}", "user", "ana", None),
                ("PATCH /api/v1/users/{name}", "user", "ana", None),
                ("POST /api/v1/teams", "team", "payments", None),
                ("PUT /api/v1/teams/{team}/members/{user}", "team", "payments", "responder"),
                ("DELETE /api/v1/teams/{team}/members/{user}", "team", "payments", None),
            ]
            assert all(e["details"].get("user") == "ana" for e in log["items"][:2])
    finally:
        people.close()


def test_a_user_made_over_the_api_signs_in(settings: Settings) -> None:
    people = People(settings)
    people.team("ops")
    people.user("root", ("ops", Role.admin))
    admin = {"Authorization": people.token("root")[1]}
    try:
        with team_client(settings) as client:
            body = {"name": "cy", "password": "correct horse 2"}
            assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
            signed_in = client.post("/api/v1/auth/login", json=body)
            assert signed_in.status_code == 200, signed_in.text
    finally:
        people.close()
