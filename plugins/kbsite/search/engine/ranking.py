"""Ranking of a query plan over one index generation, with numpy.

The model is the one Lucene and Elasticsearch users build from ``multi_match`` (fields
combined, BM25) plus a ``match_phrase`` boost, without their cliffs:

- Each content word of the query is one *term*. What stands for it in a page is weighted:
  the word as typed (1), another form with the same Snowball stem (0.9), a synonym or a
  word derived from it that Snowball keeps apart (``payment`` of ``pay``, ``suspension`` of
  ``suspend``; ``search.derivation``) and that word's inflections (0.8), a longer word it
  begins (0.7, in pages of the languages without a stemmer only; also from
  its light stem), and,
  for a word that is rare or absent in the index (a likely typo, or part of a compound),
  words one or two edits away, the other forms of their stems (a typo in one inflection finds
  the page with another) and longer words it begins (``flush`` of ``flushdns``) (0.5),
  scored as an alternative with its own idf (the better of the two counts).
- In each of the title, the headings and the body, a term's frequency (its forms' counts,
  weighted, a title word counting as four mentions and a heading word as two, divided by the
  field's BM25 length norm) is saturated as BM25 does; the fields
  are summed (title weighted 3, headings and body 1: a title match stands out, as in
  Lucene's per-field scoring) and multiplied by the term's idf (from the pages with any of
  its forms). Length normalisation is mild (b = 0.4 on the body), so long reference pages are
  not buried under short ones.
- Coverage: the share of the query's idf that a page matches multiplies the sum, so a page
  with every rare word is above a page with only a common one, with no tier cliff. A word
  counts fully once its weighted frequency reaches one plain mention in a body of average
  length, partly below that (a passing typo or prefix match in a very long page). Words the
  index does not hold at all do not count against any page.
- A multi-word synonym (``money back``) matches a field that holds all its content words.
- Proximity: each pair of neighbouring query words found near each other in the title or a
  heading of the page (within two content words, from the indexed word pairs) adds half their
  mean idf, saturated. (Pairs of the body would make the index ten times larger.) The parts
  of a camel-case identifier are near each other there (``ip address`` in ``NetIPAddress``).
- Body proximity (off by default, ``Params.body_proximity``): among the ``rerank`` (30) best
  pages, each such pair of query words found within three positions of each other in the body
  (Whoosh's positions of those pages only) adds a share of their mean idf, saturated, so a
  phrase the page says beats the same words apart.
- A camel-case part of an identifier (``accept`` of ``WinAcceptLanguage``) is indexed as half
  a mention: a word written on its own weighs more than a piece of a name.
- Quoted phrases must match (Whoosh phrase queries) and add their BM25F score.
- Every score is multiplied by the page's review-state weight (fresh above stale).

Function words (``query.Plan``) never make a page of a language where they are function
words match, nor count in its coverage; among the pages its content words matched, they are
weak evidence (their BM25 score with an idf among that language's pages,
``Params.function_words``), as Elasticsearch's ``common`` terms query treats frequent words.
``tests/test_search_engine.py`` compares every score with a plain-Python
implementation of the same model computed from the documents themselves.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz.distance import OSA
from whoosh import query as Q

from kbsite.search import derivation
from kbsite.search.analysis import Stemmer
from kbsite.search.engine.vectors import Vectors, _dense
from kbsite.search.engine.vocabulary import Leaf, Vocabulary
from kbsite.search.query import Plan, Term
from kbsite.search.stopwords import is_stopword

TEXT_FIELDS = ("title_terms", "heading_terms", "body_terms")
PAIR_FIELD = "pair_terms"
BODY_FIELD = "body_terms"
#: How many mentions one occurrence counts for, per field. The index stores frequencies
#: already multiplied by these (the schema's ``field_boost``), before any saturation.
MENTIONS = {
    "title_terms": 4.0,
    "heading_terms": 2.0,
    "body_terms": 1.0,
    "internal_terms": 1.0,  # text of `!!! internal` blocks: body text reps alone search
    PAIR_FIELD: 1.0,
}


@dataclass(frozen=True)
class Params:
    """The ranking's constants (one place, shared with the reference test)."""

    k1: float = 1.2
    boost: dict[str, float] = field(
        default_factory=lambda: {
            "title_terms": 3.0,
            "heading_terms": 1.0,
            "body_terms": 1.0,
            "internal_terms": 1.0,
        }
    )
    b: dict[str, float] = field(
        default_factory=lambda: {
            "title_terms": 0.3,
            "heading_terms": 0.4,
            "body_terms": 0.4,
            "internal_terms": 0.4,
        }
    )
    exact: float = 1.0
    stem: float = 0.9
    synonym: float = 0.8
    #: A word derived from the typed one that Snowball does not join (``payment``, ``pay``).
    derived: float = 0.8
    prefix: float = 0.7
    typo: float = 0.5
    coverage: float = 1.0
    proximity: float = 0.5
    proximity_k: float = 0.5
    #: Body proximity: among the ``rerank`` best pages, each pair of neighbouring query words
    #: found within ``body_window`` positions of each other in the body (as indexed: function
    #: words and camel-case parts hold positions too) adds ``body_proximity`` times their
    #: mean idf, saturated by ``proximity_k``. Off: reading the positions of the candidates'
    #: bodies took HTTP p50 from 15 to 22 ms at 10,000 pages (8 clients, 2 cores) for +0.005
    #: MRR@10 on the judged queries (BENCHMARKS.md); a position index of its own would do it.
    body_proximity: float = 0.0
    #: Function words of a page's language are weak evidence among the pages the content
    #: words matched (Elasticsearch's ``common`` terms): their BM25 score, with an idf among
    #: the pages of the languages they are function words in, times this; they never make a
    #: page match and never count in its coverage.
    function_words: float = 1.0
    body_window: int = 3
    rerank: int = 30
    #: Typo forms are looked for when a word's other forms are in fewer pages than this.
    typo_below: int = 3
    typo_min_length: int = 5
    #: At most this many words stand for a word beginning (the shortest) or a typo (the nearest).
    max_expansions: int = 20


PARAMS = Params()


def _content_words(member: tuple[str, ...], langs: Iterable[str]) -> set[tuple[str, ...]]:
    """A multi-word synonym's words without the function words of each language searched."""
    out = set()
    for lang in langs:
        content = tuple(w for w in member if not is_stopword(w, lang))
        if content:
            out.add(content)
    return out


@dataclass(frozen=True)
class TermMatch:
    """One term of a scored plan: the pages that hold it, its idf, and its body forms."""

    pages: np.ndarray
    idf: float
    body: dict[str, float]


def _near_count(left: list[list[int]], right: list[list[int]], window: int) -> int:
    """How many positions of the ``left`` lists have one of the ``right`` lists within
    ``window`` positions (either side; the same position never counts)."""
    others = sorted({pos for found in right for pos in found})
    if not others:
        return 0
    count = 0
    for pos in sorted({pos for found in left for pos in found}):
        at = bisect.bisect_left(others, pos - window)
        if any(o != pos for o in others[at : bisect.bisect_right(others, pos + window)]):
            count += 1
    return count


_NO_PAGES = np.zeros(0, dtype=np.int64)


def _best_of(
    scored_by: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pages, score, credit) of alternatives over their own pages, merged: each page keeps
    the better score and the better credit."""
    if len(scored_by) == 1:
        return scored_by[0]
    pages = np.unique(np.concatenate([found for found, _, _ in scored_by]))
    scored, credit = np.zeros(len(pages)), np.zeros(len(pages))
    for found, score, more in scored_by:
        at = np.searchsorted(pages, found)
        scored[at] = np.maximum(scored[at], score)
        credit[at] = np.maximum(credit[at], more)
    return pages, scored, credit


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class Forms:
    """What stands for one term: per text field, index words and their weights; groups of
    words (a multi-word synonym's content words, all of which must be in the field) and
    their weights; and per field, words that stand for it only in pages of the ``scope``
    languages (the longer words a word begins, in languages without a stemmer: ``ang`` of a
    Tagalog query is not ``anger`` in an English page)."""

    words: dict[str, dict[str, float]]
    groups: dict[tuple[str, ...], float]
    scoped: dict[str, dict[str, float]] = field(default_factory=dict)
    scope: tuple[str, ...] = ()

    def all_words(self) -> set[str]:
        return {word for found in (*self.words.values(), *self.scoped.values()) for word in found}

    def known(self, name: str) -> set[str]:
        """The words of field ``name`` that stand for the term (in any page or in scope)."""
        return set(self.words.get(name, ())) | set(self.scoped.get(name, ()))


#: How many postings a generation's ranker keeps at hand (most are the postings cache's own
#: arrays, shared; ~24 MB if none were).
_LOOKED_UP_MAX = 2_000_000
#: How many values of term frequencies (pages and their per-field frequencies) it keeps, the
#: least recently used dropped first (32 MB).
_FREQUENCIES_MAX = 4_000_000


def _values(pages: np.ndarray, tf: dict[str, np.ndarray]) -> int:
    return len(pages) * (1 + len(tf))


_UNSEEN = object()


class Ranker:
    """Scores plans over one index generation (``Vectors``) with its vocabulary."""

    def __init__(
        self,
        vectors: Vectors,
        vocabulary: Vocabulary,
        stemmer_of: Callable[[str], Stemmer | None],
        params: Params = PARAMS,
    ) -> None:
        self.vectors = vectors
        self.vocabulary = vocabulary
        self.stemmer_of = stemmer_of
        self.params = params
        self._norms: dict[str, np.ndarray] = {}
        self._langs: dict[str, np.ndarray] = {}
        self._active_by: dict[frozenset[str], np.ndarray | None] = {}
        self._scopes: dict[tuple[str, ...], np.ndarray] = {}
        self._weights: dict[Any, np.ndarray] = {}
        self.fields: tuple[str, ...] = TEXT_FIELDS  # the fields the current query reads
        self._forms: dict[tuple[Term, tuple[str, ...], tuple[str, ...]], Forms] = {}
        self._typos: dict[tuple[str, int], Forms] = {}  # by word and its (cached) forms
        self._looked_up: dict[tuple[str, str], tuple[np.ndarray, np.ndarray] | None] = {}
        self._looked_up_held = 0
        self._frequencies: OrderedDict[
            tuple[int, tuple[str, ...]], tuple[Forms, np.ndarray, dict[str, np.ndarray]]
        ] = OrderedDict()
        self._frequencies_held = 0

    # Per generation -------------------------------------------------------------------------

    def norm(self, field_name: str) -> np.ndarray:
        """Each page's BM25 length norm of a field: (1 - b) + b * length / average length."""
        found = self._norms.get(field_name)
        if found is None:
            lengths = self.vectors.lengths(field_name)
            live = lengths[self.vectors.live]
            average = float(live.mean()) if len(live) and live.mean() > 0 else 1.0
            b = self.params.b.get(field_name, self.params.b["body_terms"])
            found = (1 - b) + b * lengths / average
            self._norms[field_name] = found
        return found

    def scope_mask(self, langs: tuple[str, ...]) -> np.ndarray:
        """The pages in any of ``langs``."""
        found = self._scopes.get(langs)
        if found is None:
            found = np.zeros(self.vectors.size, dtype=bool)
            for lang in langs:
                found |= self.lang_mask(lang)
            self._scopes[langs] = found
        return found

    def lang_mask(self, lang: str) -> np.ndarray:
        found = self._langs.get(lang)
        if found is None:
            found = self.vectors.values("lang") == lang
            self._langs[lang] = found
        return found

    def state_weights(self, weight_of: Callable[[str], float]) -> np.ndarray:
        found = self._weights.get(weight_of)
        if found is None:
            states = self.vectors.values("state")
            table = {state: weight_of(state) for state in set(states.tolist())}
            found = np.fromiter((table[s] for s in states), dtype=np.float64, count=len(states))
            self._weights[weight_of] = found
        return found

    @property
    def pages(self) -> int:
        return int(self.vectors.live.sum())

    # Forms of a term ------------------------------------------------------------------------

    def forms(self, term: Term, langs: Iterable[str] = ()) -> Forms:
        """The index words (per field) and word groups that stand for ``term``, best weight
        each (remembered for this index generation: most queries repeat words)."""
        key = (term, tuple(langs), self.fields)
        found = self._forms.get(key)
        if found is None:
            if len(self._forms) >= 4096:
                self._forms.clear()
                self._typos.clear()  # keyed by the identity of forms just dropped
                self._frequencies.clear()
                self._frequencies_held = 0
            found = self._forms[key] = self._find_forms(term, key[1])
        return found

    def _find_forms(self, term: Term, langs: tuple[str, ...]) -> Forms:
        p = self.params
        leaves = self.vectors.leaves
        single = len(term.parts) == 1
        derived = self._derived(term) if single else []
        words: dict[str, dict[str, float]] = {}
        scoped: dict[str, dict[str, float]] = {}
        for name in self.fields:
            found: dict[str, float] = {}

            def add(items: Iterable[str], weight: float, found: dict[str, float] = found) -> None:
                for item in sorted(items):  # one order in every process: sums add up alike
                    if found.get(item, 0.0) < weight:
                        found[item] = weight

            if single:
                add([term.word], p.exact)
            for lang, stem in sorted(term.stems):
                add(self._same_stem(leaves, name, lang, stem), p.stem)
            for lang, other, stem in derived:
                family = self._same_stem(leaves, name, lang, stem)
                add([w for w in family if derivation.inflects(w, other, lang)], p.derived)
            for member in term.synonyms:
                if len(member) == 1:
                    add(member, p.synonym)
                    for lang in sorted(langs):
                        if stemmer := self.stemmer_of(lang):
                            add(self._same_stem(leaves, name, lang, stemmer(member[0])), p.synonym)
            words[name] = found
            within: dict[str, float] = {}
            for beginning in sorted(term.prefixes):
                longer = self.vocabulary.starting(leaves, name, beginning)
                live = self._first_live(name, sorted(longer, key=lambda w: (len(w), w)))
                add([w for w in live if w not in found], p.prefix, within)
            scoped[name] = within
        groups: dict[tuple[str, ...], float] = {}
        if not single:
            groups.update(dict.fromkeys(_content_words(term.parts, langs), p.exact))
        for member in term.synonyms:
            if len(member) > 1:
                for group in _content_words(member, langs):
                    groups.setdefault(group, p.synonym)
        scope = tuple(lang for lang in langs if self.stemmer_of(lang) is None)
        return Forms(words, groups, scoped, scope)

    def _derived(self, term: Term) -> list[tuple[str, str, str]]:
        """(language, word, its stem) of each word derived from the term (``derivation``)
        in the languages of its stems: the word's inflections in the index stand for it."""
        out = []
        for lang, _ in sorted(term.stems):
            stemmer = self.stemmer_of(lang)
            if stemmer is None or is_stopword(term.word, lang):
                continue  # a function word has no derived words
            out.extend(
                (lang, other, stemmer(other)) for other in derivation.related(term.word, lang)
            )
        return out

    def typo_forms(self, term: Term, forms: Forms, langs: Iterable[str] = ()) -> Forms | None:
        """The words a typo away from a single word, the other forms of their stems in
        ``langs`` (a typo in one inflection finds the page with another), and the longer words
        it begins, that are not among its ``forms`` (None for a word too short)."""
        p = self.params
        if len(term.parts) > 1 or len(term.word) < p.typo_min_length:
            return None
        key = (term.word, id(forms))
        found = self._typos.get(key)
        if found is None:
            if len(self._typos) >= 4096:
                self._typos.clear()
            distance = 2 if len(term.word) >= 6 else 1
            typos = {}
            for name in self.fields:
                known = forms.known(name)
                near = self.vocabulary.within(self.vectors.leaves, name, term.word, distance, 1)
                nearest = sorted((OSA.distance(term.word, w), w) for w in near if w not in known)
                typos[name] = dict.fromkeys(self._first_live(name, [w for _, w in nearest]), p.typo)
                family: set[str] = set()
                for lang in set(langs):
                    if stemmer := self.stemmer_of(lang):
                        for word in typos[name]:
                            family |= self._same_stem(
                                self.vectors.leaves, name, lang, stemmer(word)
                            )
                family -= set(typos[name]) | known
                typos[name].update(dict.fromkeys(self._first_live(name, sorted(family)), p.typo))
                # A word the index holds only inside longer ones (``flush`` of ``flushdns``).
                longer = self.vocabulary.starting(self.vectors.leaves, name, term.word)
                longer = [w for w in longer if w != term.word and w not in known]
                ordered = sorted(longer, key=lambda w: (len(w), w))
                for word in self._first_live(name, ordered):
                    typos[name].setdefault(word, p.typo)
            found = self._typos[key] = Forms(typos, {})
        return found

    def _first_live(self, name: str, words: Iterable[str]) -> list[str]:
        """The first ``max_expansions`` of ``words`` that a live page's field holds (the
        index's words include those of deleted pages until their segment is merged)."""
        out: list[str] = []
        for word in words:
            found = self._postings(name, word)
            if found is not None and self.vectors.live[found[0]].any():
                out.append(word)
                if len(out) == self.params.max_expansions:
                    break
        return out

    def _same_stem(self, leaves: list[Leaf], name: str, lang: str, stem: str) -> set[str]:
        stemmer = self.stemmer_of(lang)
        if stemmer is None:
            return set()
        return self.vocabulary.same_stem(leaves, name, lang, stemmer, stem)

    # Scoring --------------------------------------------------------------------------------

    def frequency(self, forms: Forms) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The pages whose fields hold any of ``forms`` (sorted document numbers, deleted
        pages included) and, per text field that holds one, each such page's weighted,
        length-normalised frequency of the term there (aligned with those pages). Only the
        pages of the postings are touched: a rare term costs little at any index size.
        Remembered with the forms (``forms``), up to ``_FREQUENCIES_MAX`` values: not to
        be changed."""
        key = (id(forms), self.fields)
        kept = self._frequencies
        found = kept.get(key)
        if found is not None and found[0] is forms:
            kept.move_to_end(key)
            return found[1], found[2]
        pages, tf = self._frequency(forms)
        kept[key] = (forms, pages, tf)
        self._frequencies_held += _values(pages, tf)
        while self._frequencies_held > _FREQUENCIES_MAX and len(kept) > 1:
            _, (_, old_pages, old_tf) = kept.popitem(last=False)  # the least recently used
            self._frequencies_held -= _values(old_pages, old_tf)
        return pages, tf

    def _frequency(self, forms: Forms) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        chunks: list[tuple[str, np.ndarray, np.ndarray]] = []
        scope = self.scope_mask(forms.scope)
        for name in self.fields:
            norm = self.norm(name)
            # (postings, weight, the pages they count in: None for all), summed in this order
            found = [
                *((self._postings(name, w), wt, None) for w, wt in forms.words[name].items()),
                *(
                    (self._postings(name, w), wt, scope)
                    for w, wt in forms.scoped.get(name, {}).items()
                ),
                *((self._group_counts(name, g), wt, None) for g, wt in forms.groups.items()),
            ]
            for postings, weight, within in found:
                if postings is None:
                    continue
                ids, tf = postings
                if within is not None:
                    inside = within[ids]
                    ids, tf = ids[inside], tf[inside]
                if len(ids):
                    chunks.append((name, ids, weight * tf / norm[ids]))
        if not chunks:
            return _NO_PAGES, {}
        if len(chunks) == 1:
            name, ids, values = chunks[0]
            return ids, {name: values}
        mark = np.zeros(self.vectors.size, dtype=bool)
        for _, ids, _ in chunks:
            mark[ids] = True
        pages = np.flatnonzero(mark)
        dense: dict[str, np.ndarray] = {}
        for name, ids, values in chunks:  # a word's postings name each page once
            if name not in dense:
                dense[name] = np.zeros(self.vectors.size)
            dense[name][ids] += values
        out = {name: total[pages] for name, total in dense.items()}
        return pages, out

    def saturated(self, frequency: dict[str, np.ndarray], count: int) -> np.ndarray:
        """BM25's saturation per field, weighted by the field's boost and summed (``count``:
        how many pages the frequencies are of)."""
        p = self.params
        total = np.zeros(count)
        for name, tf in frequency.items():
            total += p.boost[name] * (tf * (p.k1 + 1)) / (tf + p.k1)
        return total

    def _postings(self, name: str, word: str) -> tuple[np.ndarray, np.ndarray] | None:
        """A word's postings in a field: document numbers and weighted counts. Remembered
        for this generation, up to ``_LOOKED_UP_MAX`` postings: a query looks up each form of
        each of its terms in each field, tens of lookups that repeat from query to query."""
        key = (name, word)
        found = self._looked_up.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = self.vectors.postings(name, word.encode("utf-8"))
            if self._looked_up_held < _LOOKED_UP_MAX:
                self._looked_up[key] = found
                self._looked_up_held += 1 if found is None else len(found[0])
        return found

    def _group_counts(
        self, name: str, group: tuple[str, ...]
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Pages whose field holds every word of ``group``, with the smallest count."""
        result: tuple[np.ndarray, np.ndarray] | None = None
        for word in group:
            found = self._postings(name, word)
            if found is None:
                return None
            if result is None:
                result = found
            else:
                common, left, right = np.intersect1d(
                    result[0], found[0], assume_unique=True, return_indices=True
                )
                result = (common, np.minimum(result[1][left], found[1][right]))
        return result

    def score(
        self, plan: Plan, weight_of: Callable[[str], float]
    ) -> tuple[np.ndarray, np.ndarray, set[str], list[TermMatch | None]]:
        """Every page's score (0: no match, body proximity not included), the pages that
        match, the index words searched for (for snippets), and per term of the plan, the
        pages that hold it and its idf (None: a term no page of the languages holds)."""
        p = self.params
        size, live, n = self.vectors.size, self.vectors.live, self.pages
        content = np.zeros(size)
        matched_idf = np.zeros(size)
        query_idf = np.zeros(size)
        per_term: list[TermMatch | None] = []
        searched: set[str] = set()
        function = np.zeros(size)
        for term in plan.terms:
            active = self._active(term)
            if term.stop_in and p.function_words:
                self._add_function_word(term, plan.langs, active, function)
            if active is None:
                per_term.append(None)
                continue
            forms = self.forms(term, plan.langs)
            searched |= forms.all_words()
            # The term's forms and, for a rare word, its typo forms are two alternatives, each
            # with its own idf; a page scores by the better (a typo never borrows a rare idf).
            pages, tf = self.frequency(forms)
            alternatives = [(pages, tf, int(np.count_nonzero(live[pages])))]
            if (
                alternatives[0][2] < p.typo_below
                and (typos := self.typo_forms(term, forms, plan.langs)) is not None
            ):
                searched |= typos.all_words()
                pages, tf = self.frequency(typos)
                alternatives.append((pages, tf, int(np.count_nonzero(live[pages]))))
            weight = 0.0
            scored_by: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
            for pages, tf, df in alternatives:
                if df == 0:
                    continue
                rarity = idf(df, n)
                weight = weight or rarity
                mentions = sum(tf.values())
                scored_by.append(
                    (
                        pages,
                        rarity * self.saturated(tf, len(pages)),
                        rarity * np.minimum(mentions, 1.0),
                    )
                )
            if weight == 0.0:
                per_term.append(None)
                continue
            pages, scored, credit = _best_of(scored_by)
            keep = (scored > 0) & live[pages] & active[pages]
            hit = pages[keep]
            content[hit] += scored[keep]
            matched_idf[hit] += np.minimum(credit[keep], weight)
            query_idf[active] += weight
            has = np.zeros(size, dtype=bool)
            has[hit] = True
            body = {**forms.scoped.get(BODY_FIELD, {}), **forms.words.get(BODY_FIELD, {})}
            per_term.append(TermMatch(has, weight, body))
        coverage = np.divide(matched_idf, query_idf, out=np.zeros(size), where=query_idf > 0)
        matches = content > 0
        total = (content + np.where(matches, function, 0.0)) * coverage**p.coverage
        for left, right, keys in plan.pairs:
            a, b = per_term[left], per_term[right]
            if a is None or b is None:
                continue
            weight = p.proximity * (a.idf + b.idf) / 2
            for key in sorted(keys):
                found = self._postings(PAIR_FIELD, key)
                if found is None:
                    continue
                ids, tf = found
                near = a.pages[ids] & b.pages[ids]
                ids, tf = ids[near], tf[near]
                total[ids] += weight * tf / (tf + p.proximity_k)
        if plan.phrases:  # every quoted phrase must be in the page
            required = np.ones(size, dtype=bool)
            for phrase in plan.phrases:
                scored = _dense(
                    self.vectors.score(
                        Q.Or([Q.Phrase(name, list(phrase)) for name in self.fields])
                    ),
                    size,
                )
                if scored is None:
                    return np.zeros(size), np.zeros(size, dtype=bool), searched, per_term
                required &= scored.mask
                total += np.where(scored.mask, scored.scores, 0.0)
            matches = required
        matches &= live
        total = np.where(matches, total * self.state_weights(weight_of), 0.0)
        return total, matches, searched, per_term

    def body_nearness(
        self,
        plan: Plan,
        per_term: list[TermMatch | None],
        ids: np.ndarray,
        values: np.ndarray,
        weight_of: Callable[[str], float],
    ) -> np.ndarray:
        """What body proximity adds to the scores ``values`` of the pages ``ids``: only the
        ``rerank`` best (ties included) are looked at, from the positions Whoosh keeps for
        their bodies, so the work is bounded by the candidates, never by the index size."""
        p = self.params
        bonus = np.zeros(len(ids))
        pairs = [
            (a, b)
            for left, right in ((left, right) for left, right, _ in plan.pairs)
            if (a := per_term[left]) is not None and (b := per_term[right]) is not None
        ]
        if not pairs or not len(ids) or BODY_FIELD not in self.fields or p.body_proximity <= 0:
            return bonus
        chosen = np.arange(len(ids))
        if len(ids) > p.rerank:
            kth = np.partition(-values, p.rerank - 1)[p.rerank - 1]
            chosen = np.flatnonzero(values >= -kth)
        docs = ids[chosen]
        words = set().union(*(set(a.body) | set(b.body) for a, b in pairs))
        where = self.vectors.positions(BODY_FIELD, words, docs)
        states = self.state_weights(weight_of)[docs]
        for a, b in pairs:
            weight = p.body_proximity * (a.idf + b.idf) / 2
            for k, doc in enumerate(docs.tolist()):
                if not (a.pages[doc] and b.pages[doc]):
                    continue
                near = _near_count(
                    [where[w, doc] for w in a.body if (w, doc) in where],
                    [where[w, doc] for w in b.body if (w, doc) in where],
                    p.body_window,
                )
                if near:
                    bonus[chosen[k]] += states[k] * weight * near / (near + p.proximity_k)
        return bonus

    def _add_function_word(
        self, term: Term, langs: tuple[str, ...], active: np.ndarray | None, into: np.ndarray
    ) -> None:
        """Add to ``into`` what a function word scores in the live pages of the languages it
        is a function word in (not where ``active``): its BM25 score with an idf among those
        pages only (``ng`` is in every Tagalog page and few others: it weighs nothing)."""
        pages, tf = self.frequency(self.forms(term, langs))
        if not len(pages):
            return
        inside = self.vectors.live if active is None else self.vectors.live & ~active
        keep = inside[pages]
        df = int(np.count_nonzero(keep))
        if df:
            rarity = idf(df, int(np.count_nonzero(inside)))
            scored = rarity * self.saturated(tf, len(pages))
            into[pages[keep]] += self.params.function_words * scored[keep]

    def _active(self, term: Term) -> np.ndarray | None:
        """The pages where ``term`` counts (not a function word of their language), None
        when it counts nowhere."""
        key = term.stop_in
        found = self._active_by.get(key, False)
        if found is False:
            inactive = np.zeros(self.vectors.size, dtype=bool)
            for lang in key:
                inactive |= self.lang_mask(lang)
            found = None if inactive.all() else ~inactive
            self._active_by[key] = found
        return found

    def top(
        self,
        plan: Plan,
        allowed: np.ndarray | None,
        limit: int,
        weight_of: Callable[[str], float],
        fields: tuple[str, ...] = TEXT_FIELDS,
    ) -> tuple[list[tuple[int, float]], int, set[str]]:
        """The best ``limit`` (document, score) pairs, best first (ties: lower document
        number first), how many pages match, and the index words searched for. ``fields``:
        the text fields to read (reps also read the text of `!!! internal` blocks)."""
        self.fields = fields
        scores, matches, searched, per_term = self.score(plan, weight_of)
        if allowed is not None:
            matches = matches & allowed
        ids = np.flatnonzero(matches)
        values = scores[ids]
        total = len(ids)
        values = values + self.body_nearness(plan, per_term, ids, values, weight_of)
        if total > limit:
            keep = np.argpartition(-values, limit - 1)[:limit]
            kth = values[keep].min()
            keep = np.flatnonzero(values >= kth)
            ids, values = ids[keep], values[keep]
        order = np.lexsort((ids, -values))[:limit]
        best = list(zip(ids[order].tolist(), values[order].tolist(), strict=True))
        return best, total, searched
