"""Text analysis for every script: word segmentation, folding, stemming, query expansion.

Words are runs of letters, combining marks and digits, so an Indic word keeps its vowel signs
and viramas (Whoosh's default tokenizer splits Telugu at every vowel sign). Case is folded for
all scripts; diacritics are removed only from Latin, Greek and Cyrillic words (``città`` →
``citta``), never from Indic ones, where the marks are the vowels. Languages with a Snowball
stemmer are stemmed; for the others the engine matches word beginnings, and a word joined by a
zero-width non-joiner (Telugu ``రీఫండ్‌ను``, refund + case ending) is also indexed as its stem.
"""

from __future__ import annotations

import functools
import html
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex

ZWNJ, ZWJ = "\u200c", "\u200d"
#: A word is a run of whole grapheme clusters that start with a letter or a digit, so no
#: vowel sign, virama, joiner or emoji modifier is ever cut off its base character.
#: Every match starts where the previous one ended: either a word run or one other cluster, so
#: matching never starts inside a cluster (e.g. at a Thai vowel that extends a punctuation mark).
_WORD = regex.compile(r"((?:(?=[\p{L}\p{N}])\X)+)|\X", regex.S)
_FOLDABLE = regex.compile(r"^[\p{Latin}\p{Greek}\p{Cyrillic}\p{N}\p{M}]+$")
_MARKS = regex.compile(r"\p{Mn}+")
_MARKDOWN = regex.compile(
    r"`{3}.*?`{3}|<[^>]+>|!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|[#*_>|\[\]`~]", regex.S
)

Stemmer = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # as written
    start: int
    end: int


def words(text: str) -> Iterator[Token]:
    """Words of any script (NFC), with their character offsets in the NFC text."""
    for match in _WORD.finditer(text):
        if match.group(1):
            yield Token(match.group(1), match.start(), match.end())


@functools.lru_cache(maxsize=500_000)
def fold(word: str) -> str:
    """Case-fold; strip diacritics from Latin, Greek and Cyrillic words only (memoised)."""
    word = word.casefold()
    if _FOLDABLE.match(word):
        word = unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", word)))
    return word


def terms(text: str, stem: Stemmer | None = None) -> list[str]:
    """Index terms of a text: folded (and stemmed) words, plus ZWNJ-joined stems."""
    out: list[str] = []
    for token in words(unicodedata.normalize("NFC", text)):
        folded = fold(token.text)
        out.append(stem(folded) if stem else folded)
        if ZWNJ in folded:
            out.append(folded.split(ZWNJ, 1)[0])
    return out


_CODE_SPAN = regex.compile(r"(`+)(.+?)\1")
_LT = "\ue000"  # stands for "<" inside code, so tag stripping keeps code text


def plain_text(markdown: str) -> str:
    """Readable text of a Markdown body, for indexing and snippets (code text is kept)."""
    text = _CODE_SPAN.sub(lambda m: m.group(2).replace("<", _LT), markdown)
    text = _MARKDOWN.sub(" ", text).replace(_LT, "<")
    return regex.sub(r"[ \t]+", " ", regex.sub(r"\n\s*\n+", "\n", text)).strip()


def snippet(text: str, query_terms: set[str], stem: Stemmer | None = None, width: int = 220) -> str:
    """An HTML-escaped excerpt around the first match, with matched words in ``<mark>``."""
    text = unicodedata.normalize("NFC", text)
    prefixes = tuple(q for q in query_terms if len(q) >= 3)
    hits: list[Token] = []
    start, end = 0, min(width, len(text))
    for token in words(text):
        if hits and token.start >= end:
            break  # past the excerpt: the rest of a long page need not be read
        folded = fold(token.text)
        candidates = {folded, stem(folded) if stem else folded, folded.split(ZWNJ, 1)[0]}
        if any(c in query_terms or c.startswith(prefixes) for c in candidates):
            if not hits:
                start = max(token.start - width // 3, 0)
                if start:
                    space = text.find(" ", start)
                    start = space + 1 if 0 <= space < start + 20 else start
                end = min(start + width, len(text))
            hits.append(token)
    parts, cursor = [], start
    for token in hits:
        if token.start < start or token.end > end:
            continue
        parts.append(html.escape(text[cursor : token.start]))
        parts.append(f"<mark>{html.escape(text[token.start : token.end])}</mark>")
        cursor = token.end
    parts.append(html.escape(text[cursor:end]))
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(parts).replace("\n", " ").strip() + suffix
