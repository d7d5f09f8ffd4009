"""Map foreign front matter (Zendesk, Jekyll, Hugo, DocFX, MkDocs) to the fields of SPEC §3.

Known keys map to ours; every other key is dropped and listed in the report. Dates come from
the first review or change date the source has; none means "never reviewed" for an article.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dateutil import parser as dateparser

TITLE = ("title", "Title", "name", "ms.title")
DESCRIPTION = ("description", "summary", "excerpt", "ms.description", "subtitle")
TAGS = ("tags", "keywords", "categories", "category", "ms.topic", "labels", "label_names")
PRODUCTS = ("products", "product", "ms.service", "ms.product")
REVIEWED = (
    "last_reviewed",
    "reviewed",
    "ms.date",
    "lastmod",
    "last_modified_at",
    "last_modified",
    "updated",
    "updated_at",
    "modified",
    "edited_at",
    "date",
)
UPDATED = ("updated", "lastmod", "last_modified_at", "last_modified", "updated_at", "modified")
EFFECTIVE = ("effective", "effective_date", "date", "published", "publishDate", "created_at")
EXPIRES = ("expires", "expiryDate", "expiry_date", "unpublishDate")
LANG = ("lang", "language", "locale")
DRAFT = ("draft",)
# Keys we read for other purposes (not "dropped"): the foreign id rewrites old links.
FOREIGN_ID = ("id", "zendesk_id", "article_id")
SHORT_TEXT = 200
_SPACE = re.compile(r"\s+")


def first(fields: dict[str, Any], names: tuple[str, ...]) -> tuple[str | None, Any]:
    for name in names:
        value = fields.get(name)
        if value not in (None, "", []):
            return name, value
    return None, None


def as_text(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = _SPACE.sub(" ", str(value)).strip()
        return text or None
    return None


def as_list(value: Any) -> list[str]:
    """Tags from a list, or a comma-separated string; only short text items are kept."""
    items = value if isinstance(value, list) else str(value).split(",") if value else []
    seen: dict[str, None] = {}
    for item in items:
        text = as_text(item)
        if text and len(text) <= SHORT_TEXT:
            seen.setdefault(text, None)
    return list(seen)


def as_date(value: Any, today: dt.date) -> dt.date | None:
    """A real, past date from a date, datetime, ISO text or a US ``MM/DD/YYYY`` (DocFX)."""
    if isinstance(value, dt.datetime):
        day: dt.date | None = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and value.strip():
        try:
            day = dateparser.parse(value.strip(), dayfirst=False, yearfirst=True).date()
        except (ValueError, OverflowError):
            day = None
    else:
        day = None
    return day


def is_draft(fields: dict[str, Any]) -> bool:
    return fields.get("draft") is True or fields.get("published") is False


KNOWN = frozenset(
    TITLE
    + DESCRIPTION
    + TAGS
    + PRODUCTS
    + REVIEWED
    + UPDATED
    + EFFECTIVE
    + EXPIRES
    + LANG
    + DRAFT
    + FOREIGN_ID
    + ("published", "owner", "audience", "status", "type")
)
