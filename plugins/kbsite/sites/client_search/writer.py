"""Write and update the help-center search index of one language site.

``write_index`` writes a base segment of every page; ``update_index`` writes only the pages
added or changed since into a small delta segment and lists the replaced or removed base pages
as dead, so one changed page rewrites the manifest and the delta's few files. When the delta
grows past ``MERGE_FRACTION`` of the site (at least ``MERGE_MIN`` pages), base and delta are
merged into a new base read back from the files. Segment folders carry a generation number, so
a browser never mixes files of two versions; the manifest ``meta.json`` is the only file that
changes name-stable, and is written last (by rename).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbsite.cachefile import read_json
from kbsite.search import derivation
from kbsite.search.analysis import fold, terms
from kbsite.search.stemming import stemmer
from kbsite.sites.client_search.documents import ClientDoc, ClientSearchError
from kbsite.sites.client_search.segment import (
    DOCS_PER_SHARD,
    TOP_POSTINGS,
    Record,
    Segment,
    analyse,
    field_lengths,
)

#: Changes when the writer's state or segments change meaning (2: documents have ``answer``;
#: 3: Snowball 2 stems):
#: an index of another format is written again in full.
FORMAT = 3
MANIFEST = "meta.json"
STATE = "writer-state.json"
ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"
CLIENT_FILES = ("kb-search.js", "kb-search.css")
#: The base segment's pages (url, type, products per document number), so that an update
#: needs none of its display shards. The writer's own: not published.
CATALOGUE = "kb-base.json"
MERGE_MIN = 64
#: A delta of at most this many pages is written as one file (``Segment.write``'s ``pack``).
PACK_DOCS = 8
MERGE_FRACTION = 0.05

Synonyms = Mapping[str, Sequence[Sequence[str]]] | Sequence[Sequence[str]] | None


@dataclass(frozen=True)
class IndexSummary:
    docs: int  # live pages
    base_docs: int
    delta_docs: int
    dead: int  # base pages replaced or removed since the base was written
    files_written: int


def write_index(
    out_dir: Path | str, lang: str, docs: Iterable[ClientDoc], synonyms: Synonyms = None
) -> IndexSummary:
    """Write the whole index of one language site into ``out_dir`` (e.g. ``site/it/search``),
    replacing any index there, with the client's JS and CSS beside it."""
    out = Path(out_dir)
    docs = _checked(docs, lang)
    state = _read_state(out) if (out / STATE).is_file() else {"gen": 0}
    analysed = [analyse(doc) for doc in sorted(docs.values(), key=lambda d: d.url)]
    averages = field_lengths(analysed)
    segment = Segment.from_docs(analysed, averages)
    state = {
        "format": FORMAT,
        "lang": lang,
        "gen": state["gen"] + 1,
        "averages": averages,
        "synonyms": _synonym_groups(lang, synonyms),
        "delta_docs": [],
        "dead": [],
    }
    return _commit(out, state, segment, None)


def update_index(
    out_dir: Path | str,
    lang: str,
    changed: Iterable[ClientDoc],
    removed: Iterable[str],
    synonyms: Synonyms = None,
) -> IndexSummary:
    """Apply added or changed pages and removed page URLs to the index in ``out_dir``.
    ``synonyms`` replaces the stored ones when given."""
    out = Path(out_dir)
    if not (out / MANIFEST).is_file() or not (out / STATE).is_file():
        raise ClientSearchError(f"{out}: no search index to update; write the whole index first")
    state = _read_state(out)
    if state.get("lang") != lang:
        raise ClientSearchError(f"{out}: the index is for `{state.get('lang')}`, not `{lang}`")
    changed_docs = _checked(changed, lang)
    base_dir = out / f"b-{state['base_gen']}"
    base_urls = _base_urls(base_dir)
    delta = {d["url"]: ClientDoc.from_dict(d) for d in state["delta_docs"]}
    dead = set(state["dead"])
    for url in [*removed, *changed_docs]:
        delta.pop(url, None)
        if url in base_urls:
            dead.add(base_urls[url])
    delta.update(changed_docs)
    if synonyms is not None:
        state["synonyms"] = _synonym_groups(lang, synonyms)
    state["gen"] += 1
    averages = state["averages"]
    delta_analysed = [analyse(doc) for doc in sorted(delta.values(), key=lambda d: d.url)]
    delta_segment = Segment.from_docs(delta_analysed, averages)
    live_base = len(base_urls) - len(dead)
    if len(delta) + len(dead) > max(MERGE_MIN, MERGE_FRACTION * (live_base + len(delta))):
        merged = Segment.read(base_dir).without(dead).plus(delta_segment)
        state.update(delta_docs=[], dead=[])
        return _commit(out, state, merged, None)
    state.update(delta_docs=[d.as_dict() for d in delta.values()], dead=sorted(dead))
    return _commit(out, state, None, delta_segment)


def _checked(docs: Iterable[ClientDoc], lang: str) -> dict[str, ClientDoc]:
    out: dict[str, ClientDoc] = {}
    for doc in docs:
        if not isinstance(doc, ClientDoc):
            raise ClientSearchError(f"expected a ClientDoc, got {type(doc).__name__}")
        if doc.lang != lang:
            raise ClientSearchError(
                f"search document `{doc.url}` is in `{doc.lang}`, not in this site's `{lang}`"
            )
        if doc.url in out:
            raise ClientSearchError(f"search document `{doc.url}` is given twice")
        out[doc.url] = doc
    return out


def _synonym_groups(lang: str, synonyms: Synonyms) -> list[list[dict[str, Any]]]:
    """This language's synonym groups: each member folded (as rep search matches a query
    word) with its index terms (a phrase when several)."""
    if synonyms is None:
        return []
    groups = synonyms.get(lang, []) if isinstance(synonyms, Mapping) else synonyms
    stem = stemmer(lang)
    out = []
    for group in groups or []:
        if isinstance(group, str) or not isinstance(group, Sequence):
            raise ClientSearchError(f"synonyms for `{lang}`: each entry must be a list of terms")
        members = [{"w": fold(str(m)), "t": terms(str(m), stem)} for m in group]
        members = [m for m in members if m["t"]]
        if len(members) > 1:
            out.append(members)
    return out


def _base_urls(base_dir: Path) -> dict[str, int]:
    return {url: number for number, (url, _, _) in enumerate(_catalogue(base_dir))}


def _catalogue(base_dir: Path) -> list[list[Any]]:
    """[url, type, products] of each document of a base segment, by number: from the
    catalogue written with it, else (an index of an earlier version) from its shards."""
    data = read_json(base_dir.parent / CATALOGUE)
    try:
        if data["dir"] == base_dir.name and isinstance(data["docs"], list):
            return [[str(url), str(kind), list(products)] for url, kind, products in data["docs"]]
    except (KeyError, TypeError, ValueError):
        pass
    records = []
    shards = sorted((base_dir / "d").glob("*.json"), key=lambda p: int(p.stem))
    for shard in shards:
        records += [Record.from_list(row) for row in json.loads(shard.read_text(encoding="utf-8"))]
    with contextlib.suppress(OSError):  # the next update reads it instead
        return _write_catalogue(base_dir, records)
    return _catalogue_of(records)


def _catalogue_of(records: list[Record]) -> list[list[Any]]:
    return [[r.url, r.type, list(r.products)] for r in records]


def _write_catalogue(base_dir: Path, records: list[Record]) -> list[list[Any]]:
    docs = _catalogue_of(records)
    _write_json(base_dir.parent / CATALOGUE, {"dir": base_dir.name, "docs": docs})
    return docs


def _commit(
    out: Path, state: dict[str, Any], base: Segment | None, delta: Segment | None
) -> IndexSummary:
    """Write the new segment(s), then the manifest, then drop the folders no longer named."""
    out.mkdir(parents=True, exist_ok=True)
    gen = state["gen"]
    for leftover in out.glob(f"[bd]-{gen}"):
        shutil.rmtree(leftover)
    (out / f"d-{gen}.json").unlink(missing_ok=True)
    written = 2  # the manifest and the writer's state
    if base is not None:
        state["base_gen"] = gen
        common = max(TOP_POSTINGS, len(base.records) // 8)
        state["common"] = common
        state["base_summary"] = base.write(out / f"b-{gen}", common)
        _write_catalogue(out / f"b-{gen}", base.records)
        written += _count_files(out / f"b-{gen}")
        state["delta_summary"] = None
        state["delta_gen"] = None
    if delta is not None:
        if delta.records:
            state["delta_gen"] = gen
            pack = len(delta.records) <= PACK_DOCS
            summary = delta.write(out / f"d-{gen}", state["common"], pack=pack)
            state["delta_summary"] = {**summary, "pack": True} if pack else summary
            written += 1 if pack else _count_files(out / f"d-{gen}")
        else:
            state["delta_gen"] = state["delta_summary"] = None
    for name in CLIENT_FILES:
        target = out / name
        source = ASSETS / name
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
            written += 1
    manifest = _manifest(out, state)
    _write_json(out / STATE, state)
    _write_json(out / MANIFEST, manifest)
    keep = {f"b-{state['base_gen']}", f"d-{state['delta_gen']}"}
    for folder in out.glob("[bd]-*"):
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder)
        elif folder.is_file() and folder.stem not in keep:  # a packed delta
            folder.unlink()
    base_docs = state["base_summary"]["docs"]
    delta_docs = state["delta_summary"]["docs"] if state["delta_summary"] else 0
    return IndexSummary(
        docs=manifest["n"],
        base_docs=base_docs,
        delta_docs=delta_docs,
        dead=len(state["dead"]),
        files_written=written,
    )


def _manifest(out: Path, state: dict[str, Any]) -> dict[str, Any]:
    """What the browser reads first: segments, live page count, statistics, filters."""
    segments = []
    types: Counter[str] = Counter()
    products: Counter[str] = Counter()
    dead = set(state["dead"])
    base_summary = state["base_summary"]
    for gen, summary, seg_dead in (
        (state["base_gen"], base_summary, sorted(dead)),
        (state["delta_gen"], state["delta_summary"], []),
    ):
        if summary is None:
            continue
        prefix = "b" if summary is base_summary else "d"
        segments.append(
            {
                "dir": f"{prefix}-{gen}",
                "docs": summary["docs"],
                "buckets": summary["buckets"],
                "lengths": summary["lengths"],
                "dead": seg_dead,
                **({"pack": True} if summary.get("pack") else {}),
            }
        )
        types.update(summary["types"])
        products.update(summary["products"])
    if dead:  # filter counts of live pages only
        catalogue = _catalogue(out / f"b-{state['base_gen']}")
        for number in dead:
            _, kind, page_products = catalogue[number]
            types[kind] -= 1
            products.subtract(page_products)
    live = sum(s["docs"] for s in segments) - len(dead)
    return {
        "format": FORMAT,
        "lang": state["lang"],
        "stemmed": stemmer(state["lang"]) is not None,
        "gen": state["gen"],
        "n": live,
        "common": state["common"],
        "shard": DOCS_PER_SHARD,
        "segments": segments,
        "types": {k: v for k, v in sorted(types.items()) if v > 0},
        "products": {k: v for k, v in sorted(products.items()) if v > 0},
        "synonyms": state["synonyms"],
        "derive": derivation.table(state["lang"]),
    }


def _read_state(out: Path) -> dict[str, Any]:
    try:
        state = json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        message = f"{out / STATE}: unreadable ({exc}); write the whole index"
        raise ClientSearchError(message) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        message = f"{out / STATE}: written by another version; write the whole index"
        raise ClientSearchError(message)
    return state


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
