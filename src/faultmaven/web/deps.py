"""Request-scoped dependencies of the pages, as api/deps.py for the API: one unit of work per
request (a GET reads in a read-only transaction; a POST writes in one transaction, committed
before the answer is sent, so a failed commit is an error page, never a false success), the
principal checked against the page's need, the CSRF check of every form post, and the audit
record of every successful write (the API's, with the page's route as the action).

A page declares what it needs by its parameter type: ``ViewPage`` (viewer), ``RespondPage``
(responder), ``EditPage`` (editor); each gives a ``PageContext`` with the session and the
principal. Pages call services with ``page.session`` and ``actor=page.actor``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from faultmaven.accounts import audit
from faultmaven.accounts.schemas import Principal
from faultmaven.kit.db import unit_of_work
from faultmaven.web import csrf
from faultmaven.web.auth import EDIT, RESPOND, VIEW, Need, authorize


def _origin(request: Request) -> audit.Origin:
    client = request.client.host if request.client else None
    return audit.Origin(client=client, request_id=secrets.token_hex(8))


_READS_ONLY = "faultmaven_reads_only"


def reads_only(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a POST page that changes nothing (e.g. a preview): it reads in a read-only
    transaction (no SQLite write lock) though its form is still CSRF-checked."""
    setattr(endpoint, _READS_ONLY, True)
    return endpoint


def _session(request: Request, _csrf: Annotated[None, Depends(csrf.check)]) -> Iterator[Session]:
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    write = request.method == "POST" and not getattr(endpoint, _READS_ONLY, False)
    with unit_of_work(request.app.state.session_factory, write=write) as session:
        yield session
        principal: Principal | None = getattr(request.state, "principal", None)
        written: tuple[str, str] | None = getattr(request.state, "written", None)
        if write and principal is not None and written is not None:
            route = getattr(request.scope.get("route"), "path", request.url.path)
            kind, object_id = written
            audit.record(
                session,
                actor=principal.name,
                action=f"web POST {route}",
                object_type=kind,
                object_id=object_id,
                status_code=303,
                origin=_origin(request),
            )


SessionDep = Annotated[Session, Depends(_session, scope="function")]


@dataclass
class PageContext:
    """What a page works with: the request, its unit of work and who acts."""

    request: Request
    session: Session
    principal: Principal

    @property
    def actor(self) -> str:
        return self.principal.name

    def wrote(self, kind: str, object_id: str) -> None:
        """Name the record a form post changed (for its audit record)."""
        self.request.state.written = (kind, object_id)


def _page(need: Need) -> Callable[..., PageContext]:
    def dependency(request: Request, session: SessionDep) -> PageContext:
        return PageContext(request, session, authorize(session, request, need))

    return dependency


ViewPage = Annotated[PageContext, Depends(_page(VIEW))]
RespondPage = Annotated[PageContext, Depends(_page(RESPOND))]
EditPage = Annotated[PageContext, Depends(_page(EDIT))]
