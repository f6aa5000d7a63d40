"""Users, teams, memberships, API tokens and passwords; who a credential belongs to.

Services take keyword-only arguments, raise FaultMavenError subclasses and never commit.
Credentials are checked against the database on every request (no process cache): a revoked
token or a removed membership holds at once on every replica.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from faultmaven.accounts.models import MembershipRow, TeamRow, TokenRow, UserRow
from faultmaven.accounts.schemas import (
    Principal,
    Role,
    Scope,
    SignInMethod,
    Team,
    TokenCreated,
    TokenInfo,
    User,
    UserUpdate,
)
from faultmaven.errors import Conflict, InvalidInput, NotFound, Unauthorized
from faultmaven.kit.access import DEFAULT_TEAM_ID as DEFAULT_TEAM
from faultmaven.kit.clock import utcnow
from faultmaven.kit.db import NOT_IN_SESSION, WRITE, after_commit
from faultmaven.kit.fields import Name
from faultmaven.kit.ids import new_id
from faultmaven.kit.pagination import Page, PageRequest

DEFAULT_TEAM_ID = DEFAULT_TEAM
LAST_USED_EVERY = timedelta(minutes=5)  # how fresh a token's "last used" is kept
log = logging.getLogger("faultmaven.accounts")
TOKEN_PREFIX = "fm_"
SESSION_TOKEN_NAME = "login session"


@lru_cache(maxsize=1)
def _passwords() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_NAME: TypeAdapter[str] = TypeAdapter(Name)


def os_user() -> str:
    """The OS user's name as a FaultMaven name: who acts in local mode and at the CLI ("local"
    when the OS gives no usable name)."""
    try:
        return _NAME.validate_python(getpass.getuser())
    except (ValidationError, OSError, KeyError):
        return "local"


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


def _memberships(session: Session, user_ids: list[str]) -> dict[str, dict[str, Role]]:
    """user id -> {team name: role}, for every user in ``user_ids`` (one query)."""
    found: dict[str, dict[str, Role]] = {user_id: {} for user_id in user_ids}
    rows = session.execute(
        select(MembershipRow.user_id, TeamRow.name, MembershipRow.role)
        .join(TeamRow, TeamRow.id == MembershipRow.team_id)
        .where(MembershipRow.user_id.in_(user_ids))
        .order_by(TeamRow.name)
    )
    for user_id, team, role in rows:
        found[user_id][team] = Role(role)
    return found


def _users(session: Session, rows: list[UserRow]) -> list[User]:
    teams = _memberships(session, [row.id for row in rows]) if rows else {}
    return [
        User(
            id=row.id,
            name=row.name,
            email=row.email,
            disabled=not row.active,
            has_password=row.password_hash is not None,
            created_at=row.created_at,
            teams=teams[row.id],
        )
        for row in rows
    ]


def _user(session: Session, row: UserRow) -> User:
    return _users(session, [row])[0]


def _flush_new(session: Session, row: UserRow | TeamRow | MembershipRow, taken: Conflict) -> None:
    """Add ``row``; ``taken`` when a concurrent transaction took its key first (the unique
    constraint decides, PostgreSQL; SQLite writers take turns)."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise taken from None


def _user_exists(name: str) -> Conflict:
    return Conflict(f"User {name!r} already exists.", code="USER_EXISTS", details={"name": name})


def _team_exists(name: str) -> Conflict:
    return Conflict(f"Team {name!r} already exists.", code="TEAM_EXISTS", details={"name": name})


def add_user(
    session: Session, *, name: str, email: str | None = None, password: str | None = None
) -> User:
    if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
        raise _user_exists(name)
    row = UserRow(
        id=new_id("usr"),
        name=name,
        email=email,
        password_hash=_passwords().hash(password) if password else None,
        active=True,
        created_at=utcnow(),
    )
    _flush_new(session, row, _user_exists(name))
    return _user(session, row)


def get_user(session: Session, *, name: str) -> User:
    return _user(session, _user_row(session, name))


def list_users(session: Session, *, page: PageRequest = PageRequest()) -> Page[User]:
    """Users by name, with their teams."""
    total = session.scalar(select(func.count()).select_from(UserRow)) or 0
    rows = session.scalars(
        select(UserRow).order_by(UserRow.name).limit(page.limit).offset(page.offset)
    ).all()
    return Page[User].build(_users(session, list(rows)), total_count=total, page=page)


def update_user(
    session: Session, *, name: str, changes: UserUpdate, by: Principal | None = None
) -> User:
    """Change what ``changes`` gives. Disabling a user ends their sessions, and their API
    tokens are refused while disabled (every request reads the flag). ``by`` (the acting
    principal) may not disable itself."""
    row = _user_row(session, name)
    given = changes.model_fields_set
    if "email" in given:
        row.email = changes.email
    if "disabled" in given and changes.disabled is not None:
        if changes.disabled and by is not None and by.user_id == row.id:
            raise Conflict(
                "You cannot disable yourself; ask another admin.", code="CANNOT_DISABLE_SELF"
            )
        if changes.disabled and row.active:
            session.execute(
                update(TokenRow)
                .where(
                    TokenRow.user_id == row.id,
                    TokenRow.signed_in_with.is_not(None),
                    TokenRow.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow()),
                execution_options=NOT_IN_SESSION,
            )
        row.active = not changes.disabled
    session.flush()
    return _user(session, row)


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
        raise _team_exists(name)
    row = TeamRow(id=new_id("team"), name=name, created_at=utcnow())
    _flush_new(session, row, _team_exists(name))
    return _team(session, row)


def get_team(session: Session, *, name: str) -> Team:
    return _team(session, _team_row(session, name))


def list_teams(session: Session, *, page: PageRequest = PageRequest()) -> Page[Team]:
    """Teams by name, with their members."""
    total = session.scalar(select(func.count()).select_from(TeamRow)) or 0
    rows = session.scalars(
        select(TeamRow).order_by(TeamRow.name).limit(page.limit).offset(page.offset)
    )
    return Page[Team].build([_team(session, row) for row in rows], total_count=total, page=page)


def grant(session: Session, *, team: str, user: str, role: Role) -> Team:
    """Give ``user`` ``role`` in ``team`` (replacing the role it had there)."""
    team_row, user_row = _team_row(session, team), _user_row(session, user)
    membership = session.get(MembershipRow, (team_row.id, user_row.id))
    if membership is None:
        _flush_new(
            session,
            MembershipRow(
                team_id=team_row.id, user_id=user_row.id, role=role.value, created_at=utcnow()
            ),
            Conflict(
                f"{user!r} was added to {team!r} at the same moment; retry to set the role.",
                code="CONCURRENT_UPDATE",
            ),
        )
    else:
        membership.role = role.value
    session.flush()
    return _team(session, team_row)


def revoke_membership(session: Session, *, team: str, user: str) -> Team:
    """Take ``user`` out of ``team``: their role there ends with the next request."""
    team_row, user_row = _team_row(session, team), _user_row(session, user)
    membership = session.get(MembershipRow, (team_row.id, user_row.id))
    if membership is None:
        raise NotFound(
            f"User {user!r} is not a member of team {team!r}.",
            code="MEMBERSHIP_NOT_FOUND",
            details={"team": team, "user": user},
        )
    session.delete(membership)
    session.flush()
    return _team(session, team_row)


def team_id_of(session: Session, *, name: str) -> str:
    return _team_row(session, name).id


def team_names(session: Session) -> dict[str, str]:
    """Every team, id -> name, by name: a choice of teams (no members loaded, unlike
    ``list_teams``)."""
    rows = session.execute(select(TeamRow.id, TeamRow.name).order_by(TeamRow.name))
    return {team_id: name for team_id, name in rows}


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
        last_used_at=row.last_used_at,
    )


def create_token(
    session: Session,
    *,
    user: str,
    scope: Scope,
    name: str = "api token",
    expires_in: timedelta | None = timedelta(days=90),
    signed_in_with: SignInMethod | None = None,
    client: str | None = None,
) -> TokenCreated:
    """A new API token for ``user``; its secret is in the answer and nowhere else.
    ``signed_in_with`` makes it a sign-in session (accounts/sessions.py), from ``client``."""
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
        signed_in_with=signed_in_with.value if signed_in_with else None,
        client=client[:100] if client else None,
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
    """API tokens (sign-in sessions are listed by accounts/sessions.py)."""
    query = (
        select(TokenRow, UserRow.name)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .where(TokenRow.signed_in_with.is_(None))
    )
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


def token_row(session: Session, *, token: str) -> TokenRow | None:
    """The row of a token's secret (whatever its state), or None."""
    return session.scalar(select(TokenRow).where(TokenRow.secret_hash == _digest(token)))


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
        raise Unauthorized("The token's user is disabled.", code="USER_INACTIVE")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        _note_use(session, row.id, now)
    return _principal(session, user, scope=Scope(row.scope), token_id=row.id)


def _note_use(session: Session, token_id: str, now: datetime) -> None:
    """Record when a token was last used: after the request's transaction, in a short one of
    its own (a read takes no write lock for it), and at most every LAST_USED_EVERY per token
    (most requests write nothing)."""
    bind = session.get_bind()
    if isinstance(bind, Engine):
        after_commit(session, f"token-used:{token_id}", lambda: _write_use(bind, token_id, now))


def _write_use(engine: Engine, token_id: str, now: datetime) -> None:
    try:
        with engine.connect() as connection:
            connection.execution_options(**{WRITE: True})
            with connection.begin():
                connection.execute(
                    update(TokenRow)
                    .where(
                        TokenRow.id == token_id,
                        or_(TokenRow.last_used_at.is_(None), TokenRow.last_used_at < now),
                    )
                    .values(last_used_at=now)
                )
    except SQLAlchemyError as error:  # "last used" is a hint: never fail a request for it
        log.warning("could not record the use of token %s: %s", token_id, error)


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
