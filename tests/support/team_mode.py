"""Team mode for API tests: an app with FAULTMAVEN_AUTH=required, and people with tokens made
on the database directly (as ``faultmaven users|teams|tokens`` make them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from faultmaven.accounts import service as accounts
from faultmaven.accounts.models import TokenRow
from faultmaven.accounts.schemas import Role, Scope
from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.kit.clock import utcnow
from faultmaven.kit.db import make_engine, make_session_factory, unit_of_work


@contextmanager
def team_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"auth": "required"}))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


class People:
    """Users, teams and tokens in the test database."""

    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings.resolved_database_url)
        self.factory = make_session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def team(self, name: str) -> str:
        with unit_of_work(self.factory) as session:
            return accounts.add_team(session, name=name).id

    def user(self, name: str, *grants: tuple[str, Role], password: str | None = None) -> None:
        with unit_of_work(self.factory) as session:
            accounts.add_user(session, name=name, password=password)
            for team, role in grants:
                accounts.grant(session, team=team, user=name, role=role)

    def token(self, user: str, scope: Scope = Scope.admin) -> tuple[str, str]:
        """(token id, header value)."""
        with unit_of_work(self.factory) as session:
            made = accounts.create_token(session, user=user, scope=scope, name="test")
        return made.id, f"Bearer {made.token}"

    def expire(self, token_id: str) -> None:
        with unit_of_work(self.factory) as session:
            session.execute(
                update(TokenRow)
                .where(TokenRow.id == token_id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )

    def revoke(self, token_id: str) -> None:
        with unit_of_work(self.factory) as session:
            accounts.revoke_token(session, token_id=token_id)
