"""The results a rep reads: one per page with its translations, the answer first, the best
passage, versions marked as of a date, and the links to copy.

``assemble`` turns ranked documents into SPEC §7 results; ``place_links`` turns their paths
into the links of wherever they are shown (the server's ``/internal/`` and ``/public/``, or
the CLI's paths), with the customer link at the help center's own address.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import regex

from kbsite.reading.yamlload import load_lenient
from kbsite.search import engine
from kbsite.search.analysis import fold, words
from kbsite.search.engine import Engine, Hit, lookup
from kbsite.search.passages import Highlighter, PageText, best_passage
from kbsite.search.stopwords import is_stopword

_QUOTED = regex.compile(r'"[^"]*"?')


def fetch_size(limit: int, languages: int) -> int:
    """How many documents to rank for ``limit`` results: one result holds up to one
    document per language."""
    return max(limit * 3, 30) * max(languages, 1)


def pages_among(search_engine: Engine, hits: Iterable[Hit]) -> int:
    """How many distinct pages (ids) the hits are: translations count once."""
    ids = search_engine.values("id")
    return len({ids[hit.docnum] or hit.docnum for hit in hits})


def highlighter(
    query: str,
    stemmers: dict[str, Any],
    searched: Iterable[str],
    phrases: Iterable[Sequence[str]],
    lang: str | None = None,
    scoped: Iterable[str] = (),
) -> Highlighter:
    """What results mark: the words typed outside quotes (their stems, and as word
    beginnings), the single words the search looked for (synonyms, typo and prefix forms),
    and whole phrases (quoted ones, multi-word synonyms) only where they stand together.
    In results in ``lang``, its function words are not marked, as they do not make a page
    match (``query.Plan``): the passage is the sentence with the most content words; unless
    the query has no other word. Word beginnings are marked in languages without a stemmer."""
    # Words of ``searched`` that stand for the query only in languages without a stemmer
    # (``scoped``, ``engine.Found.scoped``) are marked in those languages only.
    unstemmed = lang is None or engine.stemmer(lang) is None
    searched = set(searched) - (set() if unstemmed else set(scoped))
    typed: set[str] = set()
    content: set[str] = set()
    for token in words(_QUOTED.sub(" ", query)):
        word = fold(token.text)
        forms = {word} | {stem(word) for stem in stemmers.values() if stem}
        typed |= forms
        if lang is None or not is_stopword(word, lang):
            content |= forms
    others = {w for w in searched if lang is None or not is_stopword(w, lang)}
    if content or others:
        typed, searched = content, others
    # Words beginning like a typed one are marked in languages without a stemmer only, the
    # pages where rep search matches them (``ranking.Forms.scoped``).
    prefixes = typed if unstemmed else set()
    return Highlighter(typed | searched, prefixes=prefixes, phrases=phrases, typed=typed)


def assemble(
    search_engine: Engine,
    ranked: Sequence[tuple[float, int]],
    marks: Callable[[str], Highlighter],
    *,
    limit: int,
    prefer: str,
    default: str,
    languages: Sequence[str],
    translations_filter: Any,
    as_of: str | None,
    audience: str = "internal",
) -> list[dict[str, Any]]:
    """One result per page id, best first: shown in the rep's language ``prefer`` when that
    translation matched, else in the ``default`` language (that of source pages) when it
    did, else in the best matching one; ``translations`` lists every language the page is in
    (the rep's first), each with its link and whether it matched."""
    ids = search_engine.values("id")
    langs = search_engine.values("lang")
    groups: dict[str, list[tuple[float, int]]] = {}
    for score, docnum in ranked:
        groups.setdefault(ids[docnum] or f"#{docnum}", []).append((score, docnum))
    order = {lang: n for n, lang in enumerate(languages)}
    results = []
    for members in list(groups.values())[:limit]:
        best = members[0][0]
        by_lang = {langs[d]: d for _, d in reversed(members)}
        shown = by_lang.get(prefer, by_lang.get(default, members[0][1]))
        result = _result(search_engine, shown, best, marks, audience == "public")
        matched = {d for _, d in members}
        others = lookup.with_value(search_engine, "id", result["id"], translations_filter)
        if shown not in others:
            others.append(shown)
        others.sort(key=lambda d: (langs[d] != prefer, order.get(langs[d], len(order)), d))
        result["translations"] = [_translation(search_engine, d, d in matched) for d in others]
        if as_of is not None:
            _mark_version(result, search_engine.stored(shown))
        results.append(result)
    return results


def _result(
    search_engine: Engine,
    docnum: int,
    score: float,
    marks: Callable[[str], Highlighter],
    public: bool,
) -> dict[str, Any]:
    f, page = search_engine.reading(docnum, _page_text)
    stem = engine.stemmer(f["lang"])
    return {
        "id": f["id"],
        "title": f["title"],
        "type": f["type"],
        "lang": f["lang"],
        "audience": f["audience"],
        "state": f["state"],
        "owner": f["owner"] or None,
        "url": f["url"],
        "snippet": best_passage(page, marks(f["lang"]), stem, f["title"], public=public),
        "score": round(score, 3),
        "answer": f.get("answer") or None,
        "public_url": f["url"] if f.get("help_center") == "yes" else None,
        "internal_url": f["url"],
        "file": f["key"],
        "retired": f.get("status") == "retired",
    }


def _page_text(fields: dict[str, Any]) -> PageText:
    return PageText.from_stored(fields.get("sections") or (), fields.get("words") or {})


def _translation(search_engine: Engine, docnum: int, matched: bool) -> dict[str, Any]:
    f = search_engine.summary(docnum)
    return {
        "lang": f["lang"],
        "title": f["title"],
        "url": f["url"],
        "public_url": f["url"] if f.get("help_center") == "yes" else None,
        "internal_url": f["url"],
        "file": f["key"],
        "retired": f.get("status") == "retired",
        "id": f["id"],
        "matched": matched,
    }


def _mark_version(result: dict[str, Any], f: dict[str, Any]) -> None:
    """As of a date: whether the version found is the one in effect today, which one is,
    and when it applied."""
    current = f.get("status") == "active" and f.get("current_id") == f["id"]
    result["current"] = current
    if not current:
        result["current_id"] = f.get("current_id") or None
    start, end = f.get("start"), f.get("end")
    result["in_effect"] = {
        "from": None if start == lookup.ALWAYS else start,
        "to": None if end == lookup.STILL else end,
    }


# -- Links ----------------------------------------------------------------------------------


@functools.cache
def _site_url(config_file: Path, mtime: float) -> str | None:
    try:
        raw = load_lenient(config_file.read_text(encoding="utf-8-sig")) or {}
    except Exception:  # the project loaded it already; a failure here only drops the address
        return None
    url = raw.get("site_url") if isinstance(raw, dict) else None
    return str(url).rstrip("/") + "/" if url else None


def help_center_url(config_file: Path) -> str | None:
    """The help center's own address (``site_url`` of mkdocs.yml), if the KB sets one."""
    try:
        mtime = config_file.stat().st_mtime
    except OSError:
        return None
    return _site_url(config_file, mtime)


def place_links(
    data: dict[str, Any],
    *,
    audience: str,
    rep_site: str,
    help_center: str,
    customer: str | None,
    archive: str | None,
) -> dict[str, Any]:
    """Give each result and translation its links: ``internal_url`` on the rep site (a retired
    version at ``archive`` + id/lang/, or its file without one), ``public_url`` where a customer
    opens it (``customer`` + path, else ``help_center`` + path; None when the help center
    does not show it), and ``url``: the help-center link for the public audience, else the
    rep-site link; the public audience gets no rep-site link at all. Returns ``data``,
    changed in place."""
    for result in data["results"]:
        for item in (result, *result.get("translations", ())):
            path, public = item["url"], item.get("public_url")
            if item.get("retired"):
                internal = f"{archive}{item['id']}/{item['lang']}/" if archive else item["file"]
            else:
                internal = rep_site + path
            item["public_url"] = (customer or help_center) + public if public else None
            if audience == "public":  # the customer's view: no link into the rep site
                item["url"] = help_center + public if public else None
                item["internal_url"] = None
            else:
                item["url"] = internal
                item["internal_url"] = internal
    return data
