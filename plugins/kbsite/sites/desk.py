"""The rep's desk on the rep site: links between rep search, the rep site and the content-health
page, and the short answer at the top of a page. Plain functions returning HTML; the rep site's
rendering places them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from kbsite.pages import Page


@dataclass(frozen=True, slots=True)
class DeskLink:
    key: str
    label: str
    href: str  # from the root of the `kb serve` host


#: The three places of the rep's desk as `kb serve` serves them.
DESK_LINKS: tuple[DeskLink, ...] = (
    DeskLink("search", "Rep search", "/"),
    DeskLink("site", "Rep site", "/internal/"),
    DeskLink("health", "Content health", "/internal/kb-health/"),
)

ANSWER_LABELS = {
    "en": ("Short answer", "Copy"),
    "it": ("Risposta breve", "Copia"),
    "tl": ("Maikling sagot", "Kopyahin"),
    "lv": ("Īsā atbilde", "Kopēt"),
    "te": ("సంక్షిప్త సమాధానం", "కాపీ"),
}


def desk_links_html(current: str | None = None) -> str:
    """A small navigation of the desk for a header: rep search, rep site, content health;
    ``current`` (a ``DeskLink.key``) is marked with ``aria-current``."""
    items = []
    for link in DESK_LINKS:
        here = ' aria-current="page"' if link.key == current else ""
        items.append(
            f'<a class="kb-desk-link" data-kb-desk="{link.key}" href="{link.href}"{here}>'
            f"{html.escape(link.label)}</a>"
        )
    return f'<nav class="kb-desk" aria-label="Rep desk">{"".join(items)}</nav>'


def shown_answer(page: Page, *, public: bool) -> str:
    """The short answer (SPEC §3) a site shows at the top of ``page``: the rep site shows its
    ``answer``, the help center (``public``) none; empty when there is none to show."""
    return "" if public else (page.meta.answer or "").strip()


def answer_box_html(page: Page, *, public: bool) -> str:
    """The answer the site shows (``shown_answer``) in a box for the top of the page, with a
    button that copies it; empty when it shows none."""
    answer = shown_answer(page, public=public)
    if not answer:
        return ""
    label, copy = ANSWER_LABELS.get(page.meta.lang, ANSWER_LABELS["en"])
    text = html.escape(answer)
    return (
        '<div class="admonition success kb-answer">'
        f'<p class="admonition-title">{html.escape(label)}</p>'
        f'<p class="kb-answer-text">{text}</p>'
        f'<button type="button" class="md-button kb-answer-copy" data-copy="{text}" '
        'onclick="navigator.clipboard.writeText(this.dataset.copy).then(() => '
        "this.setAttribute('data-copied', ''))\">"
        f"{html.escape(copy)}</button></div>\n\n"
    )
