"""The passage a result shows: a section heading and its sentence with the most matched words.

A page is read as sections, ``(heading, text)`` pairs of plain text with one block (paragraph,
list item, table row) per line. ``sections_of`` derives them from a Markdown body by its
headings; any other source of per-section plain text can take its place, since
``best_passage`` only sees the pairs.

Highlighting marks whole matched phrases (quoted phrases, multi-word synonyms) and single
matched words; a word of a phrase is never marked alone because the phrase matched.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator

import regex

from kbsite.markdown.scan import heading_text
from kbsite.search.analysis import ZWNJ, Marks, Stemmer, fold, words

Section = tuple[str, str]  # (heading, plain text: one block per line)

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HEADING_ATTR = re.compile(r"\s*\{[^}]*\}\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_ADMONITION = re.compile(r"^\s*(?:!!!|\?\?\?\+?)\s*([\w-]+)(?:\s+\"([^\"]*)\")?\s*$")
#: Starts each block of a rep-only admonition (``!!! internal``, SPEC §6): the customer
#: view's passages leave those blocks out.
INTERNAL = "\u2063"
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_SKIP_LINE = re.compile(r"^\s{0,3}(?:\[[^\]]+\]:\s|\*\[[^\]]+\]:)")  # link and abbr defs
_ORDERED = re.compile(r"\s*\d+\.")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]")
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\](?:\([^)]*\)|\[[^\]]*\])")
_FOOTNOTE = re.compile(r"\[\^[^\]]+\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_BREAK = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_ATTR_LIST = re.compile(r"\{:?\s*[#.][^}]*\}")
_EMPHASIS = (
    re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"),
    re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)"),
    re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"),
    re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"),
    re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"),
    re.compile(r"==(?=\S)(.+?)(?<=\S)=="),
)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~=])")
_SPACES = re.compile(r"\s+")
_CODE_MARK = re.compile("\ue000(\\d+)\ue001")
#: A sentence ends at . ! ? … or an Indic danda, before a space.
_SENTENCE_END = re.compile(r"(?<=[.!?…।॥。！？])\s+(?=\S)")
_ROUGH_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}\u200c\u200d]*")
_SPACE_BEFORE = re.compile(r"\s")


@functools.cache
def _fast_words() -> re.Pattern[str]:
    """Runs of letters, marks and digits (and the joiners ZWNJ, ZWJ) with the stdlib ``re``,
    ~3× faster than ``_ROUGH_WORD`` over a whole page; the same words on real text (the
    Basic Multilingual Plane; a letter beyond it splits a word). Built on first use."""
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


# -- Markdown to plain text ----------------------------------------------------------------


def inline_text(markup: str) -> str:
    """One line of Markdown as plain text: links keep their words, images go, emphasis,
    code ticks, tags, attribute lists and escapes are removed, entities decoded."""
    codes: list[str] = []

    def keep_code(match: re.Match[str]) -> str:
        codes.append(match.group(2).strip())
        return f"\ue000{len(codes) - 1}\ue001"

    text = _CODE_SPAN.sub(keep_code, markup)
    text = _IMAGE.sub(" ", text)
    text = _FOOTNOTE.sub("", text)
    for _ in range(2):  # a link inside a link's text, or emphasis inside emphasis
        text = _LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", _BREAK.sub(" ", text))
    text = _ATTR_LIST.sub("", text)
    for _ in range(2):
        for pattern in _EMPHASIS:
            text = pattern.sub(lambda m: m.group(1), text)
    text = _ESCAPE.sub(lambda m: m.group(1), text)
    text = _CODE_MARK.sub(lambda m: codes[int(m.group(1))], text)
    return _SPACES.sub(" ", html.unescape(text)).strip()


def _cells(row: str) -> list[str]:
    parts = [inline_text(cell) for cell in _CELL_SPLIT.split(row.strip())]
    if parts and not parts[0]:
        parts = parts[1:]
    if parts and not parts[-1]:
        parts = parts[:-1]
    return [cell for cell in parts if cell]


def markdown_blocks(markdown: str) -> list[str]:
    """The readable blocks of a Markdown text, in order: paragraphs, list items, table rows
    (cells joined), headings, admonition titles. Fenced code, rules, table rules and link
    definitions are left out. Blocks of an ``internal`` admonition start with ``INTERNAL``."""
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    lines = markdown.split("\n")
    internal: int | None = None  # indentation of the open `!!! internal` line
    current_internal = False

    def add(text: str, rep_only: bool) -> None:
        if text:
            blocks.append(INTERNAL + text if rep_only else text)

    def flush() -> None:
        if current:
            add(inline_text(" ".join(current)), current_internal)
            current.clear()

    for number, line in enumerate(lines):
        if internal is not None and line.strip():
            indent = len(line) - len(line.lstrip())
            if indent <= internal:
                flush()
                internal = None
        lead = line.lstrip()[:1]  # most lines start with none of these: skip the patterns
        opener = (
            _FENCE.match(line.lstrip() if line.startswith("    ") else line)
            if lead in ("`", "~")
            else None
        )
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            flush()
            fence = opener.group(1)
            continue
        stripped = (_QUOTE.sub("", line) if lead == ">" else line).strip()
        first = stripped[:1]
        if (
            not stripped
            or (first in ("-", "*", "_") and _RULE.match(stripped))
            or (first in ("[", "*") and _SKIP_LINE.match(stripped))
        ):
            flush()
            continue
        if "|" in stripped and "-" in stripped and _TABLE_RULE.match(stripped):
            continue
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if stripped.startswith("|") or (
            "|" in stripped and ("|" in following and _TABLE_RULE.match(following.strip()))
        ):
            flush()
            cells = _cells(stripped)
            if cells:
                add(
                    ": ".join(cells) if len(cells) == 2 else " · ".join(cells), internal is not None
                )
            continue
        admonition = _ADMONITION.match(stripped) if first in ("!", "?") else None
        if admonition:
            flush()
            if admonition.group(1) == "internal":
                internal = len(line) - len(line.lstrip())
            if admonition.group(2):
                add(inline_text(admonition.group(2)), internal is not None)
            continue
        heading = _ATX.match(stripped) if first == "#" else None
        if heading:
            flush()
            add(heading_text(_HEADING_ATTR.sub("", heading.group(2) or "")), internal is not None)
            continue
        item = _LIST_ITEM.match(stripped) if first in "-*+0123456789" else None
        if item:
            flush()
            current.append(item.group(1))
            current_internal = internal is not None
            continue
        if not current:
            current_internal = internal is not None
        current.append(stripped)
    flush()
    return blocks


def sections_of(markdown: str) -> list[Section]:
    """A Markdown body as (heading, plain text) sections, split at its headings; the text
    before the first heading has the heading ``""``."""
    sections: list[Section] = []
    heading, lines = "", []
    fence: str | None = None
    previous = ""

    def close(next_heading: str) -> None:
        nonlocal heading
        text = "\n".join(markdown_blocks("\n".join(lines)))
        if text or heading:
            sections.append((heading, text))
        heading = next_heading
        lines.clear()

    for line in markdown.split("\n"):
        lead = line.lstrip(" ")[:1]  # most lines start with none of these: skip the patterns
        opener = _FENCE.match(line) if lead in ("`", "~") else None
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            lines.append(line)
            continue
        if opener:
            fence = opener.group(1)
            lines.append(line)
            previous = ""
            continue
        atx = _ATX.match(line) if lead == "#" else None
        if atx:
            close(heading_text(_HEADING_ATTR.sub("", atx.group(2) or "")))
            previous = ""
            continue
        if (
            lead in ("=", "-")
            and _SETEXT.match(line)
            and previous.strip()
            and not previous.lstrip().startswith(("-", "*", "+", ">", "|", "<"))
            and not _ORDERED.match(previous)
            and "|" not in line
        ):
            lines.pop()  # the heading's text line
            close(heading_text(_HEADING_ATTR.sub("", previous.strip())))
            previous = ""
            continue
        lines.append(line)
        previous = line
    close("")
    return sections


def sentences(text: str, public: bool = False) -> Iterator[str]:
    """The sentences of a section's text (each block is at least one); ``public``: without
    the blocks for reps only."""
    for block in text.split("\n"):
        if block.startswith(INTERNAL):
            if public:
                continue
            block = block[len(INTERNAL) :]
        for sentence in _SENTENCE_END.split(block):
            if sentence.strip():
                yield sentence.strip()


# -- Highlighting ---------------------------------------------------------------------------


class Highlighter:
    """What a result marks: single words (as ``Marks``: folded forms, stems, prefixes) and
    phrases, sequences of index terms marked only where they stand together."""

    __slots__ = ("_known", "first_terms", "marks", "phrases", "typed")

    def __init__(
        self,
        words: Iterable[str],
        prefixes: Iterable[str] = (),
        phrases: Iterable[Iterable[str]] = (),
        typed: Iterable[str] = (),
    ) -> None:
        """``typed``: the forms of the words the rep typed; a passage with those beats one
        with only synonyms or typo matches."""
        singles = set(words)
        multi = set()
        for phrase in phrases:
            terms = tuple(phrase)
            if len(terms) == 1:
                singles.add(terms[0])
            elif terms:
                multi.add(terms)
        self.marks = Marks(singles, prefixes)
        self.phrases = sorted(multi, key=lambda p: (-len(p), p))
        self.first_terms = frozenset(p[0] for p in multi)
        self.typed = frozenset(typed)
        #: per stemmer: (words seen, matching word -> its unit, words that may start a phrase);
        #: a page repeats its words, so each distinct word is judged once per query.
        self._known: dict[Stemmer | None, tuple[set[str], dict[str, str], set[str]]] = {}

    def _forms(self, folded: str, stem: Stemmer | None) -> tuple[str, str, str]:
        return (folded, stem(folded) if stem else folded, folded.split(ZWNJ, 1)[0])

    def typed_units(self, units: set[str]) -> int:
        """How many of ``units`` are words the rep typed (or start like one)."""
        prefixes = self.marks.prefixes
        return sum(1 for u in units if u in self.typed or (prefixes and u.startswith(prefixes)))

    def spans(
        self, text: str, stem: Stemmer | None, exact: bool = True
    ) -> list[tuple[int, int, str]]:
        """(start, end, unit) of each marked word or phrase; ``unit`` names what matched, so
        the same word twice counts once. ``exact`` cuts words at grapheme clusters (for
        display); otherwise a faster approximation serves for counting."""
        tokens = (
            [(t.text, t.start, t.end) for t in words(text)]
            if exact
            else [(m[0], m.start(), m.end()) for m in _ROUGH_WORD.finditer(text)]
        )
        found: list[tuple[int, int, str]] = []
        forms: list[frozenset[str] | None] = [None] * len(tokens)

        def forms_of(index: int) -> frozenset[str]:
            known = forms[index]
            if known is None:
                known = frozenset(self._forms(fold(tokens[index][0]), stem))
                forms[index] = known
            return known

        index = 0
        while index < len(tokens):
            phrase = None
            if self.phrases and not self.first_terms.isdisjoint(forms_of(index)):
                phrase = next(
                    (
                        p
                        for p in self.phrases
                        if index + len(p) <= len(tokens)
                        and all(term in forms_of(index + k) for k, term in enumerate(p))
                    ),
                    None,
                )
            if phrase is not None:
                last = tokens[index + len(phrase) - 1]
                found.append((tokens[index][1], last[2], " ".join(phrase)))
                index += len(phrase)
                continue
            word = tokens[index][0]
            if self.marks.match(word, stem):
                folded = fold(word)
                found.append((tokens[index][1], tokens[index][2], stem(folded) if stem else folded))
            index += 1
        return found

    def _judged(self, present: set[str], stem: Stemmer | None) -> tuple[dict[str, str], set[str]]:
        """Which of ``present`` (words as written) match, with their units, and which may
        start a phrase; each distinct word is judged once per query and stemmer."""
        known = self._known.get(stem)
        if known is None:
            known = self._known[stem] = (set(), {}, set())
        seen, hits, starts = known
        for word in present - seen:
            seen.add(word)
            if self.marks.match(word, stem):
                folded = fold(word)
                hits[word] = stem(folded) if stem else folded
            if self.first_terms and not self.first_terms.isdisjoint(self._forms(fold(word), stem)):
                starts.add(word)
        return hits, starts

    def words_in(self, text: str, stem: Stemmer | None) -> set[str]:
        """The words of ``text`` (as written) that match or may start a phrase."""
        present = set(_fast_words().findall(text))
        hits, starts = self._judged(present, stem)
        return (present & hits.keys()) | (present & starts)

    def units(self, text: str, stem: Stemmer | None) -> set[str]:
        """The distinct words and phrases of ``text`` that match; only a text holding a
        phrase's first word is walked word by word."""
        present = set(_fast_words().findall(text))
        hits, starts = self._judged(present, stem)
        if starts and not starts.isdisjoint(present):
            return {unit for _, _, unit in self.spans(text, stem, exact=False)}
        return {hits[word] for word in present & hits.keys()}

    def html(self, text: str, stem: Stemmer | None) -> str:
        """``text`` HTML-escaped, with each match in ``<mark>``."""
        parts, cursor = [], 0
        for start, end, _ in self.spans(text, stem):
            parts.append(html.escape(text[cursor:start]))
            parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
            cursor = end
        parts.append(html.escape(text[cursor:]))
        return "".join(parts)


# -- The best passage -----------------------------------------------------------------------


def best_passage(
    sections: Iterable[Section],
    highlighter: Highlighter,
    stem: Stemmer | None,
    title: str = "",
    width: int = 240,
    public: bool = False,
) -> str:
    """HTML of the sentence with the most distinct matched words, after its section heading
    ("Heading — sentence"); ties go to words the rep typed over synonyms, then to a heading
    that matches too, then to the earliest.
    With no match in the text, the page's first sentence. The heading is left out when it
    repeats the title. ``public``: the customer's view, without rep-only blocks."""
    title_key = fold(title.strip())
    best: tuple[tuple[int, int, int], str, str] | None = None
    first: tuple[str, str] | None = None
    sections = list(sections)
    # The page's matching words, found in one pass: a section or sentence without one of
    # them (a plain substring test) is not weighed at all.
    found = tuple(highlighter.words_in("\n".join(text for _, text in sections), stem))
    for heading, text in sections:
        shown = heading.strip() if heading and fold(heading.strip()) != title_key else ""
        if first is None:
            opening = next(sentences(text, public), None)
            first = (shown, opening) if opening is not None else None
        if not found and first is not None:
            break  # no match anywhere: the opening sentence it is
        if not any(word in text for word in found):
            continue
        heading_units = highlighter.units(shown, stem) if shown else set()
        for sentence in sentences(text, public):
            if not any(word in sentence for word in found):
                continue
            units = highlighter.units(sentence, stem)
            if not units:
                continue
            score = (len(units), highlighter.typed_units(units), len(heading_units))
            if best is None or score > best[0]:
                best = (score, shown, sentence)
    if best is not None:
        heading, sentence = best[1], best[2]
    elif first is not None:
        heading, sentence = first
    else:
        return ""
    excerpt = _excerpt(sentence, highlighter, stem, width)
    if not heading:
        return excerpt
    return f"{highlighter.html(heading, stem)} — {excerpt}"


def _excerpt(sentence: str, highlighter: Highlighter, stem: Stemmer | None, width: int) -> str:
    """The sentence, or a window of ``width`` characters around its first match."""
    if len(sentence) <= width:
        return highlighter.html(sentence, stem)
    spans = highlighter.spans(sentence, stem, exact=False)
    first = spans[0][0] if spans else 0
    start = max(first - width // 3, 0)
    if start:
        space = _SPACE_BEFORE.search(sentence, start, first)
        start = space.end() if space else first
    end = min(start + width, len(sentence))
    if end < len(sentence):
        cut = sentence.rfind(" ", start + width // 2, end)
        end = cut if cut > 0 else end
    window = sentence[start:end].strip()
    return (
        ("…" if start else "")
        + highlighter.html(window, stem)
        + ("…" if end < len(sentence) else "")
    )
