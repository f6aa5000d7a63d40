"""The ``faultmaven`` command: entry point, global options and error handling.

Exit codes: 0 success, 1 user error (bad file, unknown id, wrong state), 2 usage error.
Path parameters are declared ``readable=False``: a file the user may not read is reported by
the command, in one line with exit code 1, like every other file problem (click's own check
would print a usage box and exit 2).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup

from faultmaven import __version__
from faultmaven.cli import accounts, analytics, bench, cases, imports, recurring, runbooks, search
from faultmaven.cli.context import (
    console,
    engine_for,
    ensure_data_dir,
    err_console,
    settings_from,
    user_mistake,
)
from faultmaven.config import Settings
from faultmaven.errors import InvalidInput


class _Group(TyperGroup):
    """Every ordinary mistake from any command (a domain error, a path that is missing, a
    directory or not permitted, an unusable database): one line on stderr, exit code 1.
    Anything else is a bug and says so."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            _fail(f"cannot use the database: {reason}")
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            mistake = user_mistake(error)
            if mistake is not None:
                _fail(mistake)
            if os.environ.get("FAULTMAVEN_DEBUG") == "1" or type(error).__module__.startswith(
                ("typer", "click")
            ):
                raise
            _fail(
                f"unexpected {type(error).__name__}: {error} (a bug; FAULTMAVEN_DEBUG=1 shows "
                "the traceback)"
            )


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


app = typer.Typer(
    cls=_Group,
    name="faultmaven",
    help="FaultMaven: turn resolved troubleshooting cases into runbooks, and find them again.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.add_typer(cases.app, name="cases")
app.add_typer(runbooks.app, name="runbooks")
app.add_typer(search.app, name="search")
app.add_typer(bench.app, name="bench")
app.add_typer(analytics.app, name="analytics")
app.add_typer(imports.app, name="import")
app.add_typer(accounts.users_app, name="users")
app.add_typer(accounts.teams_app, name="teams")
app.add_typer(accounts.tokens_app, name="tokens")
app.command("audit")(accounts.audit)
analytics.app.command("recurring")(recurring.recurring)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"faultmaven {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="FAULTMAVEN_DATA_DIR",
            help="Data directory (SQLite file, local files).",
            readable=False,
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="FAULTMAVEN_DATABASE_URL",
            help="Database URL; default: SQLite in the data directory.",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    overrides: dict[str, Any] = {"data_dir": data_dir, "database_url": database_url}
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as error:
        first = error.errors()[0]
        raise typer.BadParameter(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    ctx.obj = {"settings": settings}


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(envvar="FAULTMAVEN_HOST", help="Address (default 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, envvar="FAULTMAVEN_PORT", help="Port (default 8090)."),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo cases and runbooks if the store is empty.")
    ] = False,
) -> None:
    """Run the REST API (docs at /docs). The access log shows paths without query strings."""
    import uvicorn

    from faultmaven.app import create_app
    from faultmaven.cli.access_log import uvicorn_log_config

    settings = settings_from(ctx)
    if not _is_loopback(host or settings.host) and settings.auth != "required":
        _refuse_open_bind(host or settings.host)
    ensure_data_dir(settings)
    if demo:
        _seed_if_empty(ctx)
    app_ = create_app(settings)
    console.print(
        f"FaultMaven {__version__}: database {settings.resolved_database_url.split('@')[-1]}"
    )
    bind = host or settings.host
    if not _is_loopback(bind) and set(settings.allowed_host_names) <= _LOOPBACK_NAMES:
        err_console.print(
            f"Listening on {bind}, but only requests for localhost, 127.0.0.1 and ::1 are "
            "answered (others get 400 HOST_NOT_ALLOWED, the DNS-rebinding protection). Set "
            "FAULTMAVEN_ALLOWED_HOSTS to the names clients use, e.g. "
            "FAULTMAVEN_ALLOWED_HOSTS=faultmaven.example.com,10.0.0.5 (or * behind a proxy that "
            "checks Host)."
        )
    uvicorn.run(
        app_,
        host=bind,
        port=port or settings.port,
        log_level="info",
        log_config=uvicorn_log_config(),
    )


_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def _refuse_open_bind(bind: str) -> NoReturn:
    raise InvalidInput(
        f"refusing to serve on {bind} without sign-in: anyone who reaches the port could read "
        "and change everything. Set up team mode: FAULTMAVEN_AUTH=required, then `faultmaven "
        "users add NAME`, `faultmaven teams grant default NAME admin` and `faultmaven tokens "
        "create NAME --scope admin` (see the README, 'Team mode'); or serve on 127.0.0.1."
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _seed_if_empty(ctx: typer.Context) -> None:
    from rich.progress import Progress

    from faultmaven.cli.context import session_scope
    from faultmaven.demo import load_demo_cases
    from faultmaven.demo.seed import seed_demo
    from faultmaven.runbooks import service as runbooks_service

    with session_scope(ctx) as session:
        if runbooks_service.list_runbooks(session).total_count:
            console.print("Store is not empty; demo data not loaded.")
            return
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Loading demo cases", total=len(load_demo_cases()))
            count = seed_demo(session, on_loaded=lambda _rb: progress.advance(task))
    console.print(f"Loaded {count} demo cases and their runbooks.")


@app.command()
def demo(
    ctx: typer.Context,
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Write into your database instead of a throwaway one."),
    ] = False,
) -> None:
    """Walk through a whole case: open, investigate, resolve, accept the offer, search."""
    from faultmaven.cli.demo import run_demo

    run_demo(ctx, keep=keep)


@app.command("chat")
def chat_command(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(help="The case to talk about.")],
) -> None:
    """Talk with the assistant about a case; pick suggested actions by number."""
    from faultmaven.cli.chat import chat

    chat(ctx, case_id)


@app.command()
def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run the queued jobs, then exit.")] = False,
) -> None:
    """Run jobs (LLM-written runbooks) for API replicas started with FAULTMAVEN_WORKER_THREADS=0."""
    from faultmaven.assistant.runbook_writing import JOB_HANDLERS
    from faultmaven.jobs.worker import Worker
    from faultmaven.migrations import upgrade
    from faultmaven.search.service import session_factory_for

    settings = settings_from(ctx)
    engine = engine_for(settings)
    if settings.auto_migrate:
        upgrade(engine)
    runner = Worker(session_factory_for(engine, settings), JOB_HANDLERS)
    try:
        if once:
            console.print(f"Ran {runner.run_until_idle()} jobs.")
        else:
            console.print("Worker running; Ctrl-C to stop.")
            runner.run_forever()
    except KeyboardInterrupt:
        console.print("Worker stopped.")
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply database migrations (the API and CLI also do this on start)."""
    from faultmaven.migrations import current_revision, upgrade

    engine = engine_for(settings_from(ctx))
    try:
        upgrade(engine)
        console.print(f"Database schema at revision {current_revision(engine)}.")
    finally:
        engine.dispose()


def run() -> None:
    """Console-script entry point."""
    app()
