"""The help center's search files in a real `kb build`: one index per language, nothing more
than the help center publishes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import TODAY, KBProject, page
from html_pages import page_from_html
from kbsite.search import derivation
from kbsite.search.analysis import fold, terms, words
from kbsite.search.engine import stemmer
from kbsite.sites.client_search.segment import Segment
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
    "delta_summary url title type note sections id weight tags answer".split()
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
        data = json.loads(path.read_text(encoding="utf-8"))
        if path.name == "meta.json":  # the derivation tables are the code's, not page text
            assert data.pop("derive") == derivation.table(data["lang"]), path
        text = "\n".join(strings(data))
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


HEADING = 0b010  # the heading bit of a posting's field mask (segment.FIELDS)


def finds(search: Path, word: str, scratch: Path) -> dict[str, int]:
    """The live pages whose entry in the index in ``search`` holds ``word`` (as the browser
    looks it up: its terms), by URL, with the mask of the fields it is in. A packed delta is
    unpacked into ``scratch`` to be read as a segment folder."""
    meta = json.loads((search / "meta.json").read_text(encoding="utf-8"))
    wanted = set(terms(word, stemmer(meta["lang"])))
    found: dict[str, int] = {}
    for summary in meta["segments"]:
        folder = search / summary["dir"]
        if summary.get("pack"):
            packed = json.loads(folder.with_name(f"{folder.name}.json").read_text("utf-8"))
            folder = scratch / f"{search.parent.parent.name}-{summary['dir']}"
            for rel, data in packed.items():
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_text(json.dumps(data), encoding="utf-8")
        segment = Segment.read(folder)
        for term in wanted:
            for docnum, value in segment.postings.get(term, []):
                if docnum not in summary["dead"]:
                    url = segment.records[docnum].url
                    found[url] = found.get(url, 0) | value & 0b111
    return found


def search_words(search: Path) -> set[str]:
    """Every folded word of every JSON file of the index in ``search``."""
    texts = [
        s for path in search.rglob("*.json") for s in strings(json.loads(path.read_text("utf-8")))
    ]
    return {fold(w.text) for w in words(" ".join(texts))}


def test_the_rep_sites_search_finds_a_word_only_the_short_answer_has(
    make_project: Any, tmp_path: Path
) -> None:
    """A word written only in a page's short answer (``answer``) finds the page on the rep
    site, as a heading word (as rep search weighs it); the help center, which does not show
    the answer, has it in no search file. Editing only the answer reaches the rep site's index
    at the next, incremental build."""
    returns = page(
        "# Returns\n\nSend the device back in its box.\n\n## Refunds\n\nPaid to the card.\n",
        id="KB-RETURNS",
        title="Returns",
        audience="public",
        last_reviewed="2026-10-01",
        answer="Opened devices come back within 30 days, less a restocking fee.",
    )
    project = make_project({"kb/returns.md": returns})
    assert project.kb("build", "--today", TODAY).code == 0
    rep, public = project.root / "site/internal/search", project.root / "site/public/search"
    assert finds(rep, "restocking", tmp_path) == {"kb/returns/": HEADING}
    assert finds(public, "returns", tmp_path)  # the page is in the help center's index...
    assert finds(public, "restocking", tmp_path) == {}  # ...but not its answer
    assert not {"restocking", "opened", "fee"} & search_words(public)

    project.write("kb/returns.md", returns.replace("restocking", "repackaging"))
    assert project.kb("build", "--today", TODAY).code == 0
    meta = json.loads((rep / "meta.json").read_text(encoding="utf-8"))
    assert [s["dir"][0] for s in meta["segments"]] == ["b", "d"]  # an update, not a rewrite
    assert finds(rep, "repackaging", tmp_path) == {"kb/returns/": HEADING}
    assert finds(rep, "restocking", tmp_path) == {}
    assert not {"restocking", "repackaging"} & search_words(public)
