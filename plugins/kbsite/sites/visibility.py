"""What the built sites show of a page: visibility per site, meta tags. No MkDocs import."""

from __future__ import annotations

import datetime as dt
import html

from kbsite.pages import Page
from kbsite.reading.frontmatter import FrontMatterMissing
from kbsite.reading.frontmatter import parse as parse_front_matter
from kbsite.reading.yamlload import YamlProblem


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


def docs_audience(rel_path: str, text: str) -> str:
    """The audience of a hand-written ``docs/`` page (SPEC §6).

    Its front matter's ``audience`` if valid; without one, the home page (``index.md`` and its
    translations ``index.it.md``) is public and every other page internal. A page whose front
    matter cannot be read is internal: it fails closed like a content page.
    """
    home = "/" not in rel_path and rel_path.split(".", 1)[0] == "index"
    try:
        audience = parse_front_matter(text).fields.data.get("audience")
    except FrontMatterMissing:
        audience = None
    except YamlProblem:
        return "internal"
    if audience in ("public", "internal"):
        return str(audience)
    return "public" if home else "internal"
