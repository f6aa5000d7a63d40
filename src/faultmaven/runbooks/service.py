"""Runbook store: create, read, list, edit (a new immutable version each time), archive,
keyword search, and generation from a resolved case.

Services take keyword-only arguments, raise FaultMavenError subclasses and never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from faultmaven.accounts import service as accounts_service
from faultmaven.accounts.schemas import Visibility
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseRecord, Severity
from faultmaven.config import settings_of
from faultmaven.errors import Conflict, Forbidden, InvalidInput, NotFound
from faultmaven.events.schemas import ViewSource
from faultmaven.kit.access import (
    DEFAULT_TEAM_ID,
    ORGANIZATION,
    Viewer,
    team_key,
    user_key,
    viewer_of,
)
from faultmaven.kit.clock import as_utc, utcnow
from faultmaven.kit.ids import new_id
from faultmaven.kit.merge_patch import merge_patch
from faultmaven.kit.pagination import Page, PageRequest
from faultmaven.runbooks import history, repository, usage
from faultmaven.runbooks.drafting import draft_runbook, resolution_time
from faultmaven.runbooks.indexing import search_document
from faultmaven.runbooks.merging import matching_cause, merge_case_draft
from faultmaven.runbooks.models import RunbookRow, RunbookVersionRow
from faultmaven.runbooks.redacting import redact_content
from faultmaven.runbooks.schemas import (
    Runbook,
    RunbookContent,
    RunbookCreate,
    RunbookDiff,
    RunbookImportItem,
    RunbookMetadata,
    RunbookPatch,
    RunbookRestore,
    RunbookStatus,
    RunbookSummary,
    RunbookUpdate,
    RunbookVersion,
    RunbookVersionInfo,
)
from faultmaven.search import service as search_service
from faultmaven.search.analysis import is_stop_word
from faultmaven.search.filters import SearchFilter
from faultmaven.search.keyword import SearchDocument
from faultmaven.search.query import MAX_QUERY_CHARS, query_terms
from faultmaven.search.runtime import runtime_of

ACTIVE_STATUSES = tuple(s.value for s in RunbookStatus if s is not RunbookStatus.archived)


class RunbookFilters(BaseModel):
    status: RunbookStatus | None = Field(
        default=None, description="Only this status (default: every status but archived)."
    )
    severity: Severity | None = None
    service: str | None = Field(default=None, max_length=300)
    tag: str | None = Field(default=None, max_length=300)
    team: str | None = Field(
        default=None,
        max_length=300,
        description="Only runbooks owned by the team of this name (what you may see of them).",
    )


SearchMode = Literal["hybrid", "keyword"]


class MatchExplanation(BaseModel):
    method: str = Field(
        description="How the hit was found: keyword, semantic, or keyword+semantic."
    )
    matched_terms: list[str] = Field(description="Query words found in the runbook.")
    fields: dict[str, list[str]] = Field(
        description="Where they were found: title, symptoms (incl. services, tags), body."
    )
    similarity: float | None = Field(
        default=None, description="Cosine similarity of meaning (semantic match), -1..1."
    )
    ranks: dict[str, int] = Field(
        default_factory=dict, description="Rank of the runbook in each ranking that found it."
    )


class SearchHit(BaseModel):
    runbook: RunbookSummary
    score: float = Field(
        description="Confidence in [0, 1] that this is a right answer (calibrated on labelled "
        "data); comparable across queries and modes."
    )
    why: MatchExplanation


class SearchResults(BaseModel):
    query: str
    terms: list[str] = Field(
        description="The words searched for (operators and stop words are ignored)."
    )
    mode: SearchMode
    items: list[SearchHit]
    limit: int
    offset: int
    has_more: bool
    notes: list[str] = Field(
        default_factory=list, description="Anything that limited this search (e.g. reindex needed)."
    )


# ---- conversions -----------------------------------------------------------------------------


def _content(row: RunbookRow) -> RunbookContent:
    return RunbookContent.model_validate(row.content)


def _to_runbook(row: RunbookRow) -> Runbook:
    return Runbook.model_validate(
        {
            **row.content,
            "id": row.id,
            "version": row.version,
            "status": row.status,
            "services": row.services,
            "tags": row.tags,
            "source_case_ids": row.source_case_ids,
            "author": row.author,
            "owner": row.owner,
            "review_by": row.review_by,
            "generated_by": row.generated_by,
            "redaction": row.redaction or {},
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "visibility": row.visibility,
            "team_id": row.team_id,
        }
    )


def _summary(row: RunbookRow | Row) -> RunbookSummary:
    return RunbookSummary(
        id=row.id,
        title=row.title,
        severity=row.severity,
        status=row.status,
        services=row.services,
        tags=row.tags,
        version=row.version,
        updated_at=row.updated_at,
    )


def _version_info(row: RunbookVersionRow) -> RunbookVersionInfo:
    return RunbookVersionInfo(
        runbook_id=row.runbook_id,
        version=row.version,
        title=row.title,
        author=row.author,
        change_note=row.change_note,
        generated_by=row.generated_by,
        created_at=row.created_at,
    )


def _content_of(data: RunbookCreate) -> RunbookContent:
    """The content part of validated input (a subclass of the content: nothing to check again)."""
    return RunbookContent.model_construct(
        **{name: getattr(data, name) for name in RunbookContent.model_fields}
    )


def _set_content(session: Session, row: RunbookRow, content: RunbookContent) -> RunbookContent:
    """Store ``content`` with secrets and personal data redacted, and its redaction report;
    returns the content as stored."""
    redacted = redact_content(content, personal_data=settings_of(session).redact_personal_data)
    row.title = redacted.content.title
    row.severity = redacted.content.severity.value
    row.content = redacted.data
    row.redaction = redacted.report
    return redacted.content


def _load(session: Session, runbook_id: str, *, for_update: bool = False) -> RunbookRow:
    row = repository.get(session, runbook_id, for_update=for_update)
    if row is None or not viewer_of(session).sees(row.access):  # unseen: as if missing
        raise NotFound.entity("runbook", runbook_id)
    return row


def _lock(session: Session, runbook_id: str) -> RunbookRow:
    """The runbook row, locked for this transaction: concurrent edits of one runbook queue, so
    the first lands and the others see its version (409 STALE_VERSION), never a lost update.
    Changing it needs the request's role in its owning team (or to be its author)."""
    row = _load(session, runbook_id, for_update=True)
    if not viewer_of(session).may_change(team_id=row.team_id, author_id=row.author_id):
        raise Forbidden(
            f"Runbook {runbook_id} belongs to a team where your role may not change it.",
            code="FORBIDDEN",
        )
    return row


def _access(row: RunbookRow) -> str:
    """The access key of the row's visibility (kit.access)."""
    if row.visibility == Visibility.organization.value:
        return ORGANIZATION
    if row.visibility == Visibility.private.value and row.author_id:
        return user_key(row.author_id)
    return team_key(row.team_id or DEFAULT_TEAM_ID)


def _set_visibility(row: RunbookRow, visibility: Visibility | None) -> None:
    if visibility is not None:
        row.visibility = visibility.value
    row.access = _access(row)


def _document(row: RunbookRow, content: RunbookContent | None = None) -> SearchDocument:
    return search_document(
        row.id,
        content or _content(row),
        status=row.status,
        services=row.services,
        tags=row.tags,
        access=row.access,
        team_id=row.team_id,
    )


def _write_version(session: Session, row: RunbookRow, *, author: str, change_note: str) -> None:
    repository.add_version(session, row, author=author, change_note=change_note)
    repository.replace_labels(session, row)
    search_service.index_documents(session, [(_document(row), row.version)])


# ---- queries ---------------------------------------------------------------------------------


def get_runbook(session: Session, *, runbook_id: str) -> Runbook:
    return _to_runbook(_load(session, runbook_id))


def get_runbooks(session: Session, *, runbook_ids: Sequence[str]) -> dict[str, Runbook]:
    """``get_runbook`` of many (by id) in a few queries; the missing and the unseen are left
    out (as ``get_runbook`` would answer NotFound for them)."""
    seen = viewer_of(session).sees
    rows = repository.get_many(session, runbook_ids)
    return {row.id: _to_runbook(row) for row in rows if seen(row.access)}


def view_runbook(
    session: Session,
    *,
    runbook_id: str,
    actor: str,
    source: ViewSource = ViewSource.direct,
    case_id: str | None = None,
) -> Runbook:
    """The runbook, read by a person: the view is counted (``runbook_viewed``, and a
    suggestion opened when it came from the suggestions of ``case_id``). A case the viewer
    cannot see is not named in the event."""
    runbook = get_runbook(session, runbook_id=runbook_id)
    if case_id is not None and not cases_service.case_exists(session, case_id=case_id):
        case_id = None
    usage.record_view(session, runbook_id=runbook_id, actor=actor, source=source, case_id=case_id)
    return runbook


def list_runbooks(
    session: Session,
    *,
    filters: RunbookFilters = RunbookFilters(),
    page: PageRequest = PageRequest(),
) -> Page[RunbookSummary]:
    ids = _filtered_ids(filters, viewer_of(session), _team_id(session, filters))
    rows, total = repository.list_page(session, ids, page)
    return Page[RunbookSummary].build([_summary(r) for r in rows], total_count=total, page=page)


def _statuses(filters: RunbookFilters) -> list[str]:
    return [filters.status.value] if filters.status else list(ACTIVE_STATUSES)


def _team_id(session: Session, filters: RunbookFilters) -> str | None:
    """The id of the team the filters name (None: any team); an unknown name is bad input."""
    if filters.team is None:
        return None
    try:
        return accounts_service.team_id_of(session, name=filters.team)
    except NotFound:
        raise InvalidInput(f"No team is named {filters.team!r}.") from None


def _filtered_ids(filters: RunbookFilters, viewer: Viewer, team_id: str | None):  # noqa: ANN202 - a SQLAlchemy Select
    return repository.filtered_ids(
        statuses=_statuses(filters),
        severity=filters.severity.value if filters.severity else None,
        service=filters.service,
        tag=filters.tag,
        team_id=team_id,
        access=viewer.keys,
    )


def _search_filter(filters: RunbookFilters, viewer: Viewer, team_id: str | None) -> SearchFilter:
    """The same filter as ``_filtered_ids``, also as the facets of ``search_document``:
    visibility is one more facet (the viewer's access keys), and so is the owning team."""
    facets = {"status": frozenset(_statuses(filters))}
    if viewer.keys is not None:
        facets["access"] = viewer.keys
    if filters.severity:
        facets["severity"] = frozenset([filters.severity.value])
    if team_id is not None:
        facets["team"] = frozenset([team_id])
    for kind, value in (("service", filters.service), ("tag", filters.tag)):
        if value is not None:
            facets[kind] = frozenset([repository.label_value(value)])
    return SearchFilter(facets=facets, sql=_filtered_ids(filters, viewer, team_id))


def all_runbooks(session: Session) -> list[Runbook]:
    """Every runbook, archived ones too, oldest first (an export of the whole store)."""
    rows = session.scalars(select(RunbookRow).order_by(RunbookRow.created_at, RunbookRow.id))
    return [_to_runbook(row) for row in rows]


def find_by_title(session: Session, *, title: str) -> Runbook | None:
    """The active runbook with exactly this title (published first, then newest)."""
    row = repository.by_title(
        session, title, statuses=ACTIVE_STATUSES, access=viewer_of(session).keys
    )
    return _to_runbook(row) if row else None


def list_versions(session: Session, *, runbook_id: str) -> list[RunbookVersionInfo]:
    _load(session, runbook_id)
    return [_version_info(row) for row in repository.versions(session, runbook_id)]


def get_version(session: Session, *, runbook_id: str, version: int) -> RunbookVersion:
    _load(session, runbook_id)
    row = repository.get_version(session, runbook_id, version)
    if row is None:
        raise NotFound(
            f"Runbook {runbook_id} has no version {version}.",
            code="RUNBOOK_VERSION_NOT_FOUND",
            details={"id": runbook_id, "version": version},
        )
    return RunbookVersion(
        **_version_info(row).model_dump(),
        content=RunbookContent.model_validate(row.content),
        status=row.status,
        services=row.services,
        tags=row.tags,
        owner=row.owner,
        review_by=row.review_by,
        source_case_ids=row.source_case_ids,
    )


def diff_versions(
    session: Session,
    *,
    runbook_id: str,
    from_version: int | None = None,
    to_version: int | None = None,
) -> RunbookDiff:
    """What changed from one version to another: by default from the previous version to the
    current one (``to_version`` alone: from the one before it)."""
    row = _load(session, runbook_id)
    to = to_version if to_version is not None else row.version
    start = from_version if from_version is not None else max(to - 1, 1)
    return history.diff_versions(
        get_version(session, runbook_id=runbook_id, version=start),
        get_version(session, runbook_id=runbook_id, version=to),
    )


def search_runbooks(
    session: Session,
    *,
    query: str,
    filters: RunbookFilters = RunbookFilters(),
    limit: int = 10,
    offset: int = 0,
    mode: SearchMode = "hybrid",
    min_score: float | None = None,
    actor: str | None = None,
) -> SearchResults:
    """Best matches first: keyword ranking blended with semantic similarity (``mode="keyword"``
    for keywords only), scored as confidence in [0, 1]. Filters apply before ranking; hits below
    ``min_score`` (default: the ``search_min_score`` setting) are not returned. A search by
    ``actor`` (a person, not the suggestions' own) is counted, with how many it found (the
    first page only: paging is not a new search)."""
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"q is {len(query)} characters; shorten it to {MAX_QUERY_CHARS}.")
    if not query_terms(query):
        raise InvalidInput("q has no words to search for; send e.g. q=redis oom.")
    terms = [term for term in query_terms(query) if not is_stop_word(term)]
    floor = runtime_of(session).settings.search_min_score if min_score is None else min_score
    result = search_service.search(
        session,
        query,
        where=_search_filter(filters, viewer_of(session), _team_id(session, filters)),
        limit=offset + limit + 1,
        semantic=mode == "hybrid",
        min_score=floor,
    )
    page = result.hits[offset : offset + limit]
    if actor is not None and offset == 0:
        usage.record_search(session, actor=actor, query=query, found=len(result.hits))
    rows = repository.summaries(session, (hit.doc_id for hit in page))
    items = [
        SearchHit(runbook=_summary(rows[hit.doc_id]), score=round(hit.score, 6), why=_why(hit))
        for hit in page
        if hit.doc_id in rows
    ]
    return SearchResults(
        query=query,
        terms=terms,
        mode=mode,
        items=items,
        limit=limit,
        offset=offset,
        has_more=len(result.hits) > offset + limit,
        notes=result.notes,
    )


_SOURCES = {"keyword": "keyword", "vector": "semantic"}


def _why(hit: search_service.HybridHit) -> MatchExplanation:
    methods = [label for source, label in _SOURCES.items() if source in hit.ranks]
    return MatchExplanation(
        method="+".join(methods),
        matched_terms=hit.keyword.matched_terms if hit.keyword else [],
        fields=hit.keyword.matched if hit.keyword else {},
        similarity=round(hit.similarity, 4) if hit.similarity is not None else None,
        ranks=hit.ranks,
    )


# ---- commands --------------------------------------------------------------------------------


def create_runbook(
    session: Session,
    *,
    data: RunbookCreate,
    actor: str,
    source_case_ids: Sequence[str] = (),
    generated_by: str = "manual",
    team_id: str | None = None,
) -> Runbook:
    """``team_id``: the owning team (default: the acting viewer's team)."""
    (row,) = _insert_new(
        session,
        [data],
        actor=actor,
        source_case_ids=source_case_ids,
        generated_by=generated_by,
        team_id=team_id,
    )
    return _to_runbook(row)


def import_runbooks(
    session: Session, *, items: Sequence[RunbookCreate], actor: str
) -> list[RunbookSummary]:
    """Many new runbooks at once (a bulk import): each as ``create_runbook`` makes it, written
    with one statement per table."""
    return [_summary(row) for row in _insert_new(session, items, actor=actor)]


def _insert_new(
    session: Session,
    items: Sequence[RunbookCreate],
    *,
    actor: str,
    source_case_ids: Sequence[str] = (),
    generated_by: str = "manual",
    team_id: str | None = None,
) -> list[RunbookRow]:
    now = utcnow()
    viewer = viewer_of(session)
    rows: list[RunbookRow] = []
    documents: list[tuple[SearchDocument, int]] = []
    _check_ids_free(session, items)
    for data in items:
        kept = data if isinstance(data, RunbookImportItem) else None
        row = RunbookRow(
            id=(kept and kept.id) or new_id("rb"),
            status=data.status.value,
            version=1,
            services=list(data.services),
            tags=list(data.tags),
            source_case_ids=list(kept.source_case_ids if kept else source_case_ids),
            author=actor,
            owner=data.owner or actor,
            review_by=data.review_by,
            generated_by=generated_by,
            created_at=now,
            updated_at=now,
            team_id=team_id or viewer.team_id,
            author_id=viewer.user_id,
        )
        _set_visibility(row, data.visibility or Visibility.team)
        stored = _set_content(session, row, _content_of(data))
        rows.append(row)
        documents.append((_document(row, stored), row.version))
    repository.add_new(session, rows, change_note="created")
    search_service.index_documents(session, documents)
    for row in rows:
        usage.record_change(
            session, runbook_id=row.id, actor=actor, before=None, after=row.status, note="created"
        )
    return rows


def _check_ids_free(session: Session, items: Sequence[RunbookCreate]) -> None:
    """Imported runbooks that keep their id: each id once, and not in use (409 otherwise)."""
    ids = [item.id for item in items if isinstance(item, RunbookImportItem) and item.id]
    taken = (
        set(session.scalars(select(RunbookRow.id).where(RunbookRow.id.in_(ids)))) if ids else set()
    )
    repeated = {i for i, n in Counter(ids).items() if n > 1}
    if taken or repeated:
        clash = sorted(taken | repeated)
        raise Conflict(
            f"Runbook id(s) already in use: {', '.join(clash[:10])}; import them into another "
            "store or remove the id to make new runbooks.",
            code="RUNBOOK_EXISTS",
            details={"ids": clash},
        )


def update_runbook(
    session: Session,
    *,
    runbook_id: str,
    data: RunbookUpdate,
    expected_version: int | None,
    actor: str,
) -> Runbook:
    """Replace the runbook's content and metadata (every field) as a new version.

    ``expected_version`` (the If-Match header) or ``data.version`` must be the current version:
    an edit based on an older version is refused (409) instead of silently overwriting someone
    else's change.
    """
    row = _lock(session, runbook_id)
    _check_version(row, header=expected_version, body=data.version)
    return _replace(session, row, data, actor=actor)


def patch_runbook(
    session: Session,
    *,
    runbook_id: str,
    patch: RunbookPatch,
    expected_version: int | None,
    actor: str,
) -> Runbook:
    """Apply a JSON merge patch (RFC 7396) to the runbook's editable fields as a new version;
    the result must be a valid runbook (422 names the field otherwise)."""
    row = _lock(session, runbook_id)
    _check_version(row, header=expected_version, body=patch.version)
    document = merge_patch(_editable(row), patch.changes)
    try:
        data = RunbookUpdate.model_validate(
            {**document, "version": row.version, "change_note": patch.change_note}
        )
    except ValidationError as error:
        raise InvalidInput.from_validation(error, "The patched runbook is invalid") from None
    return _replace(session, row, data, actor=actor)


def _editable(row: RunbookRow) -> dict[str, Any]:
    """The runbook's editable fields as JSON (what a merge patch applies to)."""
    return {
        **row.content,
        "status": row.status,
        "services": list(row.services),
        "tags": list(row.tags),
        "owner": row.owner,
        "review_by": row.review_by.isoformat() if row.review_by else None,
        "visibility": row.visibility,
    }


def _check_version(row: RunbookRow, *, header: int | None, body: int | None) -> None:
    """The edit must say which version it is based on, once, and that must be the current one."""
    if header is not None and body is not None and header != body:
        raise Conflict(
            f"If-Match says version {header} but the body says version {body}; send one, or "
            "the same in both.",
            code="VERSION_MISMATCH",
            details={"if_match": header, "body_version": body},
        )
    base = header if header is not None else body
    if base is None:
        raise InvalidInput(
            "Say which version you edited: send the 'version' field or an If-Match header.",
            code="VERSION_REQUIRED",
        )
    if base != row.version:
        raise Conflict(
            f"Runbook {row.id} is at version {row.version}, but this edit is based on version "
            f"{base}. Reload it, re-apply your change and send version {row.version}.",
            code="STALE_VERSION",
            details={"current_version": row.version, "your_version": base},
        )


def _replace(session: Session, row: RunbookRow, data: RunbookUpdate, *, actor: str) -> Runbook:
    before = row.status
    _set_content(session, row, _content_of(data))
    row.status = data.status.value
    row.services = list(data.services)
    row.tags = list(data.tags)
    row.owner = data.owner
    row.review_by = data.review_by
    _set_visibility(row, data.visibility)
    row.generated_by = "manual"
    row.updated_at = utcnow()
    row.version += 1
    note = data.change_note or "edited"
    _flush_new_version(session, row, actor=actor, change_note=note)
    usage.record_change(
        session, runbook_id=row.id, actor=actor, before=before, after=row.status, note=note
    )
    return _to_runbook(row)


def restore_version(
    session: Session,
    *,
    runbook_id: str,
    version: int,
    request: RunbookRestore,
    expected_version: int | None,
    actor: str,
) -> Runbook:
    """A new version equal to ``version``: its content and metadata (status, services, tags,
    owner, review-by date). Like any edit it names the current version (``expected_version``,
    the If-Match header, or ``request.version``); a stale one is refused (409). The source
    cases stay as they are now: they are links kept on both sides, not an editable field."""
    row = _lock(session, runbook_id)
    _check_version(row, header=expected_version, body=request.version)
    snapshot = get_version(session, runbook_id=runbook_id, version=version)
    current = _editable(row)
    if snapshot.status is None:  # saved before snapshots held metadata: keep today's
        metadata = {name: current[name] for name in RunbookMetadata.model_fields}
    else:
        metadata = snapshot.model_dump(mode="json", include=set(RunbookMetadata.model_fields))
    try:
        data = RunbookUpdate.model_validate(
            {
                **snapshot.content.model_dump(mode="json"),
                **metadata,
                "version": row.version,
                "change_note": request.change_note or f"restored version {version}",
            }
        )
    except ValidationError as error:
        raise InvalidInput.from_validation(
            error, f"Version {version} is not a valid runbook today"
        ) from None
    return _replace(session, row, data, actor=actor)


def _flush_new_version(session: Session, row: RunbookRow, *, actor: str, change_note: str) -> None:
    runbook_id = row.id  # the row cannot be read once a failed flush expired it
    try:
        session.flush()
        _write_version(session, row, author=actor, change_note=change_note)
    except (StaleDataError, IntegrityError):
        raise Conflict(
            f"Runbook {runbook_id} was changed by someone else at the same time; reload and retry.",
            code="STALE_VERSION",
        ) from None


def archive_runbook(session: Session, *, runbook_id: str, actor: str) -> None:
    """Archive (soft delete): hidden from lists and search, versions kept."""
    row = _lock(session, runbook_id)
    if row.status == RunbookStatus.archived.value:
        return
    before = row.status
    row.status = RunbookStatus.archived.value
    row.updated_at = utcnow()
    row.version += 1
    _flush_new_version(session, row, actor=actor, change_note="archived")
    usage.record_change(
        session,
        runbook_id=runbook_id,
        actor=actor,
        before=before,
        after=row.status,
        note="archived",
    )


def _resolved_case(session: Session, case_id: str) -> CaseRecord:
    # locked first: writers take a case before its runbooks, so two of them never deadlock
    case = cases_service.get_case(session, case_id=case_id, for_update=True)
    if case.resolved_at is None:
        raise Conflict(
            f"Case {case_id} is {case.status.value}, not resolved; a runbook is made from a case "
            "whose fix was confirmed. Resolve it first.",
            code="CASE_NOT_RESOLVED",
        )
    return case


def create_from_case(
    session: Session,
    *,
    case_id: str,
    actor: str,
    status: RunbookStatus = RunbookStatus.published,
    content: RunbookContent | None = None,
    generated_by: str = "deterministic",
) -> Runbook:
    """Save the runbook of a resolved case (the deterministic draft unless ``content`` is given,
    e.g. written by an LLM), linked both ways."""
    case = check_can_make_runbook(session, case_id=case_id)
    content = content or draft_runbook(case)
    data = RunbookCreate(
        **content.model_dump(), status=status, services=case.services, tags=case.tags
    )
    runbook = create_runbook(
        session,
        data=data,
        actor=actor,
        source_case_ids=[case_id],
        generated_by=generated_by,
        team_id=cases_service.team_of(session, case_id=case_id),
    )
    cases_service.link_runbook(session, case_id=case_id, runbook_id=runbook.id)
    usage.record_produced(session, runbook_id=runbook.id, case_id=case_id, actor=actor)
    return runbook


def check_can_make_runbook(session: Session, *, case_id: str) -> CaseRecord:
    """The case, if a runbook can be made from it: resolved, and without one yet."""
    case = _resolved_case(session, case_id)
    if case.runbook_ids:
        raise Conflict(
            f"Case {case_id} already has runbook {case.runbook_ids[0]}; edit that one instead.",
            code="CASE_HAS_RUNBOOK",
            details={"runbook_ids": case.runbook_ids},
        )
    return case


def add_case_to_runbook(
    session: Session,
    *,
    runbook_id: str,
    case_id: str,
    actor: str,
    cause: int | None = None,
    new_cause: bool = False,
) -> Runbook:
    """A new version of the runbook that adds the resolved case as a source (see
    ``runbooks.merging``): as another known cause (``new_cause``), into cause number ``cause``
    (1-based), or, with neither, into the cause with the same root cause or else as a new one.
    Its average resolution time counts the case."""
    case = _resolved_case(session, case_id)
    row = _lock(session, runbook_id)
    if case_id in row.source_case_ids:
        raise Conflict(
            f"Case {case_id} is already a source of runbook {runbook_id}.", code="CASE_HAS_RUNBOOK"
        )
    existing = _content(row)
    if cause is not None and not 1 <= cause <= len(existing.causes):
        raise InvalidInput(
            f"Runbook {runbook_id} has {len(existing.causes)} known cause(s); "
            f"there is no cause {cause}.",
            details={"field": "cause", "causes": len(existing.causes)},
        )
    target: int | None | str = None if new_cause else "auto" if cause is None else cause - 1
    sources = [*row.source_case_ids, case_id]
    minutes, basis = resolution_time(cases_service.get_cases(session, case_ids=sources))
    merged = merge_case_draft(
        existing,
        draft_runbook(case),
        cause=target,
        average_resolution_minutes=minutes,
        resolution_time_basis=basis,
    )
    _set_content(session, row, merged)
    row.source_case_ids = sources
    row.updated_at = utcnow()
    row.version += 1
    note = f"added case {case_id}"
    _flush_new_version(session, row, actor=actor, change_note=note)
    cases_service.link_runbook(session, case_id=case_id, runbook_id=runbook_id)
    usage.record_change(
        session, runbook_id=runbook_id, actor=actor, before=row.status, after=row.status, note=note
    )
    usage.record_produced(session, runbook_id=runbook_id, case_id=case_id, actor=actor)
    return _to_runbook(row)


def cause_for_case(session: Session, *, runbook_id: str, case_id: str) -> tuple[int | None, int]:
    """(the 1-based number of the runbook's known cause with the case's root cause, or None;
    how many causes the runbook has): what the duplicate question offers to update."""
    case = cases_service.get_case(session, case_id=case_id)
    content = _content(_load(session, runbook_id))
    index = matching_cause(content, draft_runbook(case).causes[0])
    return (None if index is None else index + 1), len(content.causes)


def reindex_all(session: Session) -> int:
    """Rebuild the search index of every runbook (keyword now, vectors queued for the
    configured embedder). Returns how many runbooks were queued."""
    rows = session.scalars(select(RunbookRow).order_by(RunbookRow.id))
    return search_service.reset_vectors(session, ((_document(row), row.version) for row in rows))


def oldest_unindexed_edit(session: Session) -> datetime | None:
    """When the least recently written runbook still queued for its vector was written: the
    age of the index lag (the outbox keeps no time of its own; an entry is queued in its
    runbook's write). After a reindex every runbook is queued, so it is then the oldest edit,
    an upper bound. None when nothing is queued."""
    oldest = session.scalar(
        select(func.min(RunbookRow.updated_at)).where(
            RunbookRow.id.in_(search_service.pending_ids())
        )
    )
    return as_utc(oldest) if oldest is not None else None
