"""Where the blocks the sites add to a page go: under the page title, never above it."""

from __future__ import annotations

import re

_LEADING_H1 = re.compile(r"\s*<h1[\s>].*?</h1>", re.S)


def under_title(page_html: str, blocks: list[str]) -> str:
    """``page_html`` with ``blocks`` (HTML) right after its leading ``<h1>`` title.

    A page that does not start with a level-1 heading gets them first: the theme then puts
    the page title above them itself."""
    blocks = [block.strip("\n") for block in blocks if block and block.strip()]
    if not blocks:
        return page_html
    inserted = "\n".join(blocks)
    title = _LEADING_H1.match(page_html)
    if title is None:
        return f"{inserted}\n{page_html}" if page_html else inserted
    return f"{page_html[: title.end()]}\n{inserted}{page_html[title.end() :]}"
