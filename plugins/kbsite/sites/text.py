"""Values from front matter and owners.yml, written into HTML or generated Markdown as text.

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

# Python-Markdown's backslash escapes (``Markdown.ESCAPED_CHARS``, with `|` for tables).
_MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|"


def html_text(value: Any) -> str:
    """``value`` as HTML text (also safe inside a quoted attribute)."""
    return html.escape(str(value), quote=True)


def markdown_text(value: Any) -> str:
    """``value`` as literal text inside generated Markdown: no markup, link or raw HTML."""
    # Backslashes first: the entities html_text makes (`&#x27;`) hold a `#` of their own.
    marked = "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in str(value))
    return html_text(marked)


def link_target(url: str) -> str:
    """A URL or path for a Markdown link: characters that could end it are %-encoded."""
    return quote(url, safe="/#?=&%:;@,~")


def mailto_link(email: str) -> str:
    """An e-mail address as a mailto link (HTML)."""
    return f'<a href="mailto:{html_text(quote(email, safe="@+"))}">{html_text(email)}</a>'


def with_html_title(meta: dict[str, Any], title: str | None) -> dict[str, Any]:
    """A MkDocs page's meta with its title as HTML (``title``, else the one in ``meta``)."""
    title = title if title is not None else meta.get("title")
    if title is None:
        return meta
    return {**meta, "title": html_text(title)}
