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
- **Timeline**: when every event has a timestamp the events are sorted by it (stable, so equal
  times keep their recorded order). If any event lacks a time the recorded order is kept as is:
  placing undated events among sorted dated ones would claim an order nobody recorded.
- **Hypotheses** keep their status (the validated one is marked by ``validated``, refuted ones
  stay in the record as ruled out). **Validations** keep description, command, output and
  conclusion exactly; the hypothesis index has no place in the runbook and is dropped.
- **Root cause**: cause and contributing factors from ``case.root_cause``. Evidence is, in order
  and without duplicates: ``root_cause.evidence``, then the evidence linked to validated
  hypotheses, then the case's free ``evidence`` items. The runbook's evidence is "data that
  confirmed the root cause", so a free evidence item that the case links only to hypotheses
  that were *not* validated (refuted, inconclusive, proposed) is left out: it is evidence about
  a theory that was ruled out, and listing it under the root cause would mislabel it. With no
  root cause recorded the whole section stays empty (evidence under a blank cause would be
  presented as confirming something nobody identified).
- **Solution**: only solutions whose outcome is ``applied`` become fixes (title, kind, duration,
  steps, commands — commands in their recorded order, repeats kept). Validation and rollback are
  the union of the applied solutions' lists, in order, without duplicates. ``failed`` solutions
  are listed under ``tried_and_failed`` (title and commands), never as a fix. ``proposed``
  solutions are left out entirely, long-term ones included: they were not done, so they are
  neither a fix nor a failed attempt, and moving their titles into another section (prevention)
  would change what the engineer recorded.
- **Prevention** is copied from ``case.prevention``.
- **Average resolution time** is the mean over the case and its related cases (each case id
  counted once) that have ``resolved_at``; ``None`` when none do.

Duplicates are removed with dicts keyed by the exact string (first occurrence wins), so drafting
is linear in the size of the case.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from faultmaven.cases.schemas import (
    CaseRecord,
    HypothesisStatus,
    SolutionOutcome,
    TimelineEvent,
)
from faultmaven.kit.clock import as_utc
from faultmaven.runbooks.schemas import RunbookContent

__all__ = ["average_resolution_minutes", "draft_runbook"]


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
            "validations": [
                {
                    "description": item.description,
                    "command": item.command,
                    "output": item.output,
                    "conclusion": item.conclusion,
                }
                for item in case.validations
            ],
        },
        "root_cause": _root_cause(case),
        "solution": _solution(case),
        "prevention": _prevention(case),
        "average_resolution_minutes": average_resolution_minutes([case, *related_cases]),
    }
    return RunbookContent.model_validate(content)


def average_resolution_minutes(cases: Sequence[CaseRecord]) -> float | None:
    """Mean minutes from ``opened_at`` to ``resolved_at`` over the resolved cases, else ``None``.

    A case id that appears more than once is counted once. Naive datetimes are read as UTC.
    """
    seen: set[str] = set()
    minutes: list[float] = []
    for case in cases:
        if case.id in seen:
            continue
        seen.add(case.id)
        if case.resolved_at is None:
            continue
        elapsed = (as_utc(case.resolved_at) - as_utc(case.opened_at)).total_seconds() / 60
        minutes.append(max(0.0, elapsed))
    if not minutes:
        return None
    return math.fsum(minutes) / len(minutes)


# ---- sections ---------------------------------------------------------------------------------


def _timeline(case: CaseRecord) -> list[dict[str, Any]]:
    events = list(case.timeline)
    if events and all(event.at is not None for event in events):
        events.sort(key=_event_time)
    return [{"at": event.at, "event": event.event, "kind": event.kind} for event in events]


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


def _solution(case: CaseRecord) -> dict[str, Any]:
    applied = [s for s in case.solutions if s.outcome is SolutionOutcome.applied]
    failed = [s for s in case.solutions if s.outcome is SolutionOutcome.failed]
    # Proposed solutions are deliberately absent: they were never carried out.
    return {
        "fixes": [
            {
                "title": s.title,
                "kind": s.kind,
                "duration": s.duration,
                "steps": _nonblank(s.steps),
                "commands": _nonblank(s.commands),
            }
            for s in applied
        ],
        "validation": unique_strings(*(s.validation for s in applied)),
        "rollback": unique_strings(*(s.rollback for s in applied)),
        "tried_and_failed": [{"title": s.title, "commands": _nonblank(s.commands)} for s in failed],
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


def unique_strings(*lists: Iterable[str]) -> list[str]:
    """Concatenate, dropping blanks and exact repeats; first occurrence keeps its place."""
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            # The runbook schema strips surrounding whitespace, so compare what it will keep.
            text = item.strip()
            if text:
                seen.setdefault(text, None)
    return list(seen)
