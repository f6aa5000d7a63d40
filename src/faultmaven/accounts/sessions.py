"""Sign-in sessions: sign in (password, with the login rate limits; or OIDC), who a session
token is, list and end sessions. The API (``/auth/*``) and the web login call these.

A session is a token row with ``signed_in_with`` set (password or oidc), scope admin (limited
by the user's roles), expiring after ``session_hours``. Every request reads it from the
database, so ending a session (logout, an admin ending it, disabling its user) holds at once
on every replica. Sign-ins and ends of sessions record their audit event here, in the caller's
transaction; a failed sign-in is recorded by :func:`record_failed_login` in a transaction of
its own (the caller's rolls back).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from faultmaven.accounts import audit
from faultmaven.accounts import service as accounts
from faultmaven.accounts.models import TokenRow, UserRow
from faultmaven.accounts.schemas import Principal, Role, Scope, SessionInfo, SignInMethod
from faultmaven.config import Settings
from faultmaven.errors import Forbidden, InvalidInput, NotFound, TooManyRequests
from faultmaven.kit.clock import isoformat_z, utcnow

SESSION_TOKEN_NAME = accounts.SESSION_TOKEN_NAME
_SIGN_IN_ACTIONS = {SignInMethod.password: "auth.login", SignInMethod.oidc: "auth.oidc_login"}


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed within ``window``: per user name, and per client address (higher:
    a team behind one NAT shares an address)."""

    per_name: int
    per_address: int
    window: timedelta


@dataclass(frozen=True)
class SignedIn:
    """A new session: ``token`` is its secret (send it as ``Authorization: Bearer``, or keep
    it in a cookie), shown this once."""

    token: str
    session: SessionInfo
    principal: Principal


def login_limits(settings: Settings) -> LoginLimits:
    """The login rate limits the settings ask for."""
    return LoginLimits(
        per_name=settings.login_attempts,
        per_address=settings.login_attempts_per_address,
        window=timedelta(minutes=settings.login_window_minutes),
    )


def session_lifetime(settings: Settings) -> timedelta:
    """How long a sign-in session lasts (``session_hours``)."""
    return timedelta(hours=settings.session_hours)


def check_login_allowed(
    session: Session,
    *,
    name: str,
    client: str | None,
    limits: LoginLimits,
    now: datetime | None = None,
) -> None:
    """TooManyRequests (with the seconds to wait) when the failed logins for ``name``, or from
    ``client``, reached their limit within the window."""
    now = now or utcnow()
    hit = audit.login_retry_at(
        session,
        limits=[("name", name, limits.per_name), ("client", client, limits.per_address)],
        window=limits.window,
        now=now,
    )
    if hit is None:
        return
    kind, retry_at = hit
    seconds = max(1, math.ceil((retry_at - now).total_seconds()))
    wait = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    whose = "for this user name" if kind == "name" else "from this address"
    raise TooManyRequests(
        f"Too many failed logins {whose}; try again in {wait} (at {isoformat_z(retry_at)}).",
        code="LOGIN_RATE_LIMITED",
        retry_after=seconds,
        details={"limited": kind, "retry_at": isoformat_z(retry_at)},
    )


def sign_in_with_password(
    session: Session,
    *,
    name: str,
    password: str,
    limits: LoginLimits,
    lifetime: timedelta,
    origin: audit.Origin = audit.Origin(),
) -> SignedIn:
    """A session for ``name`` if ``password`` is theirs and the rate limits allow a try.
    Unauthorized (LOGIN_FAILED) whatever was wrong: record it with :func:`record_failed_login`
    (it counts towards the limits)."""
    check_login_allowed(session, name=name, client=origin.client, limits=limits)
    principal = accounts.check_password(session, name=name, password=password)
    return start_session(
        session,
        principal=principal,
        method=SignInMethod.password,
        lifetime=lifetime,
        origin=origin,
    )


def record_failed_login(
    session: Session,
    *,
    name: str,
    origin: audit.Origin = audit.Origin(),
    status_code: int = 401,
    limited: bool = False,
) -> None:
    """A refused sign-in: a wrong password (counts towards the limits) or, ``limited``, a try
    the limits refused (does not count: waiting is enough to try again)."""
    audit.record(
        session,
        actor=name,
        action=audit.LOGIN_LIMITED if limited else audit.LOGIN_FAILED,
        outcome="denied",
        object_type="user",
        object_id=name,
        status_code=status_code,
        origin=origin,
    )


def start_session(
    session: Session,
    *,
    principal: Principal,
    method: SignInMethod,
    lifetime: timedelta,
    origin: audit.Origin = audit.Origin(),
) -> SignedIn:
    """A session for a user already identified (a password checked, an OIDC sign-in)."""
    token = accounts.create_token(
        session,
        user=principal.name,
        scope=Scope.admin,  # limited by the user's roles
        name=SESSION_TOKEN_NAME,
        expires_in=lifetime,
        signed_in_with=method,
        client=origin.client,
    )
    audit.record(
        session,
        actor=principal.name,
        action=_SIGN_IN_ACTIONS[method],
        object_type="session",
        object_id=token.id,
        origin=origin,
    )
    row = session.get(TokenRow, token.id)
    assert row is not None
    return SignedIn(
        token=token.token,
        session=_info(row, principal.name, current=token.id),
        principal=replace(principal, scope=Scope.admin, token_id=token.id),
    )


def principal_for_session(session: Session, *, token: str) -> Principal:
    """Who a session token (or an API token) is, read from the database now: Unauthorized
    when it is unknown, ended, expired or its user disabled."""
    return accounts.principal_for_token(session, token=token)


def _info(row: TokenRow, user: str, *, current: str | None) -> SessionInfo:
    assert row.signed_in_with is not None and row.expires_at is not None
    return SessionInfo(
        id=row.id,
        user=user,
        signed_in_with=SignInMethod(row.signed_in_with),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        client=row.client,
        current=row.id == current,
    )


def _is_admin(principal: Principal) -> bool:
    return principal.has(Role.admin, Scope.admin)


def list_sessions(session: Session, *, by: Principal, user: str | None = None) -> list[SessionInfo]:
    """The live sessions of ``user`` (default: ``by``'s own), newest first; only an admin
    lists another user's."""
    name = user or by.name
    if name != by.name and not _is_admin(by):
        raise Forbidden("Only an admin sees another user's sessions.", code="FORBIDDEN")
    if by.local and user is None:
        return []  # local mode: nobody signs in
    now = utcnow()
    rows = session.execute(
        select(TokenRow, UserRow.name)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .where(
            UserRow.name == name,
            TokenRow.signed_in_with.is_not(None),
            TokenRow.revoked_at.is_(None),
            TokenRow.expires_at > now,
        )
        .order_by(TokenRow.created_at.desc(), TokenRow.id)
    )
    return [_info(row, owner, current=by.token_id) for row, owner in rows]


def _end(
    session: Session, row: TokenRow, owner: str, *, by: Principal, action: str, origin: audit.Origin
) -> SessionInfo:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    audit.record(
        session,
        actor=by.name,
        action=action,
        object_type="session",
        object_id=row.id,
        origin=origin,
        details={"user": owner},
    )
    return _info(row, owner, current=by.token_id)


def _session_row(session: Session, session_id: str) -> tuple[TokenRow, str] | None:
    found = session.execute(
        select(TokenRow, UserRow.name)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .where(TokenRow.id == session_id, TokenRow.signed_in_with.is_not(None))
    ).first()
    return (found[0], found[1]) if found else None


def end_session(
    session: Session, *, session_id: str, by: Principal, origin: audit.Origin = audit.Origin()
) -> SessionInfo:
    """End one session: one of ``by``'s own, or anyone's for an admin (others' sessions are
    404 to everyone else, as if they did not exist)."""
    found = _session_row(session, session_id)
    if found is None or (found[0].user_id != by.user_id and not _is_admin(by)):
        raise NotFound.entity("session", session_id)
    row, owner = found
    return _end(session, row, owner, by=by, action="auth.session_ended", origin=origin)


def logout(
    session: Session, *, by: Principal, origin: audit.Origin = audit.Origin()
) -> SessionInfo:
    """End the session ``by`` signed in with (its token): logout."""
    found = _session_row(session, by.token_id) if by.token_id else None
    if found is None:
        raise InvalidInput(
            "Not signed in with a session: local mode has none, and an API token is revoked "
            "with DELETE /api/v1/tokens/{id} (or `faultmaven tokens revoke`), not logged out.",
            code="NOT_A_SESSION",
        )
    row, owner = found
    return _end(session, row, owner, by=by, action="auth.logout", origin=origin)


def end_session_by_token(
    session: Session, *, token: str, origin: audit.Origin = audit.Origin()
) -> SessionInfo | None:
    """Logout with the session's secret (e.g. the web login's cookie); None when it is no live
    session (already ended, expired, unknown): logging out twice is no error."""
    row = accounts.token_row(session, token=token)
    if row is None or row.signed_in_with is None or row.revoked_at is not None:
        return None
    user = session.get(UserRow, row.user_id)
    owner = user.name if user else "?"
    by = Principal(name=owner, user_id=row.user_id, token_id=row.id)
    return _end(session, row, owner, by=by, action="auth.logout", origin=origin)
