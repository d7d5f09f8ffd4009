"""Versions of a rule: which page applied on which day, following ``supersedes`` (SPEC §7).

A page is in effect from its ``effective`` day (from always, without one) to the day before a
page that supersedes it takes effect, or to its ``expires`` day (the last day it applies),
whichever comes first. Retired pages keep their period: they are the record of what applied
before. A retired page that no successor replaced and that has no ``expires`` keeps an open end,
since nothing says when it stopped. Drafts never applied. Translations share their source's id,
hence its period.

Used by the rep search (as-of queries), the version history of the rep site and ``kb check``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from kbsite.pages import Page

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Version:
    """One page of a chain of versions, with the days it was in effect."""

    id: str
    path: str  # the source page (not a translation)
    title: str
    status: str  # active or retired
    start: dt.date | None  # first day in effect; None: always was
    end: dt.date | None  # last day in effect (included); None: still is, as far as we know
    supersedes: tuple[str, ...]
    replaced_by: tuple[str, ...]  # ids of the versions that supersede this one

    def in_effect(self, day: dt.date) -> bool:
        """Whether this version applied on ``day`` (both ends of its period included)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @property
    def live(self) -> bool:
        return self.status == "active"


class Versions:
    """Every version of the KB by id, and the chains ``supersedes`` links them into."""

    def __init__(self, pages: Iterable[Page]) -> None:
        sources: dict[str, Page] = {}
        for page in pages:
            meta = page.meta
            if page.parsed and meta.id and not page.is_translation and meta.status != "draft":
                sources.setdefault(meta.id, page)
        successors: dict[str, list[Page]] = {}
        for page in sources.values():
            for old in dict.fromkeys(page.meta.supersedes):
                if old != page.meta.id:
                    successors.setdefault(old, []).append(page)
        self.by_id: dict[str, Version] = {}
        for page_id, page in sources.items():
            meta = page.meta
            later = successors.get(page_id, [])
            ends = [p.meta.effective - ONE_DAY for p in later if p.meta.effective]
            if meta.expires:
                ends.append(meta.expires)
            self.by_id[page_id] = Version(
                id=page_id,
                path=page.path,
                title=meta.title or page_id,
                status=meta.status,
                start=meta.effective,
                end=min(ends) if ends else None,
                supersedes=tuple(i for i in dict.fromkeys(meta.supersedes) if i != page_id),
                replaced_by=tuple(sorted(p.meta.id for p in later if p.meta.id)),
            )

    def get(self, page_id: str | None) -> Version | None:
        return self.by_id.get(page_id) if page_id else None

    def chain(self, page_id: str) -> list[Version]:
        """Every version linked to ``page_id`` by ``supersedes`` either way (itself included),
        oldest first; empty when the id is unknown."""
        if page_id not in self.by_id:
            return []
        seen, todo = {page_id}, [page_id]
        while todo:
            version = self.by_id[todo.pop()]
            for other in (*version.supersedes, *version.replaced_by):
                if other in self.by_id and other not in seen:
                    seen.add(other)
                    todo.append(other)
        return sorted((self.by_id[i] for i in seen), key=lambda v: (v.start or dt.date.min, v.id))

    def chain_key(self, page_id: str) -> str:
        """One name for a whole chain (its smallest id), the same from every version."""
        chain = self.chain(page_id)
        return min(v.id for v in chain) if chain else page_id

    def current(self, page_id: str, today: dt.date) -> Version | None:
        """The active version of the chain in effect ``today`` (the latest to start if several
        are), or None when no version of it applies today."""
        live = [v for v in self.chain(page_id) if v.live and v.in_effect(today)]
        return max(live, key=lambda v: (v.start or dt.date.min, v.id)) if live else None
