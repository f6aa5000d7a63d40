"""What every command needs: settings (env + global flags), a unit of work, output helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from sqlalchemy.orm import Session

from faultmaven.config import Settings
from faultmaven.errors import InvalidInput
from faultmaven.kit.db import make_engine, unit_of_work
from faultmaven.migrations import upgrade
from faultmaven.search.service import session_factory_for

console = Console()
err_console = Console(stderr=True)


def settings_from(ctx: typer.Context) -> Settings:
    return ctx.obj["settings"]


@contextmanager
def session_scope(ctx: typer.Context) -> Iterator[Session]:
    """One unit of work for the command: commits at the end, rolls back on any error."""
    settings = settings_from(ctx)
    engine = make_engine(settings.resolved_database_url)
    try:
        if settings.auto_migrate:
            upgrade(engine)
        with unit_of_work(session_factory_for(engine, settings)) as session:
            yield session
    finally:
        engine.dispose()


def read_json_file(path: Path) -> Any:
    """JSON from ``path`` (``-`` for stdin), or a clear InvalidInput."""
    text = read_text_file(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}."
        ) from None


def read_text_file(path: Path) -> str:
    """UTF-8 text of ``path`` (``-`` for stdin), or a clear InvalidInput."""
    try:
        if str(path) == "-":
            return typer.get_text_stream("stdin").read()
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist.") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text.") from None
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}.") from None


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
    engine = make_engine(settings.resolved_database_url)
    try:
        with console.status("Working on queued jobs (the LLM is writing)..."):
            return Worker(session_factory_for(engine, settings), JOB_HANDLERS).run_until_idle()
    finally:
        engine.dispose()
