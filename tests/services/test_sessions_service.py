"""The session functions a web login calls (accounts/sessions.py), on both databases: sign in
with a password, who a session token is, logout by the token, the login limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.accounts import audit, sessions
from faultmaven.accounts import service as accounts
from faultmaven.accounts.schemas import Role, SignInMethod
from faultmaven.errors import TooManyRequests, Unauthorized
from faultmaven.kit.db import unit_of_work

LIMITS = sessions.LoginLimits(per_name=3, per_address=10, window=timedelta(minutes=15))
WHERE = audit.Origin(client="10.1.2.3", request_id="web-1")


def _sign_in(factory: sessionmaker[Session], password: str) -> sessions.SignedIn:
    with unit_of_work(factory) as session:
        return sessions.sign_in_with_password(
            session,
            name="ana",
            password=password,
            limits=LIMITS,
            lifetime=timedelta(hours=1),
            origin=WHERE,
        )


def test_sign_in_resolve_and_end_by_token(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as session:
        accounts.add_team(session, name="alpha")
        accounts.add_user(session, name="ana", password="correct horse battery")
        accounts.grant(session, team="alpha", user="ana", role=Role.editor)
    signed_in = _sign_in(session_factory, "correct horse battery")
    assert signed_in.principal.name == "ana" and signed_in.principal.token_id
    assert signed_in.session.signed_in_with is SignInMethod.password
    assert signed_in.session.client == "10.1.2.3" and signed_in.session.current
    with unit_of_work(session_factory) as session:
        principal = sessions.principal_for_session(session, token=signed_in.token)
        assert principal.top_role is Role.editor
        assert principal.token_id == signed_in.session.id
    with unit_of_work(session_factory) as session:
        ended = sessions.end_session_by_token(session, token=signed_in.token, origin=WHERE)
        assert ended is not None and ended.id == signed_in.session.id
    with unit_of_work(session_factory) as session, pytest.raises(Unauthorized) as refused:
        sessions.principal_for_session(session, token=signed_in.token)
    assert refused.value.code == "TOKEN_REVOKED"
    with unit_of_work(session_factory) as session:
        assert sessions.end_session_by_token(session, token=signed_in.token) is None  # twice
        assert sessions.end_session_by_token(session, token="fm_unknown") is None
        log = audit.list_audit(session).items
    assert [(e.action, e.object_id, e.client) for e in reversed(log)] == [
        ("auth.login", signed_in.session.id, "10.1.2.3"),
        ("auth.logout", signed_in.session.id, "10.1.2.3"),
    ]


def test_failed_sign_ins_count_towards_the_limit(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as session:
        accounts.add_user(session, name="ana", password="correct horse battery")
    for _ in range(LIMITS.per_name):
        with pytest.raises(Unauthorized):
            _sign_in(session_factory, "wrong")
        with unit_of_work(session_factory) as session:  # the caller's failure, recorded apart
            sessions.record_failed_login(session, name="ana", origin=WHERE)
    with pytest.raises(TooManyRequests) as limited:
        _sign_in(session_factory, "correct horse battery")
    assert 0 < limited.value.retry_after <= 15 * 60
    assert limited.value.details["limited"] == "name"
