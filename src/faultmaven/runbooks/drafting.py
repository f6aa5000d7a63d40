"""Deterministic, offline drafting of a runbook from a case record (DESIGN.md §2, §5).

Pure functions: no I/O, no database, no clock. The same case always drafts the same runbook.

What goes where, and the judgement calls behind it:

- **Nothing is invented.** A section the case does not record stays empty (the markdown renderer
  marks the gap); no text is made up, summarised or moved from one section to another. Strings
  are copied as recorded: commands and command output are kept exactly, never rewritten. Blank
  strings in lists carry nothing and are dropped.
- **Title, summary, severity, symptoms** come from the case's title, description, severity and
  symptoms. A missing description gives an empty summary.
- **Affected systems** are ``case.affected_systems``; when that list is empty, ``case.services``
  is used instead. The seed defines affected systems as "which services/components were
  impacted" and the case record files services under "affected systems/services" (DESIGN.md §2),
  so the services the engineer named are recorded data of the right kind, not an invention.
  When affected systems are recorded they win and services are not mixed in (services travel
  with the runbook's metadata anyway).
- **History** (``diagnosis.timeline``): the incident log is not a procedure, so only a short
  history is kept — when it started (the first observation or alert) and what changed
  (``change`` and ``deploy`` events). When the case records no fix that was carried out
  (nothing applied or unverified: e.g. an imported incident report with only a timeline), what
  the responders did (``action`` events) is kept too: it is all the reader has to go on, and
  the Solution section shows the gap. When every event has a timestamp the events are sorted
  by it (stable, so equal times keep their recorded order); if any event lacks a time the
  recorded order is kept (placing undated events among dated ones would claim an order nobody
  recorded).
- **Hypotheses** keep their status (the validated one is marked by ``validated``, refuted ones
  stay in the record as ruled out). **Validations** keep description, command, output and
  conclusion exactly; the hypothesis index has no place in the runbook and is dropped.
- **One known cause** (``causes[0]``): the case's validations become the cause's checks (what
  tells it apart), with its root cause, solution and failed attempts; its source is the case,
  seen once, last seen on the day of the incident start (else the day the case was opened).
- **Root cause**: cause and contributing factors from ``case.root_cause``. Evidence is, in order
  and without duplicates: ``root_cause.evidence``, then the evidence linked to validated
  hypotheses, then the case's free ``evidence`` items. The runbook's evidence is "data that
  confirmed the root cause", so a free evidence item that the case links only to hypotheses
  that were *not* validated (refuted, inconclusive, proposed) is left out: it is evidence about
  a theory that was ruled out, and listing it under the root cause would mislabel it. With no
  root cause recorded the whole section stays empty (evidence under a blank cause would be
  presented as confirming something nobody identified).
- **Solution**: ``applied`` solutions become fixes; ``unverified`` ones (shipped, not confirmed)
  and ``proposed`` ones (long-term fixes included) are kept as fixes labelled with that outcome,
  never presented as confirmed. Fixes are ordered immediate before long-term, then applied,
  unverified, proposed, otherwise as recorded. Validation and rollback are the union of the
  applied and unverified solutions' lists (a proposed fix's are left out: nothing was done to
  verify or undo). ``failed`` solutions are listed under ``tried_and_failed`` with their steps,
  commands and why they failed, never as a fix.
- **Prevention** is copied from ``case.prevention``.
- **Average resolution time** is the mean over the case and its related cases (each case id
  counted once) that have ``resolved_at``, each measured from the incident start (its first
  timed observation or alert, when that is not after the resolution) or else from when the case was
  opened in FaultMaven; ``resolution_time_basis`` says which. ``None`` when no case is resolved.

Duplicates are removed with dicts keyed by a folded form of the string (case, punctuation and
spacing ignored: near-duplicate lines are folded, the first occurrence wins), so drafting is
linear in the size of the case. Commands are never folded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from faultmaven.cases.schemas import (
    CaseRecord,
    HypothesisStatus,
    Solution,
    SolutionKind,
    SolutionOutcome,
    TimelineEvent,
    TimelineKind,
)
from faultmaven.kit.clock import as_utc
from faultmaven.runbooks.schemas import FixOutcome, ResolutionBasis, RunbookContent

__all__ = ["average_resolution_minutes", "draft_runbook", "resolution_time"]


def draft_runbook(case: CaseRecord, *, related_cases: Sequence[CaseRecord] = ()) -> RunbookContent:
    """Draft the runbook for ``case``; ``related_cases`` only feed the average resolution time."""
    content: dict[str, Any] = {
        "title": case.title,
        "summary": case.description or "",
        "severity": case.severity,
        "symptoms": unique_strings(case.symptoms),
        "affected_systems": unique_strings(case.affected_systems) or unique_strings(case.services),
        "diagnosis": {
            "blast_radius": [
                {"check": item.check, "finding": item.finding} for item in case.blast_radius
            ],
            "timeline": _timeline(case),
            "hypotheses": [
                {"statement": item.statement, "status": item.status} for item in case.hypotheses
            ],
        },
        "causes": [draft_cause(case)],
        "prevention": _prevention(case),
    }
    minutes, basis = resolution_time([case, *related_cases])
    content["average_resolution_minutes"] = minutes
    content["resolution_time_basis"] = basis
    return RunbookContent.model_validate(content)


def draft_cause(case: CaseRecord) -> dict[str, Any]:
    """The case's known cause: its checks, root cause, fix and failed attempts, and where it
    was seen (this case, once, on the day of its incident start or else when it was opened)."""
    seen = incident_start(case) or as_utc(case.opened_at)
    return {
        "checks": [
            {
                "description": item.description,
                "command": item.command,
                "output": item.output,
                "conclusion": item.conclusion,
            }
            for item in case.validations
        ],
        "root_cause": _root_cause(case),
        "solution": _solution(case),
        "source_case_ids": [case.id],
        "times_seen": 1,
        "last_seen": seen.date(),
    }


def average_resolution_minutes(cases: Sequence[CaseRecord]) -> float | None:
    """Mean resolution minutes over the resolved cases (see :func:`resolution_time`)."""
    return resolution_time(cases)[0]


def incident_start(case: CaseRecord) -> datetime | None:
    """When the problem was first seen: the earliest timed observation or alert of the
    timeline (changes and deploys may precede the incident by days), when it is not after the
    resolution; else ``None``."""
    times = [as_utc(e.at) for e in case.timeline if e.at is not None and e.kind in _SIGNS]
    if not times:
        return None
    start = min(times)
    if case.resolved_at is not None and start > as_utc(case.resolved_at):
        return None
    return start


def resolution_time(cases: Sequence[CaseRecord]) -> tuple[float | None, ResolutionBasis | None]:
    """(mean minutes to resolve, what they are measured from) over the resolved cases.

    Each case counts from its incident start (:func:`incident_start`), falling back to when it
    was opened in FaultMaven. A case id that appears more than once is counted once. Naive
    datetimes are read as UTC. ``(None, None)`` when no case is resolved.
    """
    seen: set[str] = set()
    minutes: list[float] = []
    bases: set[ResolutionBasis] = set()
    for case in cases:
        if case.id in seen:
            continue
        seen.add(case.id)
        if case.resolved_at is None:
            continue
        start = incident_start(case)
        if start is None:
            start = as_utc(case.opened_at)
            bases.add(ResolutionBasis.case_opened)
        else:
            bases.add(ResolutionBasis.incident_start)
        elapsed = (as_utc(case.resolved_at) - start).total_seconds() / 60
        minutes.append(max(0.0, elapsed))
    if not minutes:
        return None, None
    basis = bases.pop() if len(bases) == 1 else ResolutionBasis.mixed
    return math.fsum(minutes) / len(minutes), basis


# ---- sections ---------------------------------------------------------------------------------


_CHANGES = (TimelineKind.change, TimelineKind.deploy)
_SIGNS = (TimelineKind.observation, TimelineKind.alert)  # the problem showing itself
_CARRIED_OUT = (SolutionOutcome.applied, SolutionOutcome.unverified)


def _timeline(case: CaseRecord) -> list[dict[str, Any]]:
    """The short history: the first event (when it started) and what changed."""
    events = list(case.timeline)
    if events and all(event.at is not None for event in events):
        events.sort(key=_event_time)
    first = next((e for e in events if e.kind in _SIGNS), None)
    done = any(s.outcome in _CARRIED_OUT for s in case.solutions)
    kept = _CHANGES if done else (*_CHANGES, TimelineKind.action)
    history = [e for e in events if e is first or e.kind in kept]
    return [{"at": event.at, "event": event.event, "kind": event.kind} for event in history]


def _event_time(event: TimelineEvent) -> datetime:
    assert event.at is not None  # only called when every event has a time
    return as_utc(event.at)


def _root_cause(case: CaseRecord) -> dict[str, Any]:
    root = case.root_cause
    if root is None:
        return {}
    confirmed = [
        item
        for hypothesis in case.hypotheses
        if hypothesis.status is HypothesisStatus.validated
        for item in hypothesis.evidence
    ]
    trusted = set(root.evidence) | set(confirmed)
    ruled_out = {
        item
        for hypothesis in case.hypotheses
        if hypothesis.status is not HypothesisStatus.validated
        for item in hypothesis.evidence
        if item not in trusted
    }
    free = [item for item in case.evidence if item.strip() not in ruled_out]
    return {
        "cause": root.cause,
        "evidence": unique_strings(root.evidence, confirmed, free),
        "contributing_factors": unique_strings(root.contributing_factors),
    }


_KEPT = {
    SolutionOutcome.applied: FixOutcome.applied,
    SolutionOutcome.unverified: FixOutcome.unverified,
    SolutionOutcome.proposed: FixOutcome.proposed,
}
_ORDER = {FixOutcome.applied: 0, FixOutcome.unverified: 1, FixOutcome.proposed: 2}


def _fix_order(solution: Solution) -> tuple[int, int]:
    return (solution.kind is not SolutionKind.immediate, _ORDER[_KEPT[solution.outcome]])


def _solution(case: CaseRecord) -> dict[str, Any]:
    fixes = sorted((s for s in case.solutions if s.outcome in _KEPT), key=_fix_order)
    done = [s for s in fixes if s.outcome is not SolutionOutcome.proposed]
    failed = [s for s in case.solutions if s.outcome is SolutionOutcome.failed]
    return {
        "fixes": [
            {
                "title": s.title,
                "kind": s.kind,
                "outcome": _KEPT[s.outcome],
                "duration": s.duration,
                "steps": _nonblank(s.steps),
                "commands": _nonblank(s.commands),
            }
            for s in fixes
        ],
        "validation": unique_strings(*(s.validation for s in done)),
        "rollback": unique_strings(*(s.rollback for s in done)),
        "tried_and_failed": [
            {
                "title": s.title,
                "steps": _nonblank(s.steps),
                "commands": _nonblank(s.commands),
                "why_failed": s.why_failed,
            }
            for s in failed
        ],
    }


def _prevention(case: CaseRecord) -> dict[str, Any]:
    prevention = case.prevention
    if prevention is None:
        return {}
    return {
        "monitoring": unique_strings(prevention.monitoring),
        "automation": unique_strings(prevention.automation),
        "process": unique_strings(prevention.process),
    }


# ---- helpers ----------------------------------------------------------------------------------


def _nonblank(items: Iterable[str]) -> list[str]:
    return [item for item in items if item.strip()]


_FOLD_RE = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """The form near-duplicates share: case, punctuation and spacing ignored."""
    return _FOLD_RE.sub(" ", text.casefold()).strip() or text.strip()


def unique_strings(*lists: Iterable[str]) -> list[str]:
    """Concatenate, dropping blanks and near-duplicates (same :func:`fold`); the first
    occurrence keeps its place and its exact wording."""
    seen: dict[str, str] = {}
    for items in lists:
        for item in items:
            # The runbook schema strips surrounding whitespace, so compare what it will keep.
            text = item.strip()
            if text:
                seen.setdefault(fold(text), text)
    return list(seen.values())
