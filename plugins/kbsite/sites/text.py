"""Values from front matter and owners.yml, written into HTML as text.

A title, an owner's name or e-mail is whatever its author typed, `<script>` included: every
place that writes one into a page goes through these, so it shows as typed and never runs.
MkDocs and Material write a page's title into `<title>`, the header, the navigation and the
search index without escaping it (a title from a heading is already HTML there), so the title
is given to them as HTML too.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote


def html_text(value: Any) -> str:
    """``value`` as HTML text (also safe inside a quoted attribute)."""
    return html.escape(str(value), quote=True)


def mailto_link(email: str) -> str:
    """An e-mail address as a mailto link (HTML)."""
    return f'<a href="mailto:{html_text(quote(email, safe="@+"))}">{html_text(email)}</a>'


def with_html_title(meta: dict[str, Any], title: str | None) -> dict[str, Any]:
    """A MkDocs page's meta with its title as HTML (``title``, else the one in ``meta``)."""
    title = title if title is not None else meta.get("title")
    if title is None:
        return meta
    return {**meta, "title": html_text(title)}


def heading_html(
    level: int, label: str, anchor: str, name: str | None = None
) -> tuple[str, dict[str, object]]:
    """A heading of a generated page as Python-Markdown's ``toc`` writes one (id and
    permalink), with its table-of-contents token. ``label``: its HTML; ``name``: its plain
    text, if the label has markup. The theme writes a token's name as HTML, so it is escaped
    here as ``toc`` does."""
    markup = (
        f'<h{level} id="{html_text(anchor)}">{label}<a class="headerlink" '
        f'href="#{html_text(anchor)}" title="Permanent link">&para;</a></h{level}>'
    )
    token: dict[str, object] = {
        "level": level,
        "id": anchor,
        "name": label if name is None else html_text(name),
        "html": label,
        "data-toc-label": "",
        "children": [],
    }
    return markup, token


def unique_anchor(anchor: str, used: set[str]) -> str:
    """``anchor``, or ``anchor_1``, ``anchor_2``... if taken (as ``toc`` does); marks it used."""
    candidate, number = anchor, 1
    while candidate in used:
        candidate, number = f"{anchor}_{number}", number + 1
    used.add(candidate)
    return candidate
