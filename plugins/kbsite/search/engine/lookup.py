"""Filters and look-ups of the rep's desk over the index: live pages only, or the versions in
effect on a day; the translations of a page; a retired version by id.

Retired versions are indexed so that a search "as of" a date finds them; every other search
filters them out here, with ``scope``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q

if TYPE_CHECKING:
    from kbsite.search.engine import Engine, Hit

ALWAYS = "0001-01-01"  # the start of a version without an `effective` day
STILL = "9999-12-31"  # the end of a version nothing has ended
LIVE = Q.Term("status", "active")
RETIRED = Q.Term("status", "retired")
ON_HELP_CENTER = Q.Term("help_center", "yes")


def outdated(index_dir: Path) -> bool:
    """Whether an index was written with other fields than this version's (rebuild it)."""
    from kbsite.search.engine import KBSchema

    ix = whoosh_index.open_dir(str(index_dir))
    try:
        return set(ix.schema.names()) != set(KBSchema().names())
    finally:
        ix.close()


def combine(*parts: Q.Query | None) -> Q.Query | None:
    """All of the given filters (None: no filter)."""
    flat: list[Q.Query] = []
    for part in parts:
        if part is None:
            continue
        flat.extend(part.subqueries if type(part) is Q.And else [part])
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else Q.And(flat)


def scope(engine: Engine, audience: str, as_of: str | None) -> Q.Query:
    """Which versions a search sees: live pages (only those of the help center for the
    public), or, as of a day, the versions in effect that day, retired ones included except
    for the public."""
    if as_of is None:
        return ON_HELP_CENTER if audience == "public" else LIVE
    reader = engine._searcher.reader()
    started = [Q.Term("start", day) for day in reader.field_terms("start") if day <= as_of]
    ongoing = [Q.Term("end", day) for day in reader.field_terms("end") if day >= as_of]
    parts: list[Q.Query] = [Q.Or(started), Q.Or(ongoing)]
    if audience == "public":
        parts.append(LIVE)
    return Q.And(parts)


def allowed(engine: Engine, filters: Q.Query | None) -> np.ndarray:
    """The documents passing ``filters``, as a mask (cached per filter by the engine)."""
    if filters is None:
        return engine._vectors.live
    return engine._allowed_by(filters)


def with_value(engine: Engine, field: str, value: str, filters: Q.Query | None) -> list[int]:
    """The documents whose single-valued ID ``field`` is ``value`` and that pass
    ``filters`` (e.g. every translation of a page), in document order."""
    vectors = engine._vectors
    by_value: dict[str, list[int]] | None = getattr(vectors, "_kb_by_value", {}).get(field)
    if by_value is None:
        by_value = {}
        for docnum, found in enumerate(engine.values(field)):
            if found:
                by_value.setdefault(found, []).append(docnum)
        cache = getattr(vectors, "_kb_by_value", {})
        cache[field] = by_value
        vectors._kb_by_value = cache  # one table per index generation, as ``values``
    mask = allowed(engine, filters)
    return [docnum for docnum in by_value.get(value, []) if mask[docnum]]


def same_chain(engine: Engine, page_id: str, filters: Q.Query | None) -> list[Hit]:
    """The versions of ``page_id``'s chain passing ``filters``, as exact-id hits."""
    from kbsite.search.engine import Hit

    named = with_value(engine, "id", page_id, None)  # any version, retired ones too
    if not named:
        return []
    chain = engine.values("chain")[named[0]]
    return [Hit(docnum, 1e6) for docnum in with_value(engine, "chain", chain, filters)]
