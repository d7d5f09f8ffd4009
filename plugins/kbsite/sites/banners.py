"""Review banners and the review footer of a page (rep site), and the short notes the help
center shows customers instead (which states get one: ``review/states.py``)."""

from __future__ import annotations

import html

from kbsite.pages import Page
from kbsite.reading.owners import Owner
from kbsite.review.staleness import Flag
from kbsite.review.states import BY_NAME, customer_note, severity
from kbsite.sites.translations import Labels, labels_for


def render_banners(
    flags: list[Flag],
    owners: dict[str, Owner],
    audience: str,
    lang: str = "en",
    *,
    page_type: str = "article",
    original_url: str | None = None,
    labels: Labels | None = None,
) -> str:
    """One banner per state, most severe first; the rep site also names the owner.

    On the help center (``audience="public"``) only the customer notes are shown."""
    if audience == "public":
        return render_customer_notes(
            flags, page_type, labels or labels_for(lang), original_url=original_url
        )
    parts = []
    for flag in sorted(flags, key=lambda f: severity(f.state)):
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


def customer_notes(flags: list[Flag], page_type: str, labels: Labels) -> list[tuple[Flag, str]]:
    """The notes a customer sees (plain text, most severe first), with the state of each."""
    notes = []
    for flag in sorted(flags, key=lambda f: severity(f.state)):
        key = customer_note(flag.state, page_type)
        if key is not None:
            notes.append((flag, labels(key, date=labels.date(flag.due) if flag.due else "")))
    return notes


def render_customer_notes(
    flags: list[Flag], page_type: str, labels: Labels, original_url: str | None = None
) -> str:
    """The notes a customer sees: what changes for them and when, in their language.

    Never an owner's instruction, a file path, a field name or a contact (SPEC §6).
    ``original_url`` links a translation to its source page."""
    parts = []
    for flag, note in customer_notes(flags, page_type, labels):
        text = html.escape(note)
        if flag.state == "translation-outdated" and original_url:
            link = html.escape(labels("note.read-original"))
            text += f' <a href="{html.escape(original_url)}">{link}</a>'
        since = f' data-kb-since="{flag.due.isoformat()}"' if flag.due else ""
        parts.append(
            f'<div class="kb-banner kb-note" role="note" data-kb-state="{flag.state}"{since}>'
            f"<p>{text}</p></div>"
        )
    return "\n".join(parts)
