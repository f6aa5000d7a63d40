"""What every command needs: settings (env + global flags), a unit of work, input files read
with errors that name them, output helpers."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from faultmaven.accounts import audit
from faultmaven.accounts.service import os_user
from faultmaven.config import Settings
from faultmaven.errors import FaultMavenError, InvalidInput
from faultmaven.kit.db import make_engine, unit_of_work
from faultmaven.migrations import upgrade
from faultmaven.search.service import finish_background_work, session_factory_for

console = Console()
err_console = Console(stderr=True)


def settings_from(ctx: typer.Context) -> Settings:
    return ctx.obj["settings"]


@contextmanager
def session_scope(ctx: typer.Context, *, audited: bool = False) -> Iterator[Session]:
    """One unit of work for the command: commits at the end, rolls back on any error.

    ``audited``: the command writes, and its audit record is part of the same transaction,
    as an API write's is (api/auth.py ``audit_write``): the actor is the OS user, "from
    where" is ``cli``, the action is the command (e.g. ``cases create``), the object the one
    the command names (:func:`audit_objects`) or its id argument (case, runbook, token)."""
    settings = settings_from(ctx)
    engine = engine_for(settings)
    try:
        if settings.auto_migrate:
            upgrade(engine)
        factory = session_factory_for(engine, settings)
        try:
            with unit_of_work(factory) as session:
                yield session
                if audited:
                    _record_command(session, ctx)
        finally:
            finish_background_work(factory)
    finally:
        engine.dispose()


_AUDIT_OBJECTS = "faultmaven_cli_audit_objects"
_ID_ARGUMENTS = (("case_id", "case"), ("runbook_id", "runbook"), ("token_id", "token"))


def audit_objects(session: Session, kind: str, *ids: str, **details: object) -> None:
    """Name what the command wrote (what an API write's Location names): one audit record per
    id, each with ``details``."""
    found = session.info.setdefault(_AUDIT_OBJECTS, [])
    found.extend((kind, object_id, details) for object_id in ids)


def cli_actor(ctx: typer.Context) -> str:
    """Who acts at the CLI: the OS user (the CLI works on the database directly, so whoever
    can open it acts, in either mode)."""
    return str(ctx.find_root().obj.setdefault("actor", os_user()))


def _record_command(session: Session, ctx: typer.Context) -> None:
    if audit.recorded(session):  # a service audited its own write
        return
    command = ctx.command_path.partition(" ")[2]  # "cases create" (without the program)
    root = ctx.find_root().obj
    origin = audit.Origin(
        client="cli", request_id=root.setdefault("request_id", f"cli-{secrets.token_hex(6)}")
    )
    named = session.info.pop(_AUDIT_OBJECTS, None) or [
        (kind, str(ctx.params[arg]), {}) for arg, kind in _ID_ARGUMENTS if ctx.params.get(arg)
    ]
    for kind, object_id, details in named or [(None, None, {})]:
        audit.record(
            session,
            actor=cli_actor(ctx),
            action=command,
            object_type=kind,
            object_id=object_id,
            origin=origin,
            details=details,
        )


def engine_for(settings: Settings) -> Engine:
    """The configured database's engine (the caller disposes of it)."""
    ensure_data_dir(settings)
    return make_engine(settings.resolved_database_url)


def ensure_data_dir(settings: Settings) -> None:
    """Create the data directory when the default SQLite file lives there, or say what to fix."""
    if settings.database_url is not None:
        return
    directory = settings.data_dir
    fix = "choose another with --data-dir or FAULTMAVEN_DATA_DIR"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInput(
            f"cannot create the data directory {directory}: {_reason(error)}; {fix}."
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InvalidInput(f"cannot write to the data directory {directory}; {fix}.")


def read_json_file(path: Path) -> Any:
    """JSON from ``path`` (``-`` for stdin), or a clear InvalidInput."""
    return parse_json(read_text_file(path), path)


def parse_json(text: str, source: Path | str, *, first_line: int = 1) -> Any:
    """JSON from ``text`` read from ``source`` (where it starts at ``first_line``); an error
    names ``source:line``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        line = first_line + error.lineno - 1
        raise InvalidInput(
            f"{source}:{line}: not valid JSON: {error.msg} (column {error.colno})."
        ) from None


def read_text_file(path: Path) -> str:
    """UTF-8 text of ``path`` (``-`` for stdin). Not UTF-8: InvalidInput; an OS error (missing,
    a directory, no permission) goes up as it is, for :func:`user_mistake` to describe."""
    try:
        if str(path) == "-":
            return typer.get_text_stream("stdin").read()
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8."
        ) from None


def user_mistake(error: BaseException) -> str | None:
    """The one-line message for an ordinary user mistake: a FaultMavenError, or an OS error
    about a path the user gave (missing, a directory, no permission). None for anything else,
    which is a bug."""
    if isinstance(error, FaultMavenError):
        return error.message
    if isinstance(error, OSError) and error.filename is not None:
        return _path_problem(error)
    return None


def _path_problem(error: OSError) -> str:
    path = Path(os.fsdecode(error.filename))
    if isinstance(error, FileNotFoundError):
        if not path.parent.is_dir():
            return f"{path}: the directory {path.parent} does not exist; create it first."
        return f"{path} does not exist; check the path."
    if isinstance(error, IsADirectoryError):
        return f"{path} is a directory; give a file path."
    if isinstance(error, NotADirectoryError):
        return f"{path}: a part of this path is a file, not a directory; check the path."
    if isinstance(error, PermissionError):
        return f"{path}: permission denied; check its permissions or use another path."
    return f"{path}: {_reason(error)}."


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


Model = TypeVar("Model", bound=BaseModel)


def validated(model: type[Model], data: Any, source: Path | str) -> Model:
    """``model.model_validate(data)`` with the first problem in one line."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
        raise InvalidInput(f"{source}: {where}: {first['msg']}{more}") from None


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, default=str))


def run_queued_jobs(ctx: typer.Context) -> int:
    """Run queued jobs here and now (a terminal session has no worker thread)."""
    from faultmaven.assistant.runbook_writing import JOB_HANDLERS
    from faultmaven.jobs.worker import Worker

    settings = settings_from(ctx)
    engine = engine_for(settings)
    try:
        with console.status("Working on queued jobs (the LLM is writing)..."):
            return Worker(session_factory_for(engine, settings), JOB_HANDLERS).run_until_idle()
    finally:
        engine.dispose()
