"""Two texts side by side, as rows for a table: pure, no I/O. Long runs of unchanged lines
are folded to a few lines of context around each change."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from itertools import zip_longest
from typing import Literal

Kind = Literal["equal", "changed", "removed", "added", "fold"]
CONTEXT = 3


@dataclass(frozen=True)
class Row:
    kind: Kind
    left_number: int | None = None
    left: str | None = None
    right_number: int | None = None
    right: str | None = None
    folded: int = 0  # kind "fold": how many unchanged lines are not shown


def _pairs(tag: str, old: list[str], new: list[str], i: int, j: int) -> list[Row]:
    if tag == "equal":
        return [Row("equal", i + k + 1, old[k], j + k + 1, new[k]) for k in range(len(old))]
    rows = []
    for k, (a, b) in enumerate(zip_longest(old, new)):
        kind: Kind = "added" if a is None else "removed" if b is None else "changed"
        rows.append(
            Row(
                kind,
                i + k + 1 if a is not None else None,
                a,
                j + k + 1 if b is not None else None,
                b,
            )
        )
    return rows


def _fold(rows: list[Row], context: int) -> list[Row]:
    changed = [n for n, row in enumerate(rows) if row.kind != "equal"]
    if not changed:
        return []
    keep = {k for n in changed for k in range(n - context, n + context + 1)}
    out: list[Row] = []
    hidden = 0
    for n, row in enumerate(rows):
        if n in keep:
            if hidden:
                out.append(Row("fold", folded=hidden))
                hidden = 0
            out.append(row)
        else:
            hidden += 1
    if hidden:
        out.append(Row("fold", folded=hidden))
    return out


def side_by_side(before: str, after: str, *, context: int = CONTEXT) -> list[Row]:
    """The rows of ``before`` | ``after``; empty when they are the same."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        rows += _pairs(tag, old[i1:i2], new[j1:j2], i1, j1)
    return _fold(rows, context)
