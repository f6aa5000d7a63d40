"""Fold another resolved case into an existing runbook (pure).

Used when a new case turns out to be the same problem as a runbook that exists: instead of a
duplicate runbook, the existing one gains what the new case adds — symptoms it did not list,
validation commands it did not have, ways to verify the fix — and its average resolution time
counts the new case. Nothing already in the runbook is removed or reworded.
"""

from __future__ import annotations

from faultmaven.runbooks.drafting import unique_strings
from faultmaven.runbooks.schemas import RunbookContent


def merge_case_draft(
    existing: RunbookContent, addition: RunbookContent, *, average_resolution_minutes: float | None
) -> RunbookContent:
    cause, added = existing.causes[0], addition.causes[0]
    known_commands = {v.command for v in cause.checks if v.command}
    new_checks = [v for v in added.checks if v.command and v.command not in known_commands]
    solution = cause.solution.model_copy(
        update={"validation": unique_strings(cause.solution.validation, added.solution.validation)}
    )
    merged = cause.model_copy(update={"checks": [*cause.checks, *new_checks], "solution": solution})
    return existing.model_copy(
        update={
            "symptoms": unique_strings(existing.symptoms, addition.symptoms),
            "affected_systems": unique_strings(
                existing.affected_systems, addition.affected_systems
            ),
            "causes": [merged, *existing.causes[1:]],
            "average_resolution_minutes": average_resolution_minutes,
        }
    )
