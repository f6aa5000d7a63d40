"""Request-scoped dependencies: the unit of work, the acting principal, paging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session

from faultmaven.api.auth import audit_write, authorize
from faultmaven.api.idempotency import WRITE_METHODS, IdempotentReplay, claim_of, reply_of
from faultmaven.kit import idempotency
from faultmaven.kit.clock import utcnow
from faultmaven.kit.db import unit_of_work
from faultmaven.kit.fields import Offset
from faultmaven.kit.idempotency import Claim
from faultmaven.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest


def _session(
    request: Request, claim: Annotated[Claim | None, Depends(claim_of)]
) -> Iterator[Session]:
    """One transaction per request, committed when the endpoint returns (before the response is
    sent, so a failed commit is an error response, never a false success). Reads (GET) run in
    a read-only transaction; writes take the write lock at their start (SQLite). A write with
    an ``Idempotency-Key`` seen before answers the stored answer; a new one stores its answer
    in its own transaction."""
    settings = request.app.state.settings
    write = request.method in WRITE_METHODS
    with unit_of_work(request.app.state.session_factory, write=write) as session:
        authorize(session, request)  # before a replay: a stored answer is no way around it
        if claim is not None:
            reply = idempotency.replay(session, claim, now=utcnow())
            if reply is not None:
                raise IdempotentReplay(reply)
        yield session
        response = getattr(request.state, "response", None)
        if write and response is not None and 200 <= response.status_code < 300:
            audit_write(session, request, response)
        if claim is not None and response is not None and 200 <= response.status_code < 300:
            idempotency.remember(
                session,
                claim,
                reply_of(response),
                now=utcnow(),
                ttl=timedelta(hours=settings.idempotency_ttl_hours),
            )


SessionDep = Annotated[Session, Depends(_session, scope="function")]


def _actor(
    request: Request,
    _session: SessionDep,  # authenticated there
    x_faultmaven_actor: Annotated[
        str | None,
        Header(
            description="Local mode: who is acting (user name or tool, a name: letters, digits, "
            "spaces and _ . - / : @ +, no e-mail or IP address); default the OS user. Ignored "
            "in team mode (the signed-in user acts)."
        ),
    ] = None,
) -> str:
    principal = getattr(request.state, "principal", None)
    return principal.name if principal is not None else "anonymous"


def _page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    offset: Annotated[Offset, Query(description="Items to skip.")] = 0,
) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


ActorDep = Annotated[str, Depends(_actor)]
PageDep = Annotated[PageRequest, Depends(_page)]
