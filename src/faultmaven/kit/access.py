"""Who may see and change a record (domain-free): access keys and the viewer of a unit of work.

Every record carries one **access key**: ``org`` (the whole organization), ``team:<team id>``
(the members of one team) or ``user:<user id>`` (its author alone). A viewer holds the keys it
may see; a record is visible when its key is among them. One key per record makes visibility a
single facet of the search index and a single indexed ``IN`` in SQL: the same test everywhere.
Changing a record also needs the request's role in the record's owning team
(``write_teams``), or to be its author.

The request (or command) that opens a unit of work says who acts through it with
:func:`set_viewer`; services read it with :func:`viewer_of`. A unit of work without a viewer
sees and changes everything: the CLI on the database, the job worker, local (one-user) mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

ORGANIZATION = "org"
DEFAULT_TEAM_ID = "team_default"  # made by migration 0007; owns what existed before accounts
_VIEWER = "faultmaven_viewer"


def team_key(team_id: str) -> str:
    return f"team:{team_id}"


def user_key(user_id: str) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True)
class Viewer:
    """``keys``: the access keys it may see (None: all). ``write_teams``: the teams whose
    records it may change (None: all). ``user_id``: who it is (None: nobody in particular).
    ``team_id``: the team new records belong to."""

    keys: frozenset[str] | None = None
    write_teams: frozenset[str] | None = None
    user_id: str | None = None
    team_id: str = DEFAULT_TEAM_ID

    @classmethod
    def of(
        cls,
        *,
        user_id: str,
        team_ids: Iterable[str],
        write_teams: Iterable[str],
        team_id: str | None,
    ) -> Viewer:
        teams = list(team_ids)
        return cls(
            keys=frozenset([ORGANIZATION, user_key(user_id), *(team_key(t) for t in teams)]),
            write_teams=frozenset(write_teams),
            user_id=user_id,
            team_id=team_id or (sorted(teams)[0] if teams else DEFAULT_TEAM_ID),
        )

    @property
    def unrestricted(self) -> bool:
        return self.keys is None

    def sees(self, key: str | None) -> bool:
        return self.keys is None or (key or ORGANIZATION) in self.keys

    def narrowed_to(self, keys: Iterable[str]) -> Viewer:
        """The same viewer, seeing only what it sees among ``keys``."""
        allowed = frozenset(keys)
        return replace(self, keys=allowed if self.keys is None else self.keys & allowed)

    def may_change(self, *, team_id: str | None, author_id: str | None = None) -> bool:
        if self.write_teams is None:
            return True
        if author_id is not None and author_id == self.user_id:
            return True
        return team_id is not None and team_id in self.write_teams


EVERYONE = Viewer()


def set_viewer(session: Session, viewer: Viewer) -> None:
    session.info[_VIEWER] = viewer


def viewer_of(session: Session) -> Viewer:
    viewer = session.info.get(_VIEWER)
    return viewer if isinstance(viewer, Viewer) else EVERYONE


@contextmanager
def seen_as(session: Session, viewer: Viewer) -> Iterator[None]:
    """Within the block, ``session`` views as ``viewer``."""
    previous = session.info.get(_VIEWER)
    session.info[_VIEWER] = viewer
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(_VIEWER, None)
        else:
            session.info[_VIEWER] = previous
