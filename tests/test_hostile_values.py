"""Markup in titles, tags, owner names and e-mails shows as typed and never runs: a real
`kb build` of a fixture whose every such value holds a script, checked in every built file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from conftest import FIXTURES, TODAY, KBProject, run_kb

MARK = "kbxss"  # every hostile value in the fixture calls alert('kbxss-…')


class Executable(HTMLParser):
    """What a browser would run in a page: script text, on* handlers, javascript: URLs.
    (Stricter than a browser: it also reads a <script> inside <title> as one.)"""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.script = False
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.script = self.script or tag == "script"
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on") and MARK in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "data") and (
                value.lower().startswith(("javascript:", "data:text/html"))
            ):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.script = self.script and tag != "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.script = False

    def handle_data(self, data: str) -> None:
        if self.script and MARK in data:
            self.found.append(f"<script>{data.strip()[:80]}")


def executable(html: str) -> list[str]:
    parser = Executable()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KBProject]:
    root = tmp_path_factory.mktemp("hostile") / "kb"
    shutil.copytree(FIXTURES / "hostile_kb", root)
    result = run_kb("build", "--today", TODAY, cwd=root, timeout=300)
    assert result.code == 0, result.err
    yield KBProject(root)


def test_no_built_file_runs_a_value_from_front_matter_or_owners(hostile: KBProject) -> None:
    """Every HTML file of both sites, every language: no script, handler or javascript: link
    carries a hostile value; the values are there, as text, on the pages that show them."""
    site = hostile.root / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    shown: set[str] = set()
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert executable(html) == [], path.relative_to(site)
        if MARK in html:
            shown.add(path.relative_to(site).as_posix())
    expected = {
        "internal/policies/refunds/index.html",  # <title>, header, banners, footer
        "public/policies/refunds/index.html",
        "internal/policies/escalation/outage/index.html",  # escalation tiers
        "internal/kb/billing/index.html",  # category page
        "public/browse/article/index.html",  # by-type page
        "internal/kb-health/index.html",  # content health: owners, e-mails, titles
        "internal/it/kb/billing/invoices/index.html",  # a translation
    }
    assert expected <= shown
    health = (site / "internal/kb-health/index.html").read_text(encoding="utf-8")
    assert "Billing &lt;script&gt;alert(&#x27;kbxss-owner-name&#x27;)&lt;/script&gt; team" in health
    refunds = (site / "internal/policies/refunds/index.html").read_text(encoding="utf-8")
    assert "<title>Refunds &lt;script&gt;alert(&#x27;kbxss-title&#x27;)" in refunds
    assert not list(site.rglob("search_index.json"))  # each site has its own search (below)


@pytest.mark.browser
def test_chromium_shows_hostile_values_as_text(hostile: KBProject) -> None:
    """In Chromium no hostile value runs on the pages that show them, and the header shows
    the title exactly as its author typed it."""
    from browser import ARTIFACTS, browser_page, static_server

    title = "Refunds <script>alert('kbxss-title')</script> &lt;/title&gt;"
    with static_server(hostile.root / "site") as base, browser_page() as tab:
        alerts: list[str] = []
        tab.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
        for path in ("internal/policies/refunds/", "public/policies/refunds/",
                     "internal/policies/escalation/outage/", "internal/kb/billing/",
                     "internal/kb-health/", "internal/it/kb/billing/invoices/",
                     "internal/guide/"):  # fmt: skip
            tab.goto(f"{base}/{path}")
            tab.wait_for_load_state("load")
        tab.goto(f"{base}/internal/policies/refunds/")
        tab.click("input.md-search__input")  # the rep site's search shows the title as text
        tab.fill("input.md-search__input", "refunds")
        tab.locator(".md-search-result__item").first.wait_for(timeout=10_000)
        assert "<script>alert('kbxss-title')</script>" in tab.inner_text(".md-search-result")
        header = tab.inner_text(".md-header__topic:last-child .md-ellipsis")
        assert header.startswith(title)
        assert tab.title().startswith(title)
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "hostile-policy-1280.png"))
        tab.goto(f"{base}/internal/kb-health/")
        tab.set_viewport_size({"width": 390, "height": 800})
        tab.screenshot(path=str(ARTIFACTS / "hostile-health-390.png"))
        assert alerts == []


def test_the_checker_finds_what_a_browser_would_run() -> None:
    """The scan above is not blind: raw scripts, handlers and javascript: links are found,
    the same values escaped as text are not."""
    raw = ["<p><script>alert('kbxss-1')</script></p>", "<img src=x onerror=alert('kbxss-2')>",
           "<a href=\"JavaScript:alert('kbxss-3')\">x</a>", "<svg onload=alert('kbxss-4')/>",
           "<title>x</title><script>alert('kbxss-5')</script>"]  # fmt: skip
    assert all(executable(html) for html in raw)
    escaped = "<p>&lt;script&gt;alert('kbxss')&lt;/script&gt; &lt;img onerror=alert('kbxss')&gt;"
    assert executable(escaped) == []
