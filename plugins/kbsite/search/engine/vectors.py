"""Whoosh's BM25F scores for a whole query at once, in numpy arrays.

Whoosh scores one posting at a time in Python: a word found in half of 10,000 pages costs it
30–50 ms per query. Here each term's postings are read once into arrays, kept per segment
(a segment never changes, so they outlive index generations), and a query tree of terms,
unions (``Or``), intersections (``And``) and constant scores is scored over every document
in a few array operations. Each term's score is Whoosh's own BM25F formula with Whoosh's own
statistics (its idf, average field length and stored field lengths), so scores equal
Whoosh's up to the order of floating-point sums, and ties rank as Whoosh ranks them (lower
document number first). Any other query type (phrases) is scored by Whoosh itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher, ListMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F


@dataclass(frozen=True, slots=True)
class Sparse:
    """Scores of the documents ``ids`` (ascending, unique)."""

    ids: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True, slots=True)
class Dense:
    """Scores of every document; only those where ``mask`` is set match."""

    scores: np.ndarray
    mask: np.ndarray


Scored = Sparse | Dense | None  # None: nothing matches


class PostingsCache:
    """Postings (document numbers, weights) and field lengths per segment, as arrays.

    Shared by the index generations of one open index; least recently used terms are dropped
    once more than ``max_postings`` postings are held (4 M postings ≈ 48 MB)."""

    def __init__(self, max_postings: int = 4_000_000) -> None:
        self.max_postings = max_postings
        self._terms: OrderedDict[tuple[str, str, bytes], tuple[np.ndarray, np.ndarray] | None] = (
            OrderedDict()
        )
        self._held = 0
        self._lengths: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def postings(
        self, leaf: Any, segment: str, field: str, btext: bytes
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """A term's postings in one segment; None when the segment lacks the term (absence
        is cached too: most stems of most languages are in no page)."""
        key = (segment, field, btext)
        with self._lock:
            found = self._terms.get(key, self)
            if found is not self:
                self._terms.move_to_end(key)
                return found
        found = _read_postings(leaf, field, btext)
        with self._lock:
            if key not in self._terms:
                self._terms[key] = found
                self._held += 1 if found is None else len(found[0])
            while self._held > self.max_postings and len(self._terms) > 1:
                _, dropped = self._terms.popitem(last=False)
                self._held -= 1 if dropped is None else len(dropped[0])
        return found

    def lengths(self, leaf: Any, segment: str, field: str) -> np.ndarray:
        """Each document's stored length of ``field`` in one segment (0 when empty)."""
        key = (segment, field)
        found = self._lengths.get(key)
        if found is None:
            found = np.fromiter(
                (leaf.doc_field_length(d, field, 1) or 0 for d in range(leaf.doc_count_all())),
                dtype=np.float64,
                count=leaf.doc_count_all(),
            )
            with self._lock:
                self._lengths[key] = found
        return found

    def forget(self, live_segments: set[str]) -> None:
        """Drop what belongs to segments the index no longer has (after a merge)."""
        with self._lock:
            for key in [k for k in self._terms if k[0] not in live_segments]:
                dropped = self._terms.pop(key)
                self._held -= 1 if dropped is None else len(dropped[0])
            for key in [k for k in self._lengths if k[0] not in live_segments]:
                del self._lengths[key]


def _read_postings(leaf: Any, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """All postings of a term in one segment, deleted documents included (the caller masks
    them), read a block at a time where the codec allows it; None when the segment lacks it."""
    try:
        matcher = leaf.postings(field, btext)
    except TermNotFound:
        return None
    if isinstance(matcher, FilterMatcher):  # the segment's deletions: masked by the caller
        matcher = matcher.child
    if isinstance(matcher, W3LeafMatcher):
        ids, weights = [], []
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int64))
            weights.append(np.asarray(matcher._weights, dtype=np.float64))
            matcher._next_block()
        if ids:
            return np.concatenate(ids), np.concatenate(weights)
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    if isinstance(matcher, ListMatcher) and matcher._weights is not None:
        return (
            np.asarray(matcher._ids, dtype=np.int64),
            np.asarray(matcher._weights, dtype=np.float64),
        )
    pairs = list(_each_posting(matcher))
    return (
        np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs)),
        np.fromiter((p[1] for p in pairs), dtype=np.float64, count=len(pairs)),
    )


def _each_posting(matcher: Any) -> Iterator[tuple[int, float]]:
    while matcher.is_active():
        yield matcher.id(), matcher.weight()
        matcher.next()


class Vectors:
    """Scores queries over one open Whoosh searcher (one index generation)."""

    def __init__(self, searcher: Any, cache: PostingsCache) -> None:
        weighting = searcher.weighting
        if type(weighting) is not BM25F:
            raise TypeError("vector scoring reproduces BM25F only")
        self._searcher = searcher
        self._schema = searcher.schema
        self._weighting = weighting
        self._cache = cache
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self._leaves = [  # an index without pages has a reader without a segment
            (leaf, segment.segment_id(), base)
            for leaf, base in reader.leaf_readers()
            if (segment := leaf.segment()) is not None
        ]
        self.leaves = [(leaf, segment) for leaf, segment, _ in self._leaves]
        cache.forget({segment for _, segment in self.leaves})
        self.live = np.zeros(self.size, dtype=bool)
        self.live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        self._lengths: dict[str, np.ndarray] = {}
        self._values: dict[str, np.ndarray] = {}

    # Building blocks ------------------------------------------------------------------------

    def postings(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """A term's postings across segments, as global document numbers and weights."""
        parts = [
            (found[0] + base if base else found[0], found[1])
            for leaf, segment, base in self._leaves
            if (found := self._cache.postings(leaf, segment, field, btext)) is not None
        ]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def positions(
        self, field: str, words: Iterable[str], docs: np.ndarray
    ) -> dict[tuple[str, int], list[int]]:
        """Where each of ``words`` stands in ``field`` of each of ``docs`` (global document
        numbers), for the pairs that hold it. One pass per word and segment over the
        candidates in order: posting blocks before a candidate are skipped by their
        headers, never decoded."""
        out: dict[tuple[str, int], list[int]] = {}
        wanted = np.unique(docs)
        for leaf, _segment, base in self._leaves:
            local = wanted[(wanted >= base) & (wanted < base + leaf.doc_count_all())] - base
            if not len(local):
                continue
            for word in sorted(words):
                try:
                    matcher = leaf.postings(field, word.encode("utf-8"))
                except TermNotFound:
                    continue
                for doc in local.tolist():
                    if not matcher.is_active():
                        break
                    matcher.skip_to(doc)
                    if matcher.is_active() and matcher.id() == doc:
                        out[word, doc + base] = matcher.value_as("positions")
        return out

    def lengths(self, field: str) -> np.ndarray:
        found = self._lengths.get(field)
        if found is None:
            found = np.concatenate(
                [self._cache.lengths(leaf, segment, field) for leaf, segment, _ in self._leaves]
            )
            self._lengths[field] = found
        return found

    def values(self, field: str) -> np.ndarray:
        """Each document's value of a single-valued ID field (e.g. its state), "" if none."""
        found = self._values.get(field)
        if found is None:
            found = np.full(self.size, "", dtype=object)
            for text in self._searcher.reader().field_terms(field):
                hit = self.postings(field, self._schema[field].to_bytes(text))
                if hit is not None:
                    found[hit[0]] = text
            self._values[field] = found
        return found

    # Scoring --------------------------------------------------------------------------------

    def score(self, query: Any) -> Scored:
        """Every matching document's score for ``query`` (None when nothing matches)."""
        if query is Q.NullQuery:
            return None
        if isinstance(query, Q.Term):
            return self._term(query)
        if isinstance(query, Q.ConstantScoreQuery):
            mask = self._mask(query.child)
            if mask is None:
                return None
            return Dense(np.where(mask, query.score, 0.0), mask)
        if type(query) is Q.And or (type(query) is Q.Or and not query.scale):
            subs = query.subqueries
            if not subs:
                return None
            if len(subs) == 1:  # Whoosh ignores the boost of a one-query compound
                return self.score(subs[0])
            combined = self._union(subs) if isinstance(query, Q.Or) else self._intersection(subs)
            if combined is not None and query.boost != 1.0:
                combined = Dense(combined.scores * query.boost, combined.mask)
            return combined
        return self._by_whoosh(query)

    def _mask(self, query: Any) -> np.ndarray | None:
        """The documents matching ``query``, deleted ones included, without scoring them
        (a constant-score query: the typo and prefix words of several words)."""
        if type(query) is Q.Or and not query.scale:
            terms = [q for q in query.subqueries if isinstance(q, Q.Term)]
            others = [q for q in query.subqueries if not isinstance(q, Q.Term)]
            ids = [found[0] for q in terms if (found := self._postings_of(q)) is not None]
            masks = [m for q in others if (m := self._mask(q)) is not None]
            if not ids and not masks:
                return None
            mask = np.zeros(self.size, dtype=bool)
            if ids:
                mask[np.concatenate(ids)] = True
            for other in masks:
                mask |= other
            return mask
        if isinstance(query, Q.Term):
            found = self._postings_of(query)
            if found is None:
                return None
            mask = np.zeros(self.size, dtype=bool)
            mask[found[0]] = True
            return mask
        dense = _dense(self.score(query), self.size)
        return None if dense is None else dense.mask

    def _postings_of(self, query: Any) -> tuple[np.ndarray, np.ndarray, bytes] | None:
        """A term query's postings (deleted documents included) and its term as bytes."""
        if query.fieldname not in self._schema:
            return None
        try:
            btext = self._schema[query.fieldname].to_bytes(query.text)
        except ValueError:
            return None
        found = self.postings(query.fieldname, btext)
        return None if found is None else (*found, btext)

    def _term(self, query: Any) -> Scored:
        found = self._postings_of(query)
        if found is None:
            return None
        field = self._schema[query.fieldname]
        ids, weights, btext = found
        keep = self.live[ids]
        if not keep.all():
            ids, weights = ids[keep], weights[keep]
        if not len(ids):
            return None
        if field.scorable:
            scores = self._bm25(query.fieldname, btext, weights, self.lengths(query.fieldname)[ids])
        else:
            scores = weights
        if query.boost != 1.0:
            scores = scores * query.boost
        return Sparse(ids, scores)

    def _bm25(self, field: str, btext: bytes, tf: np.ndarray, fl: np.ndarray) -> np.ndarray:
        """``whoosh.scoring.bm25`` over arrays, written as Whoosh writes it (same rounding)."""
        weighting = self._weighting
        idf = self._searcher.idf(field, btext)
        avgfl = self._searcher.avg_field_length(field) or 1
        B = weighting._field_B.get(field, weighting.B)
        K1 = weighting.K1
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))

    def _union(self, subs: list[Any]) -> Dense | None:
        scores = np.zeros(self.size)
        mask = np.zeros(self.size, dtype=bool)
        matched = False
        for sub in subs:
            found = self.score(sub)
            if found is None:
                continue
            matched = True
            if isinstance(found, Sparse):
                scores[found.ids] += found.scores
                mask[found.ids] = True
            else:
                scores += np.where(found.mask, found.scores, 0.0)
                mask |= found.mask
        return Dense(scores, mask) if matched else None

    def _intersection(self, subs: list[Any]) -> Dense | None:
        scores = np.zeros(self.size)
        mask = np.ones(self.size, dtype=bool)
        for sub in subs:
            found = _dense(self.score(sub), self.size)
            if found is None:
                return None
            mask &= found.mask
            scores += np.where(found.mask, found.scores, 0.0)
        return Dense(scores, mask) if mask.any() else None

    def _by_whoosh(self, query: Any) -> Scored:
        """Scores of a query type not reproduced here, from Whoosh's own search."""
        results = self._searcher.search(query, limit=None)
        if not results.top_n:
            return None
        pairs = sorted((docnum, score) for score, docnum in results.top_n)
        ids = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
        return Sparse(ids, np.fromiter((p[1] for p in pairs), dtype=np.float64, count=len(pairs)))

    # Results --------------------------------------------------------------------------------

    def matching(self, query: Any) -> np.ndarray | None:
        """The live documents matching ``query`` (a filter), as a mask."""
        found = _dense(self.score(query), self.size)
        return None if found is None else found.mask & self.live

    def top(
        self, query: Any, allowed: np.ndarray | None, limit: int
    ) -> tuple[list[tuple[int, float]], int]:
        """The best ``limit`` (document number, score) pairs, best first (ties: lower
        document number first, as Whoosh), and how many documents match in all."""
        found = self.score(query)
        if found is None:
            return [], 0
        if isinstance(found, Sparse):
            ids, scores = found.ids, found.scores
            if allowed is not None:
                keep = allowed[ids]
                ids, scores = ids[keep], scores[keep]
        else:
            mask = found.mask & self.live
            if allowed is not None:
                mask &= allowed
            ids = np.flatnonzero(mask)
            scores = found.scores[ids]
        total = len(ids)
        if total > limit:
            kth = -np.partition(-scores, limit - 1)[limit - 1]
            above = scores > kth
            tied = np.flatnonzero(scores == kth)[: limit - int(above.sum())]
            keep = above
            keep[tied] = True
            ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -scores))
        return [(int(ids[i]), float(scores[i])) for i in order], total


def _dense(found: Scored, size: int) -> Dense | None:
    if found is None or isinstance(found, Dense):
        return found
    scores = np.zeros(size)
    mask = np.zeros(size, dtype=bool)
    scores[found.ids] = found.scores
    mask[found.ids] = True
    return Dense(scores, mask)
