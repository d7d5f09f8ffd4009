"""The sample KB's help center as a customer meets it (issue 15), and its rep site.

One real `kb build` of the repository's sample KB (kb/, policies/, docs/, mkdocs.yml), served
the way a static host serves it: under a path prefix (`/public/`), with one root 404.html for
every missing path. Screenshots of every page checked land in test-artifacts/help-center/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, axe_script, require_chromium, static_server
from conftest import KBProject, run_kb
from kbsite.sites.translations import builtin_table, labels_for, merged_table

REPO = Path(__file__).resolve().parent.parent
SAMPLE_TODAY = "2026-12-01"  # the sample shows every state on this day
LANGS = ("en", "it", "tl", "lv", "te")
SHOTS = ARTIFACTS / "help-center"
#: Fields only owners write; none may reach the help center.
OWNER_FIELDS = ("last_reviewed", "review_every", "translated_from", "escalate_to", "response_time")
CONTENT_PATH = re.compile(r"\b(?:kb|policies|docs)/[\w./-]+\.md\b|owners\.yml")

# An element that looks like a box (border or background) with nothing in it, or one marked
# `hidden` that the page's styles still show.
_BOX_PROBLEMS = """() => {
  const problems = [];
  const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className ===
    "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (el.hasAttribute("hidden") && style.display !== "none") {
      problems.push("hidden but shown: " + name(el));
    }
    if (style.display === "none" || style.visibility === "hidden" || style.opacity === "0") {
      continue;
    }
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    if (["INPUT", "TEXTAREA", "SELECT", "HR", "IMG", "LABEL", "BUTTON"].includes(el.tagName)) {
      continue;
    }
    const bordered = ["Top", "Right", "Bottom", "Left"].some((side) =>
      parseFloat(style["border" + side + "Width"]) > 0 &&
      style["border" + side + "Style"] !== "none");
    const filled = !["rgba(0, 0, 0, 0)", "transparent"].includes(style.backgroundColor);
    if (!bordered && !filled) continue;
    if (el.innerText.trim() === "" && !el.querySelector("img, svg, input, canvas")) {
      problems.push("empty box: " + name(el));
    }
  }
  return problems;
}"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> KBProject:
    """The repository's sample KB after one real `kb build` on a fixed day."""
    root = tmp_path_factory.mktemp("sample") / "kb"
    root.mkdir()
    for name in ("mkdocs.yml", "synonyms.yml"):
        shutil.copy2(REPO / name, root / name)
    for folder in ("docs", "kb", "policies"):
        shutil.copytree(REPO / folder, root / folder)
    result = run_kb("build", "--today", SAMPLE_TODAY, cwd=root, timeout=300)
    assert result.code == 0, result.err
    return KBProject(root)


@pytest.fixture(scope="module")
def sample_labels(sample: KBProject) -> dict[str, object]:
    """Each language's labels as the sample configures them (built-in + mkdocs.yml `labels`)."""
    config = yaml.safe_load(
        (sample.root / "mkdocs.yml").read_text("utf-8").replace("!!python/name:", "")
    )
    options = next(p["kb"] for p in config["plugins"] if isinstance(p, dict) and "kb" in p)
    table = merged_table(options.get("labels"))
    return {lang: labels_for(lang, options.get("labels")) for lang in LANGS} | {"table": table}


def prefix(lang: str) -> str:
    return "" if lang == "en" else f"{lang}/"


# -- what the files hold -----------------------------------------------------------------------


def test_help_center_files_hold_no_owner_only_text(sample: KBProject) -> None:
    """No file of site/public names a content file, an owner-only field or an owner's e-mail."""
    owners = yaml.safe_load((sample.root / "policies/owners.yml").read_text("utf-8"))
    emails = {o["email"] for o in owners.values() if o.get("email")}
    checked = 0
    for path in (sample.root / "site/public").rglob("*"):
        if path.suffix not in (".html", ".json", ".xml", ".txt") or "assets" in path.parts:
            continue
        text = path.read_text("utf-8")
        where = path.relative_to(sample.root)
        assert not CONTENT_PATH.search(text), f"{where}: {CONTENT_PATH.search(text)}"
        for word in (*OWNER_FIELDS, *emails):
            assert word not in text, f"{where} contains `{word}`"
        checked += 1
    assert checked > 50


def test_owner_guides_and_empty_categories_stay_off_the_help_center(sample: KBProject) -> None:
    """docs/ guides without `audience` are internal; no procedure is public, so the help center
    has no procedures page or menu entry; the rep site keeps all of them."""
    public, internal = sample.root / "site/public", sample.root / "site/internal"
    for guide in ("contributing", "importing", "metadata", "sites"):
        assert not (public / guide).exists()
        assert (internal / guide / "index.html").is_file()
    assert not (public / "browse/procedure").exists()
    assert (internal / "browse/procedure/index.html").is_file()
    for lang in LANGS:
        home = (public / prefix(lang) / "index.html").read_text("utf-8")
        assert "browse/procedure/" not in home and "contributing/" not in home, lang
    index = "\n".join(p.read_text("utf-8") for p in (public / "search").rglob("*.json"))
    assert "Contributor guide" not in index and "Metadata reference" not in index


def test_customer_notes_in_the_reader_language(sample: KBProject) -> None:
    """An upcoming policy says when it takes effect, with the date as the reader writes it; a
    policy under review says so neutrally in Latvian; owners' chores appear nowhere."""
    public = sample.root / "site/public"
    upcoming = (public / "policies/feedback-surveys/index.html").read_text("utf-8")
    assert "This policy takes effect on 1 January 2027." in upcoming
    assert "data-kb-state=" in upcoming and "translation-missing" not in upcoming
    latvian = (public / "lv/policies/response-times/index.html").read_text("utf-8")
    assert "Mēs pārskatām šos noteikumus." in latvian
    for page in public.rglob("*.html"):
        text = page.read_text("utf-8")
        for chore in ("Never reviewed", "Linked policies", "No translation into", "Owner:"):
            assert chore not in text, f"{page.relative_to(public)}: {chore}"


def test_every_label_is_translated_and_differs_from_english() -> None:
    """Every built-in label has a text in it, tl, lv and te, and it is not the English one."""
    english = labels_for("en")
    for lang in LANGS[1:]:
        labels = labels_for(lang)
        for key in builtin_table():
            assert labels.has(key), f"{key} has no {lang} text"
            values = {"language": labels.language_name("en"), "n": 30, "site": "X"}
            values |= {"date": "D", "time": "T"}
            english_values = {**values, "language": english.language_name("en")}
            text, original = labels(key, **values), english(key, **english_values)
            assert text != original, f"{key}.{lang} is the English text"


# -- in Chromium ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def host(sample: KBProject) -> Iterator[str]:
    """site/ on a static host: the help center under /public/, one root 404.html for it."""
    with static_server(sample.root / "site", not_found="public/404.html") as base:
        yield base


def visit(browser: object, url: str, width: int, shot: str) -> tuple[object, list[str]]:
    """Open ``url`` at ``width`` px; return the page and every URL it requested."""
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}-{width}.png"), full_page=True)
    return page, requested


def check_page(page: object, requested: list[str], url: str) -> None:
    """Nothing from another host, no empty or hidden-but-shown box, nothing wider than the
    screen."""
    foreign = [u for u in requested if urlsplit(u).hostname not in ("127.0.0.1", None)]
    assert not foreign, f"{url} requested {foreign}"
    assert page.evaluate(_BOX_PROBLEMS) == [], url  # type: ignore[attr-defined]
    overflow = page.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('.kb-tiers, .kb-contact, .kb-note')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className)"
    )
    assert overflow == [], f"{url}: {overflow}"


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_help_center_pages_in_each_language(
    lang: str, browser: object, host: str, sample_labels: dict[str, object]
) -> None:
    """Home, a policy, a category and the 404 page (from a deep missing path under /public/),
    at 1280 and 390 px: finished boxes only, no third-party request, the generated labels in
    the reader's language, and no serious or critical axe-core violation."""
    labels, english = sample_labels[lang], sample_labels["en"]
    pages = {
        "home": f"/public/{prefix(lang)}",
        "policy": f"/public/{prefix(lang)}policies/refunds/",
        "category": f"/public/{prefix(lang)}kb/billing/",
        "404": f"/public/{prefix(lang)}no/such/page/",
    }
    axe = axe_script()
    for width in (1280, 390):
        for name, path in pages.items():
            page, requested = visit(browser, host + path, width, f"{lang}-{name}")
            try:
                check_page(page, requested, path)
                assert page.get_attribute("html", "lang") == lang or name == "404"
                shown = page.inner_text("body")
                expected = {
                    "home": ("contact.title", "folder.kb", "folder.policies", "nav.browse"),
                    "policy": ("contact.title", "contact.email", "contact.phone"),
                    "category": ("folder.kb/billing", "contact.form"),
                    "404": ("notfound.title", "notfound.home"),
                }[name]
                for key in expected:
                    assert labels(key) in shown, f"{path}: {key}"  # type: ignore[operator]
                    if lang != "en" and labels.has(key):  # type: ignore[attr-defined]
                        assert english(key) not in shown, f"{path}: English {key}"  # type: ignore[operator]
                if width == 1280:
                    page.add_script_tag(content=axe)  # type: ignore[attr-defined]
                    result = page.evaluate(  # type: ignore[attr-defined]
                        "async () => (await axe.run(document)).violations"
                        ".filter(v => ['serious', 'critical'].includes(v.impact))"
                        ".map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' | '))"
                    )
                    assert result == [], f"{path}: {result}"
            finally:
                page.close()  # type: ignore[attr-defined]


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_rep_site_procedure_in_each_language(lang: str, browser: object, host: str) -> None:
    """Rep site: marked internal with links to rep search and content health; a procedure
    shows its title, then the escalation tiers as cards that fit 390 px."""
    path = f"/internal/{prefix(lang)}policies/escalation/"
    for width in (1280, 390):
        page, requested = visit(browser, host + path, width, f"{lang}-rep-category")
        try:
            page.click("article a[href*='angry-customer']")  # type: ignore[attr-defined]
            page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
            page.screenshot(  # type: ignore[attr-defined]
                path=str(SHOTS / f"{lang}-rep-procedure-{width}.png"), full_page=True
            )
            check_page(page, requested, path)
            bar = page.locator(".kb-rep-bar")  # type: ignore[attr-defined]
            assert bar.is_visible()
            assert bar.locator("a[href='/']").count() == 1
            assert bar.locator("a[href$='kb-health/']").count() == 1
            title = page.locator("article h1").bounding_box()  # type: ignore[attr-defined]
            tiers = page.locator(".kb-tiers").bounding_box()  # type: ignore[attr-defined]
            assert title["y"] < tiers["y"]
            assert tiers["x"] + tiers["width"] <= width
            cards = page.locator(".kb-tier")  # type: ignore[attr-defined]
            assert cards.count() == 3
            for index in range(3):
                card = cards.nth(index).bounding_box()
                assert card["x"] >= 0 and card["x"] + card["width"] <= width
        finally:
            page.close()  # type: ignore[attr-defined]


def test_kb_serve_answers_a_missing_path_with_the_nearest_404(sample: KBProject) -> None:
    """`kb serve`: a missing page under /public/it/ gets the Italian 404 page, status 404."""
    import httpx

    from test_server import serving

    with serving(sample.root) as base:
        italian = httpx.get(f"{base}/public/it/no/such/page/", timeout=10)
        english = httpx.get(f"{base}/public/no-such-page", timeout=10)
    assert italian.status_code == english.status_code == 404
    assert "<title>Pagina non trovata" in italian.text
    assert "<title>Page not found" in english.text
