"""Request-scoped dependencies: the unit of work, the acting principal, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session

from faultmaven.errors import InvalidInput
from faultmaven.kit.db import unit_of_work
from faultmaven.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest


def _session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed when the endpoint returns (before the response is
    sent, so a failed commit is an error response, never a false success)."""
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


def _actor(
    x_faultmaven_actor: Annotated[
        str | None,
        Header(description="Who is acting (user name or tool); default 'anonymous'."),
    ] = None,
) -> str:
    actor = (x_faultmaven_actor or "anonymous").strip()
    if not actor or len(actor) > 200:
        raise InvalidInput("X-FaultMaven-Actor must be 1 to 200 characters.")
    return actor


def _page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


SessionDep = Annotated[Session, Depends(_session, scope="function")]
ActorDep = Annotated[str, Depends(_actor)]
PageDep = Annotated[PageRequest, Depends(_page)]
