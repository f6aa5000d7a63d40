"""/api/v1: sign-in (login), who am I, API tokens (admin) and the audit log (admin)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from faultmaven.accounts import audit, oidc, sessions
from faultmaven.accounts import service as accounts
from faultmaven.accounts.schemas import (
    AuditEntry,
    AuditFilters,
    LoginRequest,
    LoginResult,
    Principal,
    Role,
    Scope,
    SignInMethod,
    TokenCreated,
    TokenInfo,
)
from faultmaven.api.auth import origin_of
from faultmaven.api.deps import PageDep, SessionDep
from faultmaven.api.routing import ErrorBody, FaultMavenRoute
from faultmaven.errors import TooManyRequests, Unauthorized
from faultmaven.kit.db import unit_of_work
from faultmaven.kit.fields import EntityId, Name, UTCTimestamp
from faultmaven.kit.pagination import Page

router = APIRouter(tags=["accounts"], route_class=FaultMavenRoute)


class Me(BaseModel):
    name: str
    mode: str = Field(description="local (no sign-in) or team.")
    teams: dict[str, Role] = Field(description="Team name -> role.")
    scope: Scope | None = Field(description="The token's scope (null: not a token).")


@router.get("/me", response_model=Me)
def me(request: Request, session: SessionDep) -> Me:
    """Who the credentials stand for, and their role in each team."""
    principal: Principal = request.state.principal
    return Me(
        name=principal.name,
        mode="local" if principal.local else "team",
        teams={principal.team_names[t]: role for t, role in principal.roles.items()},
        scope=principal.scope,
    )


def _result(signed_in: sessions.SignedIn) -> LoginResult:
    return LoginResult(
        token=signed_in.token,
        expires_at=signed_in.session.expires_at,
        user=signed_in.principal.name,
        session_id=signed_in.session.id,
    )


@router.post(
    "/auth/login",
    response_model=LoginResult,
    responses={
        401: {"model": ErrorBody, "description": "Wrong user name or password."},
        429: {
            "model": ErrorBody,
            "description": "Too many failed logins for this user name or from this address; "
            "the message and the Retry-After header say when to retry.",
        },
    },
)
def login(body: LoginRequest, request: Request, session: SessionDep) -> LoginResult:
    """Sign in with a local password: answers a session token (Authorization: Bearer) that
    expires after session_hours. Failed attempts are limited per user name (login_attempts)
    and per client address (login_attempts_per_address) within login_window_minutes."""
    settings = request.app.state.settings
    try:
        signed_in = sessions.sign_in_with_password(
            session,
            name=body.name,
            password=body.password.get_secret_value(),
            limits=sessions.login_limits(settings),
            lifetime=sessions.session_lifetime(settings),
            origin=origin_of(request),
        )
    except Unauthorized:
        request.state.login_failure = body.name  # recorded in a transaction of its own
        raise
    except TooManyRequests:
        request.state.login_limited = body.name  # likewise (not counted as a failure)
        raise
    return _result(signed_in)


_OIDC_COOKIE = "faultmaven_oidc"
_OIDC_PATH = "/api/v1/auth/oidc"


def _oidc_config(request: Request) -> oidc.OIDCConfig:
    return oidc.config_from(request.app.state.settings)


@router.get(
    "/auth/oidc/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={401: {"model": ErrorBody, "description": "The provider cannot be reached."}},
)
def oidc_login(request: Request) -> RedirectResponse:
    """Sign in with the configured OIDC provider: redirects to its sign-in page, which returns
    to /auth/oidc/callback."""
    config = _oidc_config(request)
    url, signed = oidc.start(config)
    answer = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    answer.set_cookie(_OIDC_COOKIE, signed, path=_OIDC_PATH, **oidc.state_cookie_options(config))
    return answer


@router.get(
    "/auth/oidc/callback",
    response_model=LoginResult,
    responses={401: {"model": ErrorBody, "description": "The sign-in was not accepted."}},
)
def oidc_callback(
    request: Request,
    code: Annotated[str, Query(max_length=2000)],
    state: Annotated[str, Query(max_length=200)],
) -> JSONResponse:
    """Where the provider returns: answers a session token (as POST /auth/login does)."""
    config = _oidc_config(request)
    with unit_of_work(request.app.state.session_factory) as session:
        principal = oidc.finish(
            session,
            config,
            code=code,
            state=state,
            signed_state=request.cookies.get(_OIDC_COOKIE),
        )
        result = _result(
            sessions.start_session(
                session,
                principal=principal,
                method=SignInMethod.oidc,
                lifetime=sessions.session_lifetime(request.app.state.settings),
                origin=origin_of(request),
            )
        )
    answer = JSONResponse(result.model_dump(mode="json"))
    answer.delete_cookie(_OIDC_COOKIE, path=_OIDC_PATH)
    return answer


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: Name
    scope: Scope
    name: Name = "api token"
    expires_in_days: int | None = Field(
        default=90, ge=1, le=3650, description="Days until it expires; null: never."
    )


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    responses={404: {"model": ErrorBody, "description": "No such user."}},
)
def create_token(body: TokenIn, session: SessionDep, response: Response) -> TokenCreated:
    """A new API token for a user; the answer holds the secret, shown this once."""
    token = accounts.create_token(
        session,
        user=body.user,
        scope=body.scope,
        name=body.name,
        expires_in=timedelta(days=body.expires_in_days) if body.expires_in_days else None,
    )
    response.headers["Location"] = f"/api/v1/tokens/{token.id}"
    return token


@router.get("/tokens", response_model=list[TokenInfo])
def list_tokens(session: SessionDep, user: Name | None = None) -> list[TokenInfo]:
    return accounts.list_tokens(session, user=user)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: Annotated[EntityId, Path()], session: SessionDep) -> Response:
    """Revoke a token: every replica refuses it from the next request on."""
    accounts.revoke_token(session, token_id=token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/audit", response_model=Page[AuditEntry])
def list_audit(
    session: SessionDep,
    page: PageDep,
    actor: Annotated[Name | None, Query()] = None,
    action: Annotated[str | None, Query(max_length=200, description="Prefix, e.g. auth.")] = None,
    object_id: Annotated[EntityId | None, Query()] = None,
    outcome: Annotated[str | None, Query(pattern="^(ok|denied|failed)$")] = None,
    since: Annotated[UTCTimestamp | None, Query()] = None,
    until: Annotated[UTCTimestamp | None, Query()] = None,
) -> Page[AuditEntry]:
    """The audit log, newest first: every write and every authentication event."""
    filters = AuditFilters(
        actor=actor, action=action, object_id=object_id, outcome=outcome, since=since, until=until
    )
    return audit.list_audit(session, filters=filters, page=page)
