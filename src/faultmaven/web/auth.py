"""Who acts on a page, resolved as the API resolves it (api/auth.py) with one difference: in
team mode the session token travels in the ``fm_session`` cookie (HttpOnly, SameSite=Lax,
Secure over https), not in an Authorization header, because a browser sends cookies by itself.

Local mode: the OS user, every right (as the API). Team mode: the cookie's token is checked
against the database on every request (``accounts.principal_for_token``: revocation and expiry
hold at once); without a valid one the page redirects to ``/login?next=<this page>``. Each page
names the least role (and token scope) it needs, as the API's POLICY does; what a principal may
not see answers the 404 page (never 403), through the viewer set on the unit of work.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from urllib.parse import quote

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from faultmaven.accounts import service as accounts
from faultmaven.accounts.schemas import Principal, Role, Scope
from faultmaven.errors import Forbidden, Unauthorized
from faultmaven.kit.access import set_viewer
from faultmaven.kit.fields import Name

SESSION_COOKIE = "fm_session"


@dataclass(frozen=True)
class Need:
    """The least role in some team, and token scope, a page needs (as api/auth.py's Rule)."""

    role: Role
    scope: Scope


VIEW = Need(Role.viewer, Scope.read)
RESPOND = Need(Role.responder, Scope.write)
EDIT = Need(Role.editor, Scope.write)
ADMIN = Need(Role.admin, Scope.admin)


class LoginRequired(Exception):
    """Team mode without a valid session cookie: the page answers a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    def location(self) -> str:
        return f"/login?next={quote(self.next_path, safe='/')}"


_NAME = TypeAdapter(Name)


def local_name() -> str:
    """The OS user, as the API's local mode names it (``local`` when it is not a valid name)."""
    try:
        return _NAME.validate_python(getpass.getuser())
    except (ValidationError, OSError, KeyError):
        return "local"


def _next_path(request: Request) -> str:
    """Where to come back after signing in: this page (a form post returns to its page)."""
    if request.method != "GET":  # a form's target is no page to come back to
        return "/"
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def principal_of(session: Session, request: Request) -> Principal:
    """The principal of this browser: local mode's OS user, else the session cookie's user."""
    if request.app.state.settings.auth == "local":
        return Principal(name=local_name(), local=True)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired(_next_path(request))
    try:
        return accounts.principal_for_token(session, token=token)
    except Unauthorized:
        raise LoginRequired(_next_path(request)) from None


def authorize(session: Session, request: Request, need: Need) -> Principal:
    """The principal, checked against ``need``; sets the viewer of ``session`` (what it may
    see and change) as the API does. Raises LoginRequired or Forbidden (403 page)."""
    principal = principal_of(session, request)
    request.state.principal = principal
    if not principal.has(need.role, need.scope):
        top = principal.top_role
        have = f"your highest role is {top.value}" if top else "you are in no team"
        raise Forbidden(f"This page needs the {need.role.value} role in a team; {have}.")
    set_viewer(session, principal.viewer(acting_as=need.role))
    return principal


def set_session_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    """Put a login's session token in the ``fm_session`` cookie (for the login page)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
