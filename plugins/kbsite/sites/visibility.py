"""What the built sites show of a page: visibility per site, meta tags. No MkDocs import."""

from __future__ import annotations

import datetime as dt
import html

from kbsite.pages import Page


def public_visible(page: Page, today: dt.date) -> bool:
    """A page the help center may show: public, active, not expired, without errors."""
    return (
        page.parsed
        and page.meta.audience == "public"
        and page.meta.status == "active"
        and not page.expired_on(today)
    )


def internal_visible(page: Page, today: dt.date) -> bool:
    """A page the rep site shows: anything parsed that is not a draft or retired."""
    return page.parsed and page.meta.status == "active"


def page_head_tags(page: Page) -> str:
    tags = []
    if page.meta.id:
        tags.append(f'<meta name="kb-id" content="{html.escape(page.meta.id)}">')
    tags.append(f'<meta name="kb-lang" content="{html.escape(page.meta.lang)}">')
    return "".join(tags)
