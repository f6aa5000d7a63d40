"""The recurring-problems report: resolved cases in a window grouped into problems
(``analytics.recurring``), each with its runbooks, ranked.

Ranking: by how many cases the problem had in the window (most first), then by its latest case
(most recent first), then by that case's id (stable pages). Dates: a case is *seen* when it was
opened; the window selects cases by when they were resolved. A problem *recurred after the
runbook existed* once for each case opened after its first (visible, not archived) runbook was
created. Cases and runbooks are read through their services as the viewer sees them (kit.access):
a team's report never shows, counts or groups another team's private cases or runbooks.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import numpy as np
from sqlalchemy.orm import Session

from faultmaven.analytics import recurring
from faultmaven.analytics.recurring_schemas import (
    PreventionPointer,
    RecurringProblem,
    RecurringReport,
    RecurringRunbook,
    RunbookOffer,
)
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseRecord, Severity
from faultmaven.errors import FaultMavenError
from faultmaven.kit.access import Viewer, seen_as, viewer_of
from faultmaven.kit.clock import utcnow
from faultmaven.kit.collector import collector_paused
from faultmaven.kit.pagination import Page, PageRequest
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import Runbook, RunbookStatus
from faultmaven.search import service as search_service

# The newest in the window are grouped: n x n similarities (100 MB at 5,000) and average
# linkage over each connected part. 1.0-1.6 s p50 at 5,000 on 2 busy cores, 2-4x the plain read
# of the cases; 10,000 took 4-7x longer (bench/bench_recurring_speed.py, bench/README.md).
MAX_GROUPED_CASES = 5000
_SEVERITY_RANK = {s: rank for rank, s in enumerate(Severity)}  # critical first


def case_text(case: CaseRecord) -> str:
    """What the grouping compares of a case: title first (the embedder reads it first)."""
    cause = case.root_cause.cause if case.root_cause else ""
    return "\n".join(part for part in (case.title, case.description, *case.symptoms, cause) if part)


def recurring_problems(
    session: Session,
    *,
    viewer: Viewer | None = None,
    days: int = 90,
    service: str | None = None,
    severity: Severity | None = None,
    team: str | None = None,
    min_count: int = 2,
    page: PageRequest = PageRequest(),
) -> RecurringReport:
    """Problems seen at least ``min_count`` times among the cases resolved in the last
    ``days`` days (``service``/``severity``/``team``: only such cases; ``team`` is a team id),
    as ``viewer`` (default: the session's viewer) sees them."""
    with seen_as(session, viewer or viewer_of(session)), collector_paused():
        until = utcnow()
        since = until - timedelta(days=days)
        cases = cases_service.resolved_cases(
            session,
            since=since,
            until=until,
            severity=severity.value if severity else None,
            service=service,
            team_id=team,
            limit=MAX_GROUPED_CASES + 1,
        )
        notes = []
        if len(cases) > MAX_GROUPED_CASES:
            notes.append(
                f"More than {MAX_GROUPED_CASES} cases were resolved in the window; only the "
                f"newest {MAX_GROUPED_CASES} were grouped. Narrow the window or filter."
            )
            cases = cases[:MAX_GROUPED_CASES]
        used = _runbooks_of(session, cases)
        runbooks = _visible_runbooks(session, [r for ids in used.values() for r in ids])
        problems = _problems(session, cases, runbooks, used, days=days, notes=notes)
    recurring_ones = [p for p in problems if p.count >= min_count]
    recurring_ones.sort(key=lambda p: (-p.count, -p.last_seen.timestamp(), p.case_ids[0]))
    listed = Page[RecurringProblem].build(
        recurring_ones[page.offset : page.offset + page.limit],
        total_count=len(recurring_ones),
        page=page,
    )
    return RecurringReport(
        **dict(listed),
        days=days,
        since=since,
        until=until,
        cases_grouped=len(cases),
        threshold=recurring.THRESHOLD,
        notes=notes,
    )


def _runbooks_of(session: Session, cases: list[CaseRecord]) -> dict[str, list[str]]:
    """The runbooks each case made or was linked to, and those used in it (read while it was
    open, as the analytics count uses): the problem has a runbook when any of them is visible.
    Read in a few queries for all the cases (one per case made the report grow by ~0.3 ms a
    case)."""
    used = cases_service.runbooks_used_in(session, cases=cases)
    return {case.id: [*case.runbook_ids, *used[case.id]] for case in cases}


def _visible_runbooks(session: Session, runbook_ids: list[str]) -> dict[str, Runbook]:
    """The runbooks among ``runbook_ids`` the viewer sees (another team's, or gone: as if they
    were not there) that are not archived."""
    found = runbooks_service.get_runbooks(session, runbook_ids=runbook_ids)
    return {
        runbook_id: runbook
        for runbook_id in dict.fromkeys(runbook_ids)
        if (runbook := found.get(runbook_id)) is not None
        and runbook.status is not RunbookStatus.archived
    }


def _problems(
    session: Session,
    cases: list[CaseRecord],
    runbooks: dict[str, Runbook],
    used: dict[str, list[str]],
    *,
    days: int,
    notes: list[str],
) -> list[RecurringProblem]:
    if not cases:
        return []
    items = [
        recurring.ProblemText(
            text=case_text(case),
            services=frozenset(case.services),
            runbook_ids=frozenset(r for r in case.runbook_ids if r in runbooks),
        )
        for case in cases
    ]
    vectors: np.ndarray | None = None
    try:
        vectors = search_service.embed_texts(session, [item.text for item in items])
    except FaultMavenError as error:
        notes.append(f"Grouped by keywords only: the embedder is unavailable ({error.message}).")
    groups = recurring.group(items, vectors)
    return [_problem([cases[i] for i in members], runbooks, used, days=days) for members in groups]


def _problem(
    cases: list[CaseRecord],
    runbooks: dict[str, Runbook],
    used: dict[str, list[str]],
    *,
    days: int,
) -> RecurringProblem:
    cases = sorted(cases, key=lambda c: (c.opened_at, c.id), reverse=True)  # latest first
    links = Counter(r for case in cases for r in used[case.id] if r in runbooks)
    linked = sorted((runbooks[r] for r in links), key=lambda r: (r.created_at, r.id))
    first_runbook = linked[0].created_at if linked else None
    after = sum(1 for c in cases if first_runbook and c.opened_at > first_runbook)
    main = max(linked, key=lambda r: (links[r.id], -r.created_at.timestamp())) if linked else None
    latest = cases[0]
    offer = None
    if main is None:
        free = next((c for c in cases if not c.runbook_ids), None)
        if free is not None:
            offer = RunbookOffer(case_id=free.id, path=f"/api/v1/cases/{free.id}/runbook")
    prevention = None
    if main is not None and after:
        section = main.prevention
        prevention = PreventionPointer(
            runbook_id=main.id,
            runbook_title=main.title,
            monitoring=section.monitoring,
            automation=section.automation,
            process=section.process,
            empty=not (section.monitoring or section.automation or section.process),
        )
    count = len(cases)
    summary = (
        f"seen {count} time{'s' if count != 1 else ''} in {days} days, last on "
        f"{latest.opened_at.date().isoformat()}, runbook: {'yes' if linked else 'no'}"
    )
    if linked:
        summary += f", recurred after the runbook existed: {after}"
    return RecurringProblem(
        title=latest.title,
        count=count,
        first_seen=cases[-1].opened_at,
        last_seen=latest.opened_at,
        case_ids=[c.id for c in cases],
        services=sorted({s for c in cases for s in c.services}, key=str.casefold),
        severity=min((c.severity for c in cases), key=_SEVERITY_RANK.__getitem__),
        has_runbook=bool(linked),
        runbooks=[
            RecurringRunbook(id=r.id, title=r.title, status=r.status.value, created_at=r.created_at)
            for r in linked
        ],
        recurred_after_runbook=after,
        offer=offer,
        prevention=prevention,
        summary=summary,
    )
