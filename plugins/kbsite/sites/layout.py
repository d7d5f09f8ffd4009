"""Where the blocks the plugin adds to a page go: under the page title, never above it."""

from __future__ import annotations

import re

_ATX_H1 = re.compile(r"#(?!#)\s*\S")
_SETEXT_H1 = re.compile(r"=+\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def under_title(markdown: str, blocks: list[str]) -> str:
    """``markdown`` with ``blocks`` (HTML or Markdown) after its leading ``# Title``.

    A page that does not start with a level-1 heading gets them first: the theme then puts
    the page title above them itself."""
    blocks = [block.strip("\n") for block in blocks if block and block.strip()]
    if not blocks:
        return markdown
    lines = markdown.split("\n")
    start = 0
    while start < len(lines) and (
        not lines[start].strip() or _COMMENT.fullmatch(lines[start].strip())
    ):
        start += 1
    end = None
    if start < len(lines) and _ATX_H1.match(lines[start]):
        end = start + 1
    elif start + 1 < len(lines) and lines[start].strip() and _SETEXT_H1.match(lines[start + 1]):
        end = start + 2
    inserted = "\n\n".join(blocks)
    if end is None:
        return f"{inserted}\n\n{markdown}"
    head, tail = "\n".join(lines[:end]), "\n".join(lines[end:])
    return f"{head}\n\n{inserted}\n\n{tail}"
