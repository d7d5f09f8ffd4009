"""The Whoosh index of rep search: the only module that imports Whoosh.

Documents hold pre-analyzed term streams (see ``analysis``), so every language's rules live in
plain Python and Whoosh stores, scores and filters. Queries are built as query objects from our
own tokens, never through Whoosh's query parser, so no user input is ever a syntax error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, SchemaClass
from whoosh.lang import has_stemmer, stemmer_for_language

from kbsite.search.analysis import Stemmer

_TERMS = SpaceSeparatedTokenizer()


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


TEXT_FIELDS = ("title_terms", "heading_terms", "body_terms")


def stemmer(lang: str) -> Stemmer | None:
    """The Snowball stemmer Whoosh has for a language, or None (e.g. te, lv, tl)."""
    return stemmer_for_language(lang) if has_stemmer(lang) else None


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
        with ix.writer(limitmb=256, procs=1) as writer:
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


def write_changes(index_dir: Path, documents: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Update only documents whose digest or state changed, delete vanished ones.

    Returns (updated, deleted)."""
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            current = {
                f["key"]: (f.get("digest"), f.get("state")) for f in searcher.all_stored_fields()
            }
        updated = deleted = 0
        seen: set[str] = set()
        with ix.writer(timeout=10.0) as writer:
            for doc in documents:
                seen.add(doc["key"])
                if current.get(doc["key"]) != (doc["digest"], doc["state"]):
                    writer.update_document(**doc)
                    updated += 1
            for key in current.keys() - seen:
                writer.delete_by_term("key", key)
                deleted += 1
    finally:
        ix.close()
    return updated, deleted


@dataclass(frozen=True)
class Hit:
    fields: dict[str, Any]
    score: float


class Engine:
    """An open index; `refresh` picks up a new generation or a swapped-in rebuild cheaply."""

    def __init__(self, index_dir: Path) -> None:
        if not exists(index_dir):
            raise IndexMissing(f"no search index at {index_dir}: run `kb build` (or `kb index`)")
        self.index_dir = index_dir
        self._open()

    def _open(self) -> None:
        self._ix = whoosh_index.open_dir(str(self.index_dir))
        self._searcher = self._ix.searcher()
        self._inode = self.index_dir.stat().st_ino

    def refresh(self) -> None:
        try:
            inode = self.index_dir.stat().st_ino
        except FileNotFoundError:  # mid-swap: keep serving the open generation
            return
        if inode != self._inode:
            old = self._searcher
            self._open()
            old.close()
        elif not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    @property
    def doc_count(self) -> int:
        return self._searcher.doc_count()

    def by_id(self, page_id: str, filters: Q.Query | None) -> list[Hit]:
        results = self._searcher.search(Q.Term("id", page_id), filter=filters, limit=None)
        return [Hit(dict(r), 1e6) for r in results]

    def run(self, query: Q.Query, filters: Q.Query | None, limit: int) -> tuple[list[Hit], int]:
        results = self._searcher.search(query, filter=filters, limit=limit)
        return [Hit(dict(r), r.score) for r in results], len(results)


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


def word_query(
    stems: set[str], word: str, *, prefix: bool, fuzzy: bool, synonyms: list[list[str]]
) -> Q.Query:
    """Alternatives for one query word over every text field."""
    alternatives: list[Q.Query] = []
    for field in TEXT_FIELDS:
        alternatives += [Q.Term(field, stem) for stem in stems]
        if prefix and len(word) >= 3:
            alternatives.append(Q.Prefix(field, word, boost=0.7))
        if fuzzy and len(word) >= 5:
            distance = 2 if len(word) >= 7 else 1
            alternatives += [
                Q.FuzzyTerm(field, stem, boost=0.5, maxdist=distance, prefixlength=1)
                for stem in stems
            ]
        for synonym in synonyms:
            if len(synonym) == 1:
                alternatives.append(Q.Term(field, synonym[0], boost=0.8))
            else:
                alternatives.append(Q.Phrase(field, synonym, boost=0.8))
    return Q.Or(alternatives)


def phrase_query(terms: list[str]) -> Q.Query:
    return Q.Or([Q.Phrase(field, terms) for field in TEXT_FIELDS])


def combine(parts: list[Q.Query], every: bool) -> Q.Query:
    return Q.And(parts) if every else Q.Or(parts)


RankKey = Callable[[Hit], float]
