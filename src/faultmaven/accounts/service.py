"""Users, teams, memberships, API tokens and passwords; who a credential belongs to.

Services take keyword-only arguments, raise FaultMavenError subclasses and never commit.
Credentials are checked against the database on every request (no process cache): a revoked
token or a removed membership holds at once on every replica.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from faultmaven.accounts.models import MembershipRow, TeamRow, TokenRow, UserRow
from faultmaven.accounts.schemas import (
    Principal,
    Role,
    Scope,
    Team,
    TokenCreated,
    TokenInfo,
    User,
)
from faultmaven.errors import Conflict, InvalidInput, NotFound, Unauthorized
from faultmaven.kit.access import DEFAULT_TEAM_ID as DEFAULT_TEAM
from faultmaven.kit.clock import utcnow
from faultmaven.kit.ids import new_id

DEFAULT_TEAM_ID = DEFAULT_TEAM
TOKEN_PREFIX = "fm_"
SESSION_TOKEN_NAME = "login session"


@lru_cache(maxsize=1)
def _passwords() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# ---- users and teams -------------------------------------------------------------------------


def _user_row(session: Session, name: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    if row is None:
        raise NotFound(
            f"User {name!r} does not exist.", code="USER_NOT_FOUND", details={"name": name}
        )
    return row


def _team_row(session: Session, name: str) -> TeamRow:
    row = session.scalar(select(TeamRow).where(TeamRow.name == name))
    if row is None:
        raise NotFound(
            f"Team {name!r} does not exist.", code="TEAM_NOT_FOUND", details={"name": name}
        )
    return row


def _user(session: Session, row: UserRow) -> User:
    memberships = session.execute(
        select(TeamRow.name, MembershipRow.role)
        .join(MembershipRow, MembershipRow.team_id == TeamRow.id)
        .where(MembershipRow.user_id == row.id)
        .order_by(TeamRow.name)
    )
    return User(
        id=row.id,
        name=row.name,
        email=row.email,
        active=row.active,
        has_password=row.password_hash is not None,
        created_at=row.created_at,
        teams={team: Role(role) for team, role in memberships},
    )


def add_user(
    session: Session, *, name: str, email: str | None = None, password: str | None = None
) -> User:
    if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
        raise Conflict(f"User {name!r} already exists.", code="USER_EXISTS")
    row = UserRow(
        id=new_id("usr"),
        name=name,
        email=email,
        password_hash=_passwords().hash(password) if password else None,
        active=True,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _user(session, row)


def get_user(session: Session, *, name: str) -> User:
    return _user(session, _user_row(session, name))


def list_users(session: Session) -> list[User]:
    return [_user(session, row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]


def _team(session: Session, row: TeamRow) -> Team:
    members = session.execute(
        select(UserRow.name, MembershipRow.role)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(MembershipRow.team_id == row.id)
        .order_by(UserRow.name)
    )
    return Team(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        members={user: Role(role) for user, role in members},
    )


def add_team(session: Session, *, name: str) -> Team:
    if session.scalar(select(TeamRow.id).where(TeamRow.name == name)) is not None:
        raise Conflict(f"Team {name!r} already exists.", code="TEAM_EXISTS")
    row = TeamRow(id=new_id("team"), name=name, created_at=utcnow())
    session.add(row)
    session.flush()
    return _team(session, row)


def list_teams(session: Session) -> list[Team]:
    return [_team(session, row) for row in session.scalars(select(TeamRow).order_by(TeamRow.name))]


def grant(session: Session, *, team: str, user: str, role: Role) -> Team:
    """Give ``user`` ``role`` in ``team`` (replacing the role it had there)."""
    team_row, user_row = _team_row(session, team), _user_row(session, user)
    membership = session.get(MembershipRow, (team_row.id, user_row.id))
    if membership is None:
        session.add(
            MembershipRow(
                team_id=team_row.id, user_id=user_row.id, role=role.value, created_at=utcnow()
            )
        )
    else:
        membership.role = role.value
    session.flush()
    return _team(session, team_row)


def team_id_of(session: Session, *, name: str) -> str:
    return _team_row(session, name).id


# ---- tokens ----------------------------------------------------------------------------------


def _token_info(row: TokenRow, user: str) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        user=user,
        name=row.name,
        scope=Scope(row.scope),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def create_token(
    session: Session,
    *,
    user: str,
    scope: Scope,
    name: str = "api token",
    expires_in: timedelta | None = timedelta(days=90),
) -> TokenCreated:
    """A new API token for ``user``; its secret is in the answer and nowhere else."""
    user_row = _user_row(session, user)
    if expires_in is not None and expires_in <= timedelta(0):
        raise InvalidInput("A token's lifetime must be positive, e.g. 90d.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = TokenRow(
        id=new_id("tok"),
        user_id=user_row.id,
        name=name,
        scope=scope.value,
        secret_hash=_digest(secret),
        created_at=now,
        expires_at=now + expires_in if expires_in is not None else None,
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    return TokenCreated(**_token_info(row, user_row.name).model_dump(), token=secret)


def revoke_token(session: Session, *, token_id: str) -> TokenInfo:
    row = session.get(TokenRow, token_id)
    if row is None:
        raise NotFound.entity("token", token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    user = session.get(UserRow, row.user_id)
    return _token_info(row, user.name if user else "?")


def list_tokens(session: Session, *, user: str | None = None) -> list[TokenInfo]:
    query = select(TokenRow, UserRow.name).join(UserRow, UserRow.id == TokenRow.user_id)
    if user is not None:
        query = query.where(UserRow.name == user)
    rows = session.execute(query.order_by(TokenRow.created_at, TokenRow.id))
    return [_token_info(row, name) for row, name in rows]


def parse_duration(text: str) -> timedelta | None:
    """``90d``, ``12h``, ``30m`` or ``never``."""
    value = text.strip().lower()
    if value in ("never", "none", "0"):
        return None
    units = {"d": "days", "h": "hours", "m": "minutes", "w": "weeks"}
    if len(value) < 2 or value[-1] not in units or not value[:-1].isdigit():
        raise InvalidInput(f"{text!r} is not a duration; use e.g. 90d, 12h, 30m or never.")
    amount = int(value[:-1])
    if amount <= 0 or amount > 100_000:
        raise InvalidInput(f"{text!r}: the amount must be between 1 and 100000.")
    return timedelta(**{units[value[-1]]: amount})


# ---- who a credential is ---------------------------------------------------------------------


def _principal(
    session: Session, user: UserRow, *, scope: Scope | None, token_id: str | None
) -> Principal:
    memberships = session.execute(
        select(MembershipRow.team_id, MembershipRow.role, TeamRow.name)
        .join(TeamRow, TeamRow.id == MembershipRow.team_id)
        .where(MembershipRow.user_id == user.id)
    ).all()
    return Principal(
        name=user.name,
        user_id=user.id,
        roles={team_id: Role(role) for team_id, role, _ in memberships},
        team_names={team_id: name for team_id, _, name in memberships},
        scope=scope,
        token_id=token_id,
    )


def principal_of_user(session: Session, user: UserRow) -> Principal:
    """The principal of a user signed in without a token scope (a session being made)."""
    return _principal(session, user, scope=None, token_id=None)


def principal_for_token(session: Session, *, token: str, now: datetime | None = None) -> Principal:
    """The principal a bearer token stands for, read from the database now (revocation and
    expiry hold at once); Unauthorized says which check failed."""
    now = now or utcnow()
    found = session.execute(
        select(TokenRow, UserRow)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .where(TokenRow.secret_hash == _digest(token))
    ).first()
    if found is None:
        raise Unauthorized("The bearer token is not valid.", code="INVALID_TOKEN")
    row, user = found
    if row.revoked_at is not None:
        raise Unauthorized("The bearer token was revoked.", code="TOKEN_REVOKED")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("The bearer token has expired.", code="TOKEN_EXPIRED")
    if not user.active:
        raise Unauthorized("The token's user is deactivated.", code="USER_INACTIVE")
    return _principal(session, user, scope=Scope(row.scope), token_id=row.id)


def check_password(session: Session, *, name: str, password: str) -> Principal:
    """The user ``name`` if ``password`` is theirs; the same Unauthorized whatever was wrong
    (no user, no password, wrong password)."""
    user = session.scalar(select(UserRow).where(UserRow.name == name))
    hasher = _passwords()
    if user is None or user.password_hash is None or not user.active:
        hasher.verify(password, _dummy_hash())  # the same time as a real check
        raise Unauthorized("Wrong user name or password.", code="LOGIN_FAILED")
    valid, new_hash = hasher.verify_and_update(password, user.password_hash)
    if not valid:
        raise Unauthorized("Wrong user name or password.", code="LOGIN_FAILED")
    if new_hash is not None:
        user.password_hash = new_hash
    return _principal(session, user, scope=None, token_id=None)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _passwords().hash(secrets.token_hex(16))


def set_password(session: Session, *, name: str, password: str) -> None:
    _user_row(session, name).password_hash = _passwords().hash(password)
