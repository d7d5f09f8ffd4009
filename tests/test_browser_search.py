"""The rep search page in headless Chromium: keyboard-first search as you type."""

from __future__ import annotations

import pytest

from browser import ARTIFACTS, browser_page, require_chromium
from conftest import KBProject
from test_server import serving

pytestmark = pytest.mark.browser


def test_type_choose_with_arrows_open_and_clear(search_project: KBProject) -> None:
    """Focus starts in the box; typing shows results; ↓ and Enter open one; Esc clears."""
    require_chromium()
    with serving(search_project.root) as base, browser_page() as page:
        page.goto(f"{base}/")
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.type("refunds")
        page.locator("li.result").first.wait_for(timeout=10_000)
        assert "Refunds and replacements" in page.inner_text("#results")
        assert page.locator("li.result.active").count() == 1
        assert page.locator("li.result mark").count() >= 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "rep-search.png"))
        page.keyboard.press("Escape")
        assert page.locator("li.result").count() == 0 and page.input_value("#q") == ""
        page.keyboard.type("rimborso")
        page.locator("li.result").first.wait_for(timeout=10_000)
        target = page.locator("li.result.active").get_attribute("data-url")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}{target}")
