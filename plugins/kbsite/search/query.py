"""What a query asks for, before any index is read: its content words, their stems and
synonyms, the languages in which each is only a function word, the word pairs whose nearness
counts, and quoted phrases. ``engine.ranking`` turns this into scores.

Stopwords are ignored per language of the page: ``come`` is a function word of Italian pages
("how") but a content word of English ones. A query made only of function words (in a
language) keeps them all there, so ``the a of`` still finds something; quoted text is always
matched word for word.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import regex

from kbsite.search.analysis import ZWNJ, Stemmer, camel_parts, fold, light_stemmer, terms, words
from kbsite.search.stopwords import is_stopword

MAX_WORDS = 32
MAX_PHRASES = 4
_PHRASE = regex.compile(r'"([^"]+)"')
PAIR_JOIN = "+"  # joins the two words of an indexed pair (never inside a word)


@dataclass(frozen=True, slots=True)
class Term:
    """One distinct word of the query (folded), or several that form one member of a
    synonym group (``money back``), with what may stand for it in a page."""

    word: str
    parts: tuple[str, ...]  # the query words it stands for (one, or a multi-word synonym)
    stems: frozenset[tuple[str, str]]  # (language, Snowball stem) where the language has one
    synonyms: tuple[tuple[str, ...], ...]  # other members of its synonym groups (folded words)
    stop_in: frozenset[str]  # languages whose pages ignore it (a function word there)
    prefixes: frozenset[str]  # word beginnings that match it (languages without a stemmer)


@dataclass(frozen=True, slots=True)
class Plan:
    terms: tuple[Term, ...]
    pairs: tuple[tuple[int, int, frozenset[str]], ...]  # (term, term, their pair keys)
    phrases: tuple[tuple[str, ...], ...]  # quoted phrases, folded words in order
    langs: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.terms and not self.phrases


def pair_key(word: str, stem: Stemmer | None) -> str:
    """The form of a word in a pair: folded, without a ZWNJ-joined ending, stemmed."""
    word = word.split(ZWNJ, 1)[0]
    return stem(word) if stem else word


def pair(left: str, right: str) -> str:
    """An unordered pair of words as one index term."""
    return PAIR_JOIN.join(sorted((left, right)))


def pairs_of(text: str, lang: str, stem: Stemmer | None, window: int = 2) -> list[str]:
    """The pair terms of a text: each content word with the next ``window`` content words
    (function words of ``lang`` skipped), so words a few apart count as near; and the parts
    of a word in camel case among themselves (``NetIPAddress``: ``ip`` near ``address``)."""
    keys = []
    out = []
    for token in words(unicodedata.normalize("NFC", text)):
        if not is_stopword(folded := fold(token.text), lang):
            keys.append(pair_key(folded, stem))
        parts = [pair_key(p, stem) for p in camel_parts(token.text) if not is_stopword(p, lang)]
        out.extend(_near(parts, window))
    return _near(keys, window) + out


def _near(keys: list[str], window: int) -> list[str]:
    """Each key paired with the next ``window`` keys (a key is never paired with itself)."""
    out = []
    for i, key in enumerate(keys):
        for other in keys[i + 1 : i + 1 + window]:
            if other != key:
                out.append(pair(key, other))
    return out


def plan(
    query: str,
    stemmers: Mapping[str, Stemmer | None],
    synonyms: Mapping[str, list[list[str]]] | SynonymTable,
) -> Plan:
    """The plan of ``query`` searched in the languages of ``stemmers``; ``synonyms``: the
    KB's groups, best as a ``SynonymTable`` made once (a mapping is indexed on each call)."""
    langs = tuple(stemmers)
    phrases = []
    for text in _PHRASE.findall(query)[:MAX_PHRASES]:
        if found := terms(text):
            phrases.append(tuple(found))
    tokens = [fold(token.text) for token in words(_PHRASE.sub(" ", query))][: MAX_WORDS * 2]
    table = synonyms if isinstance(synonyms, SynonymTable) else SynonymTable(synonyms)
    groups = [table.of(lang, stem) for lang, stem in stemmers.items()]
    units: dict[tuple[str, ...], None] = {}
    for unit in _spans(tokens, groups):
        units.setdefault(unit, None)
    found = list(units)[:MAX_WORDS]
    # A word is ignored in a language only if the query has another word that is not.
    stop: dict[tuple[str, ...], set[str]] = {unit: set() for unit in found}
    for lang in langs:
        function = [u for u in found if len(u) == 1 and is_stopword(u[0], lang)]
        if len(function) < len(found) or phrases:
            for unit in function:
                stop[unit].add(lang)
    out = []
    for unit in found:
        word = " ".join(unit)
        single = len(unit) == 1
        stems = {(lang, stem(word)) for lang, stem in stemmers.items() if stem and single}
        equivalents = _synonyms(unit, groups)
        prefixes = {
            beginning
            for lang, stem in stemmers.items()
            if stem is None and single
            for beginning in beginnings(word, lang)
        }
        out.append(
            Term(
                word,
                unit,
                frozenset(stems),
                equivalents,
                frozenset(stop[unit]),
                frozenset(prefixes),
            )
        )
    return Plan(tuple(out), _pairs(out, stemmers), tuple(phrases), langs)


def beginnings(word: str, lang: str) -> set[str]:
    """Word beginnings that stand for ``word`` in a language without a Snowball stemmer: the
    word and its light stem (``analysis.light_stemmer``), from three letters."""
    light = light_stemmer(lang)
    found = {word, light(word)} if light else {word}
    return {beginning for beginning in found if len(beginning) >= 3}


def stemmer_for_pairs(lang: str, stem: Stemmer | None) -> Stemmer | None:
    """How a word of ``lang`` is reduced in an indexed pair: Snowball, else light stem."""
    return stem or light_stemmer(lang)


Group = list[tuple[str, ...]]  # a synonym group: its members, each as its folded words


class SynonymTable:
    """The KB's synonym groups (``synonyms.yml``), each member as its folded words, indexed
    per language and stemmer (``of``): a query's words are looked up, not compared with every
    member of every group (a file of a thousand groups took 17 ms a query that way)."""

    def __init__(self, synonyms: Mapping[str, list[list[str]]]) -> None:
        self._groups = {
            lang: [
                [words for member in group if (words := tuple(terms(member)))] for group in groups
            ]
            for lang, groups in synonyms.items()
        }
        self._indexed: dict[tuple[str, Stemmer | None], _Groups] = {}

    def of(self, lang: str, stem: Stemmer | None) -> _Groups:
        """The groups of ``lang``, indexed by the words of their members as ``stem``
        reduces them (made once per language and stemmer)."""
        key = (lang, stem)
        found = self._indexed.get(key)
        if found is None:
            found = self._indexed[key] = _Groups(self._groups.get(lang, []), stem)
        return found


class _Groups:
    """One language's synonym groups, indexed by their members' keys (``key``)."""

    __slots__ = ("groups", "longest", "multi", "stem", "with_key")

    def __init__(self, groups: list[Group], stem: Stemmer | None) -> None:
        self.groups = groups
        self.stem = stem
        self.with_key: dict[tuple[str, ...], list[int]] = {}  # key -> groups, in order
        self.multi: set[tuple[str, ...]] = set()  # keys of members of several words
        for number, group in enumerate(groups):
            for member in group:
                spelt = self.key(member)
                found = self.with_key.setdefault(spelt, [])
                if not found or found[-1] != number:
                    found.append(number)
                if len(member) > 1:
                    self.multi.add(spelt)
        self.longest = max((len(key) for key in self.multi), default=0)

    def key(self, typed: tuple[str, ...]) -> tuple[str, ...]:
        """What words must equal to spell the same member: the words themselves, or in a
        language with a stemmer their stems (``refunds`` or ``passed away`` spell the members
        ``refund`` and ``pass away``)."""
        return tuple(map(self.stem, typed)) if self.stem else typed


def _spans(tokens: list[str], groups: list[_Groups]) -> list[tuple[str, ...]]:
    """The query's words, with each run that spells a multi-word synonym (``money back``)
    kept together as one unit, longest first."""
    longest = max((found.longest for found in groups), default=0)
    out: list[tuple[str, ...]] = []
    i = 0
    while i < len(tokens):
        size = next(
            (
                length
                for length in range(min(longest, len(tokens) - i), 1, -1)
                if any(found.key(tuple(tokens[i : i + length])) in found.multi for found in groups)
            ),
            0,
        )
        out.append(tuple(tokens[i : i + size]) if size else (tokens[i],))
        i += size or 1
    return out


def _synonyms(unit: tuple[str, ...], groups: list[_Groups]) -> tuple[tuple[str, ...], ...]:
    """The other members of the groups ``unit`` spells a member of, in order."""
    found: dict[tuple[str, ...], None] = {}
    for language in groups:
        spelt = language.key(unit)
        for number in language.with_key.get(spelt, ()):
            for member in language.groups[number]:
                if language.key(member) != spelt:
                    found.setdefault(member, None)
    return tuple(found)


def _pairs(
    found: list[Term], stemmers: Mapping[str, Callable[[str], str] | None]
) -> tuple[tuple[int, int, frozenset[str]], ...]:
    """Neighbouring content words of the query (in every language searched), with the pair
    terms that stand for them in each language."""
    content = [
        i
        for i, term in enumerate(found)
        if len(term.stop_in) < len(stemmers) and len(term.parts) == 1
    ]
    out = []
    for left, right in itertools.pairwise(content):
        keys = set()
        for lang, stem in stemmers.items():
            reduce = stemmer_for_pairs(lang, stem)
            keys.add(pair(pair_key(found[left].word, reduce), pair_key(found[right].word, reduce)))
        out.append((left, right, frozenset(keys)))
    return tuple(out)
