"""Rep search as the CLI and the server use it: index a KB, answer a query (SPEC §7)."""

from __future__ import annotations

import copy
import os
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from kbsite.knowledge import KnowledgeBase
from kbsite.markdown.scan import scan
from kbsite.project import Project
from kbsite.reading.schema import ID_PATTERN
from kbsite.reading.yamlload import load_lenient
from kbsite.review import states as review_states
from kbsite.search import engine, results
from kbsite.search.analysis import fold, plain_text, terms, words
from kbsite.search.engine import lookup
from kbsite.search.scripts import language_of_query
from kbsite.search.versions import AsOfError, content_fields, derived_fields, parse_as_of, signature
from kbsite.settings import PAGE_TYPES
from kbsite.sites import languages as i18n
from kbsite.versions import Versions

INDEX_DIR = ".kb/index"
MAX_WORDS = 32
MAX_LIMIT = 100
_PHRASE = regex.compile(r'"([^"]+)"')


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


def document(page: Any, state: str, default_language: str) -> dict[str, Any]:
    """The index document of one page in its language."""
    stem = engine.stemmer(page.lang)
    meta = page.meta
    headings = " ".join(text for _, text, _ in scan(page.body).headings)
    body = plain_text(page.body)
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
        "body": body[:20000],
        "digest": page.digest,
        "title_terms": " ".join(terms(f"{meta.title} {' '.join(meta.tags)}", stem)),
        "heading_terms": " ".join(terms(headings, stem)),
        "body_terms": " ".join(terms(body, stem)),
    }


def build(
    project: Project, kb: KnowledgeBase, states: Mapping[str, str], full: bool = False
) -> dict[str, int]:
    """Full rebuild (swapped in atomically), or an update of the pages whose content digest or
    staleness state changed; only those are analysed again."""
    target = index_dir(project)
    default = project.settings.default_language
    pages = indexable(kb)
    # What other pages and the day decide of a page (its version period, ...): see `versions`.
    versions = Versions(kb.pages)
    derived = {p.path: derived_fields(p, versions, kb.today) for p in pages}
    signatures = {p.path: signature(p, derived[p.path]) for p in pages}

    def full_document(page: Any) -> dict[str, Any]:
        doc = document(page, states.get(page.path, "ok"), default)
        doc.update(derived[page.path], **content_fields(page), digest=signatures[page.path])
        return doc

    if full or not engine.exists(target) or lookup.outdated(target):
        docs = (full_document(p) for p in pages)
        return {"indexed": engine.write_full(target, docs), "updated": 0, "deleted": 0}
    stored = engine.stored_versions(target)
    changed = [
        p for p in pages if stored.get(p.path) != (signatures[p.path], states.get(p.path, "ok"))
    ]
    gone = stored.keys() - {p.path for p in pages}
    updated, deleted = engine.write_changes(target, (full_document(p) for p in changed), gone)
    return {"indexed": 0, "updated": updated, "deleted": deleted}


def load_synonyms(project: Project) -> dict[str, list[list[str]]]:
    """``synonyms.yml``: per language, groups of equivalent terms (folded)."""
    path = project.synonyms_file
    if not path.is_file():
        return {}
    data = load_lenient(path.read_text(encoding="utf-8")) or {}
    groups: dict[str, list[list[str]]] = {}
    for lang, entries in data.items() if isinstance(data, dict) else []:
        for group in entries or []:
            if isinstance(group, list):
                groups.setdefault(str(lang), []).append([fold(str(t)) for t in group])
    return groups


@dataclass
class Searcher:
    """An open index with the project's languages and synonyms; safe to reuse per request."""

    project: Project
    cache_size: int = 2048
    engine: engine.Engine = field(init=False)
    synonyms: dict[str, list[list[str]]] = field(init=False)
    _cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.engine = engine.Engine(index_dir(self.project))
        self.synonyms = load_synonyms(self.project)
        self._cache = OrderedDict()
        if os.environ.get("KB_SEARCH_CACHE") == "0":
            self.cache_size = 0

    def search(self, query: str, **filters: Any) -> dict[str, Any]:
        """The SPEC §7 answer for ``query``; ``filters`` are those of ``_key`` (lang,
        page_type, audience, limit, product, tag, as_of, prefer). Raises QueryError for bad
        ones. Paths are relative: ``results.place_links`` makes them links."""
        key = self._key(query, **filters)
        if self.engine.refresh():
            self._cache.clear()  # a new index generation: earlier answers may be stale
        if key in self._cache:
            self._cache.move_to_end(key)
            return copy.deepcopy(self._cache[key])
        data = self._search(*key)
        if self.cache_size:
            self._cache[key] = copy.deepcopy(data)
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return data

    def cached(self, query: str, **filters: Any) -> dict[str, Any] | None:
        """The cached answer if there is one for the newest index, without searching: the
        server answers repeated queries from here while a new one runs in its search thread.
        Raises QueryError for bad parameters, like ``search``."""
        key = self._key(query, **filters)
        data = self._cache.get(key) if self.cache_size else None
        if data is None or not self.engine.current():
            return None
        return copy.deepcopy(data)

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
        # Best score per document, in the order found (ties keep that order when ranked).
        hits = {h.docnum: h.score for h in self._exact_id(query, filters, as_of)}
        total = len(hits)
        want = min(limit, 5)
        searched: set[str] = set()  # index words the tiers looked for, to mark in snippets
        phrases: set[tuple[str, ...]] = set()  # and phrases, marked only as a whole
        # An id names its page: no need to search the text for it too.
        for tier in self._tiers(query, stemmers) if not hits else []:
            found = self.engine.run(tier, filters, results.fetch_size(limit, len(langs)))
            for hit in found.hits:
                if hits.get(hit.docnum, -1.0) < hit.score:
                    hits[hit.docnum] = hit.score
            total = max(total, found.total, len(hits))
            searched |= found.words
            phrases |= found.phrases
            if results.pages_among(self.engine, found.hits) >= want:
                break
        states = self.engine.values("state")
        ranked = sorted(
            (
                (score * review_states.weight(states[docnum]), docnum)
                for docnum, score in hits.items()
            ),
            key=lambda pair: -pair[0],
        )
        found_results = results.assemble(
            self.engine,
            ranked,
            results.highlighter(query, stemmers, searched, phrases),
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

    def _tiers(self, query: str, stemmers: dict[str, Any]) -> list[Any]:
        """Ever wider queries: all words exactly (stems, synonyms, phrases); then word
        beginnings for languages without a stemmer; then typos; then any word."""
        phrases = list(_PHRASE.findall(query))[:4]
        folded = [fold(t.text) for t in words(_PHRASE.sub(" ", query))][:MAX_WORDS]
        phrase_parts = []
        for phrase in phrases:
            for stem in set(stemmers.values()):
                if phrase_terms := terms(phrase, stem):
                    phrase_parts.append(engine.phrase_query(phrase_terms))
                    break
        if not folded and not phrase_parts:
            return []
        unstemmed = any(stem is None for stem in stemmers.values())
        exact, wide, typo = [], [], []
        for word in folded:
            stems = {stem(word) if stem else word for stem in stemmers.values()}
            synonyms = [
                syn
                for lang_ in stemmers
                for group in self.synonyms.get(lang_, [])
                if word in group
                for syn in _group_terms(group, word, stemmers[lang_])
            ]
            exact.append(engine.exact(stems, synonyms))
            wide.append(exact[-1] + (engine.prefix(word) if unstemmed else []))
            typo.append(wide[-1] + engine.fuzzy(stems, word))

        def every(alternatives: list[list[Any]]) -> Any:
            return engine.all_of(alternatives, phrase_parts)

        tiers = [every(exact)]
        if unstemmed:
            tiers.append(every(wide))
        tiers.append(every(typo))
        if len(folded) > 1:
            tiers.append(engine.any_of(typo, phrase_parts))
        return tiers


def _group_terms(group: list[str], word: str, stem: Any) -> list[list[str]]:
    """The other members of a synonym group as term lists (phrases for multi-word ones)."""
    return [terms(member, stem) for member in group if member != word and terms(member, stem)]
