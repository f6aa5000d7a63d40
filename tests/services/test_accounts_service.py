"""Accounts services on both databases: two admins adding the same name at the same moment get
one user and one 409, never a 500 from the unique constraint."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from faultmaven.accounts import service as accounts
from faultmaven.errors import Conflict
from faultmaven.kit.db import unit_of_work


def test_the_same_name_added_at_once(session_factory: sessionmaker[Session]) -> None:
    outcomes: list[str] = []

    def second_admin() -> None:
        try:
            with unit_of_work(session_factory) as session:
                accounts.add_user(session, name="ana")
                accounts.add_team(session, name="payments")
            outcomes.append("added")
        except Conflict as error:
            outcomes.append(error.code)

    with unit_of_work(session_factory) as session:
        accounts.add_user(session, name="ana")
        accounts.add_team(session, name="payments")
        other = threading.Thread(target=second_admin)
        other.start()
        # Let the other transaction get past its "name free?" check to the insert, which
        # waits for this one (PostgreSQL: the unique key; SQLite: the write lock).
        time.sleep(0.5)
    other.join()
    assert outcomes == ["USER_EXISTS"]
    with unit_of_work(session_factory) as session:
        assert [u.name for u in accounts.list_users(session).items] == ["ana"]
