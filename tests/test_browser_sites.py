"""The built sites in headless Chromium: language switching, per-language search, banners."""

from __future__ import annotations

import pytest

from browser import ARTIFACTS, browser_page, require_chromium, static_server
from conftest import KBProject

pytestmark = pytest.mark.browser


@pytest.fixture
def sites(built_sites: KBProject) -> KBProject:
    require_chromium()
    return built_sites


def test_switch_to_telugu_and_find_an_inflected_word(sites: KBProject) -> None:
    """Help center: switch to Telugu, search `విద్యుత్`, find the page saying `విద్యుత్తుకు`."""
    with static_server(sites.root / "site/public") as base, browser_page() as page:
        page.goto(f"{base}/")
        page.click(".md-header__option .md-select button")
        page.click('a.md-select__link[hreflang="te"]')
        page.wait_for_url(f"{base}/te/")
        assert page.get_attribute("html", "lang") == "te"
        page.click("input.md-search__input")
        page.fill("input.md-search__input", "విద్యుత్")
        page.keyboard.press("End")  # Material searches on key events
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=10_000)
        assert "హబ్‌ను అమర్చడం" in page.inner_text(".md-search-result")


def test_stale_page_shows_its_banner_on_the_rep_site(sites: KBProject) -> None:
    """Rep site: a policy overdue for review shows a visible `stale` banner naming its owner."""
    with static_server(sites.root / "site/internal") as base, browser_page() as page:
        page.goto(f"{base}/policies/refunds/")
        banner = page.locator('.kb-banner[data-kb-state="stale"]')
        assert banner.is_visible()
        assert "Billing and refunds" in banner.inner_text()


def test_fallback_notice_is_shown_in_the_reader_language(sites: KBProject) -> None:
    """An untranslated page opened from the Italian site shows the Italian notice."""
    with static_server(sites.root / "site/public") as base, browser_page() as page:
        page.goto(f"{base}/it/kb/hub/")
        page.click('article a[href*="kb-from=it"]')
        page.wait_for_load_state()
        notice = page.locator(".kb-fallback")
        assert notice.is_visible()
        assert "versione inglese" in notice.inner_text()


def test_screenshot_of_every_language(sites: KBProject) -> None:
    """Each language's help-center home renders; a screenshot per language is kept."""
    ARTIFACTS.mkdir(exist_ok=True)
    with static_server(sites.root / "site/public") as base, browser_page() as page:
        for lang in ("en", "it", "tl", "lv", "te"):
            prefix = "" if lang == "en" else f"{lang}/"
            page.goto(
                f"{base}/{prefix}policies/refunds/" if lang in ("en", "it") else f"{base}/{prefix}"
            )
            assert page.get_attribute("html", "lang") == lang
            shot = ARTIFACTS / f"help-center-{lang}.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
