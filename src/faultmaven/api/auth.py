"""Authentication and authorization of every API request, and the audit of what it wrote.

Local mode (``FAULTMAVEN_AUTH=local``, the laptop default): no sign-in; the actor is the
``X-FaultMaven-Actor`` header or else the OS user, with every right. Team mode
(``FAULTMAVEN_AUTH=required``): every request but the public ones sends ``Authorization:
Bearer <token>`` (an API token or a login session), checked against the database on every
request; ``X-FaultMaven-Actor`` is ignored.

``POLICY`` is the documented policy: for each route (method, path template), the least role
(in some team) and token scope it needs. A route without an entry answers 403 to everyone
(deny by default), and tests/api/test_policy.py fails until it has one. Records add their own
check: what a principal may not see answers 404 (never 403), and changing a team's record needs
the route's role in that team (403).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.routing import compile_path

from faultmaven.accounts import audit, sessions
from faultmaven.accounts import service as accounts
from faultmaven.accounts.schemas import Principal, Role, Scope
from faultmaven.api.errors import domain_error_response, error_body
from faultmaven.errors import (
    FaultMavenError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from faultmaven.kit.access import set_viewer
from faultmaven.kit.db import unit_of_work
from faultmaven.kit.fields import Name


@dataclass(frozen=True)
class Rule:
    """``role`` and ``scope`` None: public (no credentials needed). ``role`` None with a
    ``scope``: anyone signed in (in a team or not) with a token of at least that scope."""

    role: Role | None
    scope: Scope | None = None

    @property
    def public(self) -> bool:
        return self.role is None and self.scope is None

    def allows(self, principal: Principal) -> bool:
        assert self.scope is not None
        if self.role is not None:
            return principal.has(self.role, self.scope)
        return principal.scope is None or principal.scope.rank >= self.scope.rank


PUBLIC = Rule(None)
VIEW = Rule(Role.viewer, Scope.read)
RESPOND = Rule(Role.responder, Scope.write)
EDIT = Rule(Role.editor, Scope.write)
ADMIN = Rule(Role.admin, Scope.admin)
SIGNED_IN = Rule(None, Scope.read)  # one's own sessions: even a user in no team

_CASE = "/api/v1/cases/{case_id}"
_RUNBOOK = "/api/v1/runbooks/{runbook_id}"
POLICY: dict[tuple[str, str], Rule] = {
    ("GET", "/docs"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/api/v1/health"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("GET", "/api/v1/auth/oidc/login"): PUBLIC,
    ("GET", "/api/v1/auth/oidc/callback"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): SIGNED_IN,
    ("GET", "/api/v1/auth/sessions"): SIGNED_IN,
    ("DELETE", "/api/v1/auth/sessions/{session_id}"): SIGNED_IN,  # own; an admin: anyone's
    ("GET", "/api/v1/me"): VIEW,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/users/{name}"): ADMIN,
    ("PATCH", "/api/v1/users/{name}"): ADMIN,
    ("GET", "/api/v1/teams"): ADMIN,
    ("POST", "/api/v1/teams"): ADMIN,
    ("GET", "/api/v1/teams/{team}"): ADMIN,
    ("PUT", "/api/v1/teams/{team}/members/{user}"): ADMIN,
    ("DELETE", "/api/v1/teams/{team}/members/{user}"): ADMIN,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/tokens"): ADMIN,
    ("POST", "/api/v1/tokens"): ADMIN,
    ("DELETE", "/api/v1/tokens/{token_id}"): ADMIN,
    ("POST", "/api/v1/cases"): RESPOND,
    ("GET", "/api/v1/cases"): VIEW,
    ("GET", _CASE): VIEW,
    ("PATCH", _CASE): RESPOND,
    ("GET", f"{_CASE}/suggestions"): VIEW,
    ("POST", f"{_CASE}/messages"): RESPOND,
    ("POST", f"{_CASE}/resolve"): RESPOND,
    ("POST", f"{_CASE}/close"): RESPOND,
    ("POST", f"{_CASE}/runbook-offer"): RESPOND,
    ("POST", f"{_CASE}/runbook"): RESPOND,
    ("POST", f"{_CASE}/{{phase}}"): RESPOND,
    ("PATCH", f"{_CASE}/{{phase}}/{{entry_id}}"): RESPOND,
    ("POST", "/api/v1/runbooks"): EDIT,
    ("POST", "/api/v1/runbooks/import"): EDIT,
    ("GET", "/api/v1/runbooks"): VIEW,
    ("GET", "/api/v1/runbooks/search"): VIEW,
    ("GET", _RUNBOOK): VIEW,
    ("PUT", _RUNBOOK): EDIT,
    ("PATCH", _RUNBOOK): EDIT,
    ("DELETE", _RUNBOOK): EDIT,
    ("GET", f"{_RUNBOOK}/versions"): VIEW,
    ("GET", f"{_RUNBOOK}/versions/{{version}}"): VIEW,
    ("GET", f"{_RUNBOOK}/diff"): VIEW,
    ("POST", f"{_RUNBOOK}/versions/{{version}}/restore"): EDIT,
    # a responder says whether the runbook helped in a case
    ("POST", f"{_RUNBOOK}/feedback"): RESPOND,
    ("GET", f"{_RUNBOOK}/feedback"): VIEW,
    # reports: limited to what the viewer may see (analytics.service)
    ("GET", "/api/v1/analytics/summary"): VIEW,
    ("GET", "/api/v1/analytics/runbooks"): VIEW,
    ("GET", "/api/v1/analytics/runbooks/{runbook_id}"): VIEW,
    ("GET", "/api/v1/analytics/gaps"): VIEW,
    # a post-mortem becomes a resolved case of the team and a draft runbook made from it
    ("POST", "/api/v1/import/postmortem"): RESPOND,
    ("GET", "/api/v1/jobs/{job_id}"): VIEW,
    ("GET", "/api/v1/analytics/recurring"): VIEW,
    # or the scrape token (FAULTMAVEN_METRICS_TOKEN); local mode: loopback clients (api/metrics)
    ("GET", "/metrics"): ADMIN,
}
_DENY = Rule(Role.admin, Scope.admin)  # a route without a policy entry: see authorize


_TEMPLATES = {key: compile_path(key[1])[0] for key in POLICY}


def route_template(request: Request) -> str:
    """The full path template of the request's route, e.g. /api/v1/cases/{case_id} (the route
    object of an included router knows only its own part, e.g. /cases/{case_id}): the policy
    template that ends with it and matches the path; else the route's own template."""
    cached = getattr(request.state, "route_template", None)
    if cached is not None:
        return cached
    route = getattr(request.scope.get("route"), "path", None)
    method = "GET" if request.method == "HEAD" else request.method
    path = request.url.path
    template = route or path
    for (rule_method, candidate), pattern in _TEMPLATES.items():
        suits = route is None or candidate.endswith(route)
        if rule_method == method and suits and pattern.match(path):
            template = candidate
            break
    request.state.route_template = template
    return template


def rule_of(request: Request) -> Rule | None:
    method = "GET" if request.method == "HEAD" else request.method
    return POLICY.get((method, route_template(request)))


_NAME = TypeAdapter(Name)
TEAM_HEADER = "x-faultmaven-team"


def _local_actor(request: Request) -> str:
    claimed = request.headers.get("x-faultmaven-actor")
    if claimed is None:
        return accounts.os_user()
    try:
        return _NAME.validate_python(claimed)
    except ValidationError as error:
        reason = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"X-FaultMaven-Actor header: {reason}.") from None


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthorized(
            "Sign in: send Authorization: Bearer <token> (an API token from `faultmaven tokens "
            "create`, or the token POST /api/v1/auth/login answers).",
            code="AUTHENTICATION_REQUIRED",
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "The Authorization header must be 'Bearer <token>'.", code="INVALID_TOKEN"
        )
    return token.strip()


def authorize(session: Session, request: Request) -> Principal | None:
    """Who sends ``request`` and whether the route's policy lets them: sets the principal on
    ``request.state`` and the viewer of ``session``. Raises Unauthorized (401) or Forbidden
    (403). Public routes: None."""
    rule = rule_of(request)
    settings = request.app.state.settings
    if rule is not None and rule.public:
        return None
    if settings.auth == "local":
        principal = Principal(name=_local_actor(request), local=True)
    else:
        principal = accounts.principal_for_token(session, token=_bearer(request))
    request.state.principal = principal
    if rule is None:
        raise Forbidden(
            f"{request.method} {route_template(request)} has no entry in the access policy "
            "(api/auth.py POLICY), so nobody may use it.",
            code="NO_POLICY",
        )
    if not rule.allows(principal):
        raise Forbidden(_why_not(principal, rule), code="FORBIDDEN")
    team = request.headers.get(TEAM_HEADER)
    team_id = _team_id(session, principal, team) if team else None
    set_viewer(session, principal.viewer(acting_as=rule.role or Role.viewer, team_id=team_id))
    return principal


def _team_id(session: Session, principal: Principal, name: str) -> str:
    """The team the request acts for (``X-FaultMaven-Team``, a team name): one of the user's;
    locally (no accounts), any existing team, so that what is made is found by ``team=``."""
    for team_id, team_name in principal.team_names.items():
        if team_name == name:
            return team_id
    if principal.local:
        try:
            return accounts.team_id_of(session, name=name)
        except NotFound:
            raise InvalidInput(
                f"No team is named {name!r} (X-FaultMaven-Team). Add it with "
                f"`faultmaven teams add {name}`, or leave the header out."
            ) from None
    raise Forbidden(f"You are not a member of team {name!r}.", code="NOT_A_MEMBER")


def _why_not(principal: Principal, rule: Rule) -> str:
    assert rule.scope is not None
    top = principal.top_role
    if rule.role is not None and (top is None or top.rank < rule.role.rank):
        have = f"your highest role is {top.value}" if top else "you are in no team"
        return f"This needs the {rule.role.value} role in a team; {have}."
    assert principal.scope is not None
    return (
        f"This needs a token with scope {rule.scope.value}; this token has {principal.scope.value}."
    )


# ---- audit -----------------------------------------------------------------------------------


def origin_of(request: Request) -> audit.Origin:
    if not hasattr(request.state, "request_id"):
        given = request.headers.get("x-request-id", "")
        usable = given if 0 < len(given) <= 100 and given.isprintable() else None
        request.state.request_id = usable or secrets.token_hex(8)
    client = request.client.host if request.client else None
    return audit.Origin(client=client, request_id=request.state.request_id)


_OBJECT_PARAMS = (
    ("case_id", "case"),
    ("runbook_id", "runbook"),
    ("job_id", "job"),
    ("token_id", "token"),
    ("session_id", "session"),
    ("team", "team"),  # /teams/{team}/members/{user}: the team (the user in the details)
    ("name", "user"),  # /users/{name}
)


def _object_of(request: Request, response: Response) -> tuple[str | None, str | None]:
    for param, kind in _OBJECT_PARAMS:
        value = request.path_params.get(param)
        if value is not None:
            return kind, str(value)
    location = response.headers.get("location", "")
    if location:
        kind, _, object_id = location.removeprefix("/api/v1/").partition("/")
        return kind.rstrip("s") or None, object_id or None
    return None, None


def audit_write(session: Session, request: Request, response: Response) -> None:
    """The audit record of a successful write, in the write's own transaction (unless the
    service recorded it: sign-ins and ends of sessions). A route adds details through
    ``request.state.audit_details``."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or audit.recorded(session):  # a public write (login) audits itself
        return
    object_type, object_id = _object_of(request, response)
    details = dict(getattr(request.state, "audit_details", None) or {})
    if principal.token_id:
        details["token_id"] = principal.token_id
    audit.record(
        session,
        actor=principal.name,
        action=f"{request.method} {route_template(request)}",
        object_type=object_type,
        object_id=object_id,
        status_code=response.status_code,
        origin=origin_of(request),
        details=details,
    )


def install_auth(app: FastAPI) -> None:
    """401 and 403 answers are auth events, and so is a login refused by the rate limit (429):
    each is audited in a transaction of its own (the request's rolled back)."""

    def _denied(request: Request, error: FaultMavenError) -> JSONResponse:
        principal: Principal | None = getattr(request.state, "principal", None)
        login_failure = getattr(request.state, "login_failure", None)
        if login_failure is not None:
            with unit_of_work(request.app.state.session_factory) as session:
                sessions.record_failed_login(
                    session,
                    name=login_failure,
                    origin=origin_of(request),
                    status_code=error.status_code,
                )
        elif request.app.state.settings.auth == "required":
            with unit_of_work(request.app.state.session_factory) as session:
                audit.record(
                    session,
                    actor=principal.name if principal else "-",
                    action=f"auth.{'denied' if error.status_code == 403 else 'rejected'}",
                    outcome="denied",
                    object_type="route",
                    object_id=f"{request.method} {route_template(request)}",
                    status_code=error.status_code,
                    origin=origin_of(request),
                    details={"code": error.code},
                )
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return JSONResponse(
            status_code=error.status_code,
            content=error_body(error.code, error.message, error.details),
            headers=headers,
        )

    def _limited(request: Request, error: TooManyRequests) -> JSONResponse:
        name = getattr(request.state, "login_limited", None)
        if name is not None:
            with unit_of_work(request.app.state.session_factory) as session:
                sessions.record_failed_login(
                    session, name=name, origin=origin_of(request), status_code=429, limited=True
                )
        return domain_error_response(error)

    app.add_exception_handler(Unauthorized, _denied)  # type: ignore[arg-type]
    app.add_exception_handler(Forbidden, _denied)  # type: ignore[arg-type]
    app.add_exception_handler(TooManyRequests, _limited)  # type: ignore[arg-type]
