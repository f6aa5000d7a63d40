"""Runbook files that round-trip: YAML front matter (python-frontmatter) above the markdown
(pure, no I/O).

The markdown (:mod:`faultmaven.runbooks.markdown`) is the runbook for people, in the seed's
format with its bold header lines; the front matter carries what the store keeps beside it, so
that exporting a runbook and importing the file gives the same runbook::

    ---
    id: rb_3f9a1c0b7d2e
    status: published
    severity: critical
    services: [redis]
    tags: [kubernetes, memory]
    owner: sre-team
    review_by: 2026-01-31
    source_case_ids: [case_0123456789ab]
    created: 2025-10-05
    last_updated: 2025-10-06
    average_resolution_minutes: 15.0
    resolution_time_basis: incident_start
    causes:
    - {source_case_ids: [case_0123456789ab], times_seen: 1, last_seen: 2025-10-05}
    ---
    # Runbook: Redis Cluster OOM Kills
    ...

Identical after export -> import: the content (every section, every cause) and id, status,
services, tags, owner, review-by date and source cases. The store's own bookkeeping (version,
author, created/updated times, redaction report) starts afresh in the store that imports it.
Every front matter key is optional (a hand-written file may have none); unknown keys are
refused. ``severity`` in the front matter must agree with the ``**Severity**`` line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import frontmatter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from faultmaven.accounts.schemas import Visibility
from faultmaven.cases.schemas import Severity
from faultmaven.errors import InvalidInput
from faultmaven.kit.fields import MAX_ITEMS, Day, EntityId, Minutes, Name
from faultmaven.runbooks.markdown import MarkdownError, parse_markdown, render_markdown
from faultmaven.runbooks.schemas import (
    MAX_CAUSES,
    MAX_SEEN,
    ResolutionBasis,
    Runbook,
    RunbookImportItem,
    RunbookStatus,
)

__all__ = ["parse_document", "render_document"]


class CauseMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_case_ids: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    times_seen: int = Field(default=1, ge=0, le=MAX_SEEN)
    last_seen: Day | None = None


class FrontMatter(BaseModel):
    """The keys of a runbook file's front matter."""

    model_config = ConfigDict(extra="forbid")

    id: EntityId | None = None
    status: RunbookStatus | None = None
    severity: Severity | None = None
    services: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    tags: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    owner: Name | None = None
    visibility: Visibility | None = None  # the owning team is the importer's, not the file's
    review_by: Day | None = None
    source_case_ids: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    created: date | None = None
    last_updated: date | None = None
    average_resolution_minutes: Minutes | None = Field(
        default=None, description="Exact (the markdown shows it to the second)."
    )
    resolution_time_basis: ResolutionBasis | None = None
    causes: list[CauseMeta] = Field(default_factory=list, max_length=MAX_CAUSES)


def render_document(runbook: Runbook) -> str:
    """Front matter and markdown: the file ``runbooks export`` writes."""
    created, updated = runbook.created_at.date(), runbook.updated_at.date()
    meta = FrontMatter(
        id=runbook.id,
        status=runbook.status,
        severity=runbook.severity,
        services=runbook.services,
        tags=runbook.tags,
        owner=runbook.owner,
        visibility=runbook.visibility,
        review_by=runbook.review_by,
        source_case_ids=runbook.source_case_ids,
        created=created,
        last_updated=updated,
        average_resolution_minutes=runbook.average_resolution_minutes,
        resolution_time_basis=runbook.resolution_time_basis,
        causes=[
            CauseMeta(
                source_case_ids=cause.source_case_ids,
                times_seen=cause.times_seen,
                last_seen=cause.last_seen,
            )
            for cause in runbook.causes
        ],
    )
    data = meta.model_dump(mode="json", exclude_none=True)
    body = render_markdown(runbook, created=created, last_updated=updated)
    post = frontmatter.Post(body, **data)
    return frontmatter.dumps(post, sort_keys=False, allow_unicode=True) + "\n"


def body_of(text: str) -> str:
    """The markdown of a runbook file without its front matter (if it has one): what an editor
    that keeps the metadata in fields of its own reads."""
    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        return text
    try:
        return frontmatter.loads(text).content
    except Exception as error:  # noqa: BLE001 - yaml's errors (its package has no type stubs)
        raise InvalidInput(f"the front matter is not valid YAML: {error}") from None


def parse_document(text: str, *, default_status: RunbookStatus) -> RunbookImportItem:
    """A runbook file (front matter optional) as an import item. The status the file states
    wins; ``default_status`` is for files that state none."""
    text = text.lstrip("\ufeff")
    try:
        post = frontmatter.loads(text)
    except Exception as error:  # noqa: BLE001 - yaml's errors (its package has no type stubs)
        raise InvalidInput(f"the front matter is not valid YAML: {error}") from None
    meta = _front_matter(post.metadata)
    start = text.find(post.content) if post.content else -1
    offset = text.count("\n", 0, start) if start > 0 else 0
    try:
        parsed = parse_markdown(post.content)
    except MarkdownError as error:
        raise MarkdownError(error.line + offset, error.problem) from None
    content = parsed.content.model_dump()
    if meta.severity is not None and meta.severity != parsed.content.severity:
        raise InvalidInput(
            f"the front matter says severity {meta.severity.value} but the '**Severity**' line "
            f"says {parsed.content.severity.value}; make them agree"
        )
    if meta.causes:
        if len(meta.causes) != len(content["causes"]):
            raise InvalidInput(
                f"the front matter lists {len(meta.causes)} cause(s) but the markdown has "
                f"{len(content['causes'])}"
            )
        for cause, extra in zip(content["causes"], meta.causes, strict=True):
            cause.update(extra.model_dump())
    for key in ("average_resolution_minutes", "resolution_time_basis"):
        if getattr(meta, key) is not None:  # exact: the markdown rounds to the second
            content[key] = getattr(meta, key)
    data: dict[str, Any] = {
        **content,
        "status": meta.status or default_status,
        "services": meta.services,
        "tags": meta.tags,
        "owner": meta.owner,
        "visibility": meta.visibility,
        "review_by": meta.review_by,
        "id": meta.id,
        "source_case_ids": meta.source_case_ids,
    }
    return _validated(RunbookImportItem, data)


def _front_matter(data: dict[str, Any]) -> FrontMatter:
    return _validated(FrontMatter, data, where="front matter")


def _validated(model: Any, data: dict[str, Any], where: str = "runbook") -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [(".".join(str(p) for p in e["loc"]) or where, e["msg"]) for e in error.errors()]
        raise InvalidInput(
            f"{where} is not valid: " + "; ".join(f"{field}: {msg}" for field, msg in problems),
            details=[{"field": field, "message": msg} for field, msg in problems],
        ) from None
