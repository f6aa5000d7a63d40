"""Benchmark: runbook search with team mode's visibility filter (and the team filter on top)
against the same search without it, same data, same run (issue "Teams": filtered within 1.2x of
unfiltered at 10k runbooks).

Data: ``--size`` (10,000) generated runbooks of ``bench_search_scale.generate_runbook`` written
through the service (``import_runbooks``, 500 per unit of work, each batch owned by one of 20
teams and authored by one user): 30% organization, 10% private, 60% team. A fresh SQLite file
(embedded backend: the in-memory BM25 keyword index and the numpy vector matrix).

Subjects: ``search_runbooks(limit=10)`` in its own unit of work (one API request), hybrid and
keyword-only, as

* **unfiltered**: no viewer (local mode, the CLI): the filter has no access facet;
* **filtered, one user**: a member of 2 of the 20 teams (org + 2 teams + own private: ~36% of
  the runbooks visible), the same user for every query (the facet mask is cached per filter);
* **filtered, a new user each query**: a different user id every query, so the mask of the
  access facet is built anew every time (the cache never hits);
* **team filter, one user**: that member with ``team=<one of its teams>`` (issue 12): one more
  facet (``team``) in the keyword index and ``runbooks.team_id = ...`` for the vector candidates;
  every hit is checked to be that team's.

The three are interleaved query by query (order rotated) so that noise hits them alike; ratios
are filtered / unfiltered of the median and the mean. No timing is asserted.

Run (from the repository root)::

    PYTHONPATH=src .venv/bin/python bench/bench_visibility.py            # 10k, ~2 min
    PYTHONPATH=src .venv/bin/python bench/bench_visibility.py --size 2000 --queries 100
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search_scale import generate_queries, generate_runbook  # noqa: E402

from faultmaven.accounts import service as accounts_service  # noqa: E402
from faultmaven.config import Settings  # noqa: E402
from faultmaven.kit.access import EVERYONE, Viewer, set_viewer  # noqa: E402
from faultmaven.kit.db import make_engine, unit_of_work  # noqa: E402
from faultmaven.migrations import upgrade  # noqa: E402
from faultmaven.runbooks import service as runbooks_service  # noqa: E402
from faultmaven.runbooks.schemas import RunbookCreate  # noqa: E402
from faultmaven.search.service import finish_background_work, session_factory_for  # noqa: E402

TEAM_NAMES = [f"team_{n:03d}" for n in range(20)]
TEAMS: list[str] = []  # their ids, once made (fill)
BATCH = 500


def _visibility(index: int) -> str:
    rest = index % 10
    return "organization" if rest < 3 else "private" if rest == 3 else "team"


def fill(factory, size: int) -> None:  # noqa: ANN001 - a sessionmaker
    with unit_of_work(factory) as session:
        TEAMS[:] = [accounts_service.add_team(session, name=name).id for name in TEAM_NAMES]
    for start in range(0, size, BATCH):
        team = TEAMS[(start // BATCH) % len(TEAMS)]
        items = [
            RunbookCreate.model_validate(
                {**generate_runbook(i), "owner": None, "visibility": _visibility(i)}
            )
            for i in range(start, min(size, start + BATCH))
        ]
        with unit_of_work(factory) as session:
            set_viewer(session, Viewer(user_id=f"usr_{team}", team_id=team))
            runbooks_service.import_runbooks(session, items=items, actor="bench")
        print(f"\r  {min(size, start + BATCH):,} runbooks", end="", flush=True)
    print()


def search(factory, viewer: Viewer, query: str, mode: str, team: str | None = None):  # noqa: ANN001, ANN201
    """(milliseconds, ids of the hits) of one search in its own unit of work."""
    filters = runbooks_service.RunbookFilters(team=team)
    started = time.perf_counter_ns()
    with unit_of_work(factory, write=False) as session:
        set_viewer(session, viewer)
        found = runbooks_service.search_runbooks(
            session, query=query, limit=10, mode=mode, filters=filters
        )
    return (time.perf_counter_ns() - started) / 1e6, [hit.runbook.id for hit in found.items]


def member(user: str) -> Viewer:
    return Viewer.of(user_id=user, team_ids=TEAMS[3:5], write_teams=[], team_id=TEAMS[3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        settings = Settings(data_dir=Path(workdir), auto_migrate=False)
        engine = make_engine(settings.resolved_database_url)
        upgrade(engine)
        factory = session_factory_for(engine, settings)
        print(f"Writing {args.size:,} runbooks (20 teams; 30% organization, 10% private)")
        fill(factory, args.size)
        finish_background_work(factory)
        queries = [text for _kind, text in generate_queries(args.queries)]
        subjects: dict[str, Callable[[int], tuple[Viewer, str | None]]] = {
            "unfiltered": lambda _n: (EVERYONE, None),
            "filtered, one user": lambda _n: (member("usr_bench"), None),
            "filtered, new user each query": lambda n: (member(f"usr_q{n}"), None),
            "team filter, one user": lambda _n: (member("usr_bench"), TEAM_NAMES[3]),
        }
        for mode in ("hybrid", "keyword"):
            for query in queries[:20]:  # warm-up: loads the caches
                for make in subjects.values():
                    viewer, team = make(-1)
                    search(factory, viewer, query, mode, team)
            times: dict[str, list[float]] = {name: [] for name in subjects}
            leaked = other_team = 0
            for n, query in enumerate(queries):
                names = list(subjects)
                names = names[n % len(names) :] + names[: n % len(names)]
                for name in names:
                    viewer, team = subjects[name](n)
                    ms, ids = search(factory, viewer, query, mode, team)
                    times[name].append(ms)
                    if viewer.keys is not None:
                        leaked += _not_visible(factory, viewer, ids)
                    if team is not None:
                        other_team += _not_of_team(factory, TEAMS[TEAM_NAMES.index(team)], ids)
            base = times["unfiltered"]
            print(f"\n{mode} search, {args.size:,} runbooks, {len(queries)} queries")
            print(f"  {'subject':32} {'p50 ms':>8} {'mean ms':>8} {'p50 x':>6} {'mean x':>7}")
            for name, values in times.items():
                p50 = statistics.median(values)
                mean = statistics.fmean(values)
                print(
                    f"  {name:32} {p50:8.2f} {mean:8.2f} {p50 / statistics.median(base):6.2f} "
                    f"{mean / statistics.fmean(base):7.2f}"
                )
            print(f"  hits a filtered viewer may not see: {leaked}")
            print(f"  hits of another team with the team filter: {other_team}")
        engine.dispose()
    return 0


def _not_visible(factory, viewer: Viewer, ids: list[str]) -> int:  # noqa: ANN001
    with unit_of_work(factory, write=False) as session:
        hidden = 0
        for runbook_id in ids:
            runbook = runbooks_service.get_runbook(session, runbook_id=runbook_id)
            key = {"organization": "org", "private": "user:usr_team_"}.get(runbook.visibility or "")
            if key is None:
                key = f"team:{runbook.team_id}"
            elif key.startswith("user:"):
                key = f"user:usr_{runbook.team_id}"
            hidden += not viewer.sees(key)
        return hidden


def _not_of_team(factory, team_id: str, ids: list[str]) -> int:  # noqa: ANN001
    with unit_of_work(factory, write=False) as session:
        return sum(
            runbooks_service.get_runbook(session, runbook_id=runbook_id).team_id != team_id
            for runbook_id in ids
        )


if __name__ == "__main__":
    raise SystemExit(main())
