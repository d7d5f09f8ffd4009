"""Unit tests of the site engine: language routing, URLs, link slots, category pages."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kbsite.dates import parse_duration
from kbsite.markdown.config import MarkdownConfig
from kbsite.markdown.model import BodyReader, fill_slots
from kbsite.pages import Page, PageMeta
from kbsite.sites.languages import plan_language_site, relative_url, url_of
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
    with pages get a page (no procedure here); titles are escaped."""
    entries = {
        "kb/hub/setup.md": Entry("Set <up>", "it/kb/hub/setup/", "article"),
        "policies/refunds.md": Entry("Refunds", "it/policies/refunds/", "policy"),
        "kb/hub/reset.md": Entry("Reset", "kb/hub/reset/?kb-from=it", "article", "in English"),
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
    assert '<a href="../../../kb/hub/reset/?kb-from=it">Reset</a> <small>in English</small>' in hub
    assert '<a href="../../policies/refunds/">Refunds</a>' in pages["browse/policy.md"].html


def test_a_type_with_many_pages_is_split_by_folder(monkeypatch) -> None:
    """Past ``BROWSE_MAX`` pages, the by-type page lists folders (with their parents' titles,
    since many share a name, and their count) and each folder has a page of its own; a title
    edit then changes one short page, not the list of every page."""
    from kbsite.sites import navigation

    monkeypatch.setattr(navigation, "BROWSE_MAX", 3)
    entries = {
        f"kb/{product}/hyper-v/{name}.md": Entry(
            f"{name.title()} <x>", f"kb/{product}/hyper-v/{name}/", "article"
        )
        for product in ("ws2019", "ws2022")
        for name in ("stop", "start")
    }
    entries["policies/refunds.md"] = Entry("Refunds", "policies/refunds/", "policy")
    pages = {g.uri: g for g in generate_index_pages(entries, ("kb", "policies"), "")}
    assert "browse/article/kb/ws2022/hyper-v/index.md" in pages
    listing = pages["browse/article.md"].html
    assert '<li><a href="kb/ws2022/hyper-v/">Ws2022 › Hyper v</a> <small>2</small></li>' in listing
    part = pages["browse/article/kb/ws2022/hyper-v/index.md"]
    assert part.title == "Ws2022 › Hyper v (Articles)"
    assert part.html.index("Start &lt;x&gt;") < part.html.index("Stop &lt;x&gt;")
    assert '<a href="../../../../../kb/ws2022/hyper-v/stop/">' in part.html
    assert "<h2" not in part.html and "<h2" in pages["browse/policy.md"].html  # not split
    entries["kb/ws2022/hyper-v/stop.md"] = Entry("Halt", "kb/ws2022/hyper-v/stop/", "article")
    again = {g.uri: g.key for g in generate_index_pages(entries, ("kb", "policies"), "")}
    changed = [uri for uri, g in pages.items() if again[uri] != g.key]
    assert changed == ["kb/ws2022/hyper-v/index.md", "browse/article/kb/ws2022/hyper-v/index.md"]
    # A folder named `index` has its own address, apart from its parent's.
    entries["kb/index/a.md"] = Entry("A", "kb/index/a/", "article")
    entries["kb/b.md"] = Entry("B", "kb/b/", "article")
    uris = [g.uri for g in generate_index_pages(entries, ("kb", "policies"), "")]
    addresses = [url_of(uri) for uri in uris]
    assert "browse/article/kb/index/" in addresses and "browse/article/kb/" in addresses
    assert len(set(addresses)) == len(addresses)


def test_blocks_go_under_the_page_title() -> None:
    """Banners and tier cards go after a leading title (``<h1>``), else first."""
    from kbsite.sites.layout import under_title

    h1 = '<h1 id="t">Title<a class="headerlink" href="#t">&para;</a></h1>'
    assert under_title(f"{h1}\n<p>Body.</p>", ["<div>x</div>"]) == (
        f"{h1}\n<div>x</div>\n<p>Body.</p>"
    )
    assert under_title("<p>Intro.</p>\n<h1>Later</h1>", ["B"]) == "B\n<p>Intro.</p>\n<h1>Later</h1>"
    assert under_title("<h2>Sub</h2>\n", ["", "  "]) == "<h2>Sub</h2>\n"


def test_docs_pages_are_internal_unless_they_say_or_are_home(tmp_path) -> None:
    """SPEC §6: a docs page without audience is internal; index.md and index.it.md are public;
    unreadable front matter fails closed."""
    from kbsite.project import load_project
    from kbsite.reading.docs import read_docs

    (tmp_path / "mkdocs.yml").write_text("site_name: T\n", "utf-8")
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    files = {
        "guide.md": "# Guide\n",
        "open.md": "---\naudience: public\n---\n# G\n",
        "index.md": "# Home\n",
        "index.it.md": "# Casa\n",
        "closed.md": "---\naudience: internal\n---\n",
        "sub/index.md": "# Sub\n",
        "broken.md": "---\naudience: [\n---\n",
    }
    for name, text in files.items():
        (docs / name).write_text(text, "utf-8")
    found = read_docs(load_project(tmp_path / "mkdocs.yml"))
    audience = {page.path: page.audience for page in found.pages}
    assert audience == {
        "docs/broken.md": "internal",
        "docs/closed.md": "internal",
        "docs/guide.md": "internal",
        "docs/index.it.md": "public",
        "docs/index.md": "public",
        "docs/open.md": "public",
        "docs/sub/index.md": "internal",
    }
    assert [p.code for p in found.problems] == ["front-matter-yaml"]


def test_labels_option_is_checked_and_laid_over_ours() -> None:
    """The `labels` option overrides and extends the built-in texts; a bad shape is named."""
    import datetime as dt

    from kbsite.sites.translations import LabelsError, labels_for

    labels = labels_for("it", {"contact.title": {"it": "Domande?"}, "date.locale": {"it": "it"}})
    assert labels("contact.title") == "Domande?"
    assert labels("nav.browse") == "Sfoglia"
    assert labels.date(dt.date(2027, 3, 1)) == "1 marzo 2027"
    assert labels_for("lv").duration(parse_duration("1d")) == "1 diena"
    assert labels_for("en").get("site.name") is None
    with pytest.raises(LabelsError, match=r"`site\.name` must map languages"):
        labels_for("en", {"site.name": "Help"})


def test_generated_headings_give_the_theme_escaped_names() -> None:
    """The theme writes a table-of-contents name as HTML: a generated heading's name is
    escaped text, as Python-Markdown's ``toc`` gives it, never markup from a title."""
    from kbsite.sites.text import heading_html, html_text

    markup, token = heading_html(2, html_text("<b>Bulbs & plugs</b>"), "bulbs")
    assert token["name"] == "&lt;b&gt;Bulbs &amp; plugs&lt;/b&gt;" == token["html"]
    assert markup.startswith('<h2 id="bulbs">&lt;b&gt;Bulbs')
    _, token = heading_html(3, "Ops (<code>ops</code>)", "ops", name="Ops (<ops>)")
    assert token["name"] == "Ops (&lt;ops&gt;)" and token["html"] == "Ops (<code>ops</code>)"
