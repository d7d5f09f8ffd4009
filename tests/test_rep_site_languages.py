"""The rep site's review banners and review footer speak the site's language (SPEC §5, §6).

A copy of the states fixture KB with Italian and Telugu translations in every review state
(and an Italian and a Telugu source policy, for `translation-missing`), built once: each
banner's title, reason and owner line and each footer are in that language, with no English
left. `kb stale`, its JSON `reason`, the English rep site and the SPEC's HTML markers do not
change. Unit tests check the rendering of every reason in every language.

The rep search page of `kb serve` (`/it/`, `/te/`, ...) and the guides of `docs/` that have no
translation are checked on the same build: the page's words in its language, the English page
as before; a guide shown in English on the Telugu site says so in its menu title and declares
`lang="en"` on its text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from collections.abc import Iterator

import httpx
import pytest

from browser import browser_page, require_chromium
from conftest import FIXTURES, TODAY, KBProject, page, run_kb
from kbsite.dates import Duration, parse_duration
from kbsite.knowledge import load_kb
from kbsite.pages import Page, PageMeta
from kbsite.project import load_project
from kbsite.reading.owners import Owner
from kbsite.review.feedback import STORE_FILE, FeedbackStore, Vote
from kbsite.review.staleness import Flag, compute_flags
from kbsite.review.states import BY_NAME, STATES
from kbsite.sites.banners import reason_text, render_banners, render_review_footer
from kbsite.sites.theme import rep_search_page
from kbsite.sites.translations import builtin_table, labels_for
from test_server import serving

DAY = dt.date.fromisoformat(TODAY)
LANGS = ("en", "it", "tl", "lv", "te")
OWNERS = {
    "billing-team": Owner("billing-team", "Billing and refunds", "billing@example.com"),
    "support-ops": Owner("support-ops", "Support operations", "support-ops@example.com"),
}
IT_COMMENT = "la tariffa di {n} euro è sbagliata <b>"  # a rep's words: never formatted

#: Translations added to the states fixture, per page: extra front matter of the translation.
TRANSLATED: dict[str, dict[str, object]] = {
    # stale: own review of 2026-03-01, due 2026-09-01
    "policies/stale": {
        "id": "POL-STALE",
        "owner": "billing-team",
        "audience": "internal",
        "effective": "2025-01-01",
        "last_reviewed": "2026-03-01",
        "translated_from": "2025-01-01",
    },
    # due-soon (due 2026-11-30, in 7 days)
    "policies/due": {
        "id": "POL-DUE",
        "owner": "support-ops",
        "audience": "internal",
        "effective": "2025-01-01",
        "last_reviewed": "2026-05-30",
        "translated_from": "2025-01-01",
    },
    "policies/expired": {
        "id": "POL-EXPIRED",
        "owner": "support-ops",
        "audience": "internal",
        "effective": "2025-06-01",
        "expires": "2026-10-31",
        "last_reviewed": "2026-06-01",
        "translated_from": "2025-06-01",
    },
    "policies/upcoming": {
        "id": "POL-UPCOMING",
        "owner": "support-ops",
        "audience": "internal",
        "effective": "2027-01-01",
        "last_reviewed": "2026-11-10",
        "translated_from": "2027-01-01",
    },
    # links-changed: links policies/refunds.md, updated 2026-10-15 after this review
    "kb/returns": {
        "id": "KB-RETURNS",
        "audience": "public",
        "last_reviewed": "2026-08-01",
        "translated_from": "2026-08-01",
    },
    # stale, never reviewed (and flagged by readers, below)
    "kb/never": {"id": "KB-NEVER", "audience": "public", "translated_from": "2026-02-01"},
}
#: States every translated page of TRANSLATED (and the others) shows, per language.
EXPECTED = {
    "policies/stale": {"stale"},
    "policies/due": {"due-soon"},
    "policies/expired": {"expired"},
    "policies/upcoming": {"upcoming"},
    "kb/returns": {"links-changed"},
    "kb/never": {"stale", "flagged"},
    "policies/fresh": {"flagged"},
    "policies/refunds": {"translation-outdated"},
}
#: A source policy written in each language: nobody translated it yet.
SOURCES = {"it": "policies/garanzia", "te": "policies/vapasi"}


@pytest.fixture(scope="module")
def rep_kb(tmp_path_factory: pytest.TempPathFactory) -> KBProject:
    root = tmp_path_factory.mktemp("rep-languages") / "kb"
    shutil.copytree(FIXTURES / "states_kb", root)
    project = KBProject(root)
    for lang in ("it", "te"):
        for path, fields in TRANSLATED.items():
            title = f"{path} {lang}"
            body = f"# {title}\n"
            if path == "kb/returns":
                body += "\nSee [refunds](../policies/refunds.md).\n"  # links-changed
            project.write(f"{path}.{lang}.md", page(body, title=title, **fields))
        name = SOURCES[lang].split("/")[1]
        source = {"id": f"POL-{name.upper()}", "title": name, "lang": lang}
        project.write(
            f"{SOURCES[lang]}.md",
            page(
                "# Source\n",
                **source,
                owner="billing-team",
                audience="public",
                effective="2026-01-01",
                last_reviewed="2026-11-01",
            ),
        )
    # A Latvian translation that does not say which version of its source it is from.
    fields = {k: v for k, v in TRANSLATED["policies/stale"].items() if k != "translated_from"}
    project.write("policies/stale.lv.md", page("# Stale lv\n", title="Stale lv", **fields))
    # The Telugu refunds page is older than its source; the Italian one is in the fixture.
    project.write(
        "policies/refunds.te.md",
        page(
            "# Refunds te\n",
            id="POL-REFUND",
            title="Refunds te",
            owner="billing-team",
            audience="public",
            effective="2026-01-01",
            last_reviewed="2026-10-20",
            translated_from="2026-06-01",
        ),
    )
    store = FeedbackStore(root / STORE_FILE)
    # it: a rep flags "Fresh" with a comment, and "Never reviewed" twice without one;
    # te: readers find both unhelpful (one reviewed page, one never reviewed).
    store.record_vote(Vote("POL-FRESH", "it", "internal", None, True, IT_COMMENT), DAY)
    for _ in range(2):
        store.record_vote(Vote("KB-NEVER", "it", "internal", None, True), DAY)
    for helpful in (False, False, False, True):
        store.record_vote(Vote("POL-FRESH", "te", "public", helpful), DAY)
        store.record_vote(Vote("KB-NEVER", "te", "public", helpful), DAY)
    store.close()
    # A guide for reps, written in English only; its menu title translated into Italian.
    project.write("docs/guide.md", "---\naudience: internal\n---\n# Guide\n\nHow to.\n")
    config = (root / "mkdocs.yml").read_text("utf-8")
    config = config.replace(
        "      languages: [en, it, tl, lv, te]\n",
        "      languages: [en, it, tl, lv, te]\n"
        "      labels:\n        docs.guide: {it: Guida dei rep}\n",
    )
    (root / "mkdocs.yml").write_text(config, "utf-8")
    result = run_kb("build", "--today", TODAY, cwd=root, timeout=300)
    assert result.code == 0, result.err
    return project


BANNER = re.compile(
    r'<div class="admonition (\w+) kb-banner" data-kb-state="([\w-]+)"'
    r'(?: data-kb-since="(\d{4}-\d\d-\d\d)")?>'
    r'<p class="admonition-title">(.*?)</p><p>(.*?)</p></div>',
    re.S,
)
FOOTER = re.compile(r'<p class="kb-review"><small>(.*?)</small></p>', re.S)


def rep_page(project: KBProject, lang: str, path: str) -> str:
    prefix = "" if lang == "en" else f"{lang}/"
    return (project.root / f"site/internal/{prefix}{path}/index.html").read_text("utf-8")


def banners_of(text: str) -> dict[str, tuple[str, str, str, str, str]]:
    """state -> (look, state, since ("" without one), title HTML, text HTML)."""
    return {match[1]: match for match in BANNER.findall(text)}


def visible(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def english_words() -> set[str]:
    """Words of the English banner and footer labels (placeholders and `fields` left out)."""
    words: set[str] = set()
    for key, texts in builtin_table().items():
        if not key.startswith(("state.", "reason.", "banner.", "review.")):
            continue
        forms = texts["en"].values() if isinstance(texts["en"], dict) else [texts["en"]]
        for text in forms:
            text = re.sub(r"\{\w+\}|`[^`]*`", " ", text)
            words |= {word.lower() for word in re.findall(r"[A-Za-z]{3,}", text)}
    return words


def leftovers(text: str) -> set[str]:
    """English label words in a banner or footer, once the owner's name and address, file
    paths, the rep's own words and field names are taken out."""
    for owner in OWNERS.values():
        text = text.replace(owner.name, " ").replace(owner.email or "", " ")
    text = text.replace(html.unescape(IT_COMMENT), " ")
    text = re.sub(r"`[^`]*`|\b(?:kb|policies)/[\w./-]+", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)} & english_words()


# -- the built rep site ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["it", "te"])
def test_rep_banners_and_footer_speak_the_site_language(rep_kb: KBProject, lang: str) -> None:
    """Every state on an Italian or Telugu rep page: the title and reason in that language,
    the owner named in it, dates as it writes them; no English word of ours left."""
    labels = labels_for(lang)
    iso = re.compile(r"\b\d{4}-\d\d-\d\d\b")
    checked = set()
    for path, states in {**EXPECTED, SOURCES[lang]: {"translation-missing"}}.items():
        text = rep_page(rep_kb, lang, path)
        found = banners_of(text)
        assert set(found) == states, (lang, path, set(found))
        for state, (look, _, since, title, body) in found.items():
            assert look == BY_NAME[state].look
            assert title == html.escape(labels(f"state.{state}")), (lang, path, state)
            assert not since or dt.date.fromisoformat(since)  # the marker stays ISO
            words = visible(body)
            if path.startswith("policies/"):  # the fixture's articles have no owner
                assert labels("banner.owner", name="") in words, (lang, path, state, words)
            assert not iso.search(words), (lang, path, state, words)
            assert not leftovers(visible(title) + " " + words), (lang, path, state, words)
            checked.add(state)
        (footer,) = FOOTER.findall(text)
        footer = visible(footer)
        assert not iso.search(footer) and not leftovers(footer), (lang, path, footer)
    assert checked == {state.name for state in STATES}


def test_italian_rep_page_reads_in_italian(rep_kb: KBProject) -> None:
    """The Italian words themselves, on the pages a rep meets most."""
    stale = rep_page(rep_kb, "it", "policies/stale")
    ((_, _, since, title, body),) = banners_of(stale).values()
    assert since == "2026-09-01" and title == "Revisione in ritardo"
    assert visible(body) == (
        "La revisione era prevista il 1 settembre 2026 (cadenza: 6 mesi; ultima revisione: "
        "1 marzo 2026). Responsabile: Billing and refunds (billing@example.com)."
    )
    assert "<strong>Billing and refunds</strong>" in body
    assert '<a href="mailto:billing@example.com">billing@example.com</a>' in body
    (footer,) = FOOTER.findall(stale)
    assert visible(footer) == (
        "Ultima revisione: 1 marzo 2026 · responsabile: Billing and refunds "
        "<billing@example.com> · cadenza di revisione: 6 mesi"
    )
    refunds = banners_of(rep_page(rep_kb, "it", "policies/refunds"))["translation-outdated"]
    assert refunds[3] == "Questa traduzione potrebbe non essere aggiornata"
    assert visible(refunds[4]).startswith(
        "L'originale è cambiato il 15 ottobre 2026; questa traduzione è del 1 giugno 2026."
    )
    missing = banners_of(rep_page(rep_kb, "it", SOURCES["it"]))["translation-missing"]
    assert visible(missing[4]).startswith(
        "Manca la traduzione in inglese (en), tagalog (tl), lettone (lv), telugu (te)."
    )
    # The rep's words are quoted as written, escaped, and never filled in as a template.
    flagged = banners_of(rep_page(rep_kb, "it", "policies/fresh"))["flagged"][4]
    assert f"“{html.escape(IT_COMMENT, quote=False)}”: una segnalazione" in flagged
    never = banners_of(rep_page(rep_kb, "it", "kb/never"))["flagged"][4]
    assert visible(never).startswith("2 segnalazioni di contenuto non aggiornato")


def test_telugu_rep_page_reads_in_telugu(rep_kb: KBProject) -> None:
    stale = rep_page(rep_kb, "te", "policies/stale")
    ((_, _, _, title, body),) = banners_of(stale).values()
    assert title == "సమీక్ష గడువు దాటింది"
    assert visible(body).startswith(
        "సమీక్ష గడువు తేదీ: 1 సెప్టెంబర్, 2026 (సమీక్ష వ్యవధి: 6 నెలలు; చివరి సమీక్ష: "
        "1 మార్చి, 2026). బాధ్యులు: Billing and refunds"
    )
    (footer,) = FOOTER.findall(stale)
    assert visible(footer).startswith("చివరి సమీక్ష: 1 మార్చి, 2026 · బాధ్యులు: Billing")
    fresh = banners_of(rep_page(rep_kb, "te", "policies/fresh"))["flagged"]
    assert visible(fresh[4]).startswith(
        "చివరి సమీక్ష (1 నవంబర్, 2026) తర్వాత 4 మంది పాఠకులలో 3 మందికి ఇది ఉపయోగపడలేదు."
    )


def test_english_rep_site_and_kb_stale_keep_their_words(rep_kb: KBProject) -> None:
    """English banners and footers are as before (ISO dates); `kb stale --json` says why in
    English for every language, as before."""
    stale = rep_page(rep_kb, "en", "policies/stale")
    ((look, state, since, title, body),) = banners_of(stale).values()
    assert (look, state, since, title) == ("warning", "stale", "2026-09-01", "Review overdue")
    assert body == (
        "Review was due on 2026-09-01 (every 6 months since 2026-03-01). Owner: "
        '<strong>Billing and refunds</strong> (<a href="mailto:billing@example.com">'
        "billing@example.com</a>)."
    )
    assert FOOTER.findall(stale) == [
        "Last reviewed 2026-03-01 · owner: Billing and refunds &lt;billing@example.com&gt;"
        " · reviewed every 6 months"
    ]
    items = rep_kb.kb("stale", "--json", "--today", TODAY).json()["items"]
    reasons = {(i["file"], i["state"]): i["reason"] for i in items}
    assert reasons[("policies/stale.it.md", "stale")] == (
        "review was due on 2026-09-01 (every 6 months since 2026-03-01)"
    )
    assert reasons[("policies/garanzia.md", "translation-missing")] == (
        "no translation into English (en), Tagalog (tl), Latviešu (lv), తెలుగు (te)"
    )
    assert reasons[("policies/fresh.it.md", "flagged")].startswith("“la tariffa di {n} euro")


# -- the rep search page of `kb serve`, in each language ------------------------------------

#: The words of the search page's own HTML, by label (its script's words are `search.*` too).
PAGE_KEYS = (
    "rep.search",
    "nav.health",
    "search.desk",
    "search.rep-site",
    "search.placeholder",
    "search.box",
    "search.read-in",
    "search.my-language",
    "search.find-in",
    "search.language",
    "search.all-languages",
    "search.type",
    "search.all-types",
    "search.type.policy",
    "search.type.procedure",
    "search.type.article",
    "search.audience",
    "search.view.internal",
    "search.view.public",
    "search.as-of",
    "search.as-of-date",
    "search.key.search",
    "search.key.choose",
    "search.key.open",
    "search.key.copy-answer",
    "search.key.copy-customer",
    "search.key.copy-rep",
    "search.key.clear",
    "search.results-list",
)
#: Italian words spelt as English ones ("procedure" is the plural of "procedura").
SAME_WORDS = {"it": {"procedure", "link"}}
SEARCH_WORDS = re.compile(r"const WORDS = (\{.*?\});\n")


@pytest.fixture(scope="module")
def rep_search(rep_kb: KBProject) -> Iterator[str]:
    """`kb serve` on the built KB."""
    with serving(rep_kb.root) as base:
        yield base


def page_words(page_html: str) -> str:
    """What a reader of the search page sees or hears before searching: its text (no script,
    style or key names) and its placeholder, labels and titles."""
    text = re.sub(r"<(script|style|kbd)\b.*?</\1>", " ", page_html, flags=re.S)
    attributes = re.findall(r'(?:aria-label|placeholder|title)="([^"]*)"', text)
    return html.unescape(" ".join([re.sub(r"<[^>]+>", " ", text), *attributes]))


def english_search_words() -> set[str]:
    words: set[str] = set()
    for key, texts in builtin_table().items():
        if key.startswith("search.") or key in PAGE_KEYS:
            forms = texts["en"].values() if isinstance(texts["en"], dict) else [texts["en"]]
            for text in forms:
                text = re.sub(r"\{\w+\}", " ", text)
                words |= {word.lower() for word in re.findall(r"[A-Za-z]{3,}", text)}
    return words


def test_every_search_page_label_has_every_language() -> None:
    table = builtin_table()
    keys = [key for key in table if key.startswith("search.")] + list(PAGE_KEYS)
    for key in keys:
        assert set(table[key]) >= set(LANGS), key


@pytest.mark.parametrize("lang", ["it", "te"])
def test_rep_search_page_speaks_the_site_language(
    rep_kb: KBProject, rep_search: str, lang: str
) -> None:
    """`/it/`, `/te/`: every word of the page and of its script in that language, no English
    word of ours left; the rep site of that language links to it, and it back to that site."""
    labels = labels_for(lang)
    response = httpx.get(f"{rep_search}/{lang}/")
    assert response.status_code == 200
    text = response.text
    assert text.startswith(f'<!doctype html>\n<html lang="{lang}">')
    assert "{{" not in text and "__LABELS__" not in text
    for key in PAGE_KEYS:
        assert html.escape(labels(key)) in text, (lang, key)
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", page_words(text))}
    assert not words & english_search_words() - SAME_WORDS.get(lang, set()), lang
    script = json.loads(SEARCH_WORDS.search(text)[1])
    english = labels_for("en")
    for key, value in script.items():
        assert value == labels.text(key), (lang, key)
        assert value != english.text(key), (lang, key)  # each one translated
    assert f'<a data-kb-desk="site" href="/internal/{lang}/">' in text
    bar = rep_page(rep_kb, lang, "policies/stale")
    assert f'<a href="/{lang}/">{html.escape(labels("rep.search"))}</a>' in bar
    if lang == "it":
        assert "<label>Leggi in <select" in text and "<label>Cerca in <select" in text


def test_english_rep_search_page_keeps_its_words(rep_kb: KBProject, rep_search: str) -> None:
    """`/` reads as before, word for word; the English rep site links to it."""
    text = httpx.get(f"{rep_search}/").text
    assert text.startswith('<!doctype html>\n<html lang="en">')
    for before in (
        "<title>Rep search</title>",
        "<h1>Rep search</h1>",
        '<nav class="kb-desk" aria-label="Rep desk">',
        '<a data-kb-desk="site" href="/internal/">Rep site</a>',
        '<a data-kb-desk="health" href="/internal/kb-health/">Content health</a>',
        'placeholder="Search policies, procedures, articles… (id, words, any language)" '
        'aria-label="Search"',
        '<label>Read in <select id="mine" aria-label="My language"></select></label>',
        '<label>Find in <select id="lang" aria-label="Language"><option value="">'
        "all languages</option></select></label>",
        '<option value="">all types</option><option value="policy">policy</option>',
        '<option value="internal">rep view</option><option value="public">customer view',
        '<label>As of <input id="asof" type="date" aria-label="As of date"></label>',
        "<kbd>/</kbd> search · <kbd>↑</kbd> <kbd>↓</kbd> choose · <kbd>Enter</kbd> open ·",
        "<kbd>Alt</kbd>+<kbd>L</kbd> copy rep link · <kbd>Esc</kbd> clear</p>",
        '<ol id="results" aria-label="Results"></ol>',
    ):
        assert before in text, before
    script = json.loads(SEARCH_WORDS.search(text)[1])
    assert script["search.results"] == {"one": "{n} result", "other": "{n} results"}
    assert script["search.only-language"] == "only {language}"
    assert '<a href="/">Rep search</a>' in rep_page(rep_kb, "en", "policies/stale")
    assert httpx.get(f"{rep_search}/xx/").status_code == 404


@pytest.mark.browser
def test_telugu_rep_search_results_read_in_telugu(rep_search: str) -> None:
    """What the page's script writes (the count, badges, buttons, menus) on `/te/`."""
    require_chromium()
    te = labels_for("te")
    with browser_page() as browser:
        browser.goto(f"{rep_search}/te/")
        browser.fill("#q", "POL-STALE")
        browser.locator("li.result").first.wait_for(timeout=10_000)
        count = browser.locator("li.result").count()
        forms = te.text("search.results")
        assert isinstance(forms, dict)
        form = forms["one" if count == 1 else "other"]
        assert browser.inner_text("#status").startswith(form.replace("{n}", str(count)))
        first = browser.locator("li.result").first
        buttons = first.locator("button").all_inner_texts()
        assert buttons == [te("search.copy-answer"), te("search.copy-customer"),
                           te("search.copy-rep")]  # fmt: skip
        meta = first.locator(".meta").inner_text()
        assert te("search.type.policy") in meta and te("search.audience.internal") in meta
        options = browser.locator("#lang option").all_inner_texts()
        assert options[0] == te("search.all-languages")
        assert options[1:] == [te("search.only-language", language=name)
                               for name in ("English", "Italiano", "Tagalog", "Latviešu",
                                            "తెలుగు")]  # fmt: skip
        assert browser.input_value("#mine") == "te"  # the page's language is read first
        assert not re.search(r"[A-Za-z]{3,}", browser.inner_text("#status").split("·")[0])


def test_rep_search_page_of_a_language_site() -> None:
    assert rep_search_page("/", "en", "en") == "/"
    assert rep_search_page("/", "te", "en") == "/te/"
    assert rep_search_page("https://desk.example/search/", "it", "en") == (
        "https://desk.example/search/it/"
    )
    assert rep_search_page("https://desk.example/search.html", "it", "en") == (
        "https://desk.example/search.html"
    )


# -- guides of docs/ without a translation ---------------------------------------------------

NAV_TITLE = re.compile(r'<span class="md-ellipsis">\s*(.*?)\s*</span>', re.S)


def menu(page_html: str) -> list[str]:
    """The titles of the sidebar (the site's menu, not the header's page title)."""
    start = page_html.index("md-nav--primary")
    return NAV_TITLE.findall(page_html[start : page_html.index("md-sidebar--secondary", start)])


def test_untranslated_guide_says_its_language_on_language_sites(rep_kb: KBProject) -> None:
    """On the Telugu rep site the English guide is marked "(in English)" in Telugu in the
    menu, its text declares `lang="en"` and a note in Telugu says why; on the Italian one the
    KB's `docs.guide` title is used, marked the same way. English: as before."""
    te, it = labels_for("te"), labels_for("it")
    guide = rep_page(rep_kb, "te", "guide")
    assert "Guide (ఇంగ్లీష్\u200cలో)" in menu(guide)
    assert "Guide" not in menu(guide)
    note = f'<p class="kb-fallback-text">{html.escape(te("fallback.notice"))}</p>'
    assert note in guide
    wrapper = guide.index('<div class="kb-content" lang="en">')
    assert guide.index(note) < wrapper < guide.index('<h1 id="guide">')
    # every page of the site lists it so, not only the guide itself
    assert "Guide (ఇంగ్లీష్\u200cలో)" in menu(rep_page(rep_kb, "te", "policies/stale"))
    italian = rep_page(rep_kb, "it", "guide")
    assert "Guida dei rep (in inglese)" in menu(italian)
    assert html.escape(it("fallback.notice")) in italian
    english = rep_page(rep_kb, "en", "guide")
    assert "Guide" in menu(english)
    assert "kb-content" not in english and "data-kb-content-lang" not in english
    # a page written in the site's language is not marked
    home = rep_page(rep_kb, "te", "")
    assert "kb-content" not in rep_page(rep_kb, "en", "") and "Guide (" not in english
    assert home.count('class="kb-content" lang="en"') == 1  # the fixture's home is English


# -- rendering, unit by unit -----------------------------------------------------------------


@pytest.fixture(scope="module")
def every_flag(rep_kb: KBProject) -> list[Flag]:
    """Every flag of the built KB, plus the due-today ones of a week later."""
    project = load_project(rep_kb.root / "mkdocs.yml")
    flags = compute_flags(load_kb(project, DAY))
    later = compute_flags(load_kb(project, dt.date(2026, 11, 30)))
    return flags + [flag for flag in later if flag.reason_key == "reason.due-today"]


def test_english_labels_say_what_kb_stale_says(every_flag: list[Flag]) -> None:
    """Rendered with the English labels, every reason is the flag's `reason`, byte for byte;
    every reason label is used."""
    english = labels_for("en")
    for flag in every_flag:
        assert reason_text(flag, english) == flag.reason, flag
    keys = {key for key in builtin_table() if key.startswith("reason.")}
    assert {flag.reason_key for flag in every_flag} == keys


@pytest.mark.parametrize("lang", LANGS[1:])
def test_every_reason_reads_in_each_language(every_flag: list[Flag], lang: str) -> None:
    """No placeholder left, no ISO date, no English; plural forms follow the count."""
    labels = labels_for(lang)
    for flag in every_flag:
        text = reason_text(flag, labels)
        assert text != flag.reason and "{" not in text.replace(IT_COMMENT, ""), (lang, text)
        assert not re.search(r"\d{4}-\d\d-\d\d", text), (lang, text)
        assert not leftovers(text), (lang, text)
        assert labels(BY_NAME[flag.state].title_key) != BY_NAME[flag.state].title


def flag(state: str, reason: str, key: str, **params: object) -> Flag:
    due = params.get("due") or params.get("date")
    return Flag(
        "policies/refunds.it.md",
        "POL-REFUND",
        "it",
        "Rimborsi",
        "billing-team",
        state,
        due if isinstance(due, dt.date) else None,
        0,
        reason,
        reason_key=key,
        reason_params=tuple(params.items()),
    )


def test_banner_markup_is_kept_and_only_the_words_change() -> None:
    """Italian and English banners of one flag: same element, class and data attributes."""
    stale = flag(
        "stale",
        "review was due on 2026-09-01 (every 6 months since 2026-03-01)",
        "reason.stale",
        due=dt.date(2026, 9, 1),
        interval=parse_duration("6mo"),
        reviewed=dt.date(2026, 3, 1),
    )
    owner = (
        '<strong>Billing and refunds</strong> (<a href="mailto:billing@example.com">'
        "billing@example.com</a>)."
    )
    start = '<div class="admonition warning kb-banner" data-kb-state="stale" '
    assert render_banners([stale], OWNERS, "internal", "en") == (
        f'{start}data-kb-since="2026-09-01"><p class="admonition-title">Review overdue</p>'
        "<p>Review was due on 2026-09-01 (every 6 months since 2026-03-01). Owner: "
        f"{owner}</p></div>"
    )
    assert render_banners([stale], OWNERS, "internal", "it") == (
        f'{start}data-kb-since="2026-09-01"><p class="admonition-title">Revisione in ritardo'
        "</p><p>La revisione era prevista il 1 settembre 2026 (cadenza: 6 mesi; ultima "
        f"revisione: 1 marzo 2026). Responsabile: {owner}</p></div>"
    )
    # The labels given win over the language (the site's labels, with the KB's own words).
    mine = labels_for("it", {"banner.owner": {"it": "Referente: {name}"}})
    assert "Referente: <strong>" in render_banners([stale], OWNERS, "internal", labels=mine)


def test_counts_pick_the_plural_form() -> None:
    """Once / n times, per language (Latvian: 1 and 21 take the singular)."""
    texts = {}
    for n in (1, 3, 21):
        reps = flag(
            "flagged",
            "",
            "reason.flagged-by-reps",
            n=n,
            date=dt.date(2026, 11, 1),
        )
        texts[n] = {lang: reason_text(reps, labels_for(lang)) for lang in LANGS}
    assert texts[1]["en"] == "flagged as outdated by reps once since its review on 2026-11-01"
    assert texts[3]["en"].startswith("flagged as outdated by reps 3 times")
    assert texts[1]["it"].startswith("una segnalazione di contenuto non aggiornato")
    assert texts[3]["it"].startswith("3 segnalazioni di contenuto non aggiornato")
    assert "1 reizi" in texts[1]["lv"] and "21 reizi" in texts[21]["lv"]
    assert "3 reizes" in texts[3]["lv"]
    assert "ఒకసారి" in texts[1]["te"] and "3 సార్లు" in texts[3]["te"]
    assert texts[3]["tl"].startswith("3 beses")


def test_durations_and_languages_in_the_reader_words() -> None:
    soon = flag(
        "due-soon",
        "",
        "reason.due-soon",
        due=dt.date(2026, 11, 30),
        interval=parse_duration("1y"),
        reviewed=dt.date(2025, 11, 30),
        days=Duration(1, "days"),
    )
    assert reason_text(soon, labels_for("lv")) == (
        "pārskatīšanas termiņš: 2026. gada 30. novembris, atlikušais laiks: 1 diena "
        "(intervāls: 1 gads; pēdējā pārskatīšana: 2025. gada 30. novembris)"
    )
    missing = flag("translation-missing", "", "reason.translation-missing", languages=("lv",))
    assert reason_text(missing, labels_for("en")) == "no translation into Latviešu (lv)"
    assert reason_text(missing, labels_for("it")) == "manca la traduzione in lettone (lv)"
    assert reason_text(missing, labels_for("tl")) == "walang salin sa Latvian (lv)"


def make_page(lang: str, **meta: object) -> Page:
    fields = {"id": "POL-X", "title": "X", "type": "policy", "lang": lang, **meta}
    return Page(
        path=f"policies/x.{lang}.md",
        folder="policies",
        lang=lang,
        source_path="policies/x.md",
        meta=PageMeta(**fields),
        parsed=True,
    )


def test_review_footer_in_the_site_language() -> None:
    """English as before; other languages from the labels given, else the page's own."""
    reviewed = make_page(
        "it",
        owner="billing-team",
        last_reviewed=dt.date(2026, 3, 1),
        review_every=parse_duration("6mo"),
    )
    contact = "Billing and refunds &lt;billing@example.com&gt;"
    assert render_review_footer(reviewed, OWNERS, labels_for("en")) == (
        f'<p class="kb-review"><small>Last reviewed 2026-03-01 · owner: {contact} · '
        "reviewed every 6 months</small></p>"
    )
    assert render_review_footer(reviewed, OWNERS) == (
        f'<p class="kb-review"><small>Ultima revisione: 1 marzo 2026 · responsabile: '
        f"{contact} · cadenza di revisione: 6 mesi</small></p>"
    )
    never = make_page("te", owner="ghost-team")
    assert render_review_footer(never, OWNERS, labels_for("te")) == (
        '<p class="kb-review"><small>ఎప్పుడూ సమీక్షించబడలేదు · బాధ్యులు: ghost-team</small></p>'
    )
    assert render_review_footer(make_page("lv"), OWNERS, labels_for("lv")) == (
        '<p class="kb-review"><small>Nekad nav pārskatīta</small></p>'
    )


def test_a_regional_date_locale_stays_with_its_language() -> None:
    """`date.locale: {en: en_GB}` writes English dates the British way, not Italian ones."""
    regional = {"date.locale": {"en": "en_GB"}}
    day = dt.date(2027, 1, 1)
    assert labels_for("en", regional).date(day) == "1 January 2027"
    assert labels_for("it", regional).date(day) == "1 gennaio 2027"
    assert labels_for("lv", regional).date(day) == "2027. gada 1. janvāris"
