"""What a site's search indexes of a page: a plain record the site builder fills in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kbsite.settings import PAGE_TYPES


class ClientSearchError(ValueError):
    """A document or an index folder the writer cannot use; the message says which and why."""


@dataclass(frozen=True)
class ClientDoc:
    """One published page, as its reader (a customer, or a rep on the rep site) sees it.

    ``url`` is relative to the language site's root and identifies the page in updates;
    ``sections`` are ``(heading, anchor, text)`` in page order (the first one may have an
    empty heading and anchor: the text before the first heading). Only what is published goes
    here: the writer adds nothing else. ``note`` is the page's note for its reader (if any),
    ``id`` its KB id (``POL-REFUND`` finds it first), ``weight`` its ranking factor (fresh
    pages 1, stale ones lower, as in rep search); ``answer`` the short answer the site shows
    at the top of the page (the rep site's, SPEC §3), searched as heading words."""

    url: str
    title: str
    type: str
    products: tuple[str, ...] = ()
    lang: str = "en"
    note: str | None = None
    sections: tuple[tuple[str, str, str], ...] = ()
    id: str | None = None
    weight: float = 1.0
    tags: tuple[str, ...] = field(default=())
    answer: str | None = None

    def __post_init__(self) -> None:
        where = f"search document `{self.url or '?'}`"
        if not self.url or self.url.startswith(("/", "http:", "https:")) or ".." in self.url:
            raise ClientSearchError(f"{where}: url must be relative to the site root")
        if not self.title.strip():
            raise ClientSearchError(f"{where}: title is empty")
        if self.type not in PAGE_TYPES:
            raise ClientSearchError(f"{where}: type `{self.type}` is not one of {list(PAGE_TYPES)}")
        if not 0 < self.weight <= 1:
            raise ClientSearchError(f"{where}: weight must be in (0, 1]")
        object.__setattr__(self, "products", tuple(str(p) for p in self.products))
        object.__setattr__(self, "tags", tuple(str(t) for t in self.tags))
        object.__setattr__(
            self, "sections", tuple((str(h), str(a), str(t)) for h, a, t in self.sections)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "type": self.type,
            "products": list(self.products),
            "lang": self.lang,
            "note": self.note,
            "sections": [list(s) for s in self.sections],
            "id": self.id,
            "weight": self.weight,
            "tags": list(self.tags),
            "answer": self.answer,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClientDoc:
        sections: Sequence[Sequence[str]] = data.get("sections") or ()
        return cls(
            url=data["url"],
            title=data["title"],
            type=data["type"],
            products=tuple(data.get("products") or ()),
            lang=data.get("lang", "en"),
            note=data.get("note"),
            sections=tuple((s[0], s[1], s[2]) for s in sections),
            id=data.get("id"),
            weight=float(data.get("weight", 1.0)),
            tags=tuple(data.get("tags") or ()),
            answer=data.get("answer"),
        )
