"""The batched reads behind the recurring-problems report, on both databases: the runbooks
viewed in many cases and many runbooks by id answer what the one-at-a-time reads answer, also
when the ids span several ``IN (...)`` batches, and hide what the viewer may not see."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseCreate
from faultmaven.errors import NotFound
from faultmaven.events import service as events
from faultmaven.kit.access import Viewer, seen_as
from faultmaven.kit.db import unit_of_work
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import RunbookCreate


@pytest.fixture
def viewed(session_factory: sessionmaker[Session]) -> dict[str, list[str]]:
    """Three cases and three runbooks; case 0 reads b, a, b; case 1 reads a; case 2 none."""
    with unit_of_work(session_factory) as session:
        runbooks = [
            runbooks_service.create_runbook(
                session, data=RunbookCreate(title=f"Runbook {name}"), actor="ana"
            ).id
            for name in ("a", "b", "c")
        ]
        cases = [
            cases_service.create_case(session, data=CaseCreate(title=f"Case {i}"), actor="ana").id
            for i in range(3)
        ]
    a, b, _ = runbooks
    for case_id, reads in ((cases[0], (b, a, b)), (cases[1], (a,))):
        for runbook_id in reads:  # one unit of work each: events get increasing ids
            with unit_of_work(session_factory) as session:
                runbooks_service.view_runbook(
                    session, runbook_id=runbook_id, actor="ana", case_id=case_id
                )
    return {"cases": cases, "runbooks": runbooks}


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_views_of_many_cases_match_the_reads_one_case_at_a_time(
    session_factory: sessionmaker[Session], viewed, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("faultmaven.events.service.IN_BATCH", batch)
    cases, (a, b, _) = viewed["cases"], viewed["runbooks"]
    with unit_of_work(session_factory, write=False) as session:
        many = events.runbooks_viewed_in_cases(session, case_ids=[*cases, cases[0]])
        one_by_one = {c: events.runbooks_viewed_in_case(session, case_id=c) for c in cases}
        records = cases_service.get_cases(session, case_ids=cases)
        used = cases_service.runbooks_used_in(session, cases=records)
    assert many == {cases[0]: [b, a], cases[1]: [a]}  # first read first; no views: left out
    assert one_by_one == {cases[0]: [b, a], cases[1]: [a], cases[2]: []}
    assert used == one_by_one


def test_many_runbooks_by_id_match_get_runbook_and_hide_the_unseen(
    session_factory: sessionmaker[Session], viewed, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = viewed["runbooks"]
    with unit_of_work(session_factory, write=False) as session:
        found = runbooks_service.get_runbooks(session, runbook_ids=[c, "rb_missing", a, c])
        assert found == {r: runbooks_service.get_runbook(session, runbook_id=r) for r in (a, c)}
        with seen_as(session, Viewer(keys=frozenset(["team:elsewhere"]))):
            assert runbooks_service.get_runbooks(session, runbook_ids=[a, b, c]) == {}
            with pytest.raises(NotFound):
                runbooks_service.get_runbook(session, runbook_id=a)
