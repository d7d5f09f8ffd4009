"""What the index keeps of each page for the rep's desk: its version period, whether the help
center shows it, its short answer and its sections; and the as-of day of a query.

A page's period depends on the pages that supersede it, so ``signature`` joins these fields to
the page's content digest: an update re-indexes a page when a new version ends its period even
though its own file did not change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from kbsite.dates import DateError, parse_date
from kbsite.markdown.model import Rendering
from kbsite.pages import Page
from kbsite.search.engine.lookup import ALWAYS, STILL
from kbsite.search.passages import PageText, sections_from
from kbsite.sites.visibility import public_visible
from kbsite.versions import Versions


class AsOfError(ValueError):
    """An as-of day that is not a real ISO date."""


def parse_as_of(value: str | dt.date | None) -> str | None:
    """The ISO day of ``as_of``, or None; a bad one raises AsOfError with a clear message."""
    if value is None or value == "":
        return None
    try:
        day = value if isinstance(value, dt.date) else parse_date(str(value).strip())
    except DateError as exc:
        raise AsOfError(f"as_of: {exc}; write a real date as YYYY-MM-DD") from None
    return day.isoformat()


def derived_fields(page: Page, versions: Versions, today: dt.date) -> dict[str, str]:
    """The index fields other pages and the day decide: the page's version period and
    chain, the version in effect today, and whether the help center shows it."""
    meta = page.meta
    version = versions.get(meta.id)
    start = version.start if version else meta.effective
    end = version.end if version else meta.expires
    current = versions.current(meta.id, today) if version and meta.id else None
    return {
        "status": meta.status,
        "start": start.isoformat() if start else ALWAYS,
        "end": end.isoformat() if end else STILL,
        "chain": versions.chain_key(meta.id) if meta.id else page.path,
        "help_center": "yes" if public_visible(page, today) else "no",
        "current_id": current.id if current else "",
    }


def content_fields(page: Page, rendering: Rendering) -> dict[str, Any]:
    """The index fields of the page's own text: its answer, its sections (from the page
    model) and words as passages read them (``PageText.stored``), and the Markdown of a
    retired version (no site shows it; the rep server does)."""
    sections, words = PageText.of(sections_from(rendering)).stored()
    return {
        "answer": page.meta.answer or "",
        "sections": sections,
        "words": words,
        "archive": page.body if page.meta.status == "retired" else "",
    }


def signature(page: Page, derived: dict[str, str]) -> str:
    """The page's content digest joined to what other pages and the day decide about it."""
    text = "|".join(derived[name] for name in sorted(derived))
    return page.digest + "-" + hashlib.blake2b(text.encode(), digest_size=6).hexdigest()
