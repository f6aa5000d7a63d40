"""/api/v1/auth: logout, and the caller's sign-in sessions (list, end one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from faultmaven.accounts import sessions
from faultmaven.accounts.schemas import Principal, SessionInfo
from faultmaven.api.auth import origin_of
from faultmaven.api.deps import SessionDep
from faultmaven.api.routing import ErrorBody, FaultMavenRoute
from faultmaven.kit.fields import EntityId, Name

router = APIRouter(prefix="/auth", tags=["accounts"], route_class=FaultMavenRoute)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={422: {"model": ErrorBody, "description": "Not signed in with a session."}},
)
def logout(request: Request, session: SessionDep) -> Response:
    """End the session this request is made with: its token is refused from the next request
    on, on every server. (An API token is revoked with DELETE /tokens/{id} instead.)"""
    principal: Principal = request.state.principal
    sessions.logout(session, by=principal, origin=origin_of(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/sessions",
    response_model=list[SessionInfo],
    responses={403: {"model": ErrorBody, "description": "Another user's, and not an admin."}},
)
def list_sessions(
    request: Request,
    session: SessionDep,
    user: Annotated[
        Name | None, Query(description="An admin: this user's sessions (default: your own).")
    ] = None,
) -> list[SessionInfo]:
    """Your live sessions, newest first: when each signed in and how (password or oidc), from
    which address, when it expires and was last used (to within a few minutes); ``current``
    marks the one this request uses."""
    return sessions.list_sessions(session, by=request.state.principal, user=user)


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"model": ErrorBody, "description": "No such session of yours."}},
)
def end_session(
    session_id: Annotated[EntityId, Path()], request: Request, session: SessionDep
) -> Response:
    """End one of your sessions (an admin: anyone's), e.g. one left signed in elsewhere."""
    sessions.end_session(
        session, session_id=session_id, by=request.state.principal, origin=origin_of(request)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
