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
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
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
#: Finds where the first match is quickly (no grapheme clusters); the excerpt around it is
#: then cut into words exactly, with ``_WORD``.
_ROUGH_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}\u200c\u200d]*")
_WORD_CHAR = regex.compile(r"[\p{L}\p{M}\p{N}\u200c\u200d]")
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


#: A character beyond which grapheme clusters may hold more than one character: anything
#: from U+0300 (combining marks, Indic scripts, joiners...) but general punctuation (quotes,
#: dashes, ellipsis, bullets) and currency signs, which are clusters of their own. A text
#: without one is cut into exactly the same words by ``fast_words`` (tested).
BEYOND_SIMPLE = re.compile("[^\x00-\u02ff\u2010-\u2027\u2030-\u205e\u20a0-\u20c0]")


@functools.cache
def fast_words() -> re.Pattern[str]:
    """Runs of letters, marks and digits (and the joiners ZWNJ, ZWJ) with the stdlib ``re``,
    ~3× faster than ``regex`` over a whole page; the same words on real text (the Basic
    Multilingual Plane; a letter beyond it splits a word). Built on first use (~25 ms)."""
    ranges: list[tuple[int, int]] = []
    start = None
    for point in range(0x10000):
        inside = unicodedata.category(chr(point))[0] in "LMN" or point in (0x200C, 0x200D)
        if inside and start is None:
            start = point
        elif not inside and start is not None:
            ranges.append((start, point - 1))
            start = None
    if start is not None:
        ranges.append((start, 0xFFFF))
    members = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[{members}]+")


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """``(word, start, end)`` of each of ``words(text)``: the same words, cut by the fast
    pattern when the text is simple (``BEYOND_SIMPLE``)."""
    if BEYOND_SIMPLE.search(text) is None:
        return [(m[0], m.start(), m.end()) for m in fast_words().finditer(text)]
    return [(m[1], m.start(), m.end()) for m in _WORD.finditer(text) if m[1]]


def word_texts(text: str) -> list[str]:
    """The words of ``words(text)``, as written (no offsets: for counting them)."""
    if BEYOND_SIMPLE.search(text) is None:
        return fast_words().findall(text)
    return [word for word in _WORD.findall(text) if word]


@functools.lru_cache(maxsize=500_000)
def fold(word: str) -> str:
    """Case-fold; strip diacritics from Latin, Greek and Cyrillic words only (memoised)."""
    word = word.casefold()
    if _FOLDABLE.match(word):
        word = unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", word)))
    return word


_CAMEL = regex.compile(r"\p{Ll}\p{Lu}|\p{Lu}\p{Lu}\p{Ll}")
_CAMEL_PART = regex.compile(r"\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+")


#: Written before a camel-case part in the index's term strings (``terms(mark_parts=True)``):
#: the index counts such a part as ``PART_WEIGHT`` of a mention (``engine.MarkedTerms``). No
#: word holds it (words are letters, marks and digits).
PART_MARK = "^"
#: A camel-case part (``address`` of ``NetIPAddress``) is a word of an identifier, not one the
#: text uses on its own: it counts as half a mention (a power of two: index weights are floats).
PART_WEIGHT = 0.5


def terms(
    text: str,
    stem: Stemmer | None = None,
    light: Stemmer | None = None,
    mark_parts: bool = False,
) -> list[str]:
    """Index terms of a text: folded (and stemmed) words, plus ZWNJ-joined stems, a word's
    ``light`` stem where it differs, and, as Lucene's word-delimiter filter does, hyphenated
    words joined (``e-mail`` → ``email``, ``Wi-Fi`` → ``wifi``) and the parts of a word in
    camel case (``NetIPAddress`` → ``net``, ``ip``, ``address``), each after ``PART_MARK``
    with ``mark_parts`` (index documents)."""
    text = unicodedata.normalize("NFC", text)
    mark = PART_MARK if mark_parts else ""
    out: list[str] = []
    chain: list[str] = []
    end = -1
    for token in words(text):
        folded = fold(token.text)
        out.append(stem(folded) if stem else folded)
        if _CAMEL.search(token.text):
            out.extend(mark + fold(part) for part in _CAMEL_PART.findall(token.text))
        base = folded.split(ZWNJ, 1)[0]
        if base != folded:
            out.append(base)
        if light and (lighter := light(base)) != base:
            out.append(lighter)
        if token.start == end + 1 and text[end] == "-":
            chain.append(folded)
        else:
            if len(chain) > 1:
                out.append("".join(chain))
            chain = [folded]
        end = token.end
    if len(chain) > 1:
        out.append("".join(chain))
    return out


# Light stemmers for languages without a Snowball stemmer: they cut the commonest
# inflections of a folded word, so that its forms share a beginning (matched as a prefix).
_LV_ENDINGS = sorted(
    """sana josa josi josu joss jose osa osi osu oss ose ajiem ajam ajai iet iem ijas iju ija
    ai ei ie as es is us os am em im um it at et ot ut a e i u o s""".split(),
    key=len,
    reverse=True,
)
_TL_PREFIXES = sorted(
    """makipag nakipag pakikipag ipinag ipag ipa magpa nagpa pagpa pinag mag nag pag maka
    naka paka maki naki paki ika ma na pa i""".split(),
    key=len,
    reverse=True,
)
_TE_SUFFIXES = sorted("ల్లో లలో లకు లను లతో లు ను కు లో తో ని కి గా యొక్క".split(), key=len, reverse=True)
_CONSONANT = regex.compile(r"[b-df-hj-np-tv-z]")


def _latvian(word: str) -> str:
    for ending in _LV_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def _tagalog(word: str) -> str:
    """Prefixes (mag-, nag-, pag-, ma-, i-...), the infix -um-/-in- and the repeated first
    syllable of the aspect (``nagbabayad`` → ``bayad``, ``kumukurap`` → ``kurap``)."""
    root = word
    for prefix in _TL_PREFIXES:
        if root.startswith(prefix) and len(root) - len(prefix) >= 4:
            root = root[len(prefix) :]
            break
    infixed = root[0] + root[3:]
    if root[1:3] in ("um", "in") and _CONSONANT.match(root) and infixed[:2] == infixed[2:4]:
        root = infixed  # the infix comes with the repeated syllable: k-um-u-kurap
    if len(root) >= 6 and root[:2] == root[2:4] and _CONSONANT.match(root):
        root = root[2:]
    elif len(root) >= 5 and root[0] in "aeiou" and root[0] == root[1]:
        root = root[1:]
    return root


def _telugu(word: str) -> str:
    for suffix in _TE_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_LIGHT = {"lv": _latvian, "tl": _tagalog, "te": _telugu}


def camel_parts(word: str) -> list[str]:
    """The folded parts of a word written in camel case (``NetIPAddress`` → ``net``, ``ip``,
    ``address``); none for any other word."""
    if not _CAMEL.search(word):
        return []
    return [fold(part) for part in _CAMEL_PART.findall(word)]


def heading_text(headings: str, answer: str | None) -> str:
    """The text a page's search weighs as its headings: its ``headings``, and the short answer
    a rep reads out (SPEC §3), which sums the page up as they do, so a word written only there
    finds the page. Rep search and the rep site's own search both read it so."""
    return f"{headings}\n{answer or ''}"


def light_stemmer(lang: str) -> Stemmer | None:
    """The light stemmer of a language without a Snowball stemmer (lv, tl, te), else None."""
    return _LIGHT.get(lang)


_CODE_SPAN = regex.compile(r"(`+)(.+?)\1")
_LT = "\ue000"  # stands for "<" inside code, so tag stripping keeps code text


def plain_text(markdown: str) -> str:
    """Readable text of a Markdown body, for indexing and snippets (code text is kept)."""
    text = _CODE_SPAN.sub(lambda m: m.group(2).replace("<", _LT), markdown)
    text = _MARKDOWN.sub(" ", text).replace(_LT, "<")
    return regex.sub(r"[ \t]+", " ", regex.sub(r"\n\s*\n+", "\n", text)).strip()


class Marks:
    """The words a snippet marks: a word whose folded form or stem is one of ``words``, or
    that starts with one of ``prefixes`` (those of 3 letters or more)."""

    __slots__ = ("heads", "prefixes", "starts", "words")

    def __init__(self, words: Iterable[str], prefixes: Iterable[str] = ()) -> None:
        self.words = frozenset(words)
        self.prefixes = tuple(sorted(p for p in set(prefixes) if len(p) >= 3))
        #: First two letters of everything marked (one for a one-letter stem). Snowball
        #: stemmers only rewrite a word's ending, so a word that starts with none of these
        #: cannot match (tested).
        self.heads = frozenset(w[:2] for w in (*self.words, *self.prefixes))
        #: What a marked word's folded form begins with: a marked word or prefix but for its
        #: last letter (a Snowball stem is its word's beginning but for its last letter, as in
        #: ``happi`` for ``happy``; ``Vocabulary.same_stem`` reads stems the same way).
        self.starts = tuple(
            sorted({w[: max(len(w) - 1, 2)] for w in (*self.words, *self.prefixes)})
        )

    def match(self, word: str, stem: Stemmer | None) -> bool:
        """Whether a word as written is marked."""
        folded = fold(word)
        if not folded.startswith(self.starts):
            return False
        for candidate in (folded, stem(folded) if stem else folded, folded.split(ZWNJ, 1)[0]):
            if candidate in self.words or candidate.startswith(self.prefixes):
                return True
        return False


def snippet(
    text: str, marks: Marks | set[str], stem: Stemmer | None = None, width: int = 220
) -> str:
    """An HTML-escaped excerpt around the first match, with matched words in ``<mark>``.
    ``marks`` may be a plain set of words, which then also serve as prefixes."""
    if not isinstance(marks, Marks):
        marks = Marks(marks, prefixes=marks)
    text = unicodedata.normalize("NFC", text)
    start, end = 0, min(width, len(text))
    first = next((m.start() for m in _ROUGH_WORD.finditer(text) if marks.match(m[0], stem)), None)
    hits: list[tuple[int, int]] = []
    if first is not None:
        start = max(first - width // 3, 0)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < start + 20 else start
        end = min(start + width, len(text))
        for rough in _ROUGH_WORD.finditer(text, start):
            if rough.start() >= end:
                break
            if marks.match(rough[0], stem):  # then the exact word, in whole clusters
                word = _WORD.match(text, rough.start())
                if word and word.group(1) and marks.match(word.group(1), stem):
                    hits.append(word.span())
        if hits and start and _WORD_CHAR.match(text, start - 1):
            hits = [span for span in hits if span[0] != start]  # a word cut by the excerpt
    parts, cursor = [], start
    for left, right in hits:
        if right > end:
            continue
        parts.append(html.escape(text[cursor:left]))
        parts.append(f"<mark>{html.escape(text[left:right])}</mark>")
        cursor = right
    parts.append(html.escape(text[cursor:end]))
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(parts).replace("\n", " ").strip() + suffix
