"""Rep search as the CLI and the server use it: index a KB, answer a query (SPEC §7)."""

from __future__ import annotations

import copy
import functools
import logging
import os
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbsite.knowledge import KnowledgeBase
from kbsite.markdown.cache import ModelCache
from kbsite.markdown.model import Rendering
from kbsite.project import CACHE_DIR, Project
from kbsite.reading.schema import ID_PATTERN
from kbsite.review import states as review_states
from kbsite.search import engine, passages, results
from kbsite.search.analysis import heading_text, light_stemmer, terms
from kbsite.search.engine import lookup
from kbsite.search.query import SynonymTable, pairs_of, stemmer_for_pairs
from kbsite.search.query import plan as query_plan
from kbsite.search.scripts import language_of_query
from kbsite.search.synonyms import load_synonyms
from kbsite.search.versions import (
    AsOfError,
    content_fields,
    derived_fields,
    parse_as_of,
    signature,
)
from kbsite.settings import PAGE_TYPES
from kbsite.sites import languages as i18n
from kbsite.versions import Versions

log = logging.getLogger("kbsite.search")
INDEX_DIR = ".kb/index"
#: Changes when documents are made differently from the same page (forces re-indexing).
DOCUMENT_FORMAT = 3
MAX_LIMIT = 100


class QueryError(ValueError):
    """A filter the index cannot answer (unknown language or type, bad limit): HTTP 400."""


def index_dir(project: Project) -> Path:
    return project.root / INDEX_DIR


def page_url(page: Any, default_language: str) -> str:
    """The page's URL relative to the rep site root (kept in one place on purpose)."""
    prefix = "" if page.lang == default_language else f"{page.lang}/"
    return prefix + i18n.url_of(i18n.source_uri(page))


def indexable(kb: KnowledgeBase) -> list[Any]:
    """Active and retired pages: drafts and pages with errors are never indexed. Retired
    versions are found only by searches as of a date (``lookup.scope``)."""
    return [
        page
        for page in kb.pages
        if page.parsed and not page.has_errors and page.meta.status in ("active", "retired")
    ]


def document(page: Any, state: str, default_language: str, rendering: Rendering) -> dict[str, Any]:
    """The index document of one page in its language, from its page model: text of
    ``!!! internal`` blocks goes to fields of its own, which public searches never read."""
    stem = engine.stemmer(page.lang)
    meta = page.meta
    headings = page.outline.headings if page.outline else ()
    public = rendering.text(public=True)
    internal = "\n".join(
        [h.text for h in headings if h.internal]
        + [s.text for s in rendering.sections if s.internal]
    )
    title = f"{meta.title} {' '.join(meta.tags)}"
    light = light_stemmer(page.lang)
    reduce = stemmer_for_pairs(page.lang, stem)
    public_headings = " ".join(h.text for h in headings if not h.internal)
    summary = heading_text(public_headings, meta.answer)
    return {
        "key": page.path,
        "id": meta.id or "",
        "lang": page.lang,
        "type": meta.type,
        "audience": meta.audience,
        "state": state,
        "owner": meta.owner or "",
        "products": ",".join(meta.products),
        "tags": ",".join(meta.tags),
        "title": meta.title or page.path,
        "url": page_url(page, default_language),
        "digest": f"{page.digest}:{DOCUMENT_FORMAT}",
        # Words as written (folded); stems are matched at query time (``query``, ``ranking``).
        "title_terms": " ".join(terms(title, light=light, mark_parts=True)),
        "heading_terms": " ".join(terms(summary, light=light, mark_parts=True)),
        "body_terms": " ".join(terms(public, light=light, mark_parts=True)),
        "internal_terms": " ".join(terms(internal, light=light, mark_parts=True)),
        "pair_terms": " ".join(
            pairs_of(title, page.lang, reduce) + pairs_of(public_headings, page.lang, reduce)
        ),
    }


def build(
    project: Project, kb: KnowledgeBase, states: Mapping[str, str], full: bool = False
) -> dict[str, int]:
    """Full rebuild (swapped in atomically), or an update of the pages whose content digest or
    staleness state changed; only those are analysed again. Call it holding the index lock
    (``kbsite.cli.search.refresh_index`` does); IndexWriteError when the disk refuses."""
    target = index_dir(project)
    default = project.settings.default_language
    pages = indexable(kb)
    engine.clean_leftovers(target)
    models = kb.models or ModelCache(project.markdown, project.root / CACHE_DIR)
    # What other pages and the day decide of a page (its version period, ...): see `versions`.
    versions = Versions(kb.pages)
    derived = {p.path: derived_fields(p, versions, kb.today) for p in pages}
    signatures = {p.path: f"{signature(p, derived[p.path])}:{DOCUMENT_FORMAT}" for p in pages}

    def documents(chosen: list[Any]) -> Iterator[dict[str, Any]]:
        for page in chosen:
            rendering = models.rendering(page.body)
            doc = document(page, states.get(page.path, "ok"), default, rendering)
            doc.update(derived[page.path], **content_fields(page, rendering))
            doc["digest"] = signatures[page.path]
            yield doc

    try:
        if full or not engine.exists(target) or lookup.outdated(target):
            return {
                "indexed": engine.write_full(target, documents(pages)),
                "updated": 0,
                "deleted": 0,
            }
        stored = engine.stored_versions(target)
        changed = [
            p for p in pages if stored.get(p.path) != (signatures[p.path], states.get(p.path, "ok"))
        ]
        gone = stored.keys() - {p.path for p in pages}
        updated, deleted = engine.write_changes(target, documents(changed), gone, stored)
        return {"indexed": 0, "updated": updated, "deleted": deleted}
    finally:
        models.save()


@dataclass
class Searcher:
    """An open index with the project's languages and synonyms; safe to reuse per request."""

    project: Project
    cache_size: int = 2048
    engine: engine.Engine = field(init=False)
    synonyms: dict[str, list[list[str]]] = field(init=False)
    synonym_table: SynonymTable = field(init=False)
    _cache: OrderedDict[tuple[Any, ...], tuple[engine.Generation, dict[str, Any]]] = field(
        init=False
    )

    def __post_init__(self) -> None:
        self.engine = engine.Engine(index_dir(self.project))
        self.synonyms = load_synonyms(self.project)
        self.synonym_table = SynonymTable(self.synonyms)
        self._cache = OrderedDict()
        if os.environ.get("KB_SEARCH_CACHE") == "0":
            self.cache_size = 0

    def search(self, query: str, **filters: Any) -> dict[str, Any]:
        """The SPEC §7 answer for ``query``; ``filters`` are those of ``_key`` (lang,
        page_type, audience, limit, product, tag, as_of, prefer). Raises QueryError for bad
        ones. Paths are relative: ``results.place_links`` makes them links."""
        key = self._key(query, **filters)
        if self.engine.refresh():
            self._cache.clear()  # a new index generation: earlier answers are stale
        generation = self.engine.generation
        found = self._cache.get(key)
        if found is not None and found[0] == generation:
            self._cache.move_to_end(key)
            return copy.deepcopy(found[1])
        data = self._search(*key)
        if self.cache_size:
            self._cache[key] = (generation, copy.deepcopy(data))
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return data

    def warm(self) -> Iterator[int]:
        """Read the index ahead (``Engine.warm``), after what the first result's passage
        needs (its word pattern, built on first use)."""
        passages.prepare()
        yield from self.engine.warm(languages=self.project.settings.languages)

    def cached(self, query: str, **filters: Any) -> dict[str, Any] | None:
        """The cached answer if it was computed from the newest index on disk, without
        searching: the server answers repeated queries from here (on its event loop) while a
        new one runs in its search thread. Each answer carries the generation it came from,
        so one computed from an older index is never served, whatever the search thread is
        doing meanwhile. Raises QueryError for bad parameters, like ``search``."""
        key = self._key(query, **filters)
        found = self._cache.get(key) if self.cache_size else None
        if found is None or found[0] != self.engine.latest():
            return None
        return copy.deepcopy(found[1])

    def _key(
        self,
        query: str,
        *,
        lang: str | None = None,
        page_type: str | None = None,
        audience: str = "internal",
        limit: int = 10,
        product: str | None = None,
        tag: str | None = None,
        as_of: str | None = None,
        prefer: str | None = None,
    ) -> tuple[Any, ...]:
        """Check the parameters; the normalised query and filters, which key the cache.
        ``as_of``: a day (search the versions in effect then); ``prefer``: the rep's
        language, in which a page's result is shown when that translation matched."""
        settings = self.project.settings
        if lang is not None and lang not in settings.languages:
            raise QueryError(f"unknown language `{lang}`; use one of {list(settings.languages)}")
        if prefer is not None and prefer not in settings.languages:
            raise QueryError(f"unknown language `{prefer}`; use one of {list(settings.languages)}")
        try:
            as_of = parse_as_of(as_of)
        except AsOfError as exc:
            raise QueryError(str(exc)) from None
        if page_type is not None and page_type not in PAGE_TYPES:
            raise QueryError(f"unknown type `{page_type}`; use one of {list(PAGE_TYPES)}")
        if audience not in ("public", "internal"):
            raise QueryError("audience must be `public` or `internal`")
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
        query = unicodedata.normalize("NFC", query.replace("\x00", " "))[:2000]
        return (query, lang, page_type, audience, limit, product, tag, as_of, prefer)

    def _search(
        self,
        query: str,
        lang: str | None,
        page_type: str | None,
        audience: str,
        limit: int,
        product: str | None,
        tag: str | None,
        as_of: str | None = None,
        prefer: str | None = None,
    ) -> dict[str, Any]:
        settings = self.project.settings
        # A query in a script only one configured language uses searches that language.
        detected = None if lang else language_of_query(query, settings.languages)
        lang = lang or detected
        scope = lookup.scope(self.engine, audience, as_of)
        filters = lookup.combine(engine.filters(lang, page_type, audience, product, tag), scope)
        langs = [lang] if lang else list(settings.languages)
        stemmers = {lang_: engine.stemmer(lang_) for lang_ in langs}
        # An id names its page: no need to search the text for it too.
        hits = {h.docnum: h.score for h in self._exact_id(query, filters, as_of)}
        total = len(hits)
        searched: set[str] = set()  # single index words looked for, to mark in snippets
        scoped: frozenset[str] = frozenset()  # those only for languages without a stemmer
        phrases: frozenset[tuple[str, ...]] = frozenset()  # marked only as a whole
        planned = query_plan(query, stemmers, self.synonym_table)
        # Text of `!!! internal` blocks is matched for reps only, never for customers.
        public = audience == "public"
        fields = engine.TEXT_FIELDS if public else engine.TEXT_FIELDS + engine.INTERNAL_FIELDS
        if not hits and not planned.empty:
            fetch = results.fetch_size(limit, len(langs))
            found = self.engine.rank(planned, filters, fetch, review_states.weight, fields)
            hits = {hit.docnum: hit.score for hit in found.hits}
            total, searched, phrases = found.total, found.words, found.phrases
            scoped = found.scoped
        ranked = [(score, docnum) for docnum, score in hits.items()]
        found_results = results.assemble(
            self.engine,
            ranked,
            # per result language (its function words are not marked), made once each
            functools.cache(
                functools.partial(
                    results.highlighter, query, stemmers, searched, phrases, scoped=scoped
                )
            ),
            limit=limit,
            prefer=prefer or lang or settings.default_language,
            default=settings.default_language,
            languages=settings.languages,
            translations_filter=lookup.combine(engine.filters(None, None, audience), scope),
            as_of=as_of,
            audience=audience,
        )
        data = {"query": query, "total": total, "results": found_results}
        if detected:
            data["detected_lang"] = detected
        if as_of:
            data["as_of"] = as_of
        return data

    def _exact_id(self, query: str, filters: Any, as_of: str | None = None) -> list[engine.Hit]:
        candidate = query.strip().upper()
        if not ID_PATTERN.match(candidate):
            return []
        default = self.project.settings.default_language
        langs = self.engine.values("lang")
        found = self.engine.by_id(candidate, filters)
        if not found and as_of:  # as of a day, an id names its chain: the version then
            found = lookup.same_chain(self.engine, candidate, filters)
        return sorted(found, key=lambda h: langs[h.docnum] != default)
