"""The help center's search files in a real `kb build`: one index per language, nothing more
than the help center publishes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import KBProject
from html_pages import page_from_html
from kbsite.search.analysis import fold, terms, words
from kbsite.search.engine import stemmer
from kbsite.sites.client_search.writer import ASSETS

LANGS = ("en", "it", "tl", "lv", "te")


def site_words(site: Path) -> set[str]:
    """Folded words (and their stems in every language) of every page's article text and
    KB id (in its head)."""
    found: set[str] = set()
    for path in site.rglob("*.html"):
        page = page_from_html(path.read_text(encoding="utf-8"))
        sections = (f"{h} {t}" for h, _, t in page.sections)
        text = " ".join([page.kb_id or "", page.title, page.note or "", *sections])
        found |= {fold(w.text) for w in words(text)}
        for lang in LANGS:
            found |= set(terms(text, stemmer(lang)))
    return found


#: Key names of the index's own JSON structure (manifest, writer state, buckets).
STRUCTURE = frozenset(
    "format lang stemmed gen n common shard segments dir docs buckets lengths dead types "
    "products synonyms w t p f i averages delta_docs base_gen delta_gen base_summary "
    "delta_summary url title type note sections id weight tags".split()
)
#: Values that are not page text: bucket names (first letters of words), language codes.
NOT_TEXT = frozenset({"buckets", "lengths", "lang", "dir"})


def strings(data: Any) -> list[str]:
    """The text of a JSON search file: string values and content keys (forms, ids, filter
    values), without the structure's own key names."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, list):
        return [s for item in data for s in strings(item)]
    if isinstance(data, dict):
        out = []
        for key, value in data.items():
            if key not in STRUCTURE:
                out.append(key)
            if key not in NOT_TEXT:
                out += strings(value)
        return out
    return []


def assert_own_search(site: Path) -> None:
    """Each language site of ``site`` holds our search files and its pages use them; no
    lunr index is left."""
    for lang in LANGS:
        folder = site / ("" if lang == "en" else lang) / "search"
        assert (folder / "meta.json").is_file() and (folder / "kb-search.js").is_file(), lang
        html = (folder.parent / "index.html").read_text(encoding="utf-8")
        assert 'data-kb-search="search/"' in html, lang
    assert not list(site.rglob("search_index.json"))


def test_every_language_site_has_its_own_index_and_no_lunr(built_sites: KBProject) -> None:
    """Each help-center language site holds our search files; Material's lunr index is gone."""
    assert_own_search(built_sites.root / "site/public")


def test_no_word_only_internal_content_has_is_in_any_search_file(built_sites: KBProject) -> None:
    """Words of the rep site that the help center never shows appear in no search file."""
    public = built_sites.root / "site/public"
    internal_only = site_words(built_sites.root / "site/internal") - site_words(public)
    assert {"7f3a", "reboot"} <= internal_only  # words of the fixture's internal notes
    files = [p for p in public.rglob("*") if p.is_file() and "search" in p.parts]
    assert len(files) > 10
    for path in files:
        if path.suffix != ".json":  # the client's JS and CSS, as shipped, with no page text
            assert path.read_bytes() == (ASSETS / path.name).read_bytes(), path
            continue
        text = "\n".join(strings(json.loads(path.read_text(encoding="utf-8"))))
        leaked = {fold(w.text) for w in words(text)} & internal_only
        assert not leaked, f"{path}: {sorted(leaked)[:10]}"


def test_the_rep_site_searches_its_own_index_with_internal_notes(built_sites: KBProject) -> None:
    """The rep site has the same search over what reps read: words of internal notes are in
    its index and a page's review state is its result's note. Material's lunr index is gone
    there too (63 MB at 10,000 pages, fetched and indexed again at every page load)."""
    internal = built_sites.root / "site/internal"
    assert_own_search(internal)
    texts = [
        s
        for path in (internal / "search").rglob("*.json")
        for s in strings(json.loads(path.read_text(encoding="utf-8")))
    ]
    assert {"7f3a", "reboot"} <= {fold(w.text) for w in words(" ".join(texts))}
    assert "Review overdue" in texts  # the stale refunds policy's rep banner, as its note
