"""The rep's desk in headless Chromium: the keyboard, the URL, the rep's language, copying,
the customer view and searching as of a date, with screenshots at 1280 and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium
from conftest import TODAY, KBProject
from test_desk import SITE_URL, write_desk_kb
from test_server import serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def desk_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kb serve` on the desk KB (indexed, sites not built: opening a page gives the server's
    "not built" page, enough to leave and come back)."""
    require_chromium()
    project: KBProject = write_desk_kb(tmp_path_factory.mktemp("desk-browser") / "kb")
    assert project.kb("index", "--today", TODAY).code == 0
    with serving(project.root) as base:
        yield base


@contextmanager
def chromium(locale: str = "en-US", width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A Chromium page allowed to use the clipboard, in the given browser language."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                locale=locale,
                viewport={"width": width, "height": height},
                permissions=["clipboard-read", "clipboard-write"],
                # The page's own CSP forbids eval, which Playwright's waits use; the policy
                # itself is tested in test_server_hardening.py.
                bypass_csp=True,
            )
            yield context.new_page()
        finally:
            browser.close()


def wait_results(page: Any) -> None:
    page.locator("li.result").first.wait_for(timeout=10_000)


def active_id(page: Any) -> str:
    return page.locator("li.result.active").get_attribute("data-id")


def test_keyboard_menus_back_refresh_and_slash(desk_base: str) -> None:
    """↑/↓ move through results from the box but change a focused menu's value; the query
    and filters are in the URL; Enter opens the chosen result; Back and a refresh restore
    the query, filters, results and the chosen result; `/` returns to the box."""
    with chromium() as page:
        page.goto(f"{desk_base}/")
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.type("refund")
        wait_results(page)
        page.wait_for_function("location.search.includes('q=refund')")
        assert page.locator('li.result[data-id="POL-RETURNS"]').count() == 1
        assert page.locator('li.result[data-id="POL-RETURNS"] .chip').count() == 4
        page.keyboard.press("ArrowDown")
        chosen = active_id(page)
        assert chosen != "POL-RETURNS"
        for _ in range(3):  # the rep's language, the language filter, then the type menu
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "type"
        page.keyboard.press("ArrowDown")
        page.wait_for_function("location.search.includes('type=policy')")
        assert page.input_value("#type") == "policy"
        wait_results(page)
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.press("ArrowDown")
        chosen = active_id(page)
        url = page.locator("li.result.active").get_attribute("data-url")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{desk_base}{url}")
        page.go_back()
        wait_results(page)
        assert page.input_value("#q") == "refund" and page.input_value("#type") == "policy"
        page.wait_for_function(
            f"document.querySelector('li.result.active')?.dataset.id === '{chosen}'"
        )
        page.reload()
        wait_results(page)
        assert page.input_value("#q") == "refund" and page.input_value("#type") == "policy"
        page.click("header h1")  # focus leaves the box; `/` brings it back
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.press("Escape")
        assert page.locator("li.result").count() == 0 and page.input_value("#q") == ""


def test_copy_buttons_and_keys(desk_base: str) -> None:
    """Alt+A copies the answer, the button the customer link (the help center's own
    address), Alt+L the rep link; an internal page has no customer link to copy."""
    with chromium() as page:
        page.goto(f"{desk_base}/?q=refund")
        wait_results(page)
        assert active_id(page) == "POL-RETURNS"
        clipboard = "navigator.clipboard.readText()"
        page.keyboard.press("Alt+A")
        page.wait_for_function(f"{clipboard}.then(t => t.startsWith('Opened devices'))")
        assert page.evaluate(clipboard) == (
            "Opened devices come back within thirty days of delivery, for a full refund."
        )
        page.locator('li.result.active button[data-copy="customer"]').click()
        page.wait_for_function(f"{clipboard}.then(t => t.startsWith('https://'))")
        assert page.evaluate(clipboard) == SITE_URL + "policies/returns/"
        page.keyboard.press("Alt+L")
        page.wait_for_function(f"{clipboard}.then(t => t.includes('/internal/'))")
        assert page.evaluate(clipboard) == f"{desk_base}/internal/policies/returns/"
        goodwill = page.locator('li.result[data-id="POL-GOODWILL"]')
        assert goodwill.locator('button[data-copy="customer"]').is_disabled()
        assert not goodwill.locator('button[data-copy="answer"]').is_disabled()


def test_language_customer_view_and_as_of_date(desk_base: str) -> None:
    """The rep's language comes from the browser and is remembered when changed; the
    customer view links only into the help center; a date shows the version then in effect,
    marked retired with today's version; the search page links to the rep site and its
    content-health page."""
    with chromium(locale="it-IT") as page:
        page.goto(f"{desk_base}/?q=refund")
        wait_results(page)
        assert page.input_value("#mine") == "it"
        assert page.locator("nav.kb-desk a[href='/internal/']").count() == 1
        assert page.locator("nav.kb-desk a[href='/internal/kb-health/']").count() == 1
        page.select_option("#mine", "tl")
        page.reload()
        wait_results(page)
        assert page.input_value("#mine") == "tl"
        assert page.locator("li.result").first.get_attribute("lang") == "tl"
        page.select_option("#audience", "public")
        page.wait_for_function("location.search.includes('audience=public')")
        page.wait_for_function("!document.querySelector('li.result[data-id=\"POL-GOODWILL\"]')")
        wait_results(page)
        hrefs = page.eval_on_selector_all("#results a", "links => links.map(a => a.href)")
        assert hrefs and not [h for h in hrefs if "/internal/" in h]
        assert page.locator('li.result.active button[data-copy="rep"]').is_disabled()
        page.select_option("#audience", "internal")
        page.select_option("#mine", "en")
        page.fill("#q", "opened device")
        page.fill("#asof", "2025-01-01")
        page.wait_for_function("location.search.includes('as_of=2025-01-01')")
        page.wait_for_function(
            "document.querySelector('li.result .title')?.textContent === 'Returns (2024 rules)'"
        )
        version = page.inner_text("li.result.active .version")
        assert "Retired version" in version and "2024-03-01 – 2025-12-31" in version
        assert "Today: POL-RETURNS" in version
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "desk-as-of-1280.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_the_search_page(desk_base: str, width: int) -> None:
    """The search page at desktop and phone widths: nothing wider than the screen."""
    with chromium(width=width, height=800) as page:
        page.goto(f"{desk_base}/?q=refund")
        wait_results(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"desk-search-{width}.png"), full_page=True)
