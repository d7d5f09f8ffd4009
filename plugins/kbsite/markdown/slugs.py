"""Heading anchors, the same for the link checker and the built site (mkdocs.yml ``toc.slugify``).

Unlike Markdown's default, letters and combining marks of every script are kept, so a Telugu
or Latvian heading gets a readable anchor instead of an empty one. Repeated headings are made
unique by Python-Markdown's own ``toc`` extension (``a``, ``a_1``, ``a_2``), which the page
model runs, so there is no second implementation of that rule here.
"""

from __future__ import annotations

import unicodedata

import regex

_DROP = regex.compile(r"[^\p{L}\p{M}\p{N}\s_-]+")


def slugify(value: str, separator: str = "-") -> str:
    """Lower-case words of any script joined by ``separator``."""
    value = unicodedata.normalize("NFC", value)
    # Normalise again after dropping: a mark left next to a new neighbour may now compose.
    value = unicodedata.normalize("NFC", _DROP.sub("", value)).strip().lower()
    return regex.sub(rf"[{regex.escape(separator)}\s]+", separator, value)
