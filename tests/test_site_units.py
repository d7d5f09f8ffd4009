"""Unit tests of the site engine: language routing, URLs, link slots, category pages."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kbsite.markdown.config import MarkdownConfig
from kbsite.markdown.model import BodyReader, fill_slots
from kbsite.pages import Page, PageMeta
from kbsite.sites.languages import plan_language_site, relative_url, search_options, url_of
from kbsite.sites.navigation import Entry, generate_index_pages
from kbsite.sites.visibility import public_visible

TODAY = dt.date(2026, 11, 23)


def make(path: str, lang: str = "en", source: str | None = None, **meta: object) -> Page:
    fields = {"id": "KB-X", "title": path, "audience": "public", "lang": lang, **meta}
    return Page(
        path=path,
        folder=path.split("/")[0],
        lang=lang,
        source_path=source,
        meta=PageMeta(**fields),
        parsed=True,
    )


def test_url_of_directory_urls() -> None:
    """Page paths map to MkDocs directory URLs; index pages to their folder."""
    assert url_of("kb/a/b.md") == "kb/a/b/"
    assert url_of("kb/index.md") == "kb/"
    assert url_of("index.md") == ""


@given(
    st.lists(st.sampled_from(["kb", "it", "a", "b-c", "te"]), max_size=4),
    st.lists(st.sampled_from(["kb", "it", "a", "x"]), max_size=4),
)
def test_relative_url_resolves_back(src: list[str], dst: list[str]) -> None:
    """Following the relative URL from one directory URL lands on the other."""
    import posixpath

    here = "/".join(src) + "/" if src else ""
    there = "/".join(dst) + "/" if dst else ""
    link = relative_url(here, there)
    assert posixpath.normpath(posixpath.join("/" + here, link)) == posixpath.normpath("/" + there)


def test_language_site_takes_translations_and_falls_back() -> None:
    """The Italian site serves the Italian translation at the source path; others fall back."""
    pages = [
        make("policies/refunds.md"),
        make("policies/refunds.it.md", "it", "policies/refunds.md"),
        make("kb/setup.md"),
        make("kb/notes.md", audience="internal"),
    ]
    site = plan_language_site(pages, "it", "en", public_visible, TODAY)
    assert site.prefix == "it/"
    assert site.pages == {"policies/refunds.md": pages[1]}
    assert site.fallback == {"kb/setup.md": pages[2]}


def test_search_options_per_language() -> None:
    """Languages lunr stems get their stemmer; the others index whole words."""
    assert search_options("it") == {"lang": ["it"]}
    assert search_options("lv") == {"lang": ["en"], "pipeline": []}
    assert search_options("te") == {"lang": ["en"], "pipeline": []}


def test_link_slots_filled_per_site_code_untouched_dropped_links_keep_text() -> None:
    """Each relative link becomes a slot a site fills; code keeps its text; a dropped link
    keeps its words and loses its target."""
    body = "See [a](a.md#x) and [b](../b.md).\n\n```\n[c](c.md)\n```\n\n`[d](d.md)` [e](https://x)"
    read = BodyReader(MarkdownConfig()).read(body)
    links = read.outline.links
    assert [(k.target, k.line, k.slot) for k in links] == [("a.md#x", 1, 0), ("../b.md", 1, 1)]
    page_html = fill_slots(read.rendering.html, links, {0: "../elsewhere/#x", 1: None})
    assert '<a href="../elsewhere/#x">a</a>' in page_html
    assert "<span>b</span>" in page_html and "b.md" not in page_html
    assert "[c](c.md)" in page_html and "[d](d.md)" in page_html
    assert '<a href="https://x">e</a>' in page_html


def test_category_pages_list_folders_pages_and_types() -> None:
    """Every folder with pages gets an index page; fallbacks link out with a note; only types
    with pages get a page; titles are escaped."""
    entries = {
        "kb/hub/setup.md": Entry("Set <up>", "it/kb/hub/setup/", "article"),
        "policies/refunds.md": Entry("Refunds", "it/policies/refunds/", "policy"),
        "kb/hub/reset.md": Entry("Reset", "kb/hub/reset/?kb-from=it", "article", "English"),
    }
    pages = {g.uri: g for g in generate_index_pages(entries, ("kb", "policies"), "it/")}
    assert set(pages) == {
        "kb/index.md",
        "kb/hub/index.md",
        "policies/index.md",
        "browse/policy.md",
        "browse/article.md",
    }
    assert '<a href="hub/">Hub</a>' in pages["kb/index.md"].html
    hub = pages["kb/hub/index.md"].html
    assert '<a href="setup/">Set &lt;up&gt;</a>' in hub
    assert '<a href="../../../kb/hub/reset/?kb-from=it">Reset</a> <small>English</small>' in hub
    assert '<a href="../../policies/refunds/">Refunds</a>' in pages["browse/policy.md"].html
