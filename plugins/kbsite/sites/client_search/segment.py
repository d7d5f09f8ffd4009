"""One segment of the help-center search index: analysed pages as postings, and its files.

A segment is what one write produces: the base segment holds the whole site, a delta segment
the pages changed since (see ``writer``). Terms are those of rep search (``search.analysis``:
folded words, Snowball stems for languages that have them, Telugu stems before a ZWNJ), so the
browser needs no stemmer: each vocabulary bucket maps the surface forms found in the pages to
their terms. Each posting carries the page's BM25F term weight, computed here with Whoosh's
formula (k1 1.2, b 0.75, titles weigh 4, headings 2, the frequency boosted inside the
saturation as Whoosh does), quantised, and a mask of the fields the term is in; the browser
only multiplies by the idf.

Files of a segment folder (JSON, compact, UTF-8):

- ``v/<key>.json``: a vocabulary bucket (words starting with the same two letters): terms,
  their document frequency and postings (inline when short, else the number of a postings
  file), surface forms → terms, ids → documents;
- ``w/<letter>-<length>.json``: every term and surface form of one first letter and length,
  for typo tolerance (a word of length L within 2 edits needs the lists of L-2 to L+2);
- ``p/<n>.json``: postings of several terms, ``{term: [doc gap, packed weight, ...]}``; a term
  in more than ``common_df`` pages is served by its ``top`` postings (best weights) and keeps
  the rest in ``x/<n>.json``, which only the writer reads back (to merge segments);
- ``d/<n>.json``: display records of ``DOCS_PER_SHARD`` consecutive documents;
- ``f/type.json``, ``f/product.json``: filter value → document gaps, read when filtering.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbsite.search.analysis import Stemmer, fold, heading_text, terms, word_texts
from kbsite.search.stemming import stemmer
from kbsite.sites.client_search.documents import ClientDoc, ClientSearchError

K1, B = 1.2, 0.75
FIELDS = (("title", 4.0), ("heading", 2.0), ("body", 1.0))
SCALE = 16  # weight quantum: 1/16
DOCS_PER_SHARD = 4
INLINE_POSTINGS = 4  # a term in at most this many pages keeps its postings in the bucket
CHUNK_POSTINGS = 600  # postings per postings file
TOP_POSTINGS = 1000  # postings served for a common term
EXCERPT = 160
MAX_SECTIONS = 8


def bucket_key(word: str) -> str:
    """The vocabulary bucket of a word: its first two characters."""
    return word[:2]


def file_key(key: str) -> str:
    """A bucket key as a portable file name: code points in hex (``re`` → ``72-65``)."""
    return "-".join(f"{ord(c):x}" for c in key)


@dataclass
class Record:
    """What a result shows: [url, title, type, products, note, excerpt, sections, id]."""

    url: str
    title: str
    type: str
    products: list[str]
    note: str | None
    excerpt: str
    sections: list[list[str]]
    id: str | None

    def as_list(self) -> list[Any]:
        return [
            self.url,
            self.title,
            self.type,
            self.products,
            self.note,
            self.excerpt,
            self.sections,
            self.id,
        ]

    @classmethod
    def from_list(cls, row: list[Any]) -> Record:
        return cls(*row)


@dataclass
class Analysed:
    """A document's terms per field, before weighting."""

    record: Record
    fields: list[Counter[str]]  # title, heading, body
    forms: dict[str, list[str]]
    weight: float
    lengths: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lengths = [sum(counter.values()) for counter in self.fields]


def analyse(doc: ClientDoc) -> Analysed:
    """Terms of a document as rep search forms them (``search.service.document``), and the
    surface form of each, in one pass over the text."""
    stem = stemmer(doc.lang)
    headings = heading_text(" ".join(h for h, _, _ in doc.sections if h), doc.answer)
    body = "\n".join(f"{h}\n{t}" if h else t for h, _, t in doc.sections)
    title_text = f"{doc.title} {' '.join(doc.tags)}"
    forms: dict[str, list[str]] = {}
    counters = []
    for text in (title_text, headings, body):
        counter: Counter[str] = Counter()
        written = Counter(word_texts(unicodedata.normalize("NFC", text)))
        folded: Counter[str] = Counter()
        for word, count in written.items():
            folded[fold(word)] += count
        for form, count in folded.items():
            found = forms.get(form)
            if found is None:
                found = forms[form] = _form_terms(form, doc.lang, stem)
            for term in found:
                counter[term] += count
        counters.append(counter)
    forms = {form: found for form, found in forms.items() if found != [form]}
    text = " ".join(t for _, _, t in doc.sections if t).strip()
    sections = [[h, a] for h, a, _ in doc.sections if h and a][:MAX_SECTIONS]
    record = Record(
        doc.url,
        doc.title,
        doc.type,
        list(doc.products),
        doc.note or None,
        _clip(text, EXCERPT),
        sections,
        doc.id,
    )
    return Analysed(record, counters, forms, doc.weight)


_FORM_TERMS: dict[tuple[str, str], list[str]] = {}


def _form_terms(form: str, lang: str, stem: Stemmer | None) -> list[str]:
    """``terms`` of a folded word, memoised per language: a site's pages share most words
    (a clean build analyses every page of both sites)."""
    key = (form, lang)
    found = _FORM_TERMS.get(key)
    if found is None:
        if len(_FORM_TERMS) >= 1_000_000:
            _FORM_TERMS.clear()
        found = _FORM_TERMS[key] = terms(form, stem) or [form]
    return found


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[: cut if cut > width // 2 else width] + "…"


def field_lengths(docs: Iterable[Analysed]) -> list[float]:
    """Average number of terms per field (Whoosh's ``avg_field_length``)."""
    totals, count = [0, 0, 0], 0
    for doc in docs:
        count += 1
        for i, length in enumerate(doc.lengths):
            totals[i] += length
    return [total / count if count else 1.0 for total in totals]


def pack(doc: Analysed, term: str, averages: list[float]) -> int:
    """The posting value of a term in a document: quantised BM25F weight × 8 + field mask."""
    weight, mask = 0.0, 0
    for i, ((_, boost), counter) in enumerate(zip(FIELDS, doc.fields, strict=True)):
        tf = counter.get(term, 0)
        if not tf:
            continue
        mask |= 1 << i
        length = doc.lengths[i]
        boosted = tf * boost
        avg = averages[i] or 1.0
        weight += boosted * (K1 + 1) / (boosted + K1 * ((1 - B) + B * length / avg))
    return max(1, round(weight * doc.weight * SCALE)) * 8 + mask


@dataclass
class Segment:
    """Documents (display records) and postings of one segment, in memory."""

    records: list[Record] = field(default_factory=list)
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    forms: dict[str, list[str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_docs(cls, docs: Iterable[Analysed], averages: list[float]) -> Segment:
        segment = cls()
        for docnum, doc in enumerate(docs):
            segment.records.append(doc.record)
            every = set().union(*doc.fields)
            for term in every:
                segment.postings.setdefault(term, []).append((docnum, pack(doc, term, averages)))
            for form, found in doc.forms.items():
                segment.forms.setdefault(form, found)
            if doc.record.id:
                segment.ids.setdefault(fold(doc.record.id), docnum)
        return segment

    def without(self, dead: set[int]) -> Segment:
        """This segment less some documents, renumbered."""
        if not dead:
            return self
        new_number, kept = {}, []
        for docnum, record in enumerate(self.records):
            if docnum not in dead:
                new_number[docnum] = len(kept)
                kept.append(record)
        postings = {}
        for term, plist in self.postings.items():
            live = [(new_number[d], v) for d, v in plist if d in new_number]
            if live:
                postings[term] = live
        ids = {k: new_number[d] for k, d in self.ids.items() if d in new_number}
        live_terms = set(postings)
        forms = {f: t for f, t in self.forms.items() if any(x in live_terms for x in t)}
        return Segment(kept, postings, forms, ids)

    def plus(self, other: Segment) -> Segment:
        """This segment followed by another one's documents."""
        offset = len(self.records)
        postings = {t: list(p) for t, p in self.postings.items()}
        for term, plist in other.postings.items():
            postings.setdefault(term, []).extend((d + offset, v) for d, v in plist)
        ids = {**self.ids, **{k: d + offset for k, d in other.ids.items()}}
        return Segment(self.records + other.records, postings, {**self.forms, **other.forms}, ids)

    # -- files ------------------------------------------------------------------------------

    def write(self, folder: Path, common_df: int, pack: bool = False) -> dict[str, Any]:
        """Write the segment's files into a new ``folder``; returns its summary for the
        manifest (document count, buckets, split letters, filter values).

        ``pack``: the files' contents in one JSON file beside, ``<folder>.json`` (path in the
        segment -> content), for a delta of a few pages: one file to write, publish and
        fetch instead of hundreds of tiny ones (the browser reads it whole, once)."""
        packed: dict[str, Any] = {}
        if pack:

            def _dump(path: Path, data: Any) -> None:
                packed[path.relative_to(folder).as_posix()] = data

        else:
            _dump = _dump_file
            folder.mkdir(parents=True)
            for sub in "vpdfxw":
                (folder / sub).mkdir()
        buckets: dict[str, dict[str, Any]] = {}

        def bucket(word: str) -> dict[str, Any]:
            key = bucket_key(word)
            if key not in buckets:
                buckets[key] = {"t": [], "n": [], "p": [], "f": {}, "i": {}}
            return buckets[key]

        chunk: dict[str, list[int]] = {}
        chunk_size, chunk_no, rest_no = 0, 0, 0

        def flush() -> None:
            nonlocal chunk, chunk_size, chunk_no
            if chunk:
                _dump(folder / "p" / f"{chunk_no}.json", chunk)
                chunk, chunk_size, chunk_no = {}, 0, chunk_no + 1

        for term in sorted(self.postings):
            plist = sorted(self.postings[term])
            entry = bucket(term)
            entry["t"].append(term)
            entry["n"].append(len(plist))
            if len(plist) <= INLINE_POSTINGS:
                entry["p"].append(_gaps(plist))
                continue
            if len(plist) > common_df:
                top = sorted(sorted(plist, key=lambda p: -p[1])[:TOP_POSTINGS])
                rest = sorted(set(plist) - set(top))
                _dump(folder / "x" / f"{rest_no}.json", {term: _gaps(rest)})
                rest_no += 1
                plist = top
            if chunk_size + len(plist) > CHUNK_POSTINGS:
                flush()
            chunk[term] = _gaps(plist)
            chunk_size += len(plist)
            entry["p"].append(chunk_no)
        flush()
        for form, found in sorted(self.forms.items()):
            bucket(form)["f"][form] = found
        for page_id, docnum in sorted(self.ids.items()):
            bucket(page_id)["i"][page_id] = docnum
        for key, data in buckets.items():
            _dump(folder / "v" / f"{file_key(key)}.json", data)
        lists: dict[tuple[str, int], set[str]] = {}
        for word in (*self.postings, *self.forms):
            lists.setdefault((word[:1], len(word)), set()).add(word)
        lengths: dict[str, list[int]] = {}
        for (letter, length), found in lists.items():
            _dump(folder / "w" / f"{file_key(letter)}-{length}.json", sorted(found))
            lengths.setdefault(letter, []).append(length)
        for start in range(0, len(self.records), DOCS_PER_SHARD):
            shard = self.records[start : start + DOCS_PER_SHARD]
            _dump(folder / "d" / f"{start // DOCS_PER_SHARD}.json", [r.as_list() for r in shard])
        types: dict[str, list[int]] = {}
        products: dict[str, list[int]] = {}
        for docnum, record in enumerate(self.records):
            types.setdefault(record.type, []).append(docnum)
            for product in record.products:
                products.setdefault(product, []).append(docnum)
        _dump(folder / "f" / "type.json", {k: _doc_gaps(v) for k, v in types.items()})
        _dump(folder / "f" / "product.json", {k: _doc_gaps(v) for k, v in products.items()})
        if pack:
            _dump_file(folder.with_name(f"{folder.name}.json"), packed)
        return {
            "docs": len(self.records),
            "buckets": sorted(buckets),
            "lengths": {k: sorted(v) for k, v in sorted(lengths.items())},
            "types": {k: len(v) for k, v in sorted(types.items())},
            "products": {k: len(v) for k, v in sorted(products.items())},
        }

    @classmethod
    def read(cls, folder: Path) -> Segment:
        """A segment back from its files (to merge it with another)."""
        segment = cls()
        try:
            shards = sorted((folder / "d").glob("*.json"), key=lambda p: int(p.stem))
            for path in shards:
                segment.records += [Record.from_list(row) for row in _load(path)]
            chunks = {int(p.stem): _load(p) for p in (folder / "p").glob("*.json")}
            rest: dict[str, list[int]] = {}
            for path in (folder / "x").glob("*.json"):
                rest.update(_load(path))
            for path in (folder / "v").glob("*.json"):
                data = _load(path)
                for term, where in zip(data["t"], data["p"], strict=True):
                    gaps = where if isinstance(where, list) else chunks[where][term]
                    plist = list(_ungap(gaps))
                    if term in rest:
                        plist = sorted(plist + list(_ungap(rest[term])))
                    segment.postings[term] = plist
                segment.forms.update(data["f"])
                segment.ids.update(data["i"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            message = f"{folder}: not a readable search index segment ({exc})"
            raise ClientSearchError(message) from None
        return segment


def _gaps(plist: list[tuple[int, int]]) -> list[int]:
    """[doc gap, value, doc gap, value, ...] of ascending postings."""
    out, last = [], 0
    for docnum, value in plist:
        out += [docnum - last, value]
        last = docnum
    return out


def _doc_gaps(docs: list[int]) -> list[int]:
    return [d - (docs[i - 1] if i else 0) for i, d in enumerate(docs)]


def _ungap(gaps: list[int]) -> Iterator[tuple[int, int]]:
    docnum = 0
    for i in range(0, len(gaps), 2):
        docnum += gaps[i]
        yield docnum, gaps[i + 1]


def idf(doc_count: int, df: int) -> float:
    """Whoosh's idf."""
    return math.log(doc_count / (df + 1)) + 1


def _dump_file(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
