"""Mojibake with lost bytes: UTF-8 read as Windows-1252/Latin-1 where bytes became `?`."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conftest import TODAY, page
from kbsite.reading.encoding import find_mojibake

WORDS = [
    "Pārskats", "rēķinu", "čeks", "atmaksa", "klientam", "Spaß", "Straße", "però", "così",
    "perché", "rimborso", "రీఫండ్", "విధానం", "ప్రకారం", "కస్టమర్", "refund", "policy", "à",
    "Ä", "café", "naïve", "“quoted”", "it’s",
]  # fmt: skip
PUNCT = ["", "?", "??", "!", ".", ",", ":"]


def lost_as_cp1252(text: str) -> str:
    """UTF-8 bytes read as Windows-1252; bytes it has no character for become `?`."""
    return text.encode("utf-8").decode("cp1252", errors="replace").replace("\ufffd", "?")


def lost_as_latin1(text: str) -> str:
    """UTF-8 bytes read as Latin-1, its control characters (0x80-0x9F) then lost to `?`."""
    read = text.encode("utf-8").decode("latin-1")
    return "".join("?" if 0x80 <= ord(ch) <= 0x9F else ch for ch in read)


sentences = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from(PUNCT)), min_size=1, max_size=12
).map(lambda parts: " ".join(word + mark for word, mark in parts))


@given(sentences)
def test_clean_text_with_question_marks_is_never_mojibake(text: str) -> None:
    """Real words in Latvian, German, Italian, Telugu, with `?` after them, are not flagged."""
    assert find_mojibake(text) == []


@given(sentences)
def test_text_that_lost_bytes_is_always_reported(text: str) -> None:
    """Whenever a Windows-1252 reading lost a byte inside a word, the line is reported with
    the lost part named as unrepairable."""
    damaged = lost_as_cp1252(text)
    lost_inside_word = any(
        "?" in lost_as_cp1252(word) and not lost_as_cp1252(word).endswith("?")
        for word in text.split()
    )
    found = find_mojibake(damaged)
    if lost_inside_word:
        assert len(found) == 1 and found[0].lost
        assert "cannot be repaired automatically" in found[0].hint
    assert all("\ufffd" not in f.hint for f in found)


def test_hint_says_what_can_and_cannot_be_repaired() -> None:
    """Intact sequences are repaired in the hint; each lost one is shown with what it was."""
    (latvian,) = find_mojibake(lost_as_cp1252("Pārskats par rēķinu — čeks"))
    assert "the rest can be repaired: `PÄ?rskats par rēķinu — Ä?eks`" in latvian.hint
    assert "`Ä?` (was `ā` or `č` or `ď` or `Đ` or `ĝ`)" in latvian.hint
    (telugu,) = find_mojibake(lost_as_cp1252("రీఫండ్ విధానం"))
    assert "`à±?` (was `ు` or `్` or `ౝ`)" in telugu.hint
    assert "విధానం" in telugu.hint
    (latin1,) = find_mojibake(lost_as_latin1("It’s the customer’s café"))
    assert "`â??` (one of" in latin1.hint and "café" in latin1.hint
    assert "\ufffd" not in latin1.hint + telugu.hint + latvian.hint


def test_kb_check_reports_lost_bytes_as_mojibake_with_line(make_project) -> None:
    """`kb check` reports each damaged line as `mojibake` at its line, with the lost-bytes hint."""
    body = (
        "# Atmaksa\n\nIntact line.\n"
        + lost_as_cp1252("Pārskats par rēķinu — čeks")
        + "\n\n"
        + lost_as_latin1("రీఫండ్ విధానం ప్రకారం")
        + "\nWas ist Spaß? Très bien.\n"
    )
    project = make_project({"kb/lv.md": page(body, id="KB-LV", title="LV", audience="internal")})
    problems = project.kb("check", "--json", "--today", TODAY).json()["problems"]
    assert [(p["code"], p["line"]) for p in problems] == [("mojibake", 9), ("mojibake", 11)]
    assert all("cannot be repaired automatically" in p["hint"] for p in problems)
    assert "characters lost to `?`" in problems[0]["message"]
