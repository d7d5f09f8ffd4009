"""The Whoosh index of rep search: the only package that imports Whoosh.

Documents hold pre-analyzed term streams (see ``analysis``), so every language's rules live in
plain Python; Whoosh stores the index, expands prefixes and typos, and defines the scores, which
``vectors`` computes for a whole query at once. Queries are built as query objects from our own
tokens, never through Whoosh's query parser, so no user input is ever a syntax error.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, SchemaClass

from kbsite.search.analysis import PART_MARK, PART_WEIGHT
from kbsite.search.engine import lookup
from kbsite.search.engine.ranking import MENTIONS, TEXT_FIELDS, Ranker
from kbsite.search.engine.vectors import PostingsCache, Vectors
from kbsite.search.engine.vocabulary import Vocabulary
from kbsite.search.query import Plan
from kbsite.search.stemming import stemmer

T = TypeVar("T")


class MarkedTerms(RegexTokenizer):
    """Whoosh's space-separated tokenizer for pre-analyzed term strings, where a term after
    ``PART_MARK`` (a camel-case part) is indexed without it, as ``PART_WEIGHT`` of a mention
    (the token's boost: Whoosh sums boosts into the posting's weight)."""

    def __init__(self) -> None:
        super().__init__(r"[^ \t\r\n]+")

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Any]:
        for token in super().__call__(value, **kwargs):
            if token.text.startswith(PART_MARK):
                token.text = token.text[len(PART_MARK) :]
                token.boost = PART_WEIGHT
            yield token


_TERMS = MarkedTerms()

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
    digest = STORED()
    title_terms = TEXT(analyzer=_TERMS, field_boost=MENTIONS["title_terms"])
    heading_terms = TEXT(analyzer=_TERMS, field_boost=MENTIONS["heading_terms"])
    body_terms = TEXT(analyzer=_TERMS)
    internal_terms = TEXT(analyzer=_TERMS)  # text of `!!! internal` blocks (rep searches only)
    pair_terms = TEXT(analyzer=_TERMS, phrase=False)  # near words of titles and headings
    # The rep's desk (search/results.py, engine/lookup.py): versions in effect on a day, links.
    status = ID(stored=True)  # active, or retired (found only when searching as of a date)
    start = ID(stored=True)  # first day in effect (ISO); lookup.ALWAYS without one
    end = ID(stored=True)  # last day in effect (ISO); lookup.STILL while it applies
    chain = ID(stored=True)  # one name for a chain of versions (kbsite.versions)
    help_center = ID(stored=True)  # "yes" when the help center shows the page
    current_id = STORED()  # the version of the chain in effect on the index's day
    answer = STORED()  # the `answer` front matter field
    sections = STORED()  # [(heading, sentences)]: the passage a result shows (PageText)
    words = STORED()  # {how words begin: those words}: where passages look (PageText)
    archive = STORED()  # a retired version's Markdown, which no site shows


#: Fields public searches never read.
INTERNAL_FIELDS = ("internal_terms",)
#: Bumped when the documents' analysis changes: an index of another format is rebuilt.
FORMAT = (
    "6: folded words, stems at query time, word pairs of titles and headings, internal blocks,"
    " camel-case parts as half mentions, no plain text stored beside the sections, which are"
    " stored split into sentences beside the page's words grouped as passages read them"
)
_FORMAT_FILE = "kbsite-format"


class IndexMissing(Exception):
    """There is no index yet; `kb build` or `kb index` makes one."""


# Says what, not where: the server shows it to anyone who asks `/healthz`.
_MISSING = "no search index yet: run `kb build` (or `kb index`)"


def exists(index_dir: Path) -> bool:
    """Whether there is an index of the current format (an older one must be rebuilt)."""
    marker = index_dir / _FORMAT_FILE
    return (
        index_dir.is_dir()
        and whoosh_index.exists_in(str(index_dir))
        and marker.is_file()
        and marker.read_text(encoding="utf-8") == FORMAT
    )


#: The stored fields ``Engine.summary`` keeps per document (what a result's translations show).
SUMMARY = ("id", "lang", "title", "url", "help_center", "key", "status")
_SUMMARIES_MAX = 200_000
#: How many documents' readings (``Engine.reading``) are kept, the most recently used.
_READINGS_MAX = 2_048
BUILD_ID = "kb-build-id"  # names one full build: a swapped-in rebuild has another


class IndexWriteError(Exception):
    """The index could not be written (disk full, read-only folder); the previous index is
    left as it was. ``folder`` is where the write failed, ``reason`` the system's words."""

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(f"cannot write {folder}: {reason}")
        self.folder = folder
        self.reason = reason


def _leftovers(index_dir: Path) -> list[Path]:
    return sorted(index_dir.parent.glob(f"{index_dir.name}.new-*")) + sorted(
        index_dir.parent.glob(f"{index_dir.name}.old-*")
    )


def clean_leftovers(index_dir: Path) -> None:
    """Remove what an interrupted full rebuild left beside the index; if it was stopped
    between moving the old index aside and the new one in, put the old one back first.
    Only call it holding the index lock (no rebuild can be running)."""
    if not index_dir.exists():
        old = [p for p in _leftovers(index_dir) if ".old-" in p.name and exists(p)]
        if old:
            old[-1].rename(index_dir)
    for path in _leftovers(index_dir):
        shutil.rmtree(path, ignore_errors=True)


def write_full(index_dir: Path, documents: Iterable[dict[str, Any]]) -> int:
    """Build a new index beside the old one, then swap it in (the server never sees half)."""
    staging = index_dir.with_name(f"{index_dir.name}.new-{os.getpid()}")
    old = index_dir.with_name(f"{index_dir.name}.old-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    count = 0
    try:
        staging.mkdir(parents=True)
        ix = whoosh_index.create_in(str(staging), KBSchema())
        with ix.writer(limitmb=256, procs=min(2, os.cpu_count() or 1), multisegment=True) as writer:
            for doc in documents:
                writer.add_document(**doc)
                count += 1
        ix.close()
        (staging / BUILD_ID).write_text(uuid.uuid4().hex, encoding="ascii")
        (staging / _FORMAT_FILE).write_text(FORMAT, encoding="utf-8")
        if index_dir.exists():
            index_dir.rename(old)
        staging.rename(index_dir)
    except OSError as exc:
        if old.exists() and not index_dir.exists():
            old.rename(index_dir)  # the previous index stays in place
        raise IndexWriteError(index_dir.parent, exc.strerror or str(exc)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return count


#: Beside the index: each page's (digest, state) as of one generation of it, so an update
#: does not read every stored document to find what changed (~0.5 s at 10,000 pages).
VERSIONS_FILE = "kb-versions.json"


def stored_versions(index_dir: Path) -> dict[str, tuple[Any, Any]]:
    """Each indexed page's (digest, state), to find what an update must rewrite: from
    ``VERSIONS_FILE`` when it was written for the index's current generation, else read from
    the stored documents (and written down for the next update)."""
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        generation = ix.latest_generation()
        known = _read_versions(index_dir, generation)
        if known is not None:
            return known
        with ix.searcher() as searcher:
            found = {
                f["key"]: (f.get("digest"), f.get("state")) for f in searcher.all_stored_fields()
            }
    finally:
        ix.close()
    _write_versions(index_dir, generation, found)
    return found


def _read_versions(index_dir: Path, generation: int) -> dict[str, tuple[Any, Any]] | None:
    try:
        data = json.loads((index_dir / VERSIONS_FILE).read_text(encoding="utf-8"))
        if data["generation"] != generation:
            return None
        return {key: (digest, state) for key, (digest, state) in data["versions"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing, damaged or of another generation: never trusted


def _write_versions(index_dir: Path, generation: int, versions: dict[str, tuple[Any, Any]]) -> None:
    temporary = index_dir / f".{VERSIONS_FILE}.{os.getpid()}"
    try:
        data = {"generation": generation, "versions": versions}
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        temporary.replace(index_dir / VERSIONS_FILE)
    except OSError:  # only a shortcut: the next update reads the documents
        with contextlib.suppress(OSError):
            temporary.unlink()


def page_keys(index_dir: Path) -> set[tuple[str, str, str]]:
    """(id, lang, audience) of every indexed page, read from the ID fields' postings (not the
    stored bodies): the pages readers may vote on."""
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            columns: dict[str, dict[int, str]] = {}
            for name in ("id", "lang", "audience"):
                column = columns[name] = {}
                for text in reader.field_terms(name):
                    for docnum in searcher.postings(name, text).all_ids():
                        column[docnum] = text
            ids, langs, audiences = columns["id"], columns["lang"], columns["audience"]
            return {
                (page_id, langs.get(doc, ""), audiences.get(doc, ""))
                for doc, page_id in ids.items()
            }
    finally:
        ix.close()


def write_changes(
    index_dir: Path,
    changed: Iterable[dict[str, Any]],
    deleted: Iterable[str],
    versions: dict[str, tuple[Any, Any]] | None = None,
) -> tuple[int, int]:
    """Rewrite changed documents and delete vanished ones; returns (updated, deleted).
    ``versions``: ``stored_versions`` before the update, written down as they are after it.

    All or nothing: a failed write (disk full, read-only folder) leaves the index as it was,
    and the files it had begun are removed."""
    updated = removed = 0
    after = dict(versions) if versions is not None else None
    try:
        ix = whoosh_index.open_dir(str(index_dir))
        try:
            with ix.writer(timeout=10.0) as writer:
                for doc in changed:
                    writer.update_document(**doc)
                    updated += 1
                    if after is not None:
                        after[doc["key"]] = (doc.get("digest"), doc.get("state"))
                for key in deleted:
                    writer.delete_by_term("key", key)
                    removed += 1
                    if after is not None:
                        after.pop(key, None)
            if after is not None:
                _write_versions(index_dir, ix.latest_generation(), after)
        finally:
            ix.close()
    except OSError as exc:
        _remove_unused_files(index_dir)
        raise IndexWriteError(index_dir, exc.strerror or str(exc)) from exc
    return updated, removed


def _remove_unused_files(index_dir: Path) -> None:
    """Delete the segment and temporary files no generation of the index uses (what a
    cancelled writer leaves behind); best effort."""
    try:
        ix = whoosh_index.open_dir(str(index_dir))
        try:
            toc = ix._read_toc()
            whoosh_index.clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)
        finally:
            ix.close()
        for temp in index_dir.glob("*.tmp"):
            shutil.rmtree(temp, ignore_errors=True)
    except Exception:  # nothing more to do: the next successful write cleans up too
        return


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
    #: words of ``words`` that stand for the query only in pages of the languages searched
    #: that have no stemmer (``ranking.Forms.scoped``)
    scoped: frozenset[str] = frozenset()


Generation = tuple[str, int]  # (full build, Whoosh generation within it)


class Engine:
    """An open index generation; `refresh` moves to the newest one.

    Everything a search reads (stored fields, deleted pages, filter masks, postings, words)
    comes from the generation opened last. Whoosh's own ``searcher.refresh()`` is never used:
    it reuses the open segment readers, and with them the segments' old sets of deleted
    pages, so pages deleted, retired or changed by ``kb index`` kept being found (and it adds
    back segments a merge replaced). A new generation is opened from scratch instead; only
    what never changes within a segment (postings, field lengths, words) is kept, per segment,
    and deleted pages are masked with the new generation's deletions."""

    def __init__(self, index_dir: Path) -> None:
        if not exists(index_dir):
            raise IndexMissing(_MISSING)
        self.index_dir = index_dir
        self._postings = PostingsCache()
        self._vocabulary = Vocabulary()
        self.cold = True  # nothing read ahead yet (see `warm`)
        self._build = ""
        self._build_key: tuple[int, int] | None = None
        self._build_read = ""
        self._open()

    def _build_id(self) -> str:
        """Which full build the folder holds now (an index without the file: its inode).
        Read again only when the folder is another one (its inode and change time), so
        asking before every answer costs one stat."""
        folder = self.index_dir.stat()
        key = (folder.st_ino, folder.st_ctime_ns)
        if key != self._build_key:
            try:
                build = (self.index_dir / BUILD_ID).read_text(encoding="ascii").strip()
            except FileNotFoundError:
                build = f"inode-{folder.st_ino}"
            self._build_key, self._build_read = key, build
        return self._build_read

    def _open(self) -> None:
        """Open the newest generation; tried again when a rebuild is swapped in meanwhile."""
        for attempt in range(5):
            try:
                build = self._build_id()
                ix = whoosh_index.open_dir(str(self.index_dir))
                listed = ix.latest_generation()
                searcher = ix.searcher()
                if self._build_id() == build:
                    break
                searcher.close()
                ix.close()
            except (OSError, whoosh_index.EmptyIndexError):  # mid-swap or mid-commit
                if attempt == 4:
                    if not exists(self.index_dir):
                        raise IndexMissing(_MISSING) from None
                    raise
            time.sleep(0.05)
        else:
            raise OSError(f"the search index at {self.index_dir} kept changing while opened")
        if build != self._build:  # another full build: no segment in common
            self._postings = PostingsCache()
            self._vocabulary = Vocabulary()
            self.cold = True
        self._build = build
        self._ix = ix
        # An index without pages has a reader without a generation: the one listed just
        # before opening is never newer than the one opened (at worst it is opened again).
        opened = searcher.reader().generation()
        known = opened is not None and opened >= 0
        self.generation: Generation = (build, opened if known else listed)
        self._use(searcher)

    def _use(self, searcher: Any) -> None:
        self._searcher = searcher
        self._vectors = Vectors(searcher, self._postings)
        self._vocabulary.forget({segment for _, segment in self._vectors.leaves})
        self._ranker = Ranker(self._vectors, self._vocabulary, stemmer)
        self._allowed: dict[Q.Query, Any] = {}
        self._summaries: dict[int, dict[str, Any]] = {}
        self._readings: OrderedDict[tuple[Callable[..., Any], int], tuple[Any, Any]] = OrderedDict()

    def latest(self) -> Generation | None:
        """The generation on disk now (None when it cannot be told, e.g. mid-swap); cheap
        enough to ask before every answer."""
        try:
            return (self._build_id(), self._ix.latest_generation())
        except (OSError, ValueError):
            return None

    def current(self) -> bool:
        """Whether the open generation is the newest on disk (changes nothing)."""
        return self.latest() == self.generation

    def refresh(self) -> bool:
        """Open the newest generation if the index changed; True when it did."""
        latest = self.latest()
        if latest is None or latest == self.generation:
            return False
        old, old_ix = self._searcher, self._ix
        self._open()
        old.close()
        old_ix.close()
        return True

    def warm(
        self, min_pages: int = 2, step: float = 0.02, languages: Iterable[str] = ()
    ) -> Iterator[int]:
        """Read ahead what queries will need: each segment's words of every text field (for
        typo and prefix queries), grouped by their stem in each of ``languages`` that has a
        stemmer (a query's words are stemmed in each), and the postings of those in at least
        ``min_pages`` of its pages (a word's first use costs ~0.2 ms, more for common
        words). Yields the number of words read after each ``step`` seconds of work, so a
        server can answer searches in between; stops when the index changes meanwhile."""
        searcher, done, since = self._searcher, 0, time.perf_counter()
        self.cold = False
        # What the first query of a generation works out otherwise (~0.4 s at 10,000
        # pages): each page's id, language, state and chain, the fields' length norms, and
        # which pages reps and customers see.
        for field in ("id", "lang", "state", "chain"):
            self.values(field)
        for name in TEXT_FIELDS + INTERNAL_FIELDS:
            self._ranker.norm(name)
        for audience in ("internal", "public"):
            scope = lookup.scope(self, audience, None)
            self._allowed_by(lookup.combine(filters(None, None, audience), scope))
        yield done
        if self._searcher is not searcher:
            self.cold = True
            return
        since = time.perf_counter()
        for done in self._read_ahead(min_pages, languages):
            if time.perf_counter() - since >= step:
                yield done
                if self._searcher is not searcher:
                    self.cold = True  # not finished: read ahead again
                    return
                since = time.perf_counter()

    def _read_ahead(self, min_pages: int, languages: Iterable[str]) -> Iterator[int]:
        """What ``warm`` reads, a little at a time: after each word (and each share of a
        field's grouping by stem), the number of words read so far."""
        done = 0
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
                    yield done
                for lead, words in by_lead.items():
                    self._vocabulary.fill(segment, field, lead, words)
                for lang in sorted(set(languages)):
                    if (stem := stemmer(lang)) is not None:
                        for _ in self._vocabulary.group(leaf, segment, field, lang, stem):
                            yield done

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    @property
    def doc_count(self) -> int:
        return self._searcher.doc_count()

    def stored(self, docnum: int) -> dict[str, Any]:
        """The stored fields of a document found in this generation."""
        return dict(self._searcher.stored_fields(docnum))

    def summary(self, docnum: int) -> dict[str, Any]:
        """A few short stored fields of a document (``SUMMARY``), kept for this generation:
        every result lists its page's translations, and reading a document's stored fields
        decompresses all of them (its sections' text too)."""
        found = self._summaries.get(docnum)
        if found is None:
            fields = self._searcher.stored_fields(docnum)
            found = {name: fields.get(name) for name in SUMMARY}
            if len(self._summaries) < _SUMMARIES_MAX:
                self._summaries[docnum] = found
        return found

    def reading(self, docnum: int, read: Callable[[dict[str, Any]], T]) -> tuple[dict[str, Any], T]:
        """A document's stored fields (not to be changed) and what ``read`` makes of them,
        kept for the ``_READINGS_MAX`` documents of this generation used last: results show
        the same pages again and again, and each time would decompress and read their text."""
        key = (read, docnum)
        found = self._readings.get(key)
        if found is not None:
            self._readings.move_to_end(key)
            return found
        fields = dict(self._searcher.stored_fields(docnum))
        found = self._readings[key] = (fields, read(fields))
        if len(self._readings) > _READINGS_MAX:
            self._readings.popitem(last=False)
        return found

    def values(self, field: str) -> Any:
        """Every document's value of a single-valued ID field, indexed by document number."""
        return self._vectors.values(field)

    def by_id(self, page_id: str, filters: Q.Query | None) -> list[Hit]:
        # From the cached id table and filter masks: Whoosh would first work the filter out
        # for every document (~20 ms at 10,000 pages).
        return [Hit(docnum, 1e6) for docnum in lookup.with_value(self, "id", page_id, filters)]

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

    def rank(
        self,
        plan: Plan,
        filters: Q.Query | None,
        limit: int,
        weight_of: Callable[[str], float] = lambda state: 1.0,
        fields: tuple[str, ...] = TEXT_FIELDS,
    ) -> Found:
        """The best ``limit`` pages for a query plan (``ranking``), how many match, and the
        index words searched for. ``weight_of`` maps a page's review state to a factor;
        ``fields`` are the text fields read (``INTERNAL_FIELDS`` too for reps)."""
        allowed = self._allowed_by(filters)
        found, total, words = self._ranker.top(plan, allowed, limit, weight_of, fields)
        # Quoted phrases and multi-word synonyms are marked as a whole, never word by word.
        phrases = set(plan.phrases)
        general: set[str] = set()
        scoped: set[str] = set()
        for term in plan.terms:
            forms = self._ranker.forms(term, plan.langs)
            phrases |= set(forms.groups)
            general |= {word for found in forms.words.values() for word in found}
            scoped |= {word for found in forms.scoped.values() for word in found}
        hits = [Hit(d, score) for d, score in found]
        return Found(hits, total, words, frozenset(phrases), frozenset(scoped - general))

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
