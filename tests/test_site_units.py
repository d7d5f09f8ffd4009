"""Unit tests of the site engine: language routing, URLs, link rewriting, category pages."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kbsite.dates import parse_duration
from kbsite.pages import Page, PageMeta
from kbsite.sites.languages import plan_language_site, relative_url, search_options, url_of
from kbsite.sites.links import rewrite_links
from kbsite.sites.navigation import generate_index_pages
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


def test_rewrite_links_keeps_code_and_drops_hidden_targets() -> None:
    """Links are resolved per target; code is untouched; dropped links keep their text."""
    body = "See [a](a.md#x) and [b](../b.md).\n```\n[c](c.md)\n```\n`[d](d.md)` [e](https://x)"
    seen = []

    def resolve(path: str, anchor: str | None) -> str | None:
        seen.append((path, anchor))
        return None if path == "kb/b.md" else "../elsewhere/#x"

    result = rewrite_links(body, "kb/hub/p.md", resolve)
    assert seen == [("kb/hub/a.md", "x"), ("kb/b.md", None)]
    assert result.markdown.splitlines()[0] == "See [a](../elsewhere/#x) and b."
    assert "[c](c.md)" in result.markdown and "`[d](d.md)`" in result.markdown
    assert result.dropped == [(1, "../b.md")]


def test_category_pages_list_folders_pages_and_types() -> None:
    """Every folder with pages gets an index page; fallbacks link out with a note; each type
    with pages gets a page (no procedure here, so no empty procedures page)."""
    mounted = {
        "kb/hub/setup.md": make("kb/hub/setup.md", title="Set up"),
        "policies/refunds.md": make("policies/refunds.md", type="policy", title="Refunds"),
    }
    fallback = {"kb/hub/reset.md": make("kb/hub/reset.md", title="Reset")}
    pages = generate_index_pages(
        mounted, fallback, lambda uri: f"../{url_of(uri)}?kb-from=it", ("kb", "policies"), set()
    )
    assert set(pages) == {
        "kb/index.md",
        "kb/hub/index.md",
        "policies/index.md",
        "browse/policy.md",
        "browse/article.md",
    }
    assert "- [Hub](hub/index.md)" in pages["kb/index.md"]
    hub = pages["kb/hub/index.md"]
    assert "- [Set up](setup.md)" in hub
    assert "- [Reset](../../../kb/hub/reset/?kb-from=it) <small>in English</small>" in hub
    assert "[Refunds](../policies/refunds.md)" in pages["browse/policy.md"]


def test_blocks_go_under_the_page_title() -> None:
    """Banners and tier cards go after a leading `# Title` (ATX or setext), else first."""
    from kbsite.sites.layout import under_title

    assert under_title("# Title\n\nBody.\n", ["<div>x</div>"]) == (
        "# Title\n\n<div>x</div>\n\n\nBody.\n"
    )
    assert under_title("Title\n=====\nBody.", ["B"]).startswith("Title\n=====\n\nB\n\n")
    assert under_title("Intro.\n\n# Later", ["B"]) == "B\n\nIntro.\n\n# Later"
    assert under_title("## Sub\n", ["", "  "]) == "## Sub\n"


def test_docs_pages_are_internal_unless_they_say_or_are_home() -> None:
    """SPEC §6: a docs page without audience is internal; index.md and index.it.md are public."""
    from kbsite.sites.visibility import docs_audience

    assert docs_audience("guide.md", "# Guide\n") == "internal"
    assert docs_audience("guide.md", "---\naudience: public\n---\n# G\n") == "public"
    assert docs_audience("index.md", "# Home\n") == "public"
    assert docs_audience("index.it.md", "# Home\n") == "public"
    assert docs_audience("index.md", "---\naudience: internal\n---\n") == "internal"
    assert docs_audience("sub/index.md", "# Sub\n") == "internal"
    assert docs_audience("index.md", "---\naudience: [\n---\n") == "internal"  # fails closed


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
