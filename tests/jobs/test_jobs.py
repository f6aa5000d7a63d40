"""Jobs are claimed once, finished once, and survive a dead worker (on both databases)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.jobs import service
from faultmaven.jobs.models import JobRow
from faultmaven.jobs.worker import Worker
from faultmaven.kit.clock import utcnow
from faultmaven.kit.db import unit_of_work


def _enqueue(factory: sessionmaker[Session], n: int = 1) -> list[str]:
    with unit_of_work(factory) as session:
        return [
            service.enqueue(session, kind="echo", payload={"n": i}, actor="t").id for i in range(n)
        ]


def test_each_job_is_claimed_by_one_worker(session_factory: sessionmaker[Session]) -> None:
    ids = _enqueue(session_factory, 3)
    claimed = []
    for worker in ("a", "b", "c", "d"):
        with unit_of_work(session_factory) as session:
            job = service.claim_next(session, worker=worker)
            claimed.append(job.id if job else None)
    assert claimed == [*ids, None]


def test_worker_runs_handlers_and_records_failures(session_factory) -> None:
    ok, bad, unknown = _enqueue(session_factory, 3)
    with unit_of_work(session_factory) as session:
        session.execute(update(JobRow).where(JobRow.id == unknown).values(kind="nope"))

    def echo(session, payload, actor):
        if payload["n"] == 1:
            raise ValueError("boom with a secret inside")
        return {"echo": payload["n"]}

    assert Worker(session_factory, {"echo": echo}).run_until_idle() == 3
    with unit_of_work(session_factory) as session:
        done = service.get_job(session, job_id=ok)
        failed = service.get_job(session, job_id=bad)
        orphan = service.get_job(session, job_id=unknown)
    assert (done.status, done.result) == ("succeeded", {"echo": 0})
    assert (failed.status, failed.error) == ("failed", "unexpected error")
    assert orphan.status == "failed" and "no handler" in orphan.error


def test_a_dead_workers_job_is_claimed_again_after_its_lease(session_factory) -> None:
    (job_id,) = _enqueue(session_factory)
    with unit_of_work(session_factory) as session:
        assert service.claim_next(session, worker="dies").id == job_id
    with unit_of_work(session_factory) as session:
        assert service.claim_next(session, worker="other") is None  # lease still held
        session.execute(update(JobRow).values(lease_until=utcnow() - timedelta(seconds=1)))
    with unit_of_work(session_factory) as session:
        again = service.claim_next(session, worker="other")
        assert again is not None and again.attempts == 2


def test_a_job_that_keeps_killing_workers_is_given_up(session_factory) -> None:
    (job_id,) = _enqueue(session_factory)
    for _ in range(service.MAX_ATTEMPTS + 1):
        with unit_of_work(session_factory) as session:
            service.claim_next(session, worker="w")
            session.execute(update(JobRow).values(lease_until=utcnow() - timedelta(seconds=1)))
    with unit_of_work(session_factory) as session:
        job = service.get_job(session, job_id=job_id)
    assert job.status == "failed" and "gave up" in job.error


def test_unknown_job_is_404(client) -> None:
    response = client.get("/api/v1/jobs/job_000000000000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "JOB_NOT_FOUND"


def test_a_job_is_visible_only_to_who_may_see_its_access_key(session_factory) -> None:
    from faultmaven.errors import NotFound
    from faultmaven.kit.access import Viewer, set_viewer

    with unit_of_work(session_factory) as session:
        job = service.enqueue(
            session, kind="noop", payload={}, actor="ana", access="team:team_alpha"
        )
    alpha = Viewer.of(user_id="usr_a", team_ids=["team_alpha"], write_teams=[], team_id=None)
    beta = Viewer.of(user_id="usr_b", team_ids=["team_beta"], write_teams=[], team_id=None)
    with unit_of_work(session_factory, write=False) as session:
        set_viewer(session, alpha)
        assert service.get_job(session, job_id=job.id).id == job.id
        set_viewer(session, beta)
        try:
            service.get_job(session, job_id=job.id)
        except NotFound:
            pass
        else:
            raise AssertionError("team beta saw team alpha's job")
