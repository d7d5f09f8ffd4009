"""The reader-feedback widget in headless Chromium: a help-center vote crosses origins to
`kb serve` (CORS) and shows in /api/insights; a rep flags a page; texts follow the language."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from browser import ARTIFACTS, browser_page, require_chromium, static_server
from conftest import TODAY, KBProject
from test_feedback_http import kb_serve, make_search_project
from test_server import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KBProject, str, str]]:
    """A KB built with `feedback_url` pointing at its `kb serve`, and its help center served
    from another origin (a static server), as it would be on a static host."""
    require_chromium()
    from conftest import MINIMAL_MKDOCS

    root = tmp_path_factory.mktemp("widget") / "kb"
    api_port = free_port()
    with static_server(root / "site/public") as help_center:
        mkdocs = MINIMAL_MKDOCS.replace(
            "      languages: [en, it, tl, lv, te]\n",
            "      languages: [en, it, tl, lv, te]\n"
            f"      feedback_url: http://127.0.0.1:{api_port}/\n"
            f"      help_center_origin: {help_center}\n"
            "      feedback_searches: true\n",
        )
        project = make_search_project(root, mkdocs)
        built = project.kb("build", "--today", TODAY, timeout=300)
        assert built.code == 0, built.err
        with kb_serve(project.root, "--workers", "2", port=api_port) as api:
            yield project, help_center, api


def insights_page(api: str, page_id: str, lang: str, want: str) -> dict:
    deadline = time.monotonic() + 10
    while True:
        pages = httpx.get(f"{api}/api/insights").json()["pages"]
        found = next((p for p in pages if (p["id"], p["lang"]) == (page_id, lang)), {})
        if found.get(want) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def shoot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
        page.locator(".kb-feedback").scroll_into_view_if_needed()  # type: ignore[attr-defined]
        page.screenshot(path=str(ARTIFACTS / f"feedback-{name}-{width}.png"))  # type: ignore[attr-defined]


def test_help_center_vote_reaches_insights_across_origins(
    served: tuple[KBProject, str, str],
) -> None:
    """On the help center (another origin), "No" + a comment + Send records an unhelpful vote
    with its comment, visible in /api/insights; "Flag as outdated" is not offered."""
    _, help_center, api = served
    with browser_page() as page:
        page.goto(f"{help_center}/policies/refunds/")
        widget = page.locator(".kb-feedback")
        widget.wait_for(state="visible", timeout=10_000)
        assert "Was this page helpful?" in widget.inner_text()
        assert page.locator(".kb-feedback__flag").count() == 0
        page.click(".kb-feedback__no")
        page.fill("#kb-feedback-comment", "<b>The label</b> link is missing")
        shoot(page, "public-form")
        page.click(".kb-feedback__form button[type=submit]")
        page.locator(".kb-feedback__status").filter(has_text="Thank you").wait_for(timeout=10_000)
        assert page.locator(".kb-feedback__no").is_hidden()
        shoot(page, "public-thanks")
    entry = insights_page(api, "POL-REFUND", "en", "unhelpful")
    assert entry["unhelpful"] == 1 and entry["comments"] == ["<b>The label</b> link is missing"]


def test_rep_flags_a_page_as_outdated(served: tuple[KBProject, str, str]) -> None:
    """On the rep site served by `kb serve`, "Flag as outdated" + Send records a flag."""
    _, _, api = served
    with browser_page() as page:
        page.goto(f"{api}/internal/policies/refunds/")
        page.locator(".kb-feedback").wait_for(state="visible", timeout=10_000)
        shoot(page, "rep")
        page.click(".kb-feedback__flag")
        assert "What is outdated?" in page.inner_text(".kb-feedback__form label")
        page.fill("#kb-feedback-comment", "The 5-day promise changed")
        page.click(".kb-feedback__form button[type=submit]")
        page.locator(".kb-feedback__status").filter(has_text="Flagged").wait_for(timeout=10_000)
    entry = insights_page(api, "POL-REFUND", "en", "flags")
    assert entry["flags"] == 1 and "The 5-day promise changed" in entry["comments"]


def test_widget_speaks_the_page_language_and_yes_is_one_click(
    served: tuple[KBProject, str, str],
) -> None:
    """The Telugu page asks in Telugu; "Yes" sends at once and thanks in Telugu."""
    _, help_center, api = served
    with browser_page() as page:
        page.goto(f"{help_center}/te/policies/refunds/")
        widget = page.locator(".kb-feedback")
        widget.wait_for(state="visible", timeout=10_000)
        assert "ఈ పేజీ మీకు ఉపయోగపడిందా?" in widget.inner_text()
        page.click(".kb-feedback__yes")
        page.locator(".kb-feedback__status").filter(has_text="ధన్యవాదాలు").wait_for(timeout=10_000)
        shoot(page, "te-thanks")
    assert insights_page(api, "POL-REFUND", "te", "helpful")["helpful"] == 1


def test_help_center_searches_are_sent_in_a_batch(served: tuple[KBProject, str, str]) -> None:
    """Searching the help center, then leaving the page, logs the query (site public) with the
    number of results Material showed."""
    _, help_center, api = served
    with browser_page() as page:
        page.goto(f"{help_center}/it/")
        page.locator(".kb-feedback").count()  # home: no kb-id, the widget stays hidden
        page.goto(f"{help_center}/it/policies/refunds/")
        page.locator(".kb-feedback").wait_for(state="visible", timeout=10_000)
        page.click("input.md-search__input")
        page.fill("input.md-search__input", "zzqx nessuno")
        page.keyboard.press("End")
        page.wait_for_timeout(2500)  # the widget counts a query once typing has paused
        page.evaluate("window.kbFeedback.flush()")
    deadline = time.monotonic() + 10
    found: list[dict] = []
    while not found and time.monotonic() < deadline:
        found = [
            s
            for s in httpx.get(f"{api}/api/insights").json()["searches"]
            if s["query"] == "zzqx nessuno"
        ]
        time.sleep(0.3)
    assert found == [
        {"query": "zzqx nessuno", "lang": "it", "site": "public", "count": 1, "zero_results": 1}
    ]


def test_no_widget_on_help_center_without_feedback_url(built_sites: KBProject) -> None:
    """Without `feedback_url` the help center has no widget and no widget assets; the rep
    site always has it."""
    public = built_sites.root / "site/public"
    pages = list(public.rglob("*.html"))
    assert pages and not any("kb-feedback" in p.read_text("utf-8") for p in pages)
    assert not list(public.rglob("feedback.js"))
    rep = (built_sites.root / "site/internal/policies/refunds/index.html").read_text("utf-8")
    assert 'class="kb-feedback"' in rep and 'data-kb-site="internal"' in rep
