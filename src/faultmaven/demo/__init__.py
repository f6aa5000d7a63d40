"""Demo cases shipped with the package: realistic resolved incidents to try FaultMaven with.

Each ``<slug>.json`` file in this package is an object ``{"case": ..., "resolved_at": ...}``:
``case`` is the case record as ``POST /api/v1/cases`` accepts it (``CaseCreate``, with
``opened_at``) and ``resolved_at`` an ISO 8601 UTC time ending in ``Z``.
Every case has at least one solution with outcome ``applied``, so each drafts a runbook with a fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from pydantic import TypeAdapter

from faultmaven.cases.schemas import CaseCreate, UTCTimestamp

__all__ = ["DemoCase", "load_demo_cases"]

_TIMESTAMP: TypeAdapter[datetime] = TypeAdapter(UTCTimestamp)


@dataclass(frozen=True)
class DemoCase:
    slug: str  # file stem
    case: CaseCreate
    resolved_at: datetime


def load_demo_cases() -> list[DemoCase]:
    """Read and validate every demo case file, sorted by slug.

    Raises ``ValueError`` (pydantic's ``ValidationError`` among them) naming the file when one is
    malformed: the files ship with the package, so that is a packaging bug, not user input.
    """
    cases: list[DemoCase] = []
    for entry in resources.files(__name__).iterdir():
        if not entry.is_file() or not entry.name.endswith(".json"):
            continue
        slug = entry.name.removesuffix(".json")
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            case = CaseCreate.model_validate(data["case"])
            resolved_at = _TIMESTAMP.validate_python(data["resolved_at"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"demo case {entry.name} is invalid: {exc}") from exc
        cases.append(DemoCase(slug=slug, case=case, resolved_at=resolved_at))
    return sorted(cases, key=lambda demo: demo.slug)
