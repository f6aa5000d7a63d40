"""Apply the case-record additions an LLM turn proposes (``LLMResponse.case_updates``).

The LLM speaks the case record's shape (DESIGN.md §2). New strings and entries are appended;
a hypothesis or solution sent again under the same statement/title is an update (e.g. its
status or outcome changed). Anything that does not validate is skipped and reported, never
half-applied: each part goes through the same service calls as the API.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from faultmaven.assistant.prompts import RESOLUTION_NOTE_KEY, RESOLVED_KEY
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseFields
from faultmaven.cases.service import ENTRY_PATCH_MODELS, Phase
from faultmaven.errors import InvalidInput

_APPENDED = {
    "symptoms": Phase.symptoms,
    "evidence": Phase.evidence,
    "blast_radius": Phase.blast_radius,
    "timeline": Phase.timeline,
    "validations": Phase.validations,
}
_KEYED = {"hypotheses": (Phase.hypotheses, "statement"), "solutions": (Phase.solutions, "title")}


def apply_case_updates(
    session: Session, *, case_id: str, updates: dict[str, Any], actor: str
) -> tuple[bool, list[str]]:
    """Apply ``updates``; returns (the user confirmed the fix works, problems skipped)."""
    updates = dict(updates)
    resolved = updates.pop(RESOLVED_KEY, False) is True
    updates.pop(RESOLUTION_NOTE_KEY, None)
    skipped: list[str] = []

    def attempt(label: str, action: Any) -> None:
        try:
            action()
        except InvalidInput as error:
            skipped.append(f"{label}: {error.message}")

    fields = {k: v for k, v in updates.items() if k in CaseFields.model_fields}
    if fields:
        attempt("fields", lambda: _update_fields(session, case_id, fields, actor))
    for name, phase in _APPENDED.items():
        items = updates.get(name)
        if isinstance(items, list) and items:
            attempt(name, lambda p=phase, i=items: _append_new(session, case_id, p, i, actor))
    for name, (phase, key) in _KEYED.items():
        for item in updates.get(name) or []:
            attempt(name, lambda p=phase, k=key, i=item: _upsert(session, case_id, p, k, i, actor))
    unknown = set(updates) - set(CaseFields.model_fields) - set(_APPENDED) - set(_KEYED)
    skipped.extend(f"{name}: not a case-record field" for name in sorted(unknown))
    return resolved, skipped


def _update_fields(session: Session, case_id: str, fields: dict[str, Any], actor: str) -> None:
    try:
        changes = CaseFields.model_validate(fields)
    except ValueError as error:
        raise InvalidInput(str(error).splitlines()[0]) from None
    cases_service.update_case(session, case_id=case_id, changes=changes, actor=actor)


def _append_new(session: Session, case_id: str, phase: Phase, items: list[Any], actor: str) -> None:
    existing = getattr(cases_service.get_case(session, case_id=case_id), phase.field)
    known = {_fingerprint(e) for e in existing}
    fresh = [item for item in items if _fingerprint(item) not in known]
    if fresh:
        cases_service.add_entries(session, case_id=case_id, phase=phase, items=fresh, actor=actor)


def _fingerprint(entry: Any) -> str:
    if isinstance(entry, str):
        return entry.strip().casefold()
    data = entry if isinstance(entry, dict) else entry.model_dump(mode="json")
    return repr(sorted((k, str(v)) for k, v in data.items() if k not in ("id", "at")))


def _upsert(session: Session, case_id: str, phase: Phase, key: str, item: Any, actor: str) -> None:
    if not isinstance(item, dict) or not str(item.get(key, "")).strip():
        raise InvalidInput(f"each entry needs a {key}")
    case = cases_service.get_case(session, case_id=case_id)
    wanted = str(item[key]).strip().casefold()
    match = next(
        (e for e in getattr(case, phase.field) if getattr(e, key).strip().casefold() == wanted),
        None,
    )
    if match is None:
        cases_service.add_entries(session, case_id=case_id, phase=phase, items=[item], actor=actor)
        return
    changes = {
        k: v for k, v in item.items() if k != key and k in ENTRY_PATCH_MODELS[phase].model_fields
    }
    if changes:
        patch = cases_service.parse_patch(ENTRY_PATCH_MODELS[phase], changes)
        cases_service.update_entry(
            session, case_id=case_id, phase=phase, entry_id=match.id, changes=patch, actor=actor
        )
