"""The rep's desk in-process: passages and highlighting, script detection, version periods and
the rep-site HTML of answers, histories and desk links."""

from __future__ import annotations

import datetime as dt
import html
import pickle
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import page
from kbsite.markdown.config import markdown_config
from kbsite.markdown.model import BodyReader
from kbsite.pages import Page, PageMeta
from kbsite.search.engine import stemmer
from kbsite.search.passages import Highlighter, best_passage, sections_from
from kbsite.search.scripts import language_of_query
from kbsite.versions import Versions

EN = stemmer("en")
D = dt.date.fromisoformat
READER = BodyReader(
    markdown_config({"markdown_extensions": ["admonition", "attr_list", "pymdownx.details"]})
)


def sections_of(markdown: str) -> list[tuple[str, str]]:
    """The passages' sections of a body, from its page model (as the index stores them)."""
    return sections_from(READER.read(markdown).rendering)


TABLE_BODY = """\
# Refunds

Intro about the policy.

## What you get

| situation | what you get |
|:---|---:|
| Unopened, within 30 days | **full refund**, delivery costs included |
| Opened | [partial refund](other.md#x) of the `device` |

```
# not a heading: code
refund refund refund
```

Setext heading
--------------

- First item with ![an image](x.png) and _emphasis_.
- Second item
  continued on the next line.

!!! internal "Goodwill"
    A rep may offer a credit.

***
"""


def test_sections_split_at_headings_and_drop_markdown_debris() -> None:
    """Sections follow ATX and setext headings (never a `#` in fenced code); their text has
    no table rules, pipes, emphasis, link targets, image syntax or code fences."""
    sections = sections_of(TABLE_BODY)
    assert [heading for heading, _ in sections] == ["Refunds", "What you get", "Setext heading"]
    text = "\n".join(body for _, body in sections)
    for debris in ("---", "|", "**", "](", "![", "```", "`", "_emphasis_", "***", "!!!"):
        assert debris not in text, debris
    assert "Unopened, within 30 days: full refund, delivery costs included" in text
    assert "Opened: partial refund of the device" in text
    assert "not a heading" not in text  # fenced code is left out of passages
    assert "Second item continued on the next line." in text
    assert "Goodwill" in text and "A rep may offer a credit." in text


def test_rep_only_blocks_stay_out_of_the_customer_view() -> None:
    """Text of an `internal` admonition is a passage for reps only: the customer view's
    best passage never shows it; the text after the admonition is public again."""
    body = (
        '# Page\n\nA public credit note.\n\n!!! internal "Goodwill credit"\n'
        "    A rep may offer a credit of 10 EUR.\n\n    - a credit list item\n\n"
        "Customers see this credit sentence.\n"
    )
    marks = Highlighter({"credit", "rep"}, {"credit", "rep"}, typed={"credit", "rep"})
    sections = sections_of(body)
    rep = best_passage(sections, marks, EN, title="Page")
    assert rep == "A <mark>rep</mark> may offer a <mark>credit</mark> of 10 EUR."
    public = best_passage(sections, marks, EN, title="Page", public=True)
    assert public == "A public <mark>credit</mark> note."
    blocks = [b for _, text in sections for b in text.split("\n")]
    visible = [b for b in blocks if not b.startswith("\u2063")]
    assert visible == ["A public credit note.", "Customers see this credit sentence."]


def test_blocks_keep_words_of_links_and_code_spans() -> None:
    """Inline Markdown keeps its words: link text, code span text, escaped characters."""
    sections = sections_of("See [the *refund* page](r.md) and `kb search`; 5 \\* 3 &amp; more.")
    assert sections == [("", "See the refund page and kb search; 5 * 3 & more.")]


def test_table_debris_never_reaches_a_snippet() -> None:
    """The best passage of a page with a table is a clean row, heading first."""
    marks = Highlighter({"unopen"}, prefixes={"unopen"})
    snippet = best_passage(sections_of(TABLE_BODY), marks, EN, title="Refunds")
    assert snippet == (
        "What you get — <mark>Unopened</mark>, within 30 days: full refund, delivery costs included"
    )


def test_phrases_are_marked_whole_and_never_their_common_words_alone() -> None:
    """A multi-word synonym is one mark where it stands together; its words elsewhere are not
    marked ("back", "ang", "bayad" alone)."""
    marks = Highlighter(
        {"refund"},
        prefixes={"refund"},
        phrases=[("money", "back"), ("ibalik", "ang", "bayad")],
        typed={"refund"},
    )
    text = "Send it back and get your money back. Ang bayad: ibalik ang bayad agad."
    marked = marks.html(text, EN)
    assert marked == (
        "Send it back and get your <mark>money back</mark>. Ang bayad: "
        "<mark>ibalik ang bayad</mark> agad."
    )


def test_best_passage_prefers_most_matched_words_then_typed_words_then_headings() -> None:
    """The sentence with the most distinct matches wins; on a tie, the words the rep typed
    beat a synonym, and a matching heading beats none."""
    sections = [
        ("Refunds", "You can have your money back. Later text."),
        ("Who can ask for a refund", "Anyone can ask for a refund within 30 days."),
        ("Other", "A refund takes 30 days to arrive at the bank."),
    ]
    marks = Highlighter({"refund"}, {"refund"}, [("money", "back")], typed={"refund"})
    assert best_passage(sections, marks, EN, title="Refunds") == (
        "Who can ask for a <mark>refund</mark> — Anyone can ask for a <mark>refund</mark> "
        "within 30 days."
    )
    two = Highlighter({"refund", "bank"}, {"refund", "bank"}, typed={"refund", "bank"})
    assert best_passage(sections, two, EN).startswith("Other — A <mark>refund</mark>")
    nothing = Highlighter({"zebra"}, {"zebra"})
    assert best_passage(sections, nothing, EN, title="Refunds") == "You can have your money back."


def test_a_long_sentence_is_cut_around_its_first_match() -> None:
    """A sentence longer than the width is cut around its first match, with ellipses."""
    long = "word " * 100 + "the refund arrives " + "tail " * 100
    snippet = best_passage([("", long)], Highlighter({"refund"}, {"refund"}), EN, width=120)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>refund</mark>" in snippet and len(snippet) < 160


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_highlighting_escapes_and_keeps_every_character(text: str) -> None:
    """For any text, the highlighted HTML is the escaped text with <mark> around whole words:
    removing the marks and unescaping gives the text back."""
    marks = Highlighter({"a", "ab"}, {"ab"}, [("a", "b")])
    marked = marks.html(text, EN)
    assert "<" not in re.sub(r"</?mark>", "", marked)
    assert html.unescape(re.sub(r"</?mark>", "", marked)) == text


_SIMPLE = st.one_of(
    st.characters(max_codepoint=0x2FF, exclude_categories=["Cs"]),
    st.characters(min_codepoint=0x2010, max_codepoint=0x2027),
    st.characters(min_codepoint=0x2030, max_codepoint=0x205E),
    st.characters(min_codepoint=0x20A0, max_codepoint=0x20C0),
)


@settings(max_examples=1000)
@given(st.text(alphabet=_SIMPLE))
def test_in_simple_text_fast_runs_are_the_words(text: str) -> None:
    """Text without a character ``analysis.BEYOND_SIMPLE`` finds (none from U+0300 on but
    general punctuation and currency signs: typographic quotes, dashes, ellipses, €) is cut
    into words by the fast stdlib pattern, which passages and the sites' search indexes use
    there; it gives exactly the grapheme-cluster words."""
    from kbsite.search.analysis import BEYOND_SIMPLE, fast_words, word_spans, word_texts, words

    assert BEYOND_SIMPLE.search(text) is None
    fast = [(m[0], m.start(), m.end()) for m in fast_words().finditer(text)]
    assert fast == [(t.text, t.start, t.end) for t in words(text)]
    for either in (text, text + "́ x"):  # simple, then not
        assert word_spans(either) == [(t.text, t.start, t.end) for t in words(either)]
        assert word_texts(either) == [t.text for t in words(either)]


def test_the_first_match_is_where_the_marked_spans_start() -> None:
    """``first_match`` (the fast path of long sentences) agrees with the spans."""
    marks = Highlighter({"refund", "order"}, {"refund"}, [("order", "number")])
    for text in ("no match here", "an order number and a refund", "tail refunds; order"):
        spans = marks.spans(text, EN, exact=False)
        assert marks.first_match(text, EN) == (spans[0][0] if spans else 0)


PAGE_WORDS = st.sampled_from(
    ["refund", "Refunds", "refunding", "Rimborso", "rìmborso", "order", "number", "a", "ab",
     "b", "Ärger", "రీఫండ్", "రీఫండ్‌ను", "కస్టమర్", "éx", "x", "-", " ", ". ", "\n",
     "'", "1", "ré"]
)  # fmt: skip


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.lists(PAGE_WORDS, max_size=4), st.lists(PAGE_WORDS, max_size=30)),
             min_size=1, max_size=3),
    st.sampled_from([EN, None]),
)  # fmt: skip
def test_passages_from_the_page_words_agree_with_reading_each_sentence(
    parts: list[tuple[list[str], list[str]]], stem: object
) -> None:
    """``PageText`` groups a page's words by how they begin, and a passage looks only among
    the matching ones (``words_in``): the units, first match and marks of every sentence are
    those found by reading the sentence itself, word by word."""
    from kbsite.search.passages import PageText

    sections = [("".join(h), "".join(t)) for h, t in parts]
    page = PageText.of(sections)
    queries = (
        Highlighter({"refund", "rimborso"}, {"refund"}, typed={"refund"}),
        Highlighter({"a", "ab", "order"}, {"ab"}, [("order", "number")]),
        Highlighter({"రీఫండ్", "ex"}, {"రీఫ"}),
    )
    for marks in queries:
        among = marks.words_in(page, stem)
        fresh = Highlighter(marks.marks.words, marks.marks.prefixes, marks.phrases, marks.typed)
        for index in range(len(sections)):
            for sentence in page.sentences(index):
                assert marks.units(sentence, stem, among) == fresh.units(sentence, stem)
                assert marks.first_match(sentence, stem, among) == fresh.first_match(sentence, stem)
                assert marks.html(sentence, stem, among) == fresh.html(sentence, stem)
    assert best_passage(page, queries[0], stem) == best_passage(sections, queries[0], stem)


def _passage_by_reading_each_sentence(
    sections: list[tuple[str, str]], marks: Highlighter, stem: object, title: str, public: bool
) -> str:
    """What ``best_passage`` shows, the plain way: every sentence of every section read in
    order, the first with the most distinct units, then typed units, then heading units."""
    from kbsite.search.analysis import fold
    from kbsite.search.passages import sentences

    def shown(heading: str) -> str:
        heading = heading.strip()
        return heading if heading and fold(heading) != fold(title.strip()) else ""

    every = [(shown(h), s) for h, text in sections for s in sentences(text, public)]
    if not every:
        return ""
    best, best_score = every[0], None
    for heading, sentence in every:
        units = marks.units(sentence, stem)
        score = (len(units), marks.typed_units(units), len(marks.units(heading, stem)))
        if units and (best_score is None or score > best_score):
            best, best_score = (heading, sentence), score
    heading, sentence = best
    text = marks.html(sentence, stem)
    return f"{marks.html(heading, stem)} — {text}" if heading else text


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(st.lists(PAGE_WORDS, max_size=4), st.lists(PAGE_WORDS | st.just("\u2063"),
                                                             max_size=30)),
        min_size=1, max_size=4,
    ),
    st.sampled_from([EN, None]),
    st.booleans(),
    st.sampled_from(["", "refund", "Refunds"]),
)  # fmt: skip
@example([([], ["x", "refund", ". ", "ab", "refund"]), (["order"], ["refund"])], EN, False, "")
@example([(["x"], ["refund", "\n", "refund"]), (["b"], ["Refunds"])], None, True, "x")
@example(  # a heading's units, not its words, decide the tie
    [(["Refunds", " ", "refund"], ["x", " ", "refund"]), (["refund", " ", "order"], ["ab", " ", "refund"])],
    EN, False, "",
)  # fmt: skip
def test_the_best_passage_is_the_one_reading_every_sentence_finds(
    parts: list[tuple[list[str], list[str]]], stem: object, public: bool, title: str
) -> None:
    """``best_passage`` weighs only the sentences its page's matching words stand in, found
    once per word and page (``PageText.where``); it shows what reading every sentence of
    the page would, for the rep and for customers (without the rep-only blocks), with and
    without phrases, from the page as the index stores it too."""
    from kbsite.search.passages import PageText

    sections = [("".join(h), "".join(t)) for h, t in parts]
    page = PageText.of(sections)
    # As the index stores it (pickled by Whoosh) and a search reads it back.
    restored = PageText.from_stored(*pickle.loads(pickle.dumps(page.stored(), 2)))
    queries = (
        Highlighter({"refund", "rimborso", "order"}, {"refund"}, typed={"refund"}),
        Highlighter({"a", "ab", "order"}, {"ab"}, [("order", "number")]),
        Highlighter({"రీఫండ్", "ex", "b"}, {"రీఫ"}, typed={"b"}),
        Highlighter({"nothing"}),
    )
    for marks in queries:
        fresh = Highlighter(marks.marks.words, marks.marks.prefixes, marks.phrases, marks.typed)
        expected = _passage_by_reading_each_sentence(sections, fresh, stem, title, public)
        assert best_passage(page, marks, stem, title, width=1_000, public=public) == expected
        assert best_passage(restored, marks, stem, title, width=1_000, public=public) == expected


MARKDOWN_ALPHABET = st.sampled_from(
    ["a", "bc", "ద్", " ", "\n", "\n\n", "#", "# ", "*", "_", "`", "```", "|", "---", "-", "[",
     "]", "(", ")", "!", ">", ":", "1.", "    ", "!!! internal", '"', "~", "=", "\\", "<b>"]
)  # fmt: skip


@settings(max_examples=300)
@given(st.lists(MARKDOWN_ALPHABET, max_size=40).map("".join))
def test_sections_of_any_markdown_keep_only_its_own_words(markdown: str) -> None:
    """Any Markdown-like text splits into sections without error; their headings are one
    line; syntax is removed and nothing is added: the letters of all sections, in order, are
    a subsequence of the source's letters."""
    source = iter(re.sub(r"\W", "", markdown).casefold())
    for heading, text in sections_of(markdown):
        assert "\n" not in heading
        letters = re.sub(r"\W", "", heading + text).casefold()
        assert all(letter in source for letter in letters)


def test_a_query_in_a_script_only_one_language_uses_names_it() -> None:
    """Telugu letters name Telugu; Latin letters, digits or mixed scripts name nothing."""
    languages = ("en", "it", "tl", "lv", "te")
    assert language_of_query("రీఫండ్ ఎలా", languages) == "te"
    assert language_of_query("refund", languages) is None
    assert language_of_query("రీఫండ్ refund", languages) is None
    assert language_of_query("42 ?!", languages) is None
    assert language_of_query("возврат", languages) is None  # no configured language
    assert language_of_query("возврат", ("en", "ru", "uk")) is None  # two languages use it
    assert language_of_query("возврат", ("en", "ru")) == "ru"


def _page(path: str, **meta: object) -> Page:
    fields = {"status": "active", **meta}
    for name in ("effective", "expires"):
        if isinstance(fields.get(name), str):
            fields[name] = D(str(fields[name]))
    if "supersedes" in fields:
        fields["supersedes"] = tuple(fields["supersedes"])  # type: ignore[arg-type]
    return Page(path, "policies", "en", meta=PageMeta(**fields), parsed=True)  # type: ignore[arg-type]


CHAIN = [
    _page("a.md", id="POL-A", title="A", status="retired", effective="2022-01-01"),
    _page(
        "b.md",
        id="POL-B",
        title="B",
        status="retired",
        effective="2024-03-01",
        supersedes=["POL-A"],
    ),
    _page("c.md", id="POL-C", title="C", effective="2026-01-01", supersedes=["POL-B"]),
    _page(
        "d.md", id="POL-D", title="D", status="draft", effective="2027-01-01", supersedes=["POL-C"]
    ),
]


def test_version_periods_follow_supersedes_with_both_ends_included() -> None:
    """Each version applies from its `effective` day to the day before its successor's;
    a draft successor ends nothing; the newest active version applies today."""
    versions = Versions(CHAIN)
    a, b, c = (versions.get(i) for i in ("POL-A", "POL-B", "POL-C"))
    assert (a.start, a.end) == (D("2022-01-01"), D("2024-02-29"))
    assert (b.start, b.end) == (D("2024-03-01"), D("2025-12-31"))
    assert (c.start, c.end) == (D("2026-01-01"), None)
    assert versions.get("POL-D") is None
    day_of = {
        "2021-12-31": [],
        "2022-01-01": ["POL-A"],
        "2024-02-29": ["POL-A"],
        "2024-03-01": ["POL-B"],
        "2025-12-31": ["POL-B"],
        "2026-01-01": ["POL-C"],
    }
    for day, expected in day_of.items():
        assert [v.id for v in versions.by_id.values() if v.in_effect(D(day))] == expected, day
    assert [v.id for v in versions.chain("POL-B")] == ["POL-A", "POL-B", "POL-C"]
    assert versions.chain_key("POL-C") == versions.chain_key("POL-A") == "POL-A"
    assert versions.current("POL-A", D("2026-11-23")).id == "POL-C"
    assert versions.current("POL-A", D("2025-01-01")) is None  # POL-B applied, but is retired


def test_rep_site_answer_box_history_and_desk_links() -> None:
    """The answer box escapes and copies the answer; the history lists the chain newest
    first with periods, this page unlinked, retired versions linked where `link` says; the
    desk links point to search, rep site and content health."""
    from kbsite.sites.desk import answer_box_html, desk_links_html
    from kbsite.sites.history import server_link, version_history_html

    refund = _page("c.md", id="POL-C", title="C", answer="Up to <30> days & more.")
    box = answer_box_html(refund, public=False)
    assert 'class="admonition success kb-answer"' in box
    assert "Up to &lt;30&gt; days &amp; more." in box and "<30>" not in box
    assert answer_box_html(_page("x.md", id="POL-X", title="X"), public=False) == ""
    assert answer_box_html(refund, public=True) == ""  # the help center shows no answer
    versions = Versions(CHAIN)
    table = version_history_html(
        CHAIN[2], versions, D("2026-11-23"), lambda v: server_link(v, "en", "en")
    )
    rows = re.findall(r'data-kb-version="([^"]+)"', table)
    assert rows == ["POL-C", "POL-B", "POL-A"]
    assert "2024-03-01 – 2025-12-31" in table and "2026-01-01 – today" in table
    assert 'href="/versions/POL-B/en/"' in table and 'href="/internal/c/"' not in table
    assert "this page, current" in table and "retired" in table
    lone = _page("z.md", id="POL-Z", title="Z")
    assert version_history_html(lone, Versions([lone]), D("2026-11-23"), lambda v: None) == ""
    nav = desk_links_html("site")
    assert re.findall(r'href="([^"]+)"', nav) == ["/", "/internal/", "/internal/kb-health/"]
    assert 'data-kb-desk="site" href="/internal/" aria-current="page"' in nav


def test_answer_is_a_front_matter_field(make_project) -> None:
    """`answer` is known to the schema (no field-unknown) and must be text."""
    project = make_project(
        {
            "kb/good.md": page(id="KB-GOOD", title="Good", audience="public", answer="Yes."),
            "kb/bad.md": page(id="KB-BAD", title="Bad", audience="public", answer=["a", "b"]),
        }
    )
    problems = project.kb("check", "--json").json()["problems"]
    assert [(p["file"], p["code"], p["field"]) for p in problems] == [
        ("kb/bad.md", "field-invalid", "answer")
    ]


def test_function_words_are_not_marked_nor_choose_the_passage() -> None:
    """In an English result, ``the``/``of``/``a`` of a question are not marked and do not
    make a sentence the passage: the sentence with more of the content words wins. A query
    of function words only still marks them."""
    from kbsite.search.results import highlighter

    marks = highlighter("what is the refund of an order", {"en": EN}, [], [], "en")
    sections = [
        ("", "The price of the plan is on the page of the shop. A refund is quick."),
        ("", "Each refund of an order is paid back."),
    ]
    snippet = best_passage(sections, marks, EN)
    assert snippet == "Each <mark>refund</mark> of an <mark>order</mark> is paid back."
    only = highlighter("the of", {"en": EN}, [], [], "en")
    assert best_passage([("", "The end of it.")], only, EN) == (
        "<mark>The</mark> end <mark>of</mark> it."
    )


def test_word_beginnings_are_marked_only_where_they_match() -> None:
    """Searching English and Latvian, ``pay`` stands for ``payment`` in Latvian pages only
    (Latvian has no stemmer): an English result does not mark it, a Latvian one does, as
    rep search matches it only there (``Found.scoped``)."""
    from kbsite.search.results import highlighter

    def marks(lang: str) -> Highlighter:
        searched = ["pay", "payment"]
        return highlighter("pay", {"en": EN, "lv": None}, searched, [], lang, scoped=["payment"])

    text = [("", "Pay for the payment.")]
    assert best_passage(text, marks("en"), EN) == "<mark>Pay</mark> for the payment."
    both = "<mark>Pay</mark> for the <mark>payment</mark>."
    assert best_passage(text, marks("lv"), None) == both
