"""Rep search: analysis for every script, index updates, ranking, filters and the CLI."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TODAY, page
from kbsite.search.analysis import Marks, fold, snippet, terms, words

TELUGU = "రీఫండ్‌ను అభ్యర్థించే ముందు రసీదు సిద్ధంగా ఉంచుకోండి"


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_words_never_split_a_grapheme_cluster(text: str) -> None:
    """Every word starts and ends on a grapheme-cluster boundary, for any Unicode text."""
    boundaries = {0}
    for cluster in regex.finditer(r"\X", text):
        boundaries.add(cluster.end())
    for token in words(text):
        assert token.start in boundaries and token.end in boundaries


def test_telugu_words_stay_whole_unlike_whooshs_default_analyzer() -> None:
    """Our tokenizer keeps Telugu words whole; Whoosh's StandardAnalyzer cuts them apart."""
    from whoosh.analysis import StandardAnalyzer

    ours = [t.text for t in words(TELUGU)]
    assert ours == TELUGU.split(" ")
    theirs = [t.text for t in StandardAnalyzer()(TELUGU)]
    assert set(theirs).isdisjoint(ours)  # not one Telugu word survives it whole


def test_folding_is_per_script() -> None:
    """Latin accents fold away; Indic vowel signs, which are letters' vowels, are kept."""
    assert fold("Città") == "citta"
    assert fold("Rēķins") == "rekins"
    assert fold("రీఫండ్") == "రీఫండ్"
    assert terms("రీఫండ్‌ను") == ["రీఫండ్‌ను", "రీఫండ్"]  # ZWNJ-joined suffix: stem indexed too


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=14))
def test_stems_keep_the_words_first_two_letters(word: str) -> None:
    """Snippets skip words by their first two letters, which relies on this: a Snowball stem
    of a folded word starts as the word does (one letter for a one-letter stem)."""
    from kbsite.search.engine import stemmer

    for lang in ("en", "it"):
        assert word.startswith(stemmer(lang)(word)[:2])


def test_snippet_centres_on_a_match_deep_in_a_long_page() -> None:
    """The excerpt is cut around the first match however far into the page it is; a word
    the excerpt cuts in two is not marked, and stems and prefixes mark inflected forms."""
    text = "Preamble words here. " * 300 + "Your refunds arrive in five days. " + "Tail. " * 200
    html = snippet(text, Marks({"refund"}, prefixes={"arriv"}), stem=lambda w: w.rstrip("s"))
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>refunds</mark> <mark>arrive</mark>" in html
    assert len(html) < 400
    # The excerpt starts 73 characters before the match, inside the long first word.
    cut = snippet("z" * 100 + "refund" + "q" * 30 + " " + "a" * 35 + " refund", {"refund"})
    assert cut.startswith("…refundqqq") and cut.endswith(" <mark>refund</mark>")
    assert cut.count("<mark>") == 1


def test_snippet_escapes_and_marks() -> None:
    """Snippets are HTML-escaped with matched words in <mark>."""
    text = "Never run <script>alert(1)</script> from a customer; refunds take 5 days."
    html = snippet(text, {"refunds", "script"})
    assert "&lt;<mark>script</mark>&gt;" in html
    assert "<mark>refunds</mark>" in html
    assert "<script>" not in html


SEARCH_KB = {
    "kb/.meta.yml": "audience: public\n",
    "policies/refunds.md": page(
        "# Refunds\n\n## How to ask\n\nCustomers get their money within 5 working days.\n"
        "A free return label is sent.\n",
        id="POL-REFUND",
        title="Refunds and replacements",
        owner="billing-team",
        audience="public",
        effective="2026-01-01",
        last_reviewed="2026-10-01",
        tags=["refund"],
    ),
    "policies/refunds.it.md": page(
        "# Rimborsi\n\nI rimborsi arrivano entro 5 giorni.\n",
        id="POL-REFUND",
        title="Rimborsi",
        owner="billing-team",
        audience="public",
        effective="2026-01-01",
        last_reviewed="2026-10-01",
        translated_from="2026-10-01",
    ),
    "policies/refunds.te.md": page(
        f"# రీఫండ్\n\n{TELUGU}.\n",
        id="POL-REFUND",
        title="రీఫండ్ విధానం",
        owner="billing-team",
        audience="public",
        effective="2026-01-01",
        last_reviewed="2026-10-01",
        translated_from="2026-10-01",
    ),
    "policies/old-refunds.md": page(
        "# Old\n\nRefunds within fourteen days.\n",
        id="POL-OLD-REFUNDS",
        title="Old refunds",
        owner="billing-team",
        audience="public",
        status="retired",
        effective="2024-01-01",
        last_reviewed="2024-01-01",
    ),
    "policies/stale-refunds.md": page(
        "# Store credit\n\nRefunds as store credit for gift cards.\n",
        id="POL-STORE-CREDIT",
        title="Store credit refunds",
        owner="billing-team",
        audience="internal",
        effective="2024-01-01",
        last_reviewed="2024-01-01",
    ),
    "kb/draft.md": page(
        "# Draft\n\nRefunds draft text.\n", id="KB-DRAFT", title="Draft", status="draft"
    ),
    "kb/xss.md": page(
        "# Safety\n\nNever paste `<script>alert(1)</script>` into chat.\n",
        id="KB-XSS",
        title="Chat safety",
        last_reviewed="2026-10-01",
    ),
    "synonyms.yml": "en:\n  - [refund, reimbursement]\n",
}


def search(project, *args: str) -> dict:
    result = project.kb("search", *args, "--json")
    assert result.code == 0, result.err
    return result.json()


def test_search_cli_end_to_end(make_project) -> None:
    """Index, then: id first, typos, synonyms, phrases, filters, state ranking, escaping."""
    project = make_project(SEARCH_KB)
    assert project.kb("index", "--today", TODAY).code == 0
    ids = lambda data: [(r["id"], r["lang"]) for r in data["results"]]  # noqa: E731
    assert ids(search(project, "pol-refund"))[0] == ("POL-REFUND", "en")
    typo = search(project, "refnuds", "--lang", "en")
    assert ("POL-REFUND", "en") in ids(typo)
    synonym = search(project, "reimbursement", "--lang", "en")
    assert ids(synonym)[0] == ("POL-REFUND", "en")
    phrase = search(project, '"return label"')
    assert ids(phrase) == [("POL-REFUND", "en")]
    italian = search(project, "rimborso", "--lang", "it")
    assert ids(italian) == [("POL-REFUND", "it")]
    telugu = search(project, "రీఫండ్", "--lang", "te")
    assert ids(telugu) == [("POL-REFUND", "te")]
    everything = search(project, "refunds", "--lang", "en")
    found = ids(everything)
    assert ("POL-OLD-REFUNDS", "en") not in found and ("KB-DRAFT", "en") not in found
    assert found.index(("POL-REFUND", "en")) < found.index(("POL-STORE-CREDIT", "en"))
    stale = next(r for r in everything["results"] if r["id"] == "POL-STORE-CREDIT")
    assert stale["state"] == "stale"
    tagged = search(project, "refunds", "--tag", "Refund")  # tags match in any letter case
    assert {r["id"] for r in tagged["results"]} == {"POL-REFUND"}
    assert search(project, "refunds", "--product", "hub")["results"] == []
    public = search(project, "refunds", "--audience", "public")
    assert all(r["audience"] == "public" for r in public["results"])
    assert search(project, "refunds", "--type", "article")["results"] == []
    xss = search(project, "script")["results"][0]
    assert "&lt;<mark>script</mark>" in xss["snippet"]
    assert set(xss) >= {
        "id",
        "title",
        "type",
        "lang",
        "audience",
        "state",
        "url",
        "snippet",
        "score",
    }


def test_hostile_queries_return_results_or_nothing(make_project) -> None:
    """Query syntax is never parsed: operators, wildcards and junk are plain text."""
    project = make_project(SEARCH_KB)
    project.kb("index", "--today", TODAY)
    for query in (
        '"unbalanced',
        "AND",
        "OR NOT",
        "*",
        "?",
        "~",
        "title:refund",
        "x" * 10_000,
        "\u202eرفض",
        "🙂🙃",
        "<script>alert(1)</script>",
        "\x01\x02",
    ):
        result = project.kb("search", query, "--json")
        assert result.code == 0, (query, result.err)
        assert "Traceback" not in result.err


def test_incremental_update_and_deletion(make_project) -> None:
    """Changing one page re-indexes only it; a deleted page leaves the index."""
    project = make_project(SEARCH_KB)
    project.kb("index", "--today", TODAY)
    project.write(
        "kb/xss.md",
        page(
            "# Safety\n\nZebrafish policy.\n",
            id="KB-XSS",
            title="Chat safety",
            last_reviewed="2026-10-01",
        ),
    )
    (project.root / "policies/refunds.it.md").unlink()
    result = project.kb("index", "--today", TODAY)
    assert "updated 1, removed 1" in result.out
    assert [r["id"] for r in search(project, "zebrafish")["results"]] == ["KB-XSS"]
    assert search(project, "rimborso", "--lang", "it")["results"] == []


def test_a_kb_with_nothing_to_index_searches_empty(make_project) -> None:
    """Only drafts: the index has no page; searches, typos and filters find nothing."""
    project = make_project({"kb/draft.md": SEARCH_KB["kb/draft.md"]})
    assert project.kb("index", "--today", TODAY).code == 0
    for args in (["refunds"], ["refnuds", "--lang", "en"], ["KB-DRAFT"], ["draft", "--tag", "x"]):
        data = search(project, *args)
        assert data["results"] == [] and data["total"] == 0, args


def test_missing_index_and_bad_filters(make_project) -> None:
    """No index: a clear message and exit 1; an unknown language or type: exit 2."""
    project = make_project(SEARCH_KB)
    missing = project.kb("search", "refund")
    assert missing.code == 1 and "run `kb build`" in missing.err
    assert project.kb("search", "refund", "--lang", "fr").code == 2
    assert project.kb("search", "refund", "--type", "memo").code == 2


def test_cached_answers_never_outlive_an_index_update(make_project) -> None:
    """The server answers repeats from the cache on its event loop; after `kb index` changes
    the index, the cache is not consulted until a search has reopened it."""
    from kbsite.project import find_project
    from kbsite.search.service import Searcher

    project = make_project(SEARCH_KB)
    project.kb("index", "--today", TODAY)
    searcher = Searcher(find_project(cwd=project.root))
    assert searcher.cached("zebrafish") is None  # nothing asked yet
    first = searcher.search("zebrafish")
    assert first["results"] == [] and searcher.cached("zebrafish") == first
    project.write(
        "kb/fish.md",
        page("# Fish\n\nZebrafish care.\n", id="KB-FISH", title="Fish", last_reviewed="2026-10-01"),
    )
    project.kb("index", "--today", TODAY)
    assert searcher.cached("zebrafish") is None  # stale: the next search reopens the index
    assert [r["id"] for r in searcher.search("zebrafish")["results"]] == ["KB-FISH"]
    assert searcher.cached("zebrafish")["results"][0]["id"] == "KB-FISH"


def test_expanding_prefix_and_typo_queries_keeps_hits_and_applies_boosts(search_project) -> None:
    """The engine expands prefix and typo queries itself (once per query): the same pages
    match as with Whoosh's own expansion, and a typo match weighs its boost (0.5) even when
    it stands for a single word, where Whoosh's own expansion silently drops the boost."""
    from whoosh import query as Q

    from kbsite.search import engine

    index = engine.Engine(search_project.root / ".kb" / "index")
    fields = engine.TEXT_FIELDS

    def fuzzy(word: str) -> list[Q.Query]:
        return [Q.FuzzyTerm(f, word, boost=0.5, maxdist=1, prefixlength=1) for f in fields]

    def prefix(word: str) -> list[Q.Query]:
        return [Q.Prefix(f, word, boost=0.7) for f in fields]

    def exact(word: str) -> list[Q.Query]:
        return [Q.Term(f, word) for f in fields]

    queries = [
        Q.Or(fuzzy("refundz") + exact("policy")),
        Q.And([Q.Or(prefix("refu")), Q.Or(exact("refunds"))]),
        Q.Or(prefix("zzzz")),
    ]
    for query in queries:
        ours = {index.stored(h.docnum)["key"] for h in index.run(query, None, 50).hits}
        assert ours == {r["key"] for r in index._searcher.search(query, limit=50)}
    typo = fuzzy("refundz")[-1]  # body_terms:refundz~1, boost 0.5
    ours = {index.stored(h.docnum)["key"]: h.score for h in index.run(typo, None, 50).hits}
    raw = {r["key"]: r.score for r in index._searcher.search(typo, limit=50)}
    assert ours and ours.keys() == raw.keys()
    assert all(abs(ours[k] - 0.5 * raw[k]) < 1e-6 for k in ours)
    index.close()
