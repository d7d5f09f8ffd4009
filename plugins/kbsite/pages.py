"""The parsed page model: what every later stage (checks, staleness, sites, search) reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kbsite.dates import Duration
from kbsite.markdown.model import Outline


def _by_fields(self: object) -> tuple[object, ...]:
    """Pickled as a call of the class with its fields: loads about twice as fast as a slotted
    dataclass's own state (the page snapshot holds thousands; ``kbsite.reading.snapshot``)."""
    return type(self), tuple(getattr(self, name) for name in type(self).__slots__)


@dataclass(frozen=True, slots=True)
class Tier:
    """One step of an escalation procedure: who takes the case, how fast, and when."""

    owner: str
    response_time: Duration | None
    when: str = ""


@dataclass(slots=True)
class PageMeta:
    """Validated front matter with defaults applied. Invalid fields are left at None."""

    id: str | None = None
    title: str | None = None
    type: str = "article"
    owner: str | None = None
    audience: str = "internal"
    status: str = "active"
    effective: dt.date | None = None
    expires: dt.date | None = None
    last_reviewed: dt.date | None = None
    review_every: Duration | None = None
    updated: dt.date | None = None
    lang: str = "en"
    translated_from: dt.date | None = None
    products: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()
    escalate_to: str | None = None
    response_time: Duration | None = None
    tiers: tuple[Tier, ...] = ()
    description: str | None = None
    answer: str | None = None  # the short answer a rep reads out (SPEC §3), per translation

    __reduce__ = _by_fields


@dataclass(frozen=True, slots=True)
class Link:
    """A relative link in a page body, resolved to a project path when it points at a file."""

    target: str  # as written
    path: str | None  # resolved project-relative path, None for same-page anchors
    anchor: str | None
    line: int  # in the file
    kind: str = "link"  # "link", "image", or a raw-HTML attribute: "href", "src"
    slot: int | None = None  # its place in the page's rendering (see kbsite.markdown.model)
    internal: bool = False  # inside a `!!! internal` block
    url_path: str | None = None  # raw HTML: the site path a browser reaches (see targets)

    __reduce__ = _by_fields


@dataclass(slots=True)
class Page:
    """One Markdown file of a content folder, parsed as far as it could be."""

    path: str  # project-relative, e.g. "kb/billing/refunds.md"
    folder: str  # content folder, e.g. "kb"
    lang: str
    source_path: str | None = None  # for a translation: the file it translates
    meta: PageMeta = field(default_factory=PageMeta)
    field_lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    anchors: frozenset[str] = frozenset()
    links: tuple[Link, ...] = ()
    parsed: bool = False  # front matter was read (the page can be built and indexed)
    has_errors: bool = False
    digest: str = ""  # of the whole file
    outline: Outline | None = None  # the body's headings and links (kbsite.markdown.model)

    @property
    def is_translation(self) -> bool:
        return self.source_path is not None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.meta.id, self.meta.lang)

    def line_of(self, name: str) -> int:
        return self.field_lines.get(name, 1)

    def expired_on(self, today: dt.date) -> bool:
        return self.meta.expires is not None and self.meta.expires < today
