"""Review banners and the review footer of a page, as HTML in Material's admonition style."""

from __future__ import annotations

import html

from kbsite.pages import Page
from kbsite.reading.owners import Owner
from kbsite.review.staleness import Flag
from kbsite.review.states import BY_NAME, severity


def render_banners(
    flags: list[Flag], owners: dict[str, Owner], audience: str, lang: str = "en"
) -> str:
    """One banner per state, most severe first; the rep site also names the owner."""
    parts = []
    for flag in sorted(flags, key=lambda f: severity(f.state)):
        if audience == "public" and BY_NAME[flag.state].reps_only:
            continue
        kind, title = BY_NAME[flag.state].look, BY_NAME[flag.state].title
        text = html.escape(flag.reason[:1].upper() + flag.reason[1:]) + "."
        if audience == "internal" and flag.owner:
            owner = owners.get(flag.owner)
            name = html.escape(owner.name if owner else flag.owner)
            text += f" Owner: <strong>{name}</strong>"
            if owner and owner.email:
                email = html.escape(owner.email)
                text += f' (<a href="mailto:{email}">{email}</a>)'
            text += "."
        since = f' data-kb-since="{flag.due.isoformat()}"' if flag.due else ""
        parts.append(
            f'<div class="admonition {kind} kb-banner" data-kb-state="{flag.state}"{since}>'
            f'<p class="admonition-title">{title}</p><p>{text}</p></div>'
        )
    return "\n".join(parts)


def render_review_footer(page: Page, owners: dict[str, Owner]) -> str:
    """Last review date and owner, shown at the end of every page on the rep site."""
    meta = page.meta
    parts = [f"Last reviewed {meta.last_reviewed}" if meta.last_reviewed else "Never reviewed"]
    if meta.owner:
        owner = owners.get(meta.owner)
        parts.append(f"owner: {owner.contact() if owner else meta.owner}")
    if meta.review_every:
        parts.append(f"reviewed every {meta.review_every.human()}")
    return f'<p class="kb-review"><small>{html.escape(" · ".join(parts))}</small></p>'
