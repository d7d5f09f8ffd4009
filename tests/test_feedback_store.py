"""Reader feedback store (SPEC §9): masking, counting, retention, and the `flagged` state."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conftest import TODAY, page
from kbsite.review.feedback import (
    MAX_COMMENT,
    STORE_FILE,
    FeedbackStore,
    SearchEntry,
    StoreError,
    Vote,
    clean_comment,
    mask_personal_data,
    normalise_query,
)

DAY = dt.date.fromisoformat(TODAY)


def test_personal_data_is_masked() -> None:
    """E-mail addresses, card numbers and phone numbers become placeholders; ids and years stay."""
    assert mask_personal_data("refund for anna.rossi+kb@example.co.uk please") == (
        "refund for [email] please"
    )
    assert mask_personal_data("card 4111 1111 1111 1111 declined") == "card [card] declined"
    assert mask_personal_data("card 4111-1111-1111-1111") == "card [card]"
    assert mask_personal_data("call me on +39 06 1234 5678") == "call me on [phone]"
    assert mask_personal_data("call (555) 123-4567 today") == "call [phone] today"
    assert mask_personal_data("POL-REFUND 2026 order 12345") == "POL-REFUND 2026 order 12345"
    assert mask_personal_data("refund since 2026-11-23") == "refund since 2026-11-23"
    assert normalise_query("  Refund   FOR  Bob@Example.com ") == "refund for [email]"


@given(st.text(max_size=300))
def test_normalised_queries_are_bounded_and_free_of_control_characters(text: str) -> None:
    """Any input normalises to ≤200 characters, trimmed, without control characters."""
    out = normalise_query(text)
    assert len(out) <= 200
    assert not any(ch < " " or ch == "\x7f" for ch in out)
    assert out == out.strip()


def test_comments_are_cleaned_and_bounded() -> None:
    """Terminal escapes are removed, personal data masked, length capped at 500."""
    assert (
        clean_comment("bad\x1b[31m red\x07 text mail me: a@b.io")
        == "bad [31m red text mail me: [email]"
    )
    assert len(clean_comment("x" * 2000)) == MAX_COMMENT


def test_votes_and_searches_are_counted_per_page_and_query(tmp_path: Path) -> None:
    """insights() aggregates votes per (id, lang) and searches per (query, lang, site)."""
    store = FeedbackStore(tmp_path / STORE_FILE)
    for helpful in (True, True, False):
        store.record_vote(Vote("POL-REFUND", "en", "public", helpful), DAY)
    store.record_vote(Vote("POL-REFUND", "en", "internal", None, True, "old fee"), DAY)
    store.record_vote(Vote("POL-REFUND", "it", "public", False, False, "non chiaro"), DAY)
    store.log_searches(
        [
            SearchEntry("Refund", "en", "internal", False),
            SearchEntry("refund ", "en", "internal", False),
            SearchEntry("warp drive", "en", "public", True),
            SearchEntry("   ", "en", "public", True),
        ],
        DAY,
    )
    data = store.insights(DAY - dt.timedelta(days=90))
    assert set(data) == {"pages", "searches"}
    assert data["pages"] == [
        {"id": "POL-REFUND", "lang": "en", "helpful": 2, "unhelpful": 1, "flags": 1,
         "comments": ["old fee"]},
        {"id": "POL-REFUND", "lang": "it", "helpful": 0, "unhelpful": 1, "flags": 0,
         "comments": ["non chiaro"]},
    ]  # fmt: skip
    assert data["searches"] == [
        {"query": "refund", "lang": "en", "site": "internal", "count": 2, "zero_results": 0},
        {"query": "warp drive", "lang": "en", "site": "public", "count": 1, "zero_results": 1},
    ]
    assert store.zero_results(DAY - dt.timedelta(days=90)) == [data["searches"][1]]


def test_retention_deletes_old_rows(tmp_path: Path) -> None:
    """purge() removes votes and searches older than the retention period, keeps the rest."""
    store = FeedbackStore(tmp_path / STORE_FILE)
    old = DAY - dt.timedelta(days=91)
    store.record_vote(Vote("KB-A", "en", "public", True), old)
    store.record_vote(Vote("KB-A", "en", "public", False), DAY)
    store.log_searches([SearchEntry("old", "en", "public", True)], old)
    assert store.purge(DAY, 90) == 2
    data = store.insights(DAY - dt.timedelta(days=365))
    assert [(p["helpful"], p["unhelpful"]) for p in data["pages"]] == [(0, 1)]
    assert data["searches"] == []


def test_nothing_identifying_is_stored(tmp_path: Path) -> None:
    """The database holds only ids, languages, sites, days, votes, masked text: no time of day."""
    store = FeedbackStore(tmp_path / STORE_FILE)
    store.record_vote(Vote("KB-A", "en", "public", False, False, "write to x@y.com"), DAY)
    store.log_searches([SearchEntry("card 4111111111111111", "en", "public", True)], DAY)
    store.close()
    with sqlite3.connect(tmp_path / STORE_FILE) as conn:
        columns = {
            table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            for table in ("votes", "searches")
        }
        dump = "\n".join(conn.iterdump())
    assert columns == {
        "votes": ["page_id", "lang", "site", "helpful", "flag", "comment", "day"],
        "searches": ["query", "lang", "site", "day", "count", "zero_results"],
    }
    assert "x@y.com" not in dump and "4111111111111111" not in dump
    assert "[email]" in dump and "[card]" in dump


def test_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    """A file that is not a database raises StoreError naming the file and what to do."""
    path = tmp_path / STORE_FILE
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite" * 100)
    store = FeedbackStore(path)
    try:
        store.record_vote(Vote("KB-A", "en", "public", True), DAY)
    except StoreError as exc:
        assert str(path) in str(exc) and "move it aside" in str(exc)
    else:
        raise AssertionError("a corrupt database was written to")


def _write_votes(root: Path, votes: list[tuple[Vote, str]]) -> None:
    store = FeedbackStore(root / STORE_FILE)
    for vote, day in votes:
        store.record_vote(vote, dt.date.fromisoformat(day))
    store.close()


def test_flagged_state_from_votes_since_the_last_review(make_project) -> None:
    """`kb stale` shows `flagged` for a rep's flag or ≥3 unhelpful votes outnumbering helpful
    ones since the last review; older votes, 2 unhelpful votes or a helpful majority do not."""
    fields = {"owner": "billing-team", "audience": "public", "effective": "2026-01-01"}
    project = make_project(
        {
            f"policies/{name}.md": page(
                id=f"POL-{name.upper()}", title=name.title(), last_reviewed="2026-10-01", **fields
            )
            for name in ("flag", "unhelpful", "old", "two", "liked")
        }
    )
    votes: list[tuple[Vote, str]] = [
        (Vote("POL-FLAG", "en", "internal", None, True, "fee changed in \x1b[2Jnovember"), "2026-11-02"),
        (Vote("POL-FLAG", "en", "internal", None, True), "2026-11-10"),
        (Vote("POL-OLD", "en", "internal", None, True), "2026-09-30"),
        (Vote("POL-TWO", "en", "public", False), "2026-11-03"),
        (Vote("POL-TWO", "en", "public", False), "2026-11-03"),
    ]  # fmt: skip
    votes += [(Vote("POL-UNHELPFUL", "en", "public", False), f"2026-11-{d:02}") for d in (5, 6, 7)]
    votes += [(Vote("POL-UNHELPFUL", "en", "public", True), "2026-11-08")]
    votes += [(Vote("POL-OLD", "en", "public", False), "2026-10-01")] * 4  # the review day
    votes += [
        (Vote("POL-LIKED", "en", "public", b), "2026-11-09") for b in [False] * 3 + [True] * 3
    ]
    _write_votes(project.root, votes)
    result = project.kb("stale", "--json", "--state", "flagged", "--today", TODAY)
    assert result.code == 0, result.err
    items = {i["file"]: i for i in result.json()["items"]}
    assert set(items) == {"policies/flag.md", "policies/unhelpful.md"}
    flag = items["policies/flag.md"]
    assert (flag["due"], flag["days_overdue"]) == ("2026-11-02", 21)
    assert flag["reason"].startswith("“fee changed in [2Jnovember”: ")
    assert "flagged as outdated by reps 2 times since its review on 2026-10-01" in flag["reason"]
    assert "\x1b" not in flag["reason"]
    unhelpful = items["policies/unhelpful.md"]
    assert unhelpful["due"] == "2026-11-05"
    assert "3 of 4 readers found it unhelpful" in unhelpful["reason"]
    table = project.kb("stale", "--today", TODAY, "--state", "flagged").out
    assert re.search(r"^  21d ago\s+flagged\s+en\s+policies/flag\.md\s+“fee changed", table, re.M)
    assert "\x1b" not in table


def test_unreadable_store_is_reported_and_stale_still_works(make_project) -> None:
    """A corrupt feedback database gives a warning on stderr; `kb stale` still lists the rest."""
    project = make_project(
        {"kb/a.md": page(id="KB-A", title="A", audience="internal")}  # never reviewed
    )
    project.write(STORE_FILE, b"garbage" * 500)
    result = project.kb("stale", "--json", "--today", TODAY)
    assert result.code == 0
    assert "reader feedback left out" in result.err and STORE_FILE in result.err
    assert [i["state"] for i in result.json()["items"]] == ["stale"]
