"""Review banners and the review footer of a page (rep site), and the short notes the help
center shows customers instead (which states get one: ``review/states.py``).

Both speak the site's language: a banner's title is the label ``state.<name>``, its sentence
the flag's ``reason_key`` filled with its ``reason_params``, the footer's words ``review.*``.
In English the rep site keeps saying exactly what `kb stale` says (``Flag.reason``: ISO dates,
as owners write them in front matter, and languages by their own names); other languages
write dates, durations and language names as their readers do.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from kbsite.dates import Duration
from kbsite.pages import Page
from kbsite.reading.owners import Owner
from kbsite.review.staleness import Flag
from kbsite.review.states import BY_NAME, customer_note, severity
from kbsite.sites.languages import language_name
from kbsite.sites.translations import DEFAULT_LANGUAGE, Labels, labels_for


def _rep_date(labels: Labels) -> Callable[[dt.date], str]:
    """How the rep site writes a date: ISO in English (as `kb stale` and front matter do),
    else as the reader's language does (``1 settembre 2026``)."""
    return dt.date.isoformat if labels.lang == DEFAULT_LANGUAGE else labels.date


def _rep_language(labels: Labels, code: str) -> str:
    """``Tagalog (tl)`` in English (the language's own name, as `kb stale` says it),
    ``tagalog (tl)`` on the Italian site."""
    name = language_name(code) if labels.lang == DEFAULT_LANGUAGE else labels.language_name(code)
    return f"{name} ({code})"


def _value(name: str, value: Any, labels: Labels) -> Any:
    """One placeholder of a reason, written for the reader (counts stay numbers: ``n`` picks
    the plural form)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return _rep_date(labels)(value)
    if isinstance(value, Duration):
        return labels.duration(value)
    if name == "languages":
        return ", ".join(_rep_language(labels, code) for code in value)
    if isinstance(value, tuple | list):
        return ", ".join(str(item) for item in value)
    return value


def reason_text(flag: Flag, labels: Labels) -> str:
    """Why a page is flagged, as plain text in the labels' language (no final full stop).

    A rep's own words (``comment``) are quoted before the sentence, as they were written."""
    if not flag.reason_key:
        return flag.reason
    values = {name: _value(name, value, labels) for name, value in flag.reason_params}
    comment = values.pop("comment", "")
    text = labels(flag.reason_key, **values)
    return f"“{comment}”: {text}" if comment else text


def _with_name(label: str, name_html: str) -> str:
    """A label holding ``{name}``, escaped, with the (already escaped) HTML of the name in."""
    return html.escape(label).replace("{name}", name_html)


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
    labels = labels or labels_for(lang)
    if audience == "public":
        return render_customer_notes(flags, page_type, labels, original_url=original_url)
    parts = []
    for flag in sorted(flags, key=lambda f: severity(f.state)):
        state = BY_NAME[flag.state]
        kind, title = state.look, html.escape(labels(state.title_key))
        reason = reason_text(flag, labels)
        text = html.escape(reason[:1].upper() + reason[1:]) + "."
        if audience == "internal" and flag.owner:
            owner = owners.get(flag.owner)
            name = html.escape(owner.name if owner else flag.owner)
            text += " " + _with_name(labels("banner.owner"), f"<strong>{name}</strong>")
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


def render_review_footer(page: Page, owners: dict[str, Owner], labels: Labels | None = None) -> str:
    """Last review date and owner, shown at the end of every page on the rep site, in the
    site's language (by default the page's)."""
    labels = labels or labels_for(page.lang)
    meta = page.meta
    if meta.last_reviewed:
        parts = [labels("review.last-reviewed", date=_rep_date(labels)(meta.last_reviewed))]
    else:
        parts = [labels("review.never-reviewed")]
    if meta.owner:
        owner = owners.get(meta.owner)
        parts.append(labels("review.owner", owner=owner.contact() if owner else meta.owner))
    if meta.review_every:
        parts.append(labels("review.every", interval=labels.duration(meta.review_every)))
    return f'<p class="kb-review"><small>{html.escape(" · ".join(parts))}</small></p>'


def customer_notes(flags: list[Flag], page_type: str, labels: Labels) -> list[tuple[Flag, str]]:
    """The notes a customer sees (plain text, most severe first), with the state of each."""
    notes = []
    for flag in sorted(flags, key=lambda f: severity(f.state)):
        key = customer_note(flag.state, page_type)
        if key is not None:
            notes.append((flag, labels(key, date=labels.date(flag.due) if flag.due else "")))
    return notes


def rep_note(flags: list[Flag], labels: Labels) -> str | None:
    """What a rep's search result says of a page's review state: the title of its most
    severe banner ("Review overdue"), None when it has none."""
    if not flags:
        return None
    worst = min(flags, key=lambda f: severity(f.state))
    return labels(BY_NAME[worst.state].title_key)


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
