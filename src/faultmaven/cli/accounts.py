"""``faultmaven users|teams|tokens|audit``: accounts of team mode, on the database directly
(whoever can open the database administers it)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from faultmaven.accounts import audit as audit_log
from faultmaven.accounts import service
from faultmaven.accounts.schemas import (
    AuditFilters,
    Role,
    Scope,
    Team,
    TeamCreate,
    TokenInfo,
    User,
    UserCreate,
    UserUpdate,
)
from faultmaven.cli.context import audit_objects, console, print_json, session_scope, validated
from faultmaven.errors import InvalidInput
from faultmaven.kit.clock import isoformat_z
from faultmaven.kit.pagination import MAX_LIMIT, PageRequest

users_app = typer.Typer(help="People who sign in (team mode).", no_args_is_help=True)
teams_app = typer.Typer(help="Teams and the role of each member.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (Authorization: Bearer).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
UserArg = Annotated[str, typer.Argument(help="User name.")]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, max=MAX_LIMIT, help="Items per page.")]
OffsetOpt = Annotated[int, typer.Option("--offset", min=0, help="Items to skip.")]


def _when(value: datetime | None) -> str:
    return isoformat_z(value)[:16].replace("T", " ") if value else "-"


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        table.add_column(column)
    return table


def _users_table(users: list[User], total: int) -> None:
    table = _table(f"Users ({total})", "id", "name", "email", "password", "disabled", "teams")
    for user in users:
        teams = ", ".join(f"{team} ({role.value})" for team, role in user.teams.items())
        table.add_row(
            user.id,
            user.name,
            user.email or "-",
            "yes" if user.has_password else "no",
            "yes" if user.disabled else "no",
            teams,
        )
    console.print(table)


def _teams_table(teams: list[Team], total: int) -> None:
    table = _table(f"Teams ({total})", "id", "name", "members")
    for team in teams:
        members = ", ".join(f"{user} ({role.value})" for user, role in team.members.items())
        table.add_row(team.id, team.name, members or "-")
    console.print(table)


def _tokens_table(tokens: list[TokenInfo]) -> None:
    table = _table(
        f"Tokens ({len(tokens)})", "id", "user", "name", "scope", "created", "expires", "revoked"
    )
    for token in tokens:
        table.add_row(
            token.id,
            token.user,
            token.name,
            token.scope.value,
            _when(token.created_at),
            _when(token.expires_at),
            _when(token.revoked_at),
        )
    console.print(table)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name (sign-in name).")],
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a password (first line) from stdin.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Add a user (then give them a role: faultmaven teams grant TEAM USER ROLE)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        raise InvalidInput("--password-stdin: stdin held no password.")
    data = validated(UserCreate, {"name": name, "email": email, "password": password}, "user")
    with session_scope(ctx, audited=True) as session:
        user = service.add_user(
            session,
            name=data.name,
            email=data.email,
            password=data.password.get_secret_value() if data.password else None,
        )
        audit_objects(session, "user", user.name)
    if as_json:
        print_json(user.model_dump(mode="json"))
        return
    console.print(f"Added user [bold]{user.name}[/bold] ({user.id}).")


@users_app.command("list")
def users_list(
    ctx: typer.Context, limit: LimitOpt = 50, offset: OffsetOpt = 0, as_json: JsonFlag = False
) -> None:
    """Users by name, with their teams (--json: one page, as GET /api/v1/users answers)."""
    with session_scope(ctx) as session:
        page = service.list_users(session, page=PageRequest(limit=limit, offset=offset))
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    _users_table(page.items, page.total_count)


@users_app.command("show")
def users_show(ctx: typer.Context, name: UserArg, as_json: JsonFlag = False) -> None:
    """A user and their teams."""
    with session_scope(ctx) as session:
        user = service.get_user(session, name=name)
    if as_json:
        print_json(user.model_dump(mode="json"))
        return
    _users_table([user], 1)


@users_app.command("update")
def users_update(
    ctx: typer.Context,
    name: UserArg,
    email: Annotated[str, typer.Option("--email", help="The new e-mail address; '' removes it.")],
    as_json: JsonFlag = False,
) -> None:
    """Change a user's e-mail address."""
    changes = validated(UserUpdate, {"email": email or None}, "--email")
    with session_scope(ctx, audited=True) as session:
        user = service.update_user(session, name=name, changes=changes)
        audit_objects(session, "user", user.name)
    if as_json:
        print_json(user.model_dump(mode="json"))
        return
    console.print(f"{user.name}: e-mail {user.email or 'removed'}.")


def _set_disabled(ctx: typer.Context, name: str, disabled: bool, as_json: bool) -> None:
    with session_scope(ctx, audited=True) as session:
        user = service.update_user(session, name=name, changes=UserUpdate(disabled=disabled))
        audit_objects(session, "user", user.name, disabled=disabled)
    if as_json:
        print_json(user.model_dump(mode="json"))
        return
    console.print(f"{user.name} is {'disabled' if disabled else 'enabled'}.")


@users_app.command("disable")
def users_disable(ctx: typer.Context, name: UserArg, as_json: JsonFlag = False) -> None:
    """Disable a user: they can no longer sign in, their sessions end and their API tokens
    are refused (on every server, from the next request on) until enabled again."""
    _set_disabled(ctx, name, True, as_json)


@users_app.command("enable")
def users_enable(ctx: typer.Context, name: UserArg, as_json: JsonFlag = False) -> None:
    """Enable a disabled user again (their API tokens work again; ended sessions stay ended)."""
    _set_disabled(ctx, name, False, as_json)


@teams_app.command("add")
def teams_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Team name.")],
    as_json: JsonFlag = False,
) -> None:
    """Add a team."""
    checked = validated(TeamCreate, {"name": name}, "team").name
    with session_scope(ctx, audited=True) as session:
        team = service.add_team(session, name=checked)
        audit_objects(session, "team", team.name)
    if as_json:
        print_json(team.model_dump(mode="json"))
        return
    console.print(f"Added team [bold]{team.name}[/bold] ({team.id}).")


@teams_app.command("grant")
def teams_grant(
    ctx: typer.Context,
    team: Annotated[str, typer.Argument(help="Team name.")],
    user: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[Role, typer.Argument(help="viewer, responder, editor or admin.")],
    as_json: JsonFlag = False,
) -> None:
    """Give USER the ROLE in TEAM (replaces the role they had there)."""
    with session_scope(ctx, audited=True) as session:
        result = service.grant(session, team=team, user=user, role=role)
        audit_objects(session, "team", result.name, user=user, role=role.value)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    console.print(f"{user} is {role.value} in {team}.")


@teams_app.command("revoke")
def teams_revoke(
    ctx: typer.Context,
    team: Annotated[str, typer.Argument(help="Team name.")],
    user: UserArg,
    as_json: JsonFlag = False,
) -> None:
    """Take USER out of TEAM: their role there ends from the next request on."""
    with session_scope(ctx, audited=True) as session:
        result = service.revoke_membership(session, team=team, user=user)
        audit_objects(session, "team", result.name, user=user)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    console.print(f"{user} is no longer in {team}.")


@teams_app.command("list")
def teams_list(
    ctx: typer.Context, limit: LimitOpt = 50, offset: OffsetOpt = 0, as_json: JsonFlag = False
) -> None:
    """Teams by name, with their members (--json: one page, as GET /api/v1/teams answers)."""
    with session_scope(ctx) as session:
        page = service.list_teams(session, page=PageRequest(limit=limit, offset=offset))
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    _teams_table(page.items, page.total_count)


@tokens_app.command("create")
def tokens_create(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="The user the token acts as.")],
    scope: Annotated[Scope, typer.Option("--scope", help="read, write or admin.")],
    expires: Annotated[
        str, typer.Option("--expires", help="Lifetime: 90d, 12h, 30m, 2w or never.")
    ] = "90d",
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "api token",
    as_json: JsonFlag = False,
) -> None:
    """Create an API token and print it once (it is stored only as a hash)."""
    lifetime = service.parse_duration(expires)
    with session_scope(ctx, audited=True) as session:
        token = service.create_token(
            session, user=user, scope=scope, name=name, expires_in=lifetime
        )
        audit_objects(session, "token", token.id, user=user, scope=scope.value)
    if as_json:
        print_json(token.model_dump(mode="json"))
        return
    console.print(
        f"Token {token.id} for {token.user} (scope {token.scope.value}, expires "
        f"{_when(token.expires_at)}). Shown once; store it now:"
    )
    typer.echo(token.token)


@tokens_app.command("revoke")
def tokens_revoke(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(help="Token id, e.g. tok_3f9a1c0b7d2e.")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a token: refused from the next request on, on every server."""
    with session_scope(ctx, audited=True) as session:
        token = service.revoke_token(session, token_id=token_id)
    if as_json:
        print_json(token.model_dump(mode="json"))
        return
    console.print(f"Revoked {token.id} ({token.user}, {token.name}).")


@tokens_app.command("list")
def tokens_list(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", help="Only this user's.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Tokens (never their secrets)."""
    with session_scope(ctx) as session:
        tokens = service.list_tokens(session, user=user)
    if as_json:
        print_json([token.model_dump(mode="json") for token in tokens])
        return
    _tokens_table(tokens)


def audit(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this actor.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Action prefix.")] = None,
    object_id: Annotated[str | None, typer.Option("--object", help="Only this object.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_LIMIT)] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: JsonFlag = False,
) -> None:
    """The audit log, newest first: every write and every authentication event."""
    filters = AuditFilters(actor=actor, action=action, object_id=object_id)
    with session_scope(ctx) as session:
        page = audit_log.list_audit(
            session, filters=filters, page=PageRequest(limit=limit, offset=offset)
        )
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    table = _table(
        f"Audit ({page.total_count})",
        "when",
        "actor",
        "action",
        "object",
        "outcome",
        "from",
        "request",
    )
    for entry in page.items:
        table.add_row(
            _when(entry.at),
            entry.actor,
            entry.action,
            f"{entry.object_type or ''} {entry.object_id or ''}".strip() or "-",
            entry.outcome,
            entry.client or "-",
            entry.request_id or "-",
        )
    console.print(table)
