"""The words of the index, for prefix and typo queries.

Whoosh expands a typo query by computing, in Python, the edit distance from the query word to
every indexed word sharing its first letter: ~10 ms per word and field at 10,000 pages. Here
each segment's words are read once per field and first letter (a segment never changes) and
compared by RapidFuzz's compiled optimal-string-alignment distance, which is the distance
Whoosh uses (``whoosh.support.levenshtein.damerau_levenshtein``), so the same words come out.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

Leaf = tuple[Any, str]  # (segment reader, segment id)


class Vocabulary:
    """Sorted words per (segment, field, leading letters), read on first use."""

    def __init__(self) -> None:
        self._words: dict[tuple[str, str, str], tuple[str, ...]] = {}
        self._stems: dict[tuple[str, str, str], dict[str, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def _bucket(self, leaf: Any, segment: str, field: str, lead: str) -> tuple[str, ...]:
        key = (segment, field, lead)
        found = self._words.get(key)
        if found is None:
            decode = leaf.schema[field].from_bytes
            found = tuple(sorted(decode(b) for b in leaf.expand_prefix(field, lead)))
            with self._lock:
                self._words[key] = found
        return found

    def fill(self, segment: str, field: str, lead: str, words: list[str]) -> None:
        """Set the words of one (segment, field, first letter), read ahead of use."""
        with self._lock:
            self._words.setdefault((segment, field, lead), tuple(sorted(words)))

    def within(
        self, leaves: Iterable[Leaf], field: str, text: str, maxdist: int, prefixlength: int
    ) -> set[str]:
        """Words within ``maxdist`` edits of ``text`` sharing its first ``prefixlength``
        letters (``whoosh.reading.IndexReader.terms_within``)."""
        out: set[str] = set()
        for leaf, segment in leaves:
            bucket = self._bucket(leaf, segment, field, text[:prefixlength])
            matches = process.extract(
                text, bucket, scorer=OSA.distance, score_cutoff=maxdist, limit=None
            )
            out.update(word for word, _distance, _index in matches)
        return out

    def starting(self, leaves: Iterable[Leaf], field: str, prefix: str) -> set[str]:
        """Words that start with ``prefix`` (``IndexReader.expand_prefix``)."""
        out: set[str] = set()
        for leaf, segment in leaves:
            bucket = self._bucket(leaf, segment, field, prefix[:1])
            start = bisect.bisect_left(bucket, prefix)
            for word in bucket[start:]:
                if not word.startswith(prefix):
                    break
                out.add(word)
        return out

    def same_stem(
        self, leaves: Iterable[Leaf], field: str, lang: str, stemmer: Any, stem: str
    ) -> set[str]:
        """Words beginning with ``stem`` less its last letter whose ``stemmer`` stem is
        ``stem``. (A Snowball stem is its word's beginning but for its last letter, as in
        ``happi`` for ``happy`` or ``hope`` for ``hoping``; the few irregular English words
        it rewrites whole, such as ``dying``, are not found from another form.)"""
        out: set[str] = set()
        head = stem[: max(len(stem) - 1, 2)]
        for leaf, segment in leaves:
            same = self._by_stem(leaf, segment, field, lang, stemmer).get(stem, ())
            out.update(word for word in same if word.startswith(head))
        return out

    def _by_stem(
        self, leaf: Any, segment: str, field: str, lang: str, stemmer: Any
    ) -> dict[str, tuple[str, ...]]:
        """The words of a segment's field grouped by their ``stemmer`` stem (``group``)."""
        found = self._stems.get((segment, field, lang))
        if found is None:
            for _ in self.group(leaf, segment, field, lang, stemmer):
                pass
            found = self._stems[segment, field, lang]
        return found

    def group(
        self, leaf: Any, segment: str, field: str, lang: str, stemmer: Any, step: int = 5_000
    ) -> Iterator[int]:
        """Group the words of a segment's field by their ``stemmer`` stem, once (every word
        stemmed once: ~0.1 s for 50,000 words), yielding after every ``step`` words: a short
        stem would otherwise have its thousands of words that begin alike stemmed again and
        again."""
        key = (segment, field, lang)
        if key in self._stems:
            return
        decode = leaf.schema[field].from_bytes
        grouped: dict[str, list[str]] = {}
        for count, btext in enumerate(leaf.lexicon(field), 1):
            word = decode(btext)
            grouped.setdefault(stemmer(word), []).append(word)
            if count % step == 0:
                yield count
        with self._lock:
            self._stems.setdefault(key, {stem: tuple(words) for stem, words in grouped.items()})

    def forget(self, live_segments: set[str]) -> None:
        """Drop the words of segments the index no longer has (after a merge)."""
        with self._lock:
            for key in [k for k in self._words if k[0] not in live_segments]:
                del self._words[key]
            for key in [k for k in self._stems if k[0] not in live_segments]:
                del self._stems[key]
