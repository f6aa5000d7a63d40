"""What changed between two versions of a runbook: a unified diff of their markdown and the
fields (content and metadata) that differ. Pure functions, no I/O."""

from __future__ import annotations

import difflib
from typing import Any

from faultmaven.runbooks.markdown import render_markdown
from faultmaven.runbooks.schemas import FieldChange, RunbookDiff, RunbookVersion

# the metadata a version snapshot holds besides its content (null before migration 0005)
METADATA_FIELDS = ("status", "services", "tags", "owner", "review_by", "source_case_ids")


def version_markdown(version: RunbookVersion) -> str:
    """The version's content as markdown (without the created/updated dates of the header:
    they are metadata, and would differ in every diff)."""
    return render_markdown(version.content)


def diff_versions(old: RunbookVersion, new: RunbookVersion) -> RunbookDiff:
    """``old`` → ``new``: the markdown's unified diff and the changed fields."""
    label = old.runbook_id
    diff = "".join(
        difflib.unified_diff(
            version_markdown(old).splitlines(keepends=True),
            version_markdown(new).splitlines(keepends=True),
            fromfile=f"{label} v{old.version}",
            tofile=f"{label} v{new.version}",
        )
    )
    changed = changed_paths(
        old.content.model_dump(mode="json"), new.content.model_dump(mode="json")
    )
    metadata: list[FieldChange] = []
    notes: list[str] = []
    if old.status is None or new.status is None:
        # a snapshot saved before versions held metadata: its metadata is unknown, not empty
        notes.append(
            "Metadata is not compared: a version saved before snapshots held metadata "
            "(migration 0005) is involved."
        )
    else:
        before = old.model_dump(mode="json", include=set(METADATA_FIELDS))
        after = new.model_dump(mode="json", include=set(METADATA_FIELDS))
        for name in METADATA_FIELDS:
            if before[name] != after[name]:
                metadata.append(FieldChange(field=name, before=before[name], after=after[name]))
                changed.append(name)
    return RunbookDiff(
        runbook_id=old.runbook_id,
        from_version=old.version,
        to_version=new.version,
        changed_fields=changed,
        metadata=metadata,
        diff=diff,
        notes=notes,
    )


def changed_paths(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths whose values differ: objects are compared key by key, lists of objects of
    the same length item by item (``causes.0.root_cause.cause``), anything else whole."""
    changed: list[str] = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            changed.extend(changed_paths(old, new, f"{prefix}{key}."))
        elif isinstance(old, list) and isinstance(new, list) and _same_shape_objects(old, new):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                changed.extend(changed_paths(a, b, f"{prefix}{key}.{index}."))
        else:
            changed.append(f"{prefix}{key}")
    return changed


def _same_shape_objects(old: list[Any], new: list[Any]) -> bool:
    return len(old) == len(new) and all(isinstance(item, dict) for item in [*old, *new])
