"""A slow, plain-Python implementation of the ranking model of ``search/engine/ranking.py``,
computed from the index documents themselves (their term strings), not from the index: the
fast numpy path is tested against it (tests/test_search_engine.py).

Everything is a loop over pages and words: a word's forms are found by scanning every word
of the field (stem equality, ``startswith``, an edit-distance table written out below), term
frequencies by counting tokens. The only thing taken from Whoosh is how it stores a field's
length (one byte, lossy), so that lengths are those the index holds.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from whoosh.util.numeric import byte_to_length, length_to_byte

from kbsite.search.analysis import PART_MARK, PART_WEIGHT
from kbsite.search.derivation import inflects, related
from kbsite.search.engine.ranking import BODY_FIELD, MENTIONS, PAIR_FIELD, TEXT_FIELDS, Params
from kbsite.search.query import Plan, Term
from kbsite.search.stopwords import is_stopword


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours)."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def mentions(terms: str) -> Counter[str]:
    """How many mentions each word of an index term string counts for: one per occurrence,
    ``PART_WEIGHT`` for a camel-case part (written after ``PART_MARK``)."""
    out: Counter[str] = Counter()
    for token in terms.split():
        if token.startswith(PART_MARK):
            out[token[len(PART_MARK) :]] += PART_WEIGHT
        else:
            out[token] += 1
    return out


class Reference:
    """The ranking of ``docs`` (index documents, one per live page, keyed by ``key``)."""

    def __init__(
        self,
        docs: list[dict[str, Any]],
        stemmer_of: Callable[[str], Any],
        params: Params,
    ) -> None:
        self.docs = docs
        self.stemmer_of = stemmer_of
        self.p = params
        fields = (*TEXT_FIELDS, PAIR_FIELD)
        self.counts = {f: [mentions(d[f]) for d in docs] for f in fields}
        self.positions: list[dict[str, list[int]]] = []
        for d in docs:
            where: dict[str, list[int]] = {}
            for pos, token in enumerate(d[BODY_FIELD].split()):
                where.setdefault(token.removeprefix(PART_MARK), []).append(pos)
            self.positions.append(where)
        self.lengths = {
            f: [byte_to_length(length_to_byte(len(d[f].split()))) for d in docs] for f in fields
        }
        self.vocabulary = {f: sorted({w for c in self.counts[f] for w in c}) for f in fields}

    def norm(self, name: str, i: int) -> float:
        lengths = self.lengths[name]
        average = sum(lengths) / len(lengths) or 1.0
        b = self.p.b[name]
        return (1 - b) + b * lengths[i] / average

    def same_stem(self, word: str, lang: str, stem: str) -> bool:
        """The model's "same stem": the word begins as the stem (all but its last letter,
        at least two letters) and stems to it."""
        head = stem[: max(len(stem) - 1, 2)]
        return word.startswith(head) and self.stemmer_of(lang)(word) == stem

    def idf(self, df: int, n: int | None = None) -> float:
        """BM25's idf of ``df`` pages among ``n`` (all pages by default)."""
        n = len(self.docs) if n is None else n
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def saturated(self, tf: dict[str, float]) -> float:
        """BM25's saturation per field, weighted by the field's boost and summed."""
        p = self.p
        return sum(p.boost[name] * v * (p.k1 + 1) / (v + p.k1) for name, v in tf.items())

    def forms(
        self, term: Term, langs: Iterable[str]
    ) -> tuple[dict, dict, dict, Callable[[int], dict]]:
        """(words per field, pairs, typo words per field, the words per field that stand for
        the term in page ``i`` or, for None, in any page) with their weights: word
        beginnings count only in pages of the languages searched that have no stemmer."""
        p, single = self.p, len(term.parts) == 1
        words: dict[str, dict[str, float]] = {}
        scoped: dict[str, dict[str, float]] = {}
        scope = {lang for lang in langs if self.stemmer_of(lang) is None}
        # Words derived from the term: their stems, and the words whose inflections count.
        derived = [
            (lang, self.stemmer_of(lang)(other), other)
            for lang, _ in term.stems
            if single and not is_stopword(term.word, lang)
            for other in related(term.word, lang)
        ]
        for name in TEXT_FIELDS:
            found: dict[str, float] = {}
            candidates: list[tuple[str, float]] = []
            if single:
                candidates.append((term.word, p.exact))
            for word in self.vocabulary[name]:
                for lang, stem in term.stems:
                    if self.same_stem(word, lang, stem):
                        candidates.append((word, p.stem))
                for lang, stem, other in derived:
                    if self.same_stem(word, lang, stem) and inflects(word, other, lang):
                        candidates.append((word, p.derived))
                for member in term.synonyms:
                    if len(member) == 1:
                        if word == member[0]:
                            candidates.append((word, p.synonym))
                        for lang in langs:
                            stemmer = self.stemmer_of(lang)
                            if stemmer and self.same_stem(word, lang, stemmer(member[0])):
                                candidates.append((word, p.synonym))
            for word, weight in candidates:
                found[word] = max(found.get(word, 0.0), weight)
            words[name] = found
            scoped[name] = {}
            for beginning in term.prefixes:
                longer = sorted(
                    (w for w in self.vocabulary[name] if w.startswith(beginning)),
                    key=lambda w: (len(w), w),
                )
                for word in longer[: p.max_expansions]:
                    if word not in found:
                        scoped[name][word] = p.prefix
        groups: dict[tuple[str, ...], float] = {}
        if not single:
            for content in self.content_words(term.parts, langs):
                groups[content] = p.exact
        for member in term.synonyms:
            if len(member) > 1:
                for content in self.content_words(member, langs):
                    groups.setdefault(content, p.synonym)
        typos: dict[str, dict[str, float]] = {}

        def in_page(i: int | None) -> dict:
            if i is not None and self.docs[i]["lang"] not in scope:
                return words
            # after the others, as the engine sums them
            return {name: {**words[name], **scoped.get(name, {})} for name in words}

        rare = sum(1 for i in range(len(self.docs)) if self.mentions(in_page(i), groups, i))
        if single and len(term.word) >= p.typo_min_length and rare < p.typo_below:
            distance = 2 if len(term.word) >= 6 else 1
            for name in TEXT_FIELDS:
                near = sorted(
                    (osa_distance(word, term.word), word)
                    for word in self.vocabulary[name]
                    if word[:1] == term.word[:1]
                    and word not in words[name]
                    and word not in scoped[name]
                )
                within = [w for d, w in near if d <= distance][: p.max_expansions]
                typos[name] = dict.fromkeys(within, p.typo)
                # The other forms of the typo neighbours' stems, in the languages searched.
                family = sorted(
                    w
                    for w in self.vocabulary[name]
                    if w not in within
                    and w not in words[name]
                    and w not in scoped[name]
                    and any(
                        self.same_stem(w, lang, self.stemmer_of(lang)(near_word))
                        for lang in langs
                        if self.stemmer_of(lang)
                        for near_word in within
                    )
                )
                typos[name].update(dict.fromkeys(family[: p.max_expansions], p.typo))
                longer = sorted(
                    (
                        w
                        for w in self.vocabulary[name]
                        if w.startswith(term.word)
                        and w != term.word
                        and w not in words[name]
                        and w not in scoped[name]
                    ),
                    key=lambda w: (len(w), w),
                )
                for word in longer[: p.max_expansions]:
                    typos[name].setdefault(word, p.typo)
        return words, groups, typos, in_page

    def content_words(self, member: tuple[str, ...], langs: Iterable[str]) -> set[tuple[str, ...]]:
        out = set()
        for lang in langs:
            content = tuple(w for w in member if not is_stopword(w, lang))
            if content:
                out.add(content)
        return out

    def frequency(self, words: dict, groups: dict, i: int) -> dict[str, float]:
        out = {}
        for name in TEXT_FIELDS:
            counts = self.counts[name][i]
            total = sum(w * counts[word] for word, w in words.get(name, {}).items())
            for group, weight in groups.items():
                if all(counts[word] for word in group):
                    total += weight * min(counts[word] for word in group)
            out[name] = total * MENTIONS[name] / self.norm(name, i)
        return out

    def mentions(self, words: dict, groups: dict, i: int) -> bool:
        return any(v > 0 for v in self.frequency(words, groups, i).values())

    def near(self, i: int, left: dict[str, float], right: dict[str, float]) -> int:
        """How many body positions of a ``left`` word have a ``right`` word (at another
        position) at most ``body_window`` positions away."""
        where = self.positions[i]
        ours = {pos for word in left for pos in where.get(word, [])}
        theirs = {pos for word in right for pos in where.get(word, [])}
        window = self.p.body_window
        return sum(1 for a in ours if any(b != a and abs(a - b) <= window for b in theirs))

    def scores(
        self,
        plan: Plan,
        weight_of: Callable[[str], float],
        allowed: Callable[[dict[str, Any]], bool] = lambda doc: True,
    ) -> dict[str, float]:
        """Every matching page's score, by key (plans without quoted phrases); body
        proximity counts among the ``rerank`` best of the ``allowed`` pages."""
        assert not plan.phrases
        p, n = self.p, len(self.docs)
        content = [0.0] * n
        matched = [0.0] * n
        wanted = [0.0] * n
        found_terms: list[tuple[list[bool], float, dict[str, float]] | None] = []
        function = [0.0] * n  # function words: weak evidence among the matched pages
        for term in plan.terms:
            active = [d["lang"] not in term.stop_in for d in self.docs]
            if term.stop_in and p.function_words:
                _, groups, _, in_page = self.forms(term, plan.langs)
                tf = [self.frequency(in_page(i), groups, i) for i in range(n)]
                holds = [not active[i] and any(v > 0 for v in tf[i].values()) for i in range(n)]
                rarity = self.idf(sum(holds), active.count(False))
                for i in range(n):
                    if holds[i]:
                        function[i] += p.function_words * rarity * self.saturated(tf[i])
            if not any(active):
                found_terms.append(None)
                continue
            _, groups, typos, in_page = self.forms(term, plan.langs)
            best = [0.0] * n
            credit = [0.0] * n
            weight = 0.0
            for chosen, chosen_groups in ((in_page, groups), (lambda i, typos=typos: typos, {})):
                tf = [self.frequency(chosen(i), chosen_groups, i) for i in range(n)]
                df = sum(1 for f in tf if any(v > 0 for v in f.values()))
                if df == 0:
                    continue
                rarity = self.idf(df)
                weight = weight or rarity
                for i in range(n):
                    best[i] = max(best[i], rarity * self.saturated(tf[i]))
                    credit[i] = max(credit[i], rarity * min(sum(tf[i].values()), 1.0))
            if weight == 0.0:
                found_terms.append(None)
                continue
            has = [best[i] > 0 and active[i] for i in range(n)]
            for i in range(n):
                if has[i]:
                    content[i] += best[i]
                    matched[i] += min(credit[i], weight)
                if active[i]:
                    wanted[i] += weight
            found_terms.append((has, weight, in_page(None)[BODY_FIELD]))
        total = [
            (content[i] + (function[i] if content[i] > 0 else 0.0))
            * ((matched[i] / wanted[i]) if wanted[i] else 0.0) ** p.coverage
            for i in range(n)
        ]
        for left, right, keys in plan.pairs:
            a, b = found_terms[left], found_terms[right]
            if a is None or b is None:
                continue
            weight = p.proximity * (a[1] + b[1]) / 2
            for i in range(n):
                if a[0][i] and b[0][i]:
                    for key in keys:
                        tf = self.counts[PAIR_FIELD][i][key]
                        if tf:
                            total[i] += weight * tf / (tf + p.proximity_k)
        base = [total[i] * weight_of(self.docs[i]["state"]) for i in range(n)]
        found = [i for i in range(n) if content[i] > 0 and allowed(self.docs[i])]
        ranked = sorted((base[i] for i in found), reverse=True)
        if len(ranked) > p.rerank:
            found = [i for i in found if base[i] >= ranked[p.rerank - 1]]
        bonus = [0.0] * n
        for left, right, _ in plan.pairs:
            a, b = found_terms[left], found_terms[right]
            if a is None or b is None:
                continue
            weight = p.body_proximity * (a[1] + b[1]) / 2
            for i in found:
                if a[0][i] and b[0][i] and (near := self.near(i, a[2], b[2])):
                    state = weight_of(self.docs[i]["state"])
                    bonus[i] += state * weight * near / (near + p.proximity_k)
        return {self.docs[i]["key"]: base[i] + bonus[i] for i in range(n) if content[i] > 0}
