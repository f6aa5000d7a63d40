"""Fold another resolved case into an existing runbook (pure).

Used when a new case turns out to be the same problem as a runbook that exists. The decision is
made by root cause, not only by symptoms:

- **Same cause** (:func:`matching_cause` finds the runbook's cause with the same root cause, or
  the caller names the cause to update): that cause gains the case's evidence, contributing
  factors, checks, fixes, verification, rollback and failed attempts it did not have, its source
  cases and times seen grow and its last-seen day moves on. When the case words its root cause
  differently the wording is added as another paragraph of the cause.
- **Different cause**: the case's cause becomes a new known cause of the runbook, whole.

Either way the problem gains the symptoms, affected systems, blast-radius checks, history,
hypotheses and prevention notes it did not list, and its average resolution time counts the
case. Nothing already in the runbook is removed or reworded, and nothing the case recorded as a
root cause, fix, failed attempt or command is left out (property-tested).

"Did not have" compares folded text (:func:`~faultmaven.runbooks.drafting.fold`: case,
punctuation and spacing ignored) except for commands, which are compared exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from faultmaven.runbooks.drafting import fold, unique_strings
from faultmaven.runbooks.schemas import (
    MAX_SEEN,
    DiagnosisCheck,
    DiagnosisValidation,
    FailedAttempt,
    Fix,
    FixOutcome,
    KnownCause,
    ResolutionBasis,
    RunbookContent,
    SolutionSection,
)

__all__ = ["matching_cause", "merge_case_draft"]

T = TypeVar("T")

# Two root causes are the same when their words overlap this much (Jaccard over folded words).
SAME_CAUSE_OVERLAP = 0.6
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9._/-]*")
_STRENGTH = {FixOutcome.proposed: 0, FixOutcome.unverified: 1, FixOutcome.applied: 2}


def _words(text: str) -> set[str]:
    return {w for w in _WORD_RE.findall(fold(text)) if len(w) > 2}


def matching_cause(existing: RunbookContent, addition: KnownCause) -> int | None:
    """The 0-based index of the runbook's cause with the same root cause as ``addition``, or
    ``None`` (a different cause). A case that recorded no root cause matches the runbook's only
    cause, and no cause of a runbook that has several (it cannot tell which)."""
    text = addition.root_cause.cause
    if not text.strip():
        return 0 if len(existing.causes) == 1 else None
    best, best_score = None, 0.0
    words = _words(text)
    for index, cause in enumerate(existing.causes):
        known = cause.root_cause.cause
        if known.strip() and fold(known) == fold(text):
            return index
        theirs = _words(known)
        if not words or not theirs:
            continue
        score = len(words & theirs) / len(words | theirs)
        if score >= SAME_CAUSE_OVERLAP and score > best_score:
            best, best_score = index, score
    return best


def merge_case_draft(
    existing: RunbookContent,
    addition: RunbookContent,
    *,
    cause: int | None | str = "auto",
    average_resolution_minutes: float | None,
    resolution_time_basis: ResolutionBasis | None = None,
) -> RunbookContent:
    """``existing`` with the case drafted as ``addition`` (one cause) folded in.

    ``cause``: ``"auto"`` decides by root cause (:func:`matching_cause`); an ``int`` (0-based)
    updates that cause; ``None`` adds the case's cause as a new one.
    """
    (added,) = addition.causes[:1]
    target = matching_cause(existing, added) if cause == "auto" else cause
    assert target is None or isinstance(target, int)
    causes = list(existing.causes)
    if target is None:
        causes.append(added)
    else:
        causes[target] = _fold_cause(causes[target], added)
    diagnosis = existing.diagnosis.model_copy(
        update={
            "blast_radius": _union(
                existing.diagnosis.blast_radius, addition.diagnosis.blast_radius, _check_key
            ),
            "timeline": _union(
                existing.diagnosis.timeline,
                addition.diagnosis.timeline,
                lambda e: (e.at, fold(e.event)),
            ),
            "hypotheses": _union(
                existing.diagnosis.hypotheses,
                addition.diagnosis.hypotheses,
                lambda h: fold(h.statement),
            ),
        }
    )
    prevention = existing.prevention.model_copy(
        update={
            name: unique_strings(
                getattr(existing.prevention, name), getattr(addition.prevention, name)
            )
            for name in ("monitoring", "automation", "process")
        }
    )
    return existing.model_copy(
        update={
            "symptoms": unique_strings(existing.symptoms, addition.symptoms),
            "affected_systems": unique_strings(
                existing.affected_systems, addition.affected_systems
            ),
            "diagnosis": diagnosis,
            "causes": causes,
            "prevention": prevention,
            "average_resolution_minutes": average_resolution_minutes,
            "resolution_time_basis": resolution_time_basis,
        }
    )


# ---- one cause ----------------------------------------------------------------------------------


def _fold_cause(cause: KnownCause, added: KnownCause) -> KnownCause:
    root, new_root = cause.root_cause, added.root_cause
    text = root.cause
    if new_root.cause.strip() and fold(new_root.cause) not in fold(text):
        text = f"{text}\n\n{new_root.cause}" if text.strip() else new_root.cause
    root = root.model_copy(
        update={
            "cause": text,
            "evidence": unique_strings(root.evidence, new_root.evidence),
            "contributing_factors": unique_strings(
                root.contributing_factors, new_root.contributing_factors
            ),
        }
    )
    days = [day for day in (cause.last_seen, added.last_seen) if day is not None]
    return cause.model_copy(
        update={
            "checks": _union(cause.checks, added.checks, _validation_key),
            "root_cause": root,
            "solution": _fold_solution(cause.solution, added.solution),
            "source_case_ids": unique_strings(cause.source_case_ids, added.source_case_ids),
            "times_seen": min(MAX_SEEN, cause.times_seen + added.times_seen),
            "last_seen": max(days) if days else None,
        }
    )


def _fold_solution(solution: SolutionSection, added: SolutionSection) -> SolutionSection:
    return solution.model_copy(
        update={
            "fixes": _merge_by_title(solution.fixes, added.fixes, _fold_fix),
            "validation": unique_strings(solution.validation, added.validation),
            "rollback": unique_strings(solution.rollback, added.rollback),
            "tried_and_failed": _merge_by_title(
                solution.tried_and_failed, added.tried_and_failed, _fold_attempt
            ),
        }
    )


def _fold_fix(fix: Fix, added: Fix) -> Fix:
    """The same fix seen again: its steps and commands gain the new ones; a fix confirmed this
    time (applied) is no longer only proposed or unverified."""
    outcome = max(fix.outcome, added.outcome, key=_STRENGTH.__getitem__)
    return fix.model_copy(
        update={
            "outcome": outcome,
            "steps": unique_strings(fix.steps, added.steps),
            "commands": _new_commands(fix.commands, added.commands),
            "duration": fix.duration or added.duration,
        }
    )


def _fold_attempt(attempt: FailedAttempt, added: FailedAttempt) -> FailedAttempt:
    why = attempt.why_failed
    if added.why_failed.strip() and fold(added.why_failed) not in fold(why):
        why = f"{why}\n{added.why_failed}" if why.strip() else added.why_failed
    return attempt.model_copy(
        update={
            "steps": unique_strings(attempt.steps, added.steps),
            "commands": _new_commands(attempt.commands, added.commands),
            "why_failed": why,
        }
    )


# ---- helpers ------------------------------------------------------------------------------------


def _new_commands(known: Sequence[str], added: Iterable[str]) -> list[str]:
    """Commands are compared exactly (never folded)."""
    return _union(known, added, lambda command: command)


def _union(known: Sequence[T], added: Iterable[T], key: Callable[[T], object]) -> list[T]:
    seen = {key(item) for item in known}
    result = list(known)
    for item in added:
        if key(item) not in seen:
            seen.add(key(item))
            result.append(item)
    return result


Titled = TypeVar("Titled", Fix, FailedAttempt)


def _merge_by_title(
    known: Sequence[Titled], added: Iterable[Titled], combine: Callable[[Titled, Titled], Titled]
) -> list[Titled]:
    """Entries with a title not yet known are appended; a known one is combined."""
    result = list(known)
    where = {fold(item.title): index for index, item in enumerate(result)}
    for item in added:
        index = where.setdefault(fold(item.title), len(result))
        if index == len(result):
            result.append(item)
        else:
            result[index] = combine(result[index], item)
    return result


def _check_key(check: DiagnosisCheck) -> tuple[str, str]:
    return check.check, fold(check.finding)


def _validation_key(check: DiagnosisValidation) -> str:
    return check.command if check.command else fold(check.description)
