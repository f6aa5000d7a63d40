from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    offset: int = 0


class Page(BaseModel, Generic[T]):
    """One page of a list: ``{items, total_count, limit, offset, has_more}``."""

    items: list[T]
    total_count: int = Field(ge=0)
    limit: int
    offset: int
    has_more: bool

    @classmethod
    def build(cls, items: Sequence[T], *, total_count: int, page: PageRequest) -> Page[T]:
        return cls(
            items=list(items),
            total_count=total_count,
            limit=page.limit,
            offset=page.offset,
            has_more=page.offset + len(items) < total_count,
        )
