"""Heading anchors, the same for the link checker and the built site (mkdocs.yml ``toc.slugify``).

Unlike Markdown's default, letters and combining marks of every script are kept, so a Telugu
or Latvian heading gets a readable anchor instead of an empty one.
"""

from __future__ import annotations

import unicodedata

import regex

_DROP = regex.compile(r"[^\p{L}\p{M}\p{N}\s_-]+")
_IDCOUNT = regex.compile(r"^(.*)_([0-9]+)$")


def slugify(value: str, separator: str = "-") -> str:
    """Lower-case words of any script joined by ``separator``."""
    value = unicodedata.normalize("NFC", value)
    # Normalise again after dropping: a mark left next to a new neighbour may now compose.
    value = unicodedata.normalize("NFC", _DROP.sub("", value)).strip().lower()
    return regex.sub(rf"[{regex.escape(separator)}\s]+", separator, value)


def unique(slug: str, used: set[str]) -> str:
    """Markdown's toc rule for repeated headings: ``a``, ``a_1``, ``a_2``."""
    while slug in used or not slug:
        match = _IDCOUNT.match(slug)
        slug = f"{match.group(1)}_{int(match.group(2)) + 1}" if match else f"{slug}_1"
    used.add(slug)
    return slug
