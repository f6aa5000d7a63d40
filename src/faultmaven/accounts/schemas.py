"""Request and response types of accounts, and the acting principal."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from faultmaven.kit.access import EVERYONE, Viewer
from faultmaven.kit.fields import Name


class Role(StrEnum):
    """What a member may do in a team; each role includes the ones before it."""

    viewer = "viewer"  # read and search
    responder = "responder"  # cases: open, record, resolve, answer the offer; runbooks from them
    editor = "editor"  # write, publish and archive runbooks
    admin = "admin"  # users, teams, tokens, settings, the audit log

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class Scope(StrEnum):
    """What an API token may do, whatever its user's role: read < write < admin."""

    read = "read"
    write = "write"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Scope).index(self)


class Visibility(StrEnum):
    private = "private"  # the author alone
    team = "team"  # the owning team (the default)
    organization = "organization"  # everyone signed in


class Mode(IntEnum):
    local = 0
    team = 1


@dataclass(frozen=True)
class Principal:
    """Who acts: a user (through a token, a session or local mode) and what it may do.

    ``roles``: team id -> role. ``scope``: the token's scope (None: not limited by a token).
    ``local``: local mode (one person on a laptop: every right, every record)."""

    name: str
    user_id: str | None = None
    roles: dict[str, Role] = field(default_factory=dict)
    team_names: dict[str, str] = field(default_factory=dict)  # team id -> name
    scope: Scope | None = None
    token_id: str | None = None
    local: bool = False

    @property
    def top_role(self) -> Role | None:
        if self.local:
            return Role.admin
        return max(self.roles.values(), key=lambda role: role.rank, default=None)

    def has(self, role: Role, scope: Scope) -> bool:
        """At least ``role`` in some team, and a token (if any) of at least ``scope``."""
        top = self.top_role
        if top is None or top.rank < role.rank:
            return False
        return self.scope is None or self.scope.rank >= scope.rank

    def role_in(self, team_id: str | None) -> Role | None:
        if self.local:
            return Role.admin
        return self.roles.get(team_id) if team_id else None

    def home_team(self, preferred: str | None = None) -> str | None:
        """The team new records go to: ``preferred`` (a team id) if a member, else the team
        where the role is highest (then by id)."""
        if preferred is not None and preferred in self.roles:
            return preferred
        ranked = sorted(self.roles.items(), key=lambda item: (-item[1].rank, item[0]))
        return ranked[0][0] if ranked else None

    def viewer(self, *, acting_as: Role = Role.viewer, team_id: str | None = None) -> Viewer:
        """What this principal sees, and changes where its role is at least ``acting_as``;
        new records go to ``team_id`` (locally: any team, everything else unrestricted)."""
        if self.local and team_id is not None:
            return replace(EVERYONE, team_id=team_id)
        if self.local or self.user_id is None:
            return EVERYONE
        return Viewer.of(
            user_id=self.user_id,
            team_ids=self.roles,
            write_teams=[t for t, role in self.roles.items() if role.rank >= acting_as.rank],
            team_id=self.home_team(team_id),
        )


Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    email: Email | None = None
    password: SecretStr | None = Field(default=None, min_length=8, max_length=1000)


class UserUpdate(BaseModel):
    """A change to a user: only the fields given change (``email: null`` removes it)."""

    model_config = ConfigDict(extra="forbid")
    email: Email | None = None
    disabled: bool | None = Field(
        default=None,
        description="true: the user can no longer sign in, and their API tokens and sessions "
        "stop working at once (sessions are ended); false: enabled again.",
    )


class User(BaseModel):
    id: str
    name: str
    email: str | None
    disabled: bool = Field(description="A disabled user can neither sign in nor use tokens.")
    has_password: bool
    created_at: datetime
    teams: dict[str, Role] = Field(default_factory=dict, description="Team name -> role.")


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name


class Membership(BaseModel):
    """Body of PUT /teams/{team}/members/{user}."""

    model_config = ConfigDict(extra="forbid")
    role: Role = Field(description="viewer, responder, editor or admin.")


class Team(BaseModel):
    id: str
    name: str
    created_at: datetime
    members: dict[str, Role] = Field(default_factory=dict, description="User name -> role.")


class TokenInfo(BaseModel):
    id: str
    user: str
    name: str
    scope: Scope
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(
        default=None, description="When it was last used, to within a few minutes."
    )


class TokenCreated(TokenInfo):
    token: str = Field(description="The secret: shown this once, stored only as a hash.")


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    password: SecretStr = Field(max_length=1000)


class LoginResult(BaseModel):
    token: str = Field(description="A session token: send it as Authorization: Bearer <token>.")
    token_type: str = "bearer"
    expires_at: datetime
    user: str
    session_id: str = Field(description="The session's id (GET /auth/sessions lists them).")


class SignInMethod(StrEnum):
    password = "password"
    oidc = "oidc"


class SessionInfo(BaseModel):
    """A sign-in session (never its secret)."""

    id: str
    user: str
    signed_in_with: SignInMethod
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = Field(
        description="When it was last used, to within a few minutes (null: not since sign-in)."
    )
    client: str | None = Field(description="The client address it signed in from.")
    current: bool = Field(description="The session this request is made with.")


class AuditEntry(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    status_code: int | None
    client: str | None
    request_id: str | None
    details: dict[str, Any]


class AuditFilters(BaseModel):
    actor: str | None = None
    action: str | None = None
    object_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
