"""Sign-in and sign-out pages (team mode, ``FAULTMAVEN_AUTH=required``).

``/login``: user name and password; a refusal never says which of the two was wrong; the
login rate limit of the API holds here too (failed attempts per user name and per client
address, read from the audit log every replica shares) and answers a 429 page saying when to
try again. A sign-in puts the session token in the ``fm_session`` cookie and returns to
``next`` — a path on this server only (``//host``, ``https://...`` and the like go to ``/``).
With an OIDC provider configured the page offers it too (web/login_oidc.py).
``/logout`` (a form post, CSRF-checked) revokes the session token and clears the cookie.

The session is made and ended by ``_start_session`` / ``_end_session`` only, so that moving to
the accounts domain's own session functions is a change of two small bodies.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from faultmaven.accounts import audit
from faultmaven.accounts import service as accounts
from faultmaven.accounts.schemas import Principal, Scope
from faultmaven.errors import Unauthorized
from faultmaven.kit.clock import utcnow
from faultmaven.web.auth import clear_session_cookie, set_session_cookie
from faultmaven.web.deps import SessionDep, ViewPage
from faultmaven.web.routing import WebRoute
from faultmaven.web.templating import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
WRONG = "Wrong user name or password."


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this server, else ``/`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _origin(request: Request) -> audit.Origin:
    client = request.client.host if request.client else None
    return audit.Origin(client=client, request_id=secrets.token_hex(8))


def _provider_name(issuer: str | None) -> str:
    host = urlsplit(issuer or "").hostname or "your identity provider"
    return host.removeprefix("www.").removeprefix("login.").removeprefix("accounts.")


def login_page(
    request: Request,
    *,
    name: str = "",
    problem: str | None = None,
    next_path: str = "/",
    status_code: int = 200,
    retry_at: datetime | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    settings = request.app.state.settings
    context = {
        "name": name,
        "problem": problem,
        "next_path": next_path,
        "retry_at": retry_at,
        "notice": notice,
        "oidc": _provider_name(settings.oidc_issuer) if settings.oidc_configured else None,
    }
    response = render(request, "login.html", context, status_code=status_code)
    if retry_at is not None:
        response.headers["Retry-After"] = str(max(1, int((retry_at - utcnow()).total_seconds())))
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    session: SessionDep,
    next_: Annotated[str, Query(alias="next", max_length=2000)] = "/",
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    if request.app.state.settings.auth == "local":  # nobody signs in in local mode
        return RedirectResponse(safe_next(next_), status_code=303)
    notice = "Signed out." if done == "out" else None
    return login_page(request, next_path=safe_next(next_), notice=notice)


class RateLimited(Exception):
    def __init__(self, retry_at: datetime) -> None:
        super().__init__(retry_at)
        self.retry_at = retry_at


def _start_session(
    session: Session, request: Request, *, name: str, password: str
) -> tuple[str, int]:
    """(session token, seconds it lasts) for ``name``/``password``, as ``POST
    /api/v1/auth/login`` makes it (rate limit, audit of failure and success). Raises
    RateLimited or Unauthorized (the failure is recorded: the page's unit of work commits)."""
    settings = request.app.state.settings
    window = timedelta(minutes=settings.login_window_minutes)
    origin = _origin(request)
    failures = audit.recent_failed_logins(session, name=name, client=origin.client, window=window)
    if failures >= settings.login_attempts:
        raise RateLimited(utcnow() + window)
    try:
        principal = accounts.check_password(session, name=name, password=password)
    except Unauthorized:
        audit.record(
            session,
            actor=name,
            action=audit.LOGIN_FAILED,
            outcome="denied",
            object_type="user",
            object_id=name,
            status_code=401,
            origin=origin,
        )
        raise
    return session_token(session, request, principal, action="auth.login")


def session_token(
    session: Session, request: Request, principal: Principal, *, action: str
) -> tuple[str, int]:
    """(a new session token for ``principal``, seconds it lasts), the sign-in audited."""
    lifetime = timedelta(hours=request.app.state.settings.session_hours)
    token = accounts.create_token(
        session,
        user=principal.name,
        scope=Scope.admin,  # limited by the user's roles
        name=accounts.SESSION_TOKEN_NAME,
        expires_in=lifetime,
    )
    audit.record(
        session,
        actor=principal.name,
        action=action,
        object_type="token",
        object_id=token.id,
        origin=_origin(request),
    )
    return token.token, int(lifetime.total_seconds())


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next_: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    target = safe_next(next_)
    if request.app.state.settings.auth == "local":
        return RedirectResponse(target, status_code=303)
    name = name.strip()
    if not name or not password:
        return login_page(request, name=name, problem=WRONG, next_path=target, status_code=401)
    try:
        token, max_age = _start_session(session, request, name=name, password=password)
    except RateLimited as limited:
        problem = (
            "Too many failed sign-ins for this user name or from this address. Try again after "
            f"{limited.retry_at.strftime('%H:%M')} UTC."
        )
        return login_page(
            request,
            name=name,
            problem=problem,
            next_path=target,
            status_code=429,
            retry_at=limited.retry_at,
        )
    except Unauthorized:
        return login_page(request, name=name, problem=WRONG, next_path=target, status_code=401)
    answer = RedirectResponse(target, status_code=303)
    set_session_cookie(request, answer, token, max_age)
    return answer


def _end_session(session: Session, principal: Principal) -> None:
    """Revoke the session token the browser signed in with."""
    if principal.token_id is not None:
        accounts.revoke_token(session, token_id=principal.token_id)
    audit.record(
        session,
        actor=principal.name,
        action="auth.logout",
        object_type="token",
        object_id=principal.token_id,
    )


@router.post("/logout")
def logout(page: ViewPage) -> Response:
    if page.principal.local:
        return RedirectResponse("/", status_code=303)
    _end_session(page.session, page.principal)
    if page.principal.token_id is not None:
        page.wrote("token", page.principal.token_id)
    answer = RedirectResponse("/login?done=out", status_code=303)
    clear_session_cookie(answer)
    return answer
