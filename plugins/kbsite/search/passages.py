"""The passage a result shows: a section heading and its sentence with the most matched words.

A page is read as sections, ``(heading, text)`` pairs of plain text with one block (paragraph,
list item, table row) per line, from the page model (``sections_from``): no Markdown syntax is
left in them, since they come from the parsed page.

Highlighting marks whole matched phrases (quoted phrases, multi-word synonyms) and single
matched words; a word of a phrase is never marked alone because the phrase matched.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import regex

from kbsite.markdown.model import Rendering
from kbsite.search.analysis import ZWNJ, Marks, Stemmer, fast_words, fold, word_spans

Section = tuple[str, str]  # (heading, plain text: one block per line)

#: Starts each block of a rep-only admonition (``!!! internal``, SPEC §6): the customer
#: view's passages leave those blocks out.
INTERNAL = "\u2063"

#: A sentence ends at . ! ? … or an Indic danda, before a space.
_SENTENCE_END = re.compile(r"(?<=[.!?…।॥。！？])\s+(?=\S)")
_ROUGH_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}\u200c\u200d]*")
_SPACE_BEFORE = re.compile(r"\s")


def prepare() -> None:
    """Build what passages use, ahead of the first one (~25 ms)."""
    fast_words()


# -- Sections from the page model --------------------------------------------------------


def sections_from(rendering: Rendering) -> list[Section]:
    """The page model's sections as (heading, plain text), one block per line; the blocks
    of an ``internal`` admonition start with ``INTERNAL``. Sections the model splits around
    an internal block (same heading) are one section here."""
    sections: list[Section] = []
    for section in rendering.sections:
        lines = [line for line in section.text.split("\n") if line]
        if section.internal:
            lines = [INTERNAL + line for line in lines]
        text = "\n".join(lines)
        if sections and sections[-1][0] == section.heading:
            joined = "\n".join(part for part in (sections[-1][1], text) if part)
            sections[-1] = (section.heading, joined)
        elif text or section.heading:
            sections.append((section.heading, text))
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


@dataclass(frozen=True, slots=True)
class PageText:
    """A page's sections and its distinct words grouped by how their folded form begins (two
    letters): a query's words are then found among the few groups that start like one of
    its words, without reading the page again. Made once per page (``of``) and kept by the
    search engine for the pages results show again and again."""

    sections: list[Section]
    by_head: dict[str, list[str]]
    _split: dict[tuple[int, bool], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, sections: Iterable[Section]) -> PageText:
        sections = list(sections)
        words = set(fast_words().findall("\n".join(text for _, text in sections)))
        by_head: dict[str, list[str]] = {}
        for word, head in zip(words, map(_head, words), strict=True):
            by_head.setdefault(head, []).append(word)
        return cls(sections, by_head)

    def sentences(self, index: int, public: bool = False) -> tuple[str, ...]:
        """The sentences of section ``index`` (``sentences``), split once."""
        key = (index, public)
        found = self._split.get(key)
        if found is None:
            found = self._split[key] = tuple(sentences(self.sections[index][1], public))
        return found


# -- Highlighting ---------------------------------------------------------------------------


class Highlighter:
    """What a result marks: single words (as ``Marks``: folded forms, stems, prefixes) and
    phrases, sequences of index terms marked only where they stand together."""

    __slots__ = ("_heads", "_known", "first_terms", "marks", "phrases", "typed")

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
        self._heads = self.marks.heads | {t[:2] for t in self.first_terms}
        #: per stemmer: (words seen, matching word -> its unit, words that may start a phrase);
        #: a page repeats its words, so each distinct word is judged once per query.
        self._known: dict[Stemmer | None, tuple[set[str], dict[str, str], set[str]]] = {}

    def _forms(self, folded: str, stem: Stemmer | None) -> tuple[str, str, str]:
        return (folded, stem(folded) if stem else folded, folded.split(ZWNJ, 1)[0])

    def is_typed(self, unit: str) -> bool:
        """Whether ``unit`` is a word the rep typed (or starts like one)."""
        prefixes = self.marks.prefixes
        return unit in self.typed or bool(prefixes and unit.startswith(prefixes))

    def typed_units(self, units: set[str]) -> int:
        """How many of ``units`` are words the rep typed (or start like one)."""
        return sum(map(self.is_typed, units))

    def spans(
        self,
        text: str,
        stem: Stemmer | None,
        exact: bool = True,
        among: set[str] | None = None,
    ) -> list[tuple[int, int, str]]:
        """(start, end, unit) of each marked word or phrase; ``unit`` names what matched, so
        the same word twice counts once. ``exact`` cuts words at grapheme clusters (for
        display); otherwise a faster approximation serves for counting."""
        if exact:
            tokens = word_spans(text)
        else:
            tokens = [(m[0], m.start(), m.end()) for m in _ROUGH_WORD.finditer(text)]
        # Each distinct word is judged once per query (a page repeats its words).
        present = {token[0] for token in tokens}
        hits, _ = self._judged(present if among is None else present & among, stem)
        if not self.phrases:  # single words only: no need to walk the text word by word
            return [(start, end, hits[word]) for word, start, end in tokens if word in hits]
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
            unit = hits.get(tokens[index][0])
            if unit is not None:
                found.append((tokens[index][1], tokens[index][2], unit))
            index += 1
        return found

    def _judged(self, present: set[str], stem: Stemmer | None) -> tuple[dict[str, str], set[str]]:
        """Which of ``present`` (words as written) match, with their units, and which may
        start a phrase; each distinct word is judged once per query and stemmer."""
        known = self._known.get(stem)
        if known is None:
            known = self._known[stem] = (set(), {}, set())
        seen, hits, starts = known
        new = present - seen
        if not new:
            return hits, starts
        seen |= new
        # A word can only match, or start a phrase, if its folded form starts like one of
        # the marked words (Snowball stemmers rewrite endings only): most words stop here,
        # in one comprehension rather than a call each.
        heads = self._heads
        for word in [w for w in new if (h := _head(w)) in heads or h[:1] in heads]:
            if self.marks.match(word, stem):
                folded = fold(word)
                hits[word] = stem(folded) if stem else folded
            if self.first_terms and not self.first_terms.isdisjoint(self._forms(fold(word), stem)):
                starts.add(word)
        return hits, starts

    def unit_of(self, words: set[str], stem: Stemmer | None) -> dict[str, str]:
        """The unit of each of ``words`` (as written) that matches."""
        hits, _ = self._judged(words, stem)
        return {word: hits[word] for word in words if word in hits}

    def words_in(self, page: PageText, stem: Stemmer | None) -> set[str]:
        """The words of ``page`` (as written) that match or may start a phrase."""
        present: set[str] = set()
        for head in self._heads:
            if len(head) > 1:
                present.update(page.by_head.get(head, ()))
            else:  # a one-letter word or stem: every group that starts with it
                for key, group in page.by_head.items():
                    if key[:1] == head:
                        present.update(group)
        hits, starts = self._judged(present, stem)
        return (present & hits.keys()) | (present & starts)

    def units(self, text: str, stem: Stemmer | None, among: set[str] | None = None) -> set[str]:
        """The distinct words and phrases of ``text`` that match; only a text holding a
        phrase's first word is walked word by word. ``among``: the words of the page that
        matter (``words_in``), when ``text`` is part of it: only those are looked for."""
        present = _present(text, among)
        hits, starts = self._judged(present, stem)
        if starts and not starts.isdisjoint(present):
            return {unit for _, _, unit in self.spans(text, stem, exact=False)}
        return {hits[word] for word in present & hits.keys()}

    def first_match(self, text: str, stem: Stemmer | None, among: set[str] | None = None) -> int:
        """Where the first marked word or phrase of ``text`` starts (0 when none does);
        ``among`` as for ``units``."""
        present = _present(text, among)
        hits, starts = self._judged(present, stem)
        if starts and not starts.isdisjoint(present):  # a phrase may come first
            spans = self.spans(text, stem, exact=False)
            return spans[0][0] if spans else 0
        return min((_word_at(text, word) for word in present & hits.keys()), default=0)

    def html(self, text: str, stem: Stemmer | None, among: set[str] | None = None) -> str:
        """``text`` HTML-escaped, with each match in ``<mark>``; ``among`` as for ``units``."""
        parts, cursor = [], 0
        for start, end, _ in self.spans(text, stem, among=among):
            parts.append(html.escape(text[cursor:start]))
            parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
            cursor = end
        parts.append(html.escape(text[cursor:]))
        return "".join(parts)


@functools.lru_cache(maxsize=500_000)
def _head(word: str) -> str:
    """How a word's folded form begins: what ``Marks`` first looks at."""
    return fold(word)[:2]


def _present(text: str, among: set[str] | None) -> set[str]:
    """The distinct words of ``text``, or those of ``among`` it holds as whole words (the
    runs ``fast_words`` cuts: the words of ``among`` are such runs)."""
    if among is None:
        return set(fast_words().findall(text))
    if len(among) < _FEW_WORDS:
        return {word for word in among if _word_at(text, word) >= 0}
    return among.intersection(fast_words().findall(text))


#: Up to this many words are looked for one by one; more, in one pass over the text.
_FEW_WORDS = 4


def _word_at(text: str, word: str) -> int:
    """Where ``word`` first stands in ``text`` as a whole word (as ``fast_words`` cuts
    them), or -1."""
    runs = fast_words()
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not runs.match(text, at - 1, at)) and not runs.match(text, end, end + 1):
            return at
        at = text.find(word, at + 1)
    return -1


# -- The best passage -----------------------------------------------------------------------


def best_passage(
    sections: PageText | Iterable[Section],
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
    page = sections if isinstance(sections, PageText) else PageText.of(sections)
    sections = page.sections
    # The page's matching words: a section or sentence without one of them (a plain
    # substring test) is not weighed at all.
    among = highlighter.words_in(page, stem)
    found = tuple(among)
    # Without phrases, a sentence's units are its words of ``among`` (each judged once):
    # found in one pass over the sentence, with no call per sentence.
    single = highlighter.unit_of(among, stem) if not highlighter.phrases else None
    typed = {unit: highlighter.is_typed(unit) for unit in (single or {}).values()}
    runs = fast_words().findall
    few = len(found) < _FEW_WORDS  # then looking for each word costs less than a pass

    def shown_heading(heading: str) -> str:
        return heading.strip() if heading and fold(heading.strip()) != title_key else ""

    for index, (heading, text) in enumerate(sections):
        if first is None:
            opening = next(iter(page.sentences(index, public)), None)
            first = (shown_heading(heading), opening) if opening is not None else None
        if not found and first is not None:
            break  # no match anywhere: the opening sentence it is
        if not any(word in text for word in found):
            continue
        shown, heading_units = None, 0  # the heading only decides ties: read when one is near
        for sentence in page.sentences(index, public):
            if few and not any(word in sentence for word in found):
                continue
            if single is None:
                units = highlighter.units(sentence, stem, among)
                typed_count = highlighter.typed_units(units)
            else:
                units = {single[word] for word in among.intersection(runs(sentence))}
                typed_count = sum(typed[unit] for unit in units)
            if not units or (best is not None and (len(units), typed_count) < best[0][:2]):
                continue
            if shown is None:
                shown = shown_heading(heading)
                heading_units = len(highlighter.units(shown, stem)) if shown else 0
            score = (len(units), typed_count, heading_units)
            if best is None or score > best[0]:
                best = (score, shown, sentence)
    if best is not None:
        heading, sentence = best[1], best[2]
    elif first is not None:
        heading, sentence = first
    else:
        return ""
    excerpt = _excerpt(sentence, highlighter, stem, width, among)
    if not heading:
        return excerpt
    return f"{highlighter.html(heading, stem)} — {excerpt}"


def _excerpt(
    sentence: str,
    highlighter: Highlighter,
    stem: Stemmer | None,
    width: int,
    among: set[str] | None = None,
) -> str:
    """The sentence, or a window of ``width`` characters around its first match."""
    if len(sentence) <= width:
        return highlighter.html(sentence, stem, among)
    first = highlighter.first_match(sentence, stem, among)
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
        + highlighter.html(window, stem, among)
        + ("…" if end < len(sentence) else "")
    )
