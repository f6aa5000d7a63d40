"""Sign-in and sign-out pages (team mode, ``FAULTMAVEN_AUTH=required``).

``/login``: user name and password; a refusal never says which of the two was wrong; the
login rate limit of the API holds here too (failed attempts per user name and per client
address, read from the audit log every replica shares) and answers a 429 page saying when to
try again. A sign-in puts the session token in the ``fm_session`` cookie and returns to
``next`` — a path on this server only (``//host``, ``https://...`` and the like go to ``/``).
With an OIDC provider configured the page offers it too (web/login_oidc.py).
``/logout`` (a form post, CSRF-checked) revokes the session token and clears the cookie.

Sessions are made and ended by the accounts domain (accounts/sessions.py), as for the API.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from faultmaven.accounts import audit, sessions
from faultmaven.accounts.schemas import Principal, SignInMethod
from faultmaven.errors import InvalidInput, TooManyRequests, Unauthorized
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
    retry_after: int | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    settings = request.app.state.settings
    context = {
        "name": name,
        "problem": problem,
        "next_path": next_path,
        "notice": notice,
        "oidc": _provider_name(settings.oidc_issuer) if settings.oidc_configured else None,
    }
    response = render(request, "login.html", context, status_code=status_code)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
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


def _start_session(
    session: Session, request: Request, *, name: str, password: str
) -> tuple[str, int]:
    """(session token, seconds it lasts) for ``name``/``password``, made by the accounts
    domain exactly as ``POST /api/v1/auth/login`` makes it (rate limits, audit). Raises
    TooManyRequests or Unauthorized, the refusal recorded (the page's unit of work commits)."""
    settings = request.app.state.settings
    origin = _origin(request)
    try:
        signed_in = sessions.sign_in_with_password(
            session,
            name=name,
            password=password,
            limits=sessions.login_limits(settings),
            lifetime=sessions.session_lifetime(settings),
            origin=origin,
        )
    except Unauthorized:
        sessions.record_failed_login(session, name=name, origin=origin)
        raise
    except TooManyRequests:
        sessions.record_failed_login(
            session, name=name, origin=origin, status_code=429, limited=True
        )
        raise
    return signed_in.token, int(sessions.session_lifetime(settings).total_seconds())


def session_token(session: Session, request: Request, principal: Principal) -> tuple[str, int]:
    """(a new session token for ``principal`` signed in with OIDC, seconds it lasts)."""
    lifetime = sessions.session_lifetime(request.app.state.settings)
    signed_in = sessions.start_session(
        session,
        principal=principal,
        method=SignInMethod.oidc,
        lifetime=lifetime,
        origin=_origin(request),
    )
    return signed_in.token, int(lifetime.total_seconds())


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
    except TooManyRequests as limited:
        return login_page(
            request,
            name=name,
            problem=limited.message,
            next_path=target,
            status_code=429,
            retry_after=limited.retry_after,
        )
    except Unauthorized:
        return login_page(request, name=name, problem=WRONG, next_path=target, status_code=401)
    answer = RedirectResponse(target, status_code=303)
    set_session_cookie(request, answer, token, max_age)
    return answer


def _end_session(session: Session, request: Request, principal: Principal) -> None:
    """End the session the browser signed in with (the accounts domain audits it)."""
    with suppress(InvalidInput):  # not signed in with a session: nothing to end
        sessions.logout(session, by=principal, origin=_origin(request))


@router.post("/logout")
def logout(page: ViewPage) -> Response:
    if page.principal.local:
        return RedirectResponse("/", status_code=303)
    _end_session(page.session, page.request, page.principal)
    answer = RedirectResponse("/login?done=out", status_code=303)
    clear_session_cookie(answer)
    return answer
