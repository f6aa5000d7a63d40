"""Every route of the app x every kind of caller against one table, the documented policy
(``faultmaven.api.auth.POLICY``): 401 without valid credentials (none, expired, revoked), 403
for a role or token scope below the route's, allowed otherwise. A route without a policy entry
fails here (and answers 403 to everyone)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route
from team_mode import People, team_client

from faultmaven.accounts.schemas import Role, Scope
from faultmaven.api.auth import POLICY, Rule
from faultmaven.app import create_app
from faultmaven.config import Settings

# caller -> (role, token scope); None: a credential problem (401 expected)
CALLERS: dict[str, tuple[Role | None, Scope | None]] = {
    "viewer": (Role.viewer, Scope.admin),
    "responder": (Role.responder, Scope.admin),
    "editor": (Role.editor, Scope.admin),
    "admin": (Role.admin, Scope.admin),
    "admin, read token": (Role.admin, Scope.read),
    "admin, write token": (Role.admin, Scope.write),
    "in no team": (None, Scope.admin),
    "no credentials": (None, None),
    "expired token": (None, None),
    "revoked token": (None, None),
    "not a token": (None, None),
}


def _app_routes(settings: Settings) -> set[tuple[str, str]]:
    app = create_app(settings)
    try:
        routes = {
            (method, path)
            for path, operations in app.openapi()["paths"].items()
            for method in (m.upper() for m in operations)
        }
        for route in app.routes:  # the ones outside the schema (docs)
            if isinstance(route, Route | APIRoute) and route.methods:
                routes |= {(m, route.path) for m in route.methods if m != "HEAD"}
    finally:
        app.state.engine.dispose()
    return routes


def test_every_route_has_a_policy_entry(settings: Settings) -> None:
    routes = _app_routes(settings)
    missing = sorted(routes - POLICY.keys())
    assert not missing, f"routes without an entry in api/auth.py POLICY: {missing}"
    stale = sorted(POLICY.keys() - routes)
    assert not stale, f"POLICY entries without a route: {stale}"


def expected(rule: Rule, caller: str) -> str:
    if rule.public:
        return "allowed"
    role, scope = CALLERS[caller]
    if scope is None:
        return "401"
    assert rule.scope is not None
    role_too_low = rule.role is not None and (role is None or role.rank < rule.role.rank)
    if role_too_low or scope.rank < rule.scope.rank:
        return "403"
    return "allowed"


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[object, dict[str, dict[str, str]], dict]]:
    people = People(settings)
    people.team("alpha")
    for role in Role:
        people.user(role.value, ("alpha", role))
    people.user("loner")
    people.user("roamer", password="correct horse battery")
    headers: dict[str, dict[str, str]] = {}
    for caller, (role, scope) in CALLERS.items():
        if scope is not None:
            user = role.value if role else "loner"
            headers[caller] = {"Authorization": people.token(user, scope)[1]}
    expired, header = people.token("admin")
    people.expire(expired)
    headers["expired token"] = {"Authorization": header}
    revoked, header = people.token("admin")
    people.revoke(revoked)
    headers["revoked token"] = {"Authorization": header}
    headers["not a token"] = {"Authorization": "Bearer fm_nonsense"}
    headers["no credentials"] = {}
    spare, _ = people.token("viewer")
    with team_client(settings) as client:
        signed_in = client.post(
            "/api/v1/auth/login", json={"name": "roamer", "password": "correct horse battery"}
        )
        admin = headers["responder"]
        case = client.post("/api/v1/cases", json={"title": "Disk full"}, headers=admin).json()
        runbook = client.post(
            "/api/v1/runbooks", json={"title": "Disk full"}, headers=headers["editor"]
        ).json()
        params = {
            "case_id": case["case"]["id"],
            "runbook_id": runbook["id"],
            "job_id": "job_000000000000",
            "token_id": spare,
            "phase": "symptoms",
            "entry_id": "sym_000000000000",
            "version": "1",
            "session_id": signed_in.json()["session_id"],
            "name": "loner",
            "team": "alpha",
            "user": "loner",  # in no team: changing their membership changes no caller's role
        }
        yield client, headers, params
    people.close()


def test_every_route_for_every_caller_follows_the_policy(world, settings: Settings) -> None:
    client, headers, params = world
    wrong: list[str] = []
    for (method, template), rule in sorted(POLICY.items()):
        path = template.format(**params) if "{" in template else template
        for caller in CALLERS:
            answer = client.request(method, path, headers=headers[caller], json={})
            want = expected(rule, caller)
            got = str(answer.status_code) if answer.status_code in (401, 403) else "allowed"
            if got != want:
                wrong.append(f"{method} {template} as {caller}: {answer.status_code}, want {want}")
            if want == "401":
                assert answer.headers.get("www-authenticate") == "Bearer"
    assert not wrong, "\n".join(wrong)
