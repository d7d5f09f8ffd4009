"""The help center's own search in headless Chromium, through the built pages themselves."""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import pytest

from browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    browser_page,
    require_chromium,
    static_server,
)
from conftest import REPO, KBProject
from kbsite.search.analysis import fold, words
from kbsite.sites.client_search import ClientDoc, update_index

pytestmark = pytest.mark.browser

#: Types a query and resolves with the ids the page then shows.
TYPE = """async (query) => {
  const box = document.querySelector("[data-kb-search]");
  const input = box.querySelector("input[name=q]");
  const shown = new Promise((resolve) => box.addEventListener("kb-search-results", (e) => {
    if (e.detail.query === query) resolve();
  }));
  input.focus();
  input.value = query;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  await shown;
  return [...box.querySelectorAll(".md-search-result__item")].map((li) => li.dataset.kbId);
}"""


def test_search_box_finds_a_typo_shows_type_and_filters(built_sites: KBProject) -> None:
    """`refnud` finds the refund policy, labelled as a policy; the type filter narrows the list."""
    require_chromium()
    with static_server(built_sites.root / "site/public") as base, browser_page() as page:
        page.goto(f"{base}/")
        page.click("input[name=q]")
        page.keyboard.type("refnud")
        page.wait_for_selector(".md-search-result__item", state="attached")
        first = page.locator(".md-search-result__item").first
        assert first.get_attribute("data-kb-id") == "POL-REFUND"
        assert first.locator(".kb-search-type").inner_text() == "Policy"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "help-search-1280.png"))
        assert "KB-HUB-SETUP" in page.evaluate(TYPE, "money back")  # synonym of refund
        page.select_option("select[data-kb-filter=type]", "article")
        page.wait_for_function(
            "[...document.querySelectorAll('.md-search-result__item')]"
            ".every((li) => li.querySelector('[data-kb-type=article]'))"
        )
        assert "POL-REFUND" not in page.evaluate(TYPE, "POL-REFUND")  # a policy, not an article
        page.select_option("select[data-kb-filter=type]", "")
        assert page.evaluate(TYPE, "pol-refund") == ["POL-REFUND"]
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/policies/refunds/")
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(f"{base}/it/")
        page.click("label.md-header__button[for=__search]")
        page.keyboard.type("rimborso")
        page.wait_for_selector(".md-search-result__item", state="visible")
        page.screenshot(path=str(ARTIFACTS / "help-search-390.png"))


def test_without_javascript_a_search_icon_leads_to_the_category_pages(
    built_sites: KBProject,
) -> None:
    """With JavaScript off (Material hides its search box), the header's search icon opens
    the category pages, which list every page."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with static_server(built_sites.root / "site/public") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(java_script_enabled=False).new_page()
            page.goto(f"{base}/")
            page.click("a.kb-search-nojs")
            page.wait_for_url(f"{base}/browse/policy/")
            assert "Refunds and replacements" in page.inner_text("article")
            assert page.locator("a[href$='../article/']").count() >= 1
        finally:
            browser.close()


def test_browser_words_and_folding_equal_the_python_analysis(built_sites: KBProject) -> None:
    """The client cuts and folds words exactly as search/analysis.py does (varied scripts;
    marks come inside syllables, as in real text: a string that starts with a lone virama is
    cut differently by Unicode versions)."""
    require_chromium()
    rng = random.Random(7)
    alphabet = (
        list("aAzZ09 -_.,'ßÉéÀàĀāŠšŽžĶķ")
        + list("ΑάΣσςЖжЁё")
        + [
            "రీ",
            "ఫం",
            "డ్",
            "\u200c",
            "ను",
            "కు",
            "మా",
            "ప్",
            "ൽ",
            "กำ",
            "👍🏽",
        ]
    )
    texts = ["".join(rng.choices(alphabet, k=rng.randint(1, 14))) for _ in range(300)]
    texts += ["రీఫండ్‌ను ఇవ్వండి", "Città ĀTMAKSA", "Straße ΣΟΦΟΣ", "e-pasts"]
    with static_server(built_sites.root / "site/public") as base, browser_page() as page:
        page.goto(f"{base}/")
        page.wait_for_function("window.kbSearch")
        got = page.evaluate(
            "(texts) => texts.map((t) => kbSearch.words(t).map(kbSearch.fold))", texts
        )
    want = [[fold(w.text) for w in words(t)] for t in texts]
    assert got == want


def test_browser_derives_the_words_python_does(built_sites: KBProject) -> None:
    """The client finds the same derived words as search/derivation.py, in the same order,
    from the tables in the English site's meta.json (words built from every ending and
    inflection of the tables, and others)."""
    require_chromium()
    from kbsite.search.derivation import related, table

    tables = table("en")
    assert tables is not None
    rng = random.Random(11)
    endings = [e for pair in tables["endings"] + tables["inflections"] for e in pair if e]
    starts = ["pay", "c", "sh", "extend", "subm", "notif", "deli", "ss", "rés", "రీఫ", "a👍🏽"]
    texts = [
        "".join([rng.choice(starts), *rng.choices(endings, k=rng.randint(0, 2))])
        for _ in range(400)
    ]
    texts += ["pay", "payments", "submitted", "every", "colour", "x", ""]
    with static_server(built_sites.root / "site/public") as base, browser_page() as page:
        page.goto(f"{base}/")
        page.wait_for_function("window.kbSearch")
        meta = page.evaluate("() => kbSearch.index.load().then((m) => m.derive)")
        got = page.evaluate(
            "(texts) => kbSearch.index.load().then((m) => texts.map((t) => kbSearch.related(t, m.derive)))",
            texts,
        )
    assert meta == tables
    assert got == [list(related(t, "en")) for t in texts]
    assert "payment" in got[texts.index("pay")]


def test_the_help_center_finds_words_derived_from_those_typed(
    built_sites: KBProject, tmp_path: Path
) -> None:
    """`pay` finds a page that only speaks of payments; `deliver` one that only has
    deliveries (an inflection of `delivery`, which no page writes). Words, and filter values,
    that name what every JavaScript object has (`constructor`) are looked up as any other."""
    require_chromium()
    site = tmp_path / "public"
    shutil.copytree(built_sites.root / "site/public", site)
    pages = [
        ClientDoc(
            url=f"kb/{key.lower()}/",
            title=title,
            type="article",
            sections=(("", "", text),),
            id=f"KB-{key}",
        )
        for key, title, text in (
            ("DUES", "Monthly dues", "Payments are taken on the first day of the month."),
            ("TRUCKS", "Trucks", "Deliveries arrive on Mondays."),
        )
    ]
    update_index(site / "search", "en", pages, [])
    with static_server(site) as base, browser_page() as page:
        page.goto(f"{base}/")
        page.click("input[name=q]")
        assert "KB-DUES" in page.evaluate(TYPE, "pay")
        assert "KB-TRUCKS" in page.evaluate(TYPE, "deliver")
        # Words that name properties every JavaScript object has are words like others.
        box = page.locator("[data-kb-search]")
        for word in ("constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"):
            box.evaluate("(root) => (root.dataset.kbState = 'typed')")
            page.fill("input[name=q]", word)
            page.wait_for_function(
                "['done', 'error'].includes(document.querySelector('[data-kb-search]')"
                ".dataset.kbState)"
            )
            assert box.get_attribute("data-kb-state") == "done", word
            found = "(f) => kbSearch.search('refund', f).then((a) => a.total)"
            assert page.evaluate(found, {"type": word}) == 0, word  # no such type


def test_an_updated_index_serves_the_new_page_and_drops_the_removed_one(
    built_sites: KBProject, tmp_path: Path
) -> None:
    """After update_index (one page added, one removed), the page finds the new and not the old."""
    require_chromium()
    site = tmp_path / "public"
    shutil.copytree(built_sites.root / "site/public", site)
    added = ClientDoc(
        url="kb/hub/firmware/",
        title="Firmware of the hub",
        type="article",
        sections=(("", "", "The hub installs firmware overnight."),),
        id="KB-HUB-FIRMWARE",
    )
    summary = update_index(site / "search", "en", [added], ["policies/refunds/"])
    assert summary.delta_docs == 1 and summary.dead == 1
    with static_server(site) as base, browser_page() as page:
        page.goto(f"{base}/")
        assert page.evaluate(TYPE, "firmwre overnight") == ["KB-HUB-FIRMWARE"]
        assert "POL-REFUND" not in page.evaluate(TYPE, "replacements")


@pytest.mark.slow
def test_relevance_in_the_browser_is_within_005_of_rep_search() -> None:
    """On the judged help-center queries, Recall@5 and MRR@10 per language are within 0.05 of
    rep search restricted to public pages (the sample KB, every language)."""
    require_chromium()
    sys.path.insert(0, str(REPO / "benchmarks"))
    from client_search_relevance import LANGS, evaluate

    table, misses = evaluate()
    client, rep = table["help center (browser)"], table["rep search (public)"]
    for lang in LANGS:
        assert client[lang]["queries"] >= 15, lang
        for measure in ("recall@5", "mrr@10"):
            assert client[lang][measure] >= rep[lang][measure] - 0.05, (lang, measure, misses)
