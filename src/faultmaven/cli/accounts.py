"""``faultmaven users|teams|tokens|audit``: accounts of team mode, on the database directly
(whoever can open the database administers it)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from sqlalchemy.orm import Session

from faultmaven.accounts import audit as audit_log
from faultmaven.accounts import service
from faultmaven.accounts.schemas import AuditFilters, Role, Scope, Team, TokenInfo, User
from faultmaven.cli.context import console, print_json, session_scope
from faultmaven.errors import InvalidInput
from faultmaven.kit.clock import isoformat_z
from faultmaven.kit.pagination import MAX_LIMIT, PageRequest

users_app = typer.Typer(help="People who sign in (team mode).", no_args_is_help=True)
teams_app = typer.Typer(help="Teams and the role of each member.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (Authorization: Bearer).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _when(value: datetime | None) -> str:
    return isoformat_z(value)[:16].replace("T", " ") if value else "-"


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        table.add_column(column)
    return table


def _users_table(users: list[User]) -> None:
    table = _table(f"Users ({len(users)})", "id", "name", "email", "password", "teams")
    for user in users:
        teams = ", ".join(f"{team} ({role.value})" for team, role in user.teams.items())
        table.add_row(
            user.id, user.name, user.email or "-", "yes" if user.has_password else "no", teams
        )
    console.print(table)


def _teams_table(teams: list[Team]) -> None:
    table = _table(f"Teams ({len(teams)})", "id", "name", "members")
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


def _record(session: Session, action: str, object_type: str, object_id: str) -> None:
    """Account changes made on the database are audit events too (actor: the CLI)."""
    audit_log.record(
        session, actor="cli", action=action, object_type=object_type, object_id=object_id
    )


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
    from faultmaven.accounts.schemas import UserCreate
    from faultmaven.cli.context import validated

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        raise InvalidInput("--password-stdin: stdin held no password.")
    data = validated(UserCreate, {"name": name, "email": email, "password": password}, "user")
    with session_scope(ctx) as session:
        user = service.add_user(
            session,
            name=data.name,
            email=data.email,
            password=data.password.get_secret_value() if data.password else None,
        )
        _record(session, "users.add", "user", user.id)
    if as_json:
        print_json(user.model_dump(mode="json"))
        return
    console.print(f"Added user [bold]{user.name}[/bold] ({user.id}).")


@users_app.command("list")
def users_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Every user and their teams."""
    with session_scope(ctx) as session:
        users = service.list_users(session)
    if as_json:
        print_json([user.model_dump(mode="json") for user in users])
        return
    _users_table(users)


@teams_app.command("add")
def teams_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Team name.")],
    as_json: JsonFlag = False,
) -> None:
    """Add a team."""
    from faultmaven.accounts.schemas import UserCreate
    from faultmaven.cli.context import validated

    checked = validated(UserCreate, {"name": name}, "team").name  # the same rule as a user name
    with session_scope(ctx) as session:
        team = service.add_team(session, name=checked)
        _record(session, "teams.add", "team", team.id)
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
    with session_scope(ctx) as session:
        result = service.grant(session, team=team, user=user, role=role)
        _record(session, f"teams.grant {role.value}", "team", f"{result.id}:{user}")
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    console.print(f"{user} is {role.value} in {team}.")


@teams_app.command("list")
def teams_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Every team and its members."""
    with session_scope(ctx) as session:
        teams = service.list_teams(session)
    if as_json:
        print_json([team.model_dump(mode="json") for team in teams])
        return
    _teams_table(teams)


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
    with session_scope(ctx) as session:
        token = service.create_token(
            session, user=user, scope=scope, name=name, expires_in=lifetime
        )
        _record(session, "tokens.create", "token", token.id)
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
    with session_scope(ctx) as session:
        token = service.revoke_token(session, token_id=token_id)
        _record(session, "tokens.revoke", "token", token.id)
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
