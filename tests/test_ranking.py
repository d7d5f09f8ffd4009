"""Ranking behaviours of rep search, each on a tiny KB built for it: camel-case parts of
identifiers count less than words written on their own, the parts of one identifier are near
each other, and query words standing together in a page's body lift it above a page with
the same words apart."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import TODAY, page

FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor."


def _article(title: str, body: str, page_id: str, **fields: Any) -> str:
    """A reviewed internal page with ``fields`` added to its front matter."""
    return page(
        f"# {title}\n\n{body}\n",
        id=page_id,
        title=title,
        audience="internal",
        last_reviewed="2026-10-01",
        **fields,
    )


@pytest.fixture()
def searcher_of(make_project) -> Any:
    """A searcher over a KB of the given pages ({path: markdown})."""
    from kbsite.project import find_project
    from kbsite.search.service import Searcher

    opened = []

    def make(files: dict[str, str]) -> Searcher:
        project = make_project(files)
        assert project.kb("index", "--today", TODAY).code == 0
        searcher = Searcher(find_project(cwd=project.root))
        searcher.cache_size = 0
        opened.append(searcher)
        return searcher

    yield make
    for searcher in opened:
        searcher.engine.close()


def _scores(searcher: Any, query: str) -> dict[str, float]:
    found = searcher.search(query, lang="en", limit=10)["results"]
    return {r["id"]: r["score"] for r in found}


def test_terms_mark_camel_case_parts_only_when_asked() -> None:
    """Index documents carry the parts of a camel-case word after the part mark; the terms
    other callers get (the help center's index, query phrases) are unchanged."""
    from kbsite.search.analysis import PART_MARK, terms

    assert terms("Set-NetIPAddress") == [
        "set", "netipaddress", "net", "ip", "address", "setnetipaddress",
    ]  # fmt: skip
    marked = terms("Set-NetIPAddress now", mark_parts=True)
    assert marked == [
        "set", "netipaddress", f"{PART_MARK}net", f"{PART_MARK}ip", f"{PART_MARK}address",
        "now", "setnetipaddress",
    ]  # fmt: skip


def test_a_camel_case_part_counts_half_a_mention(searcher_of) -> None:
    """In the index a part of an identifier weighs half a mention (title: 4 × 0.5), a word
    on its own a whole one; so a page naming ``AcceptLanguage`` twice does not outrank a
    page that says "accept" once."""
    from kbsite.search.analysis import PART_WEIGHT
    from kbsite.search.engine.ranking import MENTIONS

    searcher = searcher_of(
        {
            "kb/parts.md": _article(
                "Header settings", f"Use AcceptLanguage here. {FILLER} Then AcceptLanguage.", "KB-P"
            ),
            "kb/word.md": _article("Request rules", f"We accept the request. {FILLER}", "KB-W"),
            "kb/title.md": _article("WinAcceptLanguage", FILLER, "KB-T"),
        }
    )
    engine = searcher.engine
    ids = engine.values("id")
    docnums, weights = engine._vectors.postings("body_terms", b"accept")
    by_id = {ids[d]: w for d, w in zip(docnums.tolist(), weights.tolist(), strict=True)}
    assert by_id == {"KB-P": 2 * PART_WEIGHT, "KB-W": 1.0}
    docnums, weights = engine._vectors.postings("title_terms", b"accept")
    assert [ids[d] for d in docnums] == ["KB-T"]
    assert weights.tolist() == [MENTIONS["title_terms"] * PART_WEIGHT]
    scores = _scores(searcher, "accept")
    assert scores["KB-W"] > scores["KB-P"]


def test_the_parts_of_an_identifier_are_near_each_other() -> None:
    """The word pairs of a title hold the neighbouring parts of a camel-case word, so "ip
    address" is near in ``Set-NetIPAddress``."""
    from kbsite.search import engine
    from kbsite.search.query import pairs_of

    found = pairs_of("Set-NetIPAddress", "en", engine.stemmer("en"))
    assert "address+ip" in found and "ip+net" in found
    assert "netipaddress+set" in found  # the whole words keep their own pairs
    assert pairs_of("plain simple words", "en", None) == [
        "plain+simple", "plain+words", "simple+words",
    ]  # fmt: skip


def test_query_words_together_in_the_body_rank_first(searcher_of) -> None:
    """Two pages with the same words, the same number of times, in bodies of the same
    length: the one where the query's words stand together is above, by the body
    proximity bonus; a one-word query has no pairs and scores them the same."""
    apart = f"Static routes are listed here. {FILLER} {FILLER} Address comes last."
    together = f"Routes are listed here. {FILLER} {FILLER} Static address comes last."
    import dataclasses

    from kbsite.search.engine.ranking import PARAMS

    searcher = searcher_of(
        {
            "kb/a-apart.md": _article("Routing notes", apart, "KB-APART"),
            "kb/b-together.md": _article("Routing notes", together, "KB-TOGETHER"),
        }
    )
    searcher.engine._ranker.params = dataclasses.replace(PARAMS, body_proximity=0.5)
    scores = _scores(searcher, "static address")
    assert scores["KB-TOGETHER"] > scores["KB-APART"] > 0
    single = _scores(searcher, "static")
    assert single["KB-TOGETHER"] == pytest.approx(single["KB-APART"])


def test_body_proximity_only_looks_at_the_best_candidates(searcher_of) -> None:
    """With ``rerank`` = 1, only the best page by the other signals can gain from body
    proximity: the work per query is bounded by the candidates, not the index."""
    import dataclasses

    from kbsite.search.engine.ranking import PARAMS

    together = f"Static address here. {FILLER}"
    searcher = searcher_of(
        {
            "kb/best.md": _article("Static address", together, "KB-BEST"),
            "kb/other.md": _article("Notes", together, "KB-OTHER"),
        }
    )
    ranker = searcher.engine._ranker
    ranker.params = dataclasses.replace(PARAMS, body_proximity=0.5)
    full = _scores(searcher, "static address")
    ranker.params = dataclasses.replace(PARAMS, body_proximity=0.5, rerank=1)
    bounded = _scores(searcher, "static address")
    ranker.params = dataclasses.replace(PARAMS, body_proximity=0.0)
    without = _scores(searcher, "static address")
    assert bounded["KB-BEST"] == pytest.approx(full["KB-BEST"])
    assert full["KB-BEST"] > without["KB-BEST"]
    assert bounded["KB-OTHER"] == pytest.approx(without["KB-OTHER"])
    assert without["KB-OTHER"] < full["KB-OTHER"]


def test_near_count_counts_positions_with_a_neighbour_within_the_window() -> None:
    from kbsite.search.engine.ranking import _near_count

    assert _near_count([[1, 10]], [[3], [30]], 3) == 1
    assert _near_count([[1, 10]], [[3, 12]], 2) == 2
    assert _near_count([[5]], [[5]], 3) == 0  # the same position is not a neighbour
    assert _near_count([[5]], [], 3) == 0


def test_a_synonym_typed_in_another_inflection_still_expands() -> None:
    """A query word or run of words spells a member of a synonym group when its stems are the
    member's, word for word (in languages with a stemmer): ``refunds`` stands for ``refund``,
    ``passed away`` for ``pass away``; without a stemmer only the member as written does."""
    from kbsite.search import engine
    from kbsite.search.query import plan

    groups = {"en": [["refund", "money back"], ["die", "pass away"]], "lv": [["atmaksa", "nauda"]]}
    english = {"en": engine.stemmer("en")}
    refunds = plan("refunds", english, groups).terms
    assert [t.word for t in refunds] == ["refunds"]
    assert refunds[0].synonyms == (("money", "back"),)
    passed = plan("owner passed away", english, groups).terms
    assert [t.parts for t in passed] == [("owner",), ("passed", "away")]
    assert passed[1].synonyms == (("die",),)
    assert plan("passes", english, groups).terms[0].synonyms == ()  # one word of two
    latvian = {"lv": engine.stemmer("lv")}
    assert plan("atmaksa", latvian, groups).terms[0].synonyms == (("nauda",),)
    assert plan("atmaksas", latvian, groups).terms[0].synonyms == ()


def _plain_synonyms(
    query: str, stemmers: dict[str, Any], synonyms: dict[str, list[list[str]]]
) -> list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]:
    """The query's units and each one's synonyms, found by comparing the words with every
    member of every group of the languages searched, longest multi-word member first."""
    from kbsite.search.analysis import fold, terms, words
    from kbsite.search.query import MAX_WORDS

    def same(typed: tuple[str, ...], member: tuple[str, ...], stem: Any) -> bool:
        if typed == member:
            return True
        return (
            stem is not None
            and len(typed) == len(member)
            and all(stem(a) == stem(b) for a, b in zip(typed, member, strict=True))
        )

    groups = [
        (stemmers[lang], [m for member in group if (m := tuple(terms(member)))])
        for lang in stemmers
        for group in synonyms.get(lang, [])
    ]
    multi = sorted(
        ((m, stem) for stem, group in groups for m in group if len(m) > 1), key=lambda x: -len(x[0])
    )
    tokens = [fold(t.text) for t in words(query.replace('"', " "))][: MAX_WORDS * 2]
    units: dict[tuple[str, ...], None] = {}
    i = 0
    while i < len(tokens):
        size = next(
            (len(m) for m, stem in multi if same(tuple(tokens[i : i + len(m)]), m, stem)), 0
        )
        units.setdefault(tuple(tokens[i : i + size]) if size else (tokens[i],), None)
        i += size or 1
    out = []
    for unit in list(units)[:MAX_WORDS]:
        found: dict[tuple[str, ...], None] = {}
        for stem, group in groups:
            spelt = [m for m in group if same(unit, m, stem)]
            for member in group if spelt else ():
                if member not in spelt:
                    found.setdefault(member, None)
        out.append((unit, tuple(found)))
    return out


_SYNONYM_WORDS = ["refund", "refunds", "money", "back", "pass", "passed", "away", "die", "the"]


@settings(max_examples=150, deadline=None)
@given(
    query=st.lists(st.sampled_from([*_SYNONYM_WORDS, "hub", "Money-Back"]), max_size=7).map(
        " ".join
    ),
    groups=st.lists(
        st.lists(
            st.lists(st.sampled_from(_SYNONYM_WORDS), min_size=1, max_size=3).map(" ".join),
            min_size=1,
            max_size=4,
        ),
        max_size=5,
    ),
    langs=st.sampled_from([("en",), ("lv",), ("en", "lv"), ("lv", "en", "it")]),
)
@example(  # the longest member wins where several start
    query="money back refunds hub",
    groups=[["money back", "pass"], ["money back refund", "die"]],
    langs=("en",),
).via("discovered")
@example(query="pass away", groups=[["die", "passed away"], ["away"]], langs=("lv", "en")).via(
    "discovered"
)
def test_indexed_synonyms_equal_comparing_every_member(
    query: str, groups: list[list[str]], langs: tuple[str, ...]
) -> None:
    """The query's units and their synonyms, found through ``SynonymTable``'s index, are
    those found by comparing the words with every member of every group."""
    from kbsite.search import engine
    from kbsite.search.query import SynonymTable, plan

    synonyms = {"en": groups, "lv": groups[::-1], "it": groups[:1]}
    stemmers = {lang: engine.stemmer(lang) for lang in langs}
    planned = plan(query, stemmers, SynonymTable(synonyms))
    assert [(t.parts, t.synonyms) for t in planned.terms] == _plain_synonyms(
        query, stemmers, synonyms
    )


def test_an_inflected_synonym_finds_the_page_of_its_group(searcher_of) -> None:
    """``synonyms.yml`` says refund = reimbursement: a rep typing "reimbursements" finds the
    page that only says "refund"."""
    searcher = searcher_of(
        {
            "synonyms.yml": "en:\n  - [refund, reimbursement]\n",
            "kb/refund.md": _article("Refund rules", f"Ask for a refund. {FILLER}", "KB-R"),
            "kb/other.md": _article("Delivery times", f"Parcels arrive. {FILLER}", "KB-D"),
        }
    )
    assert list(_scores(searcher, "reimbursements")) == ["KB-R"]


def test_a_word_written_only_inside_a_longer_one_still_counts(searcher_of) -> None:
    """``flush`` is nowhere on its own, only in ``ipconfig /flushdns``: a word the index does
    not hold (or rarely) also stands for the words it begins, as a typo's neighbours do, so
    the page that says it comes before its sibling that does not."""
    searcher = searcher_of(
        {
            "kb/get-cache.md": _article(
                "Get-DnsClientCache", f"Gets the DNS client cache. {FILLER}", "KB-GET-CACHE"
            ),
            "kb/clear-cache.md": _article(
                "Clear-DnsClientCache",
                f"Clears the DNS client cache, as `ipconfig /flushdns` does. {FILLER}",
                "KB-CLEAR-CACHE",
            ),
        }
    )
    ranked = list(_scores(searcher, "flush dns cache"))
    assert ranked[0] == "KB-CLEAR-CACHE", ranked


def test_a_typo_in_one_inflection_finds_the_page_with_another(searcher_of) -> None:
    """A typo's neighbour stands for the other forms of its stem as well: a rep who mistypes
    ``connections`` finds the page that only says ``connecting``, as Lucene's fuzzy terms
    over a stemmed index would."""
    searcher = searcher_of(
        {
            "kb/hub.md": _article("Hub pairing", f"Connecting the hub is quick. {FILLER}", "KB-H"),
            "kb/cable.md": _article("Cables", f"Spare connections are sold. {FILLER}", "KB-C"),
            "kb/other.md": _article("Delivery times", f"Parcels arrive. {FILLER}", "KB-D"),
        }
    )
    assert set(_scores(searcher, "conectons")) == {"KB-C", "KB-H"}


def test_the_words_of_a_pages_short_answer_find_it(searcher_of) -> None:
    """The short answer a rep reads out (``answer``) sums the page up: a word written only
    there finds the page, and weighs as a heading word does, above a passing mention."""
    answered = _article(
        "Returns",
        f"Send the device back to us. {FILLER}",
        "POL-RETURNS",
        answer="Devices can be returned within 30 days of delivery for a full refund.",
    )
    searcher = searcher_of(
        {
            "kb/returns.md": answered,
            "kb/shipping.md": _article(
                "Shipping", f"Delivery takes two days; a refund is rare. {FILLER}", "KB-SHIP"
            ),
        }
    )
    assert list(_scores(searcher, "refund")) == ["POL-RETURNS", "KB-SHIP"]


def test_function_words_break_ties_but_never_match_a_page(searcher_of) -> None:
    """``after`` is a function word (it never makes a page match, nor counts in coverage),
    yet among the pages the content words found, the one that says it comes first, as
    Elasticsearch's ``common`` terms weigh frequent words."""
    searcher = searcher_of(
        {
            "kb/before.md": _article(
                "Refunds and delivery", f"A refund before delivery is quick. {FILLER}", "KB-B"
            ),
            "kb/after.md": _article(
                "Refunds and delivery", f"A refund after delivery is quick. {FILLER}", "KB-A"
            ),
            "kb/other.md": _article("Parcels", f"Parcels come after a week. {FILLER}", "KB-O"),
        }
    )
    scores = _scores(searcher, "refund after delivery")
    assert set(scores) == {"KB-A", "KB-B"}
    assert scores["KB-A"] > scores["KB-B"]


def test_word_beginnings_count_only_in_the_languages_that_need_them(searcher_of) -> None:
    """Searching every language, a word also stands for the longer words it begins, but only
    in pages of languages without a stemmer (Latvian here): ``pass`` finds the Latvian page
    that says ``passwordi``, not the English page that says only ``password``."""
    latvian = _article("Paroles", f"Ievadiet passwordi. {FILLER}", "KB-LV", lang="lv")
    searcher = searcher_of(
        {
            "kb/password.md": _article("Password", f"Change your password. {FILLER}", "KB-EN"),
            "kb/paroles.md": latvian,
            "kb/pass.md": _article("Boarding", f"Show your pass at the gate. {FILLER}", "KB-P"),
        }
    )
    found = {r["id"] for r in searcher.search("pass", limit=10)["results"]}
    assert found == {"KB-LV", "KB-P"}


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("pay", "payment"), ("payments", "pay"), ("suspended", "suspension"),
        ("notifications", "notify"), ("deliver", "delivery"), ("privacy", "private"),
        ("submitted", "submission"), ("failed", "failure"), ("colour", "color"),
        ("licence", "license"), ("organised", "organize"), ("subscribe", "subscription"),
    ],
)  # fmt: skip
def test_derived_words_snowball_leaves_apart_are_related(word: str, other: str) -> None:
    from kbsite.search.derivation import related
    from kbsite.search.stemming import stemmer

    stem = stemmer("en")
    assert stem(word) != stem(other)  # else Snowball joins them already
    assert other in related(word, "en")


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("state", "statement"), ("part", "party"), ("pack", "package"), ("com", "comment"),
        ("install", "installments"), ("store", "storage"),
        ("current", "currency"), ("vary", "variable"), ("port", "portable"), ("every", "ever"),
    ],
)  # fmt: skip
def test_words_that_only_look_derived_are_not_related(word: str, other: str) -> None:
    from kbsite.search.derivation import related

    assert other not in related(word, "en")
    assert word not in related(other, "en")
    assert related("pagamento", "it") == ()  # English endings only


def test_a_derived_word_finds_the_page_a_little_below_the_word_itself(searcher_of) -> None:
    """``pay`` finds the page about payments (Snowball keeps ``pay`` and ``payment``
    apart), below a page that says "pay" as often; ``extend`` finds the page on extensions,
    but not one that is only extensive (Snowball gives ``extension`` and ``extensive`` one
    stem)."""
    searcher = searcher_of(
        {
            "kb/payments.md": _article("Payments", f"Payments are due monthly. {FILLER}", "KB-A"),
            "kb/pay.md": _article("Pay", f"Pay is due monthly. {FILLER}", "KB-B"),
            "kb/other.md": _article("Other", f"Nothing here. {FILLER}", "KB-C"),
            "kb/extensions.md": _article("Extensions", f"Units. {FILLER}", "KB-D"),
            "kb/long.md": _article("Extensive notes", f"Units. {FILLER}", "KB-E"),
        }
    )
    found = _scores(searcher, "pay")
    assert list(found) == ["KB-B", "KB-A"]
    assert found["KB-A"] < found["KB-B"]
    assert list(_scores(searcher, "payments")) == ["KB-A", "KB-B"]
    assert list(_scores(searcher, "extend")) == ["KB-D"]
    assert set(_scores(searcher, "extensive")) == {"KB-D", "KB-E"}  # Snowball's own family
