"""The Whoosh index of rep search: the only package that imports Whoosh.

Documents hold pre-analyzed term streams (see ``analysis``), so every language's rules live in
plain Python; Whoosh stores the index, expands prefixes and typos, and defines the scores, which
``vectors`` computes for a whole query at once. Queries are built as query objects from our own
tokens, never through Whoosh's query parser, so no user input is ever a syntax error.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, SchemaClass
from whoosh.lang import has_stemmer, stemmer_for_language

from kbsite.search.analysis import Stemmer
from kbsite.search.engine.vectors import PostingsCache, Vectors
from kbsite.search.engine.vocabulary import Vocabulary

_TERMS = SpaceSeparatedTokenizer()

# Whoosh's automatic choice preloads every posting of an `Or` and scores every match when a
# segment holds ≤5,000 documents (our 2-process writer makes two such segments at 10,000
# pages). The binary tree of union matchers gives the same scores and lets the top-N collector
# skip posting blocks that cannot reach the top: ~25 % less time per query at 10,000 pages.
# A class setting, so it also reaches the `Or` that prefix and typo queries expand into.
Q.Or.matcher_type = Q.Or.DEFAULT_MATCHER


class KBSchema(SchemaClass):
    key = ID(unique=True, stored=True)  # project path of the page
    id = ID(stored=True)
    lang = ID(stored=True)
    type = ID(stored=True)
    audience = ID(stored=True)
    state = ID(stored=True)
    owner = ID(stored=True)
    products = KEYWORD(stored=True, commas=True, lowercase=True)
    tags = KEYWORD(stored=True, commas=True, lowercase=True)
    title = STORED()
    url = STORED()
    body = STORED()  # plain text for snippets
    digest = STORED()
    title_terms = TEXT(analyzer=_TERMS, field_boost=4.0)
    heading_terms = TEXT(analyzer=_TERMS, field_boost=2.0)
    body_terms = TEXT(analyzer=_TERMS)
    # The rep's desk (search/results.py, engine/lookup.py): versions in effect on a day, links.
    status = ID(stored=True)  # active, or retired (found only when searching as of a date)
    start = ID(stored=True)  # first day in effect (ISO); lookup.ALWAYS without one
    end = ID(stored=True)  # last day in effect (ISO); lookup.STILL while it applies
    chain = ID(stored=True)  # one name for a chain of versions (kbsite.versions)
    help_center = ID(stored=True)  # "yes" when the help center shows the page
    current_id = STORED()  # the version of the chain in effect on the index's day
    answer = STORED()  # the `answer` front matter field
    sections = STORED()  # [(heading, plain text)]: the passage a result shows
    archive = STORED()  # a retired version's Markdown, which no site shows


TEXT_FIELDS = ("title_terms", "heading_terms", "body_terms")


@functools.cache
def stemmer(lang: str) -> Stemmer | None:
    """The Snowball stemmer Whoosh has for a language (memoised: a KB repeats its words), or
    None for languages without one (te, lv, tl)."""
    if not has_stemmer(lang):
        return None
    return functools.lru_cache(maxsize=200_000)(stemmer_for_language(lang))


class IndexMissing(Exception):
    """There is no index yet; `kb build` or `kb index` makes one."""


def exists(index_dir: Path) -> bool:
    return index_dir.is_dir() and whoosh_index.exists_in(str(index_dir))


def write_full(index_dir: Path, documents: Iterable[dict[str, Any]]) -> int:
    """Build a new index beside the old one, then swap it in (the server never sees half)."""
    staging = index_dir.with_name(f"{index_dir.name}.new-{os.getpid()}")
    old = index_dir.with_name(f"{index_dir.name}.old-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    count = 0
    try:
        ix = whoosh_index.create_in(str(staging), KBSchema())
        with ix.writer(limitmb=256, procs=min(2, os.cpu_count() or 1), multisegment=True) as writer:
            for doc in documents:
                writer.add_document(**doc)
                count += 1
        ix.close()
        if index_dir.exists():
            index_dir.rename(old)
        staging.rename(index_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return count


def stored_versions(index_dir: Path) -> dict[str, tuple[Any, Any]]:
    """Each indexed page's (digest, state), to find what an update must rewrite."""
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            return {
                f["key"]: (f.get("digest"), f.get("state")) for f in searcher.all_stored_fields()
            }
    finally:
        ix.close()


def write_changes(
    index_dir: Path, changed: Iterable[dict[str, Any]], deleted: Iterable[str]
) -> tuple[int, int]:
    """Rewrite changed documents and delete vanished ones; returns (updated, deleted)."""
    ix = whoosh_index.open_dir(str(index_dir))
    updated = removed = 0
    try:
        with ix.writer(timeout=10.0) as writer:
            for doc in changed:
                writer.update_document(**doc)
                updated += 1
            for key in deleted:
                writer.delete_by_term("key", key)
                removed += 1
    finally:
        ix.close()
    return updated, removed


@dataclass(frozen=True)
class Hit:
    docnum: int  # valid within the index generation that found it
    score: float


class Found(NamedTuple):
    hits: list[Hit]  # best first
    total: int  # every match
    words: set[str]  # the single index words searched for, prefixes and typos expanded
    #: the phrases searched for, as index words (never marked word by word)
    phrases: frozenset[tuple[str, ...]] = frozenset()


class Engine:
    """An open index; `refresh` picks up a new generation or a swapped-in rebuild cheaply."""

    def __init__(self, index_dir: Path) -> None:
        if not exists(index_dir):
            raise IndexMissing(f"no search index at {index_dir}: run `kb build` (or `kb index`)")
        self.index_dir = index_dir
        self._postings = PostingsCache()
        self._vocabulary = Vocabulary()
        self.cold = True  # nothing read ahead yet (see `warm`)
        self._open()

    def _open(self) -> None:
        self._ix = whoosh_index.open_dir(str(self.index_dir))
        self._inode = self.index_dir.stat().st_ino
        self._use(self._ix.searcher())

    def _use(self, searcher: Any) -> None:
        self._searcher = searcher
        self._vectors = Vectors(searcher, self._postings)
        self._vocabulary.forget({segment for _, segment in self._vectors.leaves})
        self._allowed: dict[Q.Query, Any] = {}

    def refresh(self) -> bool:
        """Pick up a newer index; True when the searcher changed."""
        try:
            inode = self.index_dir.stat().st_ino
        except FileNotFoundError:  # mid-swap: keep serving the open generation
            return False
        if inode != self._inode:
            self._postings = PostingsCache()  # another index: no segment in common
            self._vocabulary = Vocabulary()
            self.cold = True
            self._reopen()
            return True
        if not self._searcher.up_to_date():
            if self._vectors.leaves:
                self._use(self._searcher.refresh())
            else:  # Whoosh cannot refresh a searcher of an index without pages
                self._reopen()
            return True
        return False

    def _reopen(self) -> None:
        old, old_ix = self._searcher, self._ix
        self._open()
        old.close()
        old_ix.close()

    def warm(self, min_pages: int = 2, step: float = 0.02) -> Iterator[int]:
        """Read ahead what queries will need: each segment's words of every text field (for
        typo and prefix queries) and the postings of those in at least ``min_pages`` of its
        pages (a word's first use costs ~0.2 ms, more for common words). Yields the number of
        words read after each ``step`` seconds of work, so a server can answer searches in
        between; stops when the index changes meanwhile."""
        searcher, done, since = self._searcher, 0, time.perf_counter()
        self.cold = False
        for leaf, segment in self._vectors.leaves:
            for field in TEXT_FIELDS:
                decode = leaf.schema[field].from_bytes
                by_lead: dict[str, list[str]] = {}
                for btext, info in leaf.iter_field(field):
                    word = decode(btext)
                    by_lead.setdefault(word[:1], []).append(word)
                    if info.doc_frequency() >= min_pages:
                        self._postings.postings(leaf, segment, field, btext)
                    done += 1
                    if time.perf_counter() - since >= step:
                        yield done
                        if self._searcher is not searcher:
                            self.cold = True  # not finished: read ahead again
                            return
                        since = time.perf_counter()
                for lead, words in by_lead.items():
                    self._vocabulary.fill(segment, field, lead, words)

    def current(self) -> bool:
        """Whether the open searcher still reads the newest index (changes nothing)."""
        try:
            return self.index_dir.stat().st_ino == self._inode and self._searcher.up_to_date()
        except Exception:  # mid-swap, or the search thread is reopening: ask it to search
            return False

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    @property
    def doc_count(self) -> int:
        return self._searcher.doc_count()

    def stored(self, docnum: int) -> dict[str, Any]:
        """The stored fields of a document found in this generation."""
        return dict(self._searcher.stored_fields(docnum))

    def values(self, field: str) -> Any:
        """Every document's value of a single-valued ID field, indexed by document number."""
        return self._vectors.values(field)

    def by_id(self, page_id: str, filters: Q.Query | None) -> list[Hit]:
        results = self._searcher.search(Q.Term("id", page_id), filter=filters, limit=None)
        return [Hit(r.docnum, 1e6) for r in results]

    def run(self, query: Q.Query, filters: Q.Query | None, limit: int) -> Found:
        """The best ``limit`` hits (Whoosh's BM25F scores and order) and how many match.

        Prefix and typo queries are expanded into their words once, here: left to Whoosh,
        each would walk the term dictionary three times (to size, to match, to count)."""
        query = _expanded(query, self._words)
        found, total = self._vectors.top(query, self._allowed_by(filters), limit)
        return Found(
            [Hit(docnum, score) for docnum, score in found],
            total,
            _words_in(query),
            frozenset(_phrases_in(query)),
        )

    def run_by_whoosh(self, query: Q.Query, filters: Q.Query | None, limit: int) -> list[Hit]:
        """The same search by Whoosh, every match scored by its own matchers: the reference
        ``run`` is tested against. (Whoosh's top-N collector drops the weaker words of an
        ``Or`` once they cannot lift a page into the top N on their own, which under-scores
        some pages: an approximation ``run`` does not make.)"""
        query = _expanded(query, self._whoosh_words)
        results = self._searcher.search(query, filter=filters, limit=None)
        ranked = sorted((-r.score, r.docnum) for r in results)
        return [Hit(docnum, -score) for score, docnum in ranked[:limit]]

    def _allowed_by(self, filters: Q.Query | None) -> Any:
        if filters is None:
            return None
        if filters not in self._allowed:
            if len(self._allowed) >= 256:  # products and tags are free text: stay bounded
                self._allowed.clear()
            mask = self._vectors.matching(filters)
            self._allowed[filters] = mask if mask is not None else np.zeros_like(self._vectors.live)
        return self._allowed[filters]

    def _words(self, query: Q.MultiTerm) -> Iterable[str]:
        """The words a prefix or typo query stands for, from the vocabulary cache."""
        leaves = self._vectors.leaves
        if type(query) is Q.FuzzyTerm:
            return self._vocabulary.within(
                leaves, query.fieldname, query.text, query.maxdist, query.prefixlength
            )
        if type(query) is Q.Prefix:
            return self._vocabulary.starting(leaves, query.fieldname, query.text)
        return self._whoosh_words(query)

    def _whoosh_words(self, query: Q.MultiTerm) -> Iterable[str]:
        """The words as Whoosh expands them itself (slower; other multi-term queries)."""
        words = query._btexts(self._searcher.reader())
        return (w if isinstance(w, str) else w.decode("utf-8") for w in words)


def _expanded(query: Q.Query, words_of: Callable[[Q.MultiTerm], Iterable[str]]) -> Q.Query:
    """``query`` with each prefix or typo query replaced by the words it stands for, scored as
    Whoosh scores several words (a constant ``boost`` per match) and, for a single word, as
    that word times ``boost`` (Whoosh's own expansion drops the boost there)."""
    if isinstance(query, Q.MultiTerm):
        field = query.field()
        words = sorted({w for w in words_of(query) if w})
        if not words:
            return Q.NullQuery
        if len(words) == 1:
            return Q.Term(field, words[0], boost=query.boost)
        union = Q.Or([Q.Term(field, w) for w in words])
        return Q.ConstantScoreQuery(union, score=query.boost) if query.constantscore else union
    if isinstance(query, Q.CompoundQuery):
        return query.__class__(
            [_expanded(q, words_of) for q in query.subqueries], boost=query.boost
        )
    return query


def _words_in(query: Q.Query) -> set[str]:
    """The words of the single terms of an (expanded) query (not those of its phrases)."""
    if isinstance(query, Q.Term):
        return {query.text}
    if isinstance(query, Q.CompoundQuery | Q.WrappingQuery):
        return set().union(*(_words_in(q) for q in query.children()))
    return set()


def _phrases_in(query: Q.Query) -> set[tuple[str, ...]]:
    """The phrases of a query, as sequences of index words."""
    if isinstance(query, Q.Phrase):
        return {tuple(query.words)}
    if isinstance(query, Q.CompoundQuery | Q.WrappingQuery):
        return set().union(*(_phrases_in(q) for q in query.children()))
    return set()


def filters(
    lang: str | None,
    page_type: str | None,
    audience: str,
    product: str | None = None,
    tag: str | None = None,
) -> Q.Query | None:
    parts: list[Q.Query] = []
    if lang:
        parts.append(Q.Term("lang", lang))
    if page_type:
        parts.append(Q.Term("type", page_type))
    if audience == "public":
        parts.append(Q.Term("audience", "public"))
    if product:
        parts.append(Q.Term("products", product.lower()))
    if tag:
        parts.append(Q.Term("tags", tag.lower()))
    return Q.And(parts) if parts else None


def exact(stems: set[str], synonyms: list[list[str]]) -> list[Q.Query]:
    """One query word as its stems (per language) and its synonyms, in every text field."""
    out: list[Q.Query] = []
    for field in TEXT_FIELDS:
        out += [Q.Term(field, stem) for stem in stems]
        for synonym in synonyms:
            term = Q.Term(field, synonym[0]) if len(synonym) == 1 else Q.Phrase(field, synonym)
            term.boost = 0.8
            out.append(term)
    return out


def prefix(word: str) -> list[Q.Query]:
    """Words starting with ``word``: inflected forms in languages without a stemmer."""
    return [Q.Prefix(field, word, boost=0.7) for field in TEXT_FIELDS] if len(word) >= 3 else []


def fuzzy(stems: set[str], word: str) -> list[Q.Query]:
    """Typo tolerance: edit distance 1 from 5 letters, 2 from 6 (a swap costs two)."""
    if len(word) < 5:
        return []
    distance = 2 if len(word) >= 6 else 1
    return [
        Q.FuzzyTerm(field, stem, boost=0.5, maxdist=distance, prefixlength=1)
        for field in TEXT_FIELDS
        for stem in stems
    ]


def phrase_query(terms: list[str]) -> Q.Query:
    return Q.Or([Q.Phrase(field, terms) for field in TEXT_FIELDS])


def all_of(words: list[list[Q.Query]], phrases: list[Q.Query]) -> Q.Query:
    """Every word (any of its alternatives) and every phrase."""
    return Q.And([Q.Or(alternatives) for alternatives in words] + phrases)


def any_of(words: list[list[Q.Query]], phrases: list[Q.Query]) -> Q.Query:
    """Any word or phrase: the last resort for long queries."""
    return Q.Or([Q.Or(alternatives) for alternatives in words] + phrases)
