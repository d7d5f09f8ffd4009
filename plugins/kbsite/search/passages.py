"""The passage a result shows: a section heading and its sentence with the most matched words.

A page is read as sections, ``(heading, text)`` pairs of plain text with one block (paragraph,
list item, table row) per line, from the page model (``sections_from``): no Markdown syntax is
left in them, since they come from the parsed page.

Highlighting marks whole matched phrases (quoted phrases, multi-word synonyms) and single
matched words; a word of a phrase is never marked alone because the phrase matched.
"""

from __future__ import annotations

import bisect
import functools
import html
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

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
    for sentence in marked_sentences(text):
        if sentence.startswith(INTERNAL):
            if public:
                continue
            sentence = sentence[len(INTERNAL) :]
        yield sentence


def marked_sentences(text: str) -> Iterator[str]:
    """The sentences of a section's text, each of a block for reps only starting with
    ``INTERNAL``."""
    for block in text.split("\n"):
        mark = INTERNAL if block.startswith(INTERNAL) else ""
        for sentence in _SENTENCE_END.split(block[len(mark) :]):
            if sentence := sentence.strip():
                yield mark + sentence


#: What the index stores of a page for its passages (``PageText.stored``): its sections as
#: (heading, sentences marked as ``marked_sentences``), and its distinct words grouped by how
#: their folded form begins, each group one space-separated string.
Stored = tuple[list[tuple[str, tuple[str, ...]]], dict[str, str]]


@dataclass(frozen=True, slots=True)
class PageText:
    """A page's sections, split into sentences, and its distinct words grouped by how their
    folded form begins (two letters): a query's words are then found among the few groups
    that start like one of its words, without reading the page again. Worked out when the
    page is indexed (``of``, then ``stored``), read back for the pages results show
    (``from_stored``) and kept by the search engine for those shown again and again; the
    sentences a word stands in (``where``) are found once per word and page."""

    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, marked sentences)
    by_head: dict[str, str]  # how words begin -> those words, space-separated
    _flat: dict[bool, _Sentences] = field(default_factory=dict)
    _where: dict[tuple[str, bool], tuple[int, ...]] = field(default_factory=dict)
    _headings: dict[str, dict[str, dict[str, tuple[int, ...]]]] = field(default_factory=dict)

    @classmethod
    def of(cls, sections: Iterable[Section]) -> PageText:
        """The page of sections of plain text (``sections_from``)."""
        split = tuple((heading, tuple(marked_sentences(text))) for heading, text in sections)
        everything = "\n".join(s for _, marked in split for s in marked)
        words = set(fast_words().findall(everything))
        by_head: dict[str, list[str]] = {}
        for word, head in zip(words, map(_head, words), strict=True):
            by_head.setdefault(head, []).append(word)
        return cls(split, {head: " ".join(sorted(group)) for head, group in by_head.items()})

    def stored(self) -> Stored:
        """What the index stores of the page (``from_stored`` reads it back)."""
        return [(heading, marked) for heading, marked in self.sections], dict(self.by_head)

    @classmethod
    def from_stored(cls, sections: Iterable[Any], by_head: dict[str, str]) -> PageText:
        """The page the index stored (``stored``), without reading its text again."""
        # Tuples of strings, not lists: kept for many pages, they then cost the garbage
        # collector nothing (it stops tracking a tuple of strings after one look).
        return cls(tuple((heading, tuple(marked)) for heading, marked in sections), by_head)

    def group(self, head: str) -> list[str]:
        """The page's words whose folded form begins with ``head`` (two letters)."""
        found = self.by_head.get(head)
        return found.split(" ") if found else []

    def headings_holding(self, title: str) -> dict[str, dict[str, tuple[int, ...]]]:
        """The distinct words (as ``fast_words`` cuts them) of the headings a passage shows
        (those that do not repeat ``title``, folded), each with the sections they head,
        grouped by how their folded form begins (as ``by_head``)."""
        found = self._headings.get(title)
        if found is None:
            sections: dict[str, list[int]] = {}
            for index, (heading, _) in enumerate(self.sections):
                heading = heading.strip()
                if heading and fold(heading) != title:
                    for word in set(fast_words().findall(heading)):
                        sections.setdefault(word, []).append(index)
            found = {}
            for word, at in sections.items():
                found.setdefault(_head(word), {})[word] = tuple(at)
            self._headings[title] = found
        return found

    def sentences(self, index: int, public: bool = False) -> tuple[str, ...]:
        """The sentences of section ``index`` (``sentences``)."""
        marked = self.sections[index][1]
        if public:
            return tuple(s for s in marked if not s.startswith(INTERNAL))
        return tuple(s[len(INTERNAL) :] if s.startswith(INTERNAL) else s for s in marked)

    def all_sentences(self, public: bool = False) -> _Sentences:
        """Every sentence of the page in order, numbered from 0, with its section."""
        found = self._flat.get(public)
        if found is None:
            owners: list[int] = []
            texts: list[str] = []
            for index in range(len(self.sections)):
                split = self.sentences(index, public)
                owners.extend([index] * len(split))
                texts.extend(split)
            found = self._flat[public] = _Sentences(tuple(owners), tuple(texts))
        return found

    def where(self, word: str, public: bool = False) -> tuple[int, ...]:
        """The numbers (``all_sentences``) of the sentences where ``word``, a run as
        ``fast_words`` cuts them, stands as a whole word."""
        key = (word, public)
        found = self._where.get(key)
        if found is None:
            found = self._where[key] = self.all_sentences(public).holding(word)
        return found


class _Sentences:
    """A page's sentences in order (``texts``) with the section each is in (``owners``),
    joined into one text to look for words in."""

    __slots__ = ("_joined", "_starts", "owners", "texts")

    def __init__(self, owners: tuple[int, ...], texts: tuple[str, ...]) -> None:
        self.owners = owners
        self.texts = texts
        self._joined = "\n".join(texts)  # a line break ends every run of ``fast_words``
        self._starts = tuple(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))

    def holding(self, word: str) -> tuple[int, ...]:
        """The numbers of the sentences where ``word`` stands as a whole word."""
        runs, joined, starts = fast_words(), self._joined, self._starts
        out: list[int] = []
        at = joined.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or not runs.match(joined, at - 1, at)) and not runs.match(
                joined, end, end + 1
            ):
                number = bisect.bisect_right(starts, at) - 1
                out.append(number)
                if number + 1 == len(starts):
                    break
                at = joined.find(word, starts[number + 1])  # on to the next sentence
            else:
                at = joined.find(word, at + 1)
        return tuple(out)


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
        for key in self._heads_among(page.by_head):
            present.update(page.group(key))
        hits, starts = self._judged(present, stem)
        return (present & hits.keys()) | (present & starts)

    def heading_units(
        self, holding: dict[str, dict[str, tuple[int, ...]]], stem: Stemmer | None
    ) -> dict[int, set[str]]:
        """The units of each section's heading, from the words of the headings grouped by
        how they begin (``PageText.headings_holding``); sections without one left out."""
        present: set[str] = set()
        for key in self._heads_among(holding):
            present.update(holding[key])
        out: dict[int, set[str]] = {}
        for word, unit in self.unit_of(present, stem).items():
            for section in holding[_head(word)][word]:
                out.setdefault(section, set()).add(unit)
        return out

    def _heads_among(self, groups: dict[str, Any]) -> list[str]:
        """The keys of ``groups`` (how words begin, two letters) that start like a marked
        word: a one-letter word or stem matches every key that starts with it."""
        found = []
        for head in self._heads:
            if len(head) > 1:
                if head in groups:
                    found.append(head)
            else:
                found.extend(key for key in groups if key[:1] == head)
        return found

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
    page = sections if isinstance(sections, PageText) else PageText.of(sections)
    listed = page.all_sentences(public)
    if not listed.texts:
        return ""

    def shown_heading(section: int) -> str:
        heading = page.sections[section][0].strip()
        return heading if heading and fold(heading) != title_key else ""

    # The page's matching words, and the sentences each stands in: only those are weighed.
    among = highlighter.words_in(page, stem)
    best = 0  # with no match in the text, the page's first sentence
    if among:
        single = highlighter.unit_of(among, stem) if not highlighter.phrases else None
        # The sentences with the most units, then typed units; of those, the first whose
        # heading has the most.
        if single is not None:
            tied = _most_units(page, public, single, highlighter)
        else:
            tied = _most_units_with_phrases(page, listed, public, among, highlighter, stem)
        best = tied[0]
        if len(tied) > 1 and (holding := page.headings_holding(title_key)):
            heading_units: dict[int, set[str]] = {}  # per section, of its heading
            if single is not None:  # the headings' words, judged once per query
                heading_units = highlighter.heading_units(holding, stem)
            else:
                for section in {listed.owners[number] for number in tied}:
                    heading_units[section] = highlighter.units(shown_heading(section), stem)
            if heading_units:
                owners = listed.owners
                best = max(tied, key=lambda n: len(heading_units.get(owners[n], ())))
    heading, sentence = shown_heading(listed.owners[best]), listed.texts[best]
    excerpt = _excerpt(sentence, highlighter, stem, width, among)
    if not heading:
        return excerpt
    return f"{highlighter.html(heading, stem)} — {excerpt}"


#: Scores a sentence's units and typed units as one number: more units than a sentence can
#: have words.
_ORDER = 1 << 20


def _most_units(
    page: PageText, public: bool, unit_of: dict[str, str], highlighter: Highlighter
) -> list[int]:
    """The sentences (in order) with the most distinct units of the page's matching words
    (``unit_of``), then the most typed ones, found from where each word stands."""
    sentences_of: dict[str, set[int]] = {}
    for word, unit in unit_of.items():
        found = page.where(word, public)
        if found:
            sentences_of.setdefault(unit, set()).update(found)
    # One number per sentence: units before typed units (fewer than ``_ORDER`` units).
    scores: dict[int, int] = {}
    for unit, numbers in sentences_of.items():
        worth = _ORDER + highlighter.is_typed(unit)
        for number in numbers:
            scores[number] = scores.get(number, 0) + worth
    if not scores:
        return [0]
    top = max(scores.values())
    return sorted(number for number, score in scores.items() if score == top)


def _most_units_with_phrases(
    page: PageText,
    listed: _Sentences,
    public: bool,
    among: set[str],
    highlighter: Highlighter,
    stem: Stemmer | None,
) -> list[int]:
    """``_most_units`` for a query with phrases: the units of each sentence that holds one of
    ``among`` are read from its text."""
    numbers = sorted({number for word in among for number in page.where(word, public)})
    top: tuple[int, int] | None = None
    tied: list[int] = []
    for number in numbers:
        units = highlighter.units(listed.texts[number], stem, among)
        if not units:
            continue
        score = (len(units), highlighter.typed_units(units))
        if top is None or score > top:
            top, tied = score, [number]
        elif score == top:
            tied.append(number)
    return tied or [0]


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
