"""/api/v1/users and /api/v1/teams (admin): people, teams and the role of each member.
The CLI's ``faultmaven users|teams`` do the same on the database directly."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request, Response, status

from faultmaven.accounts import service as accounts
from faultmaven.accounts.schemas import Membership, Team, TeamCreate, User, UserCreate, UserUpdate
from faultmaven.api.deps import PageDep, SessionDep
from faultmaven.api.routing import ErrorBody, FaultMavenRoute
from faultmaven.kit.fields import Name
from faultmaven.kit.pagination import Page

router = APIRouter(tags=["users and teams"], route_class=FaultMavenRoute)

UserName = Annotated[Name, Path(description="The user's name.")]
TeamName = Annotated[Name, Path(description="The team's name.")]
Responses = dict[int | str, dict[str, Any]]
_USER_404: Responses = {404: {"model": ErrorBody, "description": "No such user."}}
_TEAM_404: Responses = {404: {"model": ErrorBody, "description": "No such team (or user)."}}


@router.get("/users", response_model=Page[User])
def list_users(session: SessionDep, page: PageDep) -> Page[User]:
    """Every user by name, with their role in each team."""
    return accounts.list_users(session, page=page)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=User,
    responses={409: {"model": ErrorBody, "description": "A user with this name exists."}},
)
def add_user(body: UserCreate, session: SessionDep, response: Response) -> User:
    """Add a user (name, optional e-mail and password for POST /auth/login); then give them
    a role: PUT /teams/{team}/members/{user}."""
    user = accounts.add_user(
        session,
        name=body.name,
        email=body.email,
        password=body.password.get_secret_value() if body.password else None,
    )
    response.headers["Location"] = f"/api/v1/users/{quote(user.name)}"
    return user


@router.get("/users/{name}", response_model=User, responses=_USER_404)
def get_user(name: UserName, session: SessionDep) -> User:
    """A user and their memberships (team name -> role)."""
    return accounts.get_user(session, name=name)


@router.patch(
    "/users/{name}",
    response_model=User,
    responses={
        **_USER_404,
        409: {"model": ErrorBody, "description": "An admin cannot disable themselves."},
    },
)
def update_user(name: UserName, body: UserUpdate, request: Request, session: SessionDep) -> User:
    """Change a user's e-mail, or disable (enable) them: a disabled user's sessions end and
    their API tokens are refused from the next request on, on every server."""
    return accounts.update_user(session, name=name, changes=body, by=request.state.principal)


@router.get("/teams", response_model=Page[Team])
def list_teams(session: SessionDep, page: PageDep) -> Page[Team]:
    """Every team by name, with its members (user name -> role)."""
    return accounts.list_teams(session, page=page)


@router.post(
    "/teams",
    status_code=status.HTTP_201_CREATED,
    response_model=Team,
    responses={409: {"model": ErrorBody, "description": "A team with this name exists."}},
)
def add_team(body: TeamCreate, session: SessionDep, response: Response) -> Team:
    """Add a team."""
    team = accounts.add_team(session, name=body.name)
    response.headers["Location"] = f"/api/v1/teams/{quote(team.name)}"
    return team


@router.get("/teams/{team}", response_model=Team, responses=_TEAM_404)
def get_team(team: TeamName, session: SessionDep) -> Team:
    """A team and its members."""
    return accounts.get_team(session, name=team)


@router.put("/teams/{team}/members/{user}", response_model=Team, responses=_TEAM_404)
def grant(
    team: TeamName, user: UserName, body: Membership, request: Request, session: SessionDep
) -> Team:
    """Give the user this role in the team (replacing the role they had there)."""
    request.state.audit_details = {"user": user, "role": body.role.value}
    return accounts.grant(session, team=team, user=user, role=body.role)


@router.delete(
    "/teams/{team}/members/{user}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"model": ErrorBody, "description": "No such team, user or membership."}},
)
def revoke(team: TeamName, user: UserName, request: Request, session: SessionDep) -> Response:
    """Take the user out of the team: their role there ends from the next request on."""
    request.state.audit_details = {"user": user}
    accounts.revoke_membership(session, team=team, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
