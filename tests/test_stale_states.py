"""Staleness (SPEC §5): `kb stale`, banners, the content-health page and kb-health.json."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, TODAY, KBProject, page, run_kb
from kbsite.review.feedback import STORE_FILE, FeedbackStore, SearchEntry, Vote

STATES_KB = FIXTURES / "states_kb"
DAY = dt.date.fromisoformat(TODAY)
HOSTILE_COMMENT = "<script>alert(1)</script> the fee is wrong"
HOSTILE_QUERY = "<img src=x onerror=alert(1)>"

EXPECTED = [
    ("kb/never.md", "en", "stale", None, 295),
    ("policies/stale.md", "en", "stale", "2026-09-01", 83),
    ("kb/returns.md", "en", "links-changed", "2026-10-15", 39),
    ("policies/refunds.it.md", "it", "translation-outdated", "2026-10-15", 39),
    ("policies/expired.md", "en", "expired", "2026-10-31", 23),
    ("policies/refunds.md", "en", "translation-missing", None, 0),
    ("policies/due.md", "en", "due-soon", "2026-11-30", -7),
    ("policies/upcoming.md", "en", "upcoming", "2027-01-01", -39),
]


def test_every_state_most_overdue_first() -> None:
    """`kb stale --json` yields exactly one item per page, language and state, in order."""
    result = run_kb("stale", "--json", "--today", TODAY, cwd=STATES_KB)
    assert result.code == 0, result.err
    data = result.json()
    assert data["today"] == TODAY
    found = [(i["file"], i["lang"], i["state"], i["due"], i["days_overdue"]) for i in data["items"]]
    assert found == EXPECTED
    item = data["items"][1]
    assert set(item) == {
        "id",
        "lang",
        "file",
        "title",
        "owner",
        "state",
        "due",
        "days_overdue",
        "reason",
    }
    assert item["id"] == "POL-STALE" and item["owner"] == "billing-team"
    assert "2026-09-01" in item["reason"]


def test_owner_filter_and_unknown_owner() -> None:
    """--owner keeps that owner's pages; an unknown key is a usage error with a hint."""
    items = run_kb(
        "stale", "--json", "--owner", "support-ops", "--today", TODAY, cwd=STATES_KB
    ).json()["items"]
    assert {i["file"] for i in items} == {
        "policies/due.md",
        "policies/expired.md",
        "policies/upcoming.md",
    }
    bad = run_kb("stale", "--owner", "suport-ops", cwd=STATES_KB)
    assert bad.code == 2 and "did you mean `support-ops`" in bad.err


def test_human_output_is_a_table_per_owner() -> None:
    """Human output groups rows under each owner's name and contact, with days overdue."""
    out = run_kb("stale", "--today", TODAY, cwd=STATES_KB).out
    assert "Billing and refunds <billing@example.com> [billing-team]" in out
    assert "Support operations <support-ops@example.com> [support-ops]" in out
    assert re.search(r"^  83d overdue\s+stale\s+en\s+policies/stale\.md\s+Stale$", out, re.M)
    assert re.search(r"^  in 7 days\s+due-soon\s+en\s+policies/due\.md\s+Due soon$", out, re.M)
    assert re.search(r"^  in 39 days\s+upcoming\s+en\s+policies/upcoming\.md", out, re.M)
    assert re.search(
        r"translation-missing\s+en\s+policies/refunds\.md\s+missing tl, lv, te$", out, re.M
    )
    assert "-39d" not in out and "-7d" not in out
    assert "8 item(s), 8 page(s)" in out


def test_today_from_environment_and_bad_values() -> None:
    """KB_TODAY sets today; a bad --today or KB_TODAY exits 2 without a traceback."""
    later = run_kb("stale", "--json", cwd=STATES_KB, env={"KB_TODAY": "2027-02-01"}).json()
    assert later["today"] == "2027-02-01"
    assert "policies/upcoming.md" not in {i["file"] for i in later["items"]}
    for args, env in (
        (("stale", "--today", "2026-13-01"), None),
        (("stale",), {"KB_TODAY": "yesterday"}),
    ):
        result = run_kb(*args, cwd=STATES_KB, env=env)
        assert result.code == 2 and "Traceback" not in result.err


def test_bad_dates_and_durations_give_defined_states(make_project) -> None:
    """Future review, `0d`, unparseable durations, no dates, orphans: problems, never a crash."""
    project = make_project(
        {
            "policies/future.md": page(
                id="POL-FUTURE",
                title="F",
                owner="billing-team",
                audience="internal",
                effective="2026-01-01",
                last_reviewed="2027-01-01",
            ),
            "policies/zero.md": page(
                id="POL-ZERO",
                title="Z",
                owner="billing-team",
                audience="internal",
                effective="2025-01-01",
                last_reviewed="2026-01-01",
                review_every="0d",
            ),
            "policies/weird.md": page(
                id="POL-WEIRD",
                title="W",
                owner="billing-team",
                audience="internal",
                effective="2025-01-01",
                last_reviewed="2026-10-01",
                review_every="fortnightly",
            ),
            "kb/nodates.md": page(id="KB-NODATES", title="N", audience="internal"),
            "kb/orphan.it.md": page(id="KB-ORPHAN", title="O", audience="internal"),
        }
    )
    check = project.kb("check", "--json", "--today", TODAY).json()["problems"]
    codes = {(p["file"], p["code"]) for p in check}
    assert {
        ("policies/future.md", "date-order"),
        ("policies/zero.md", "field-invalid"),
        ("policies/weird.md", "field-invalid"),
        ("kb/orphan.it.md", "translation-orphan"),
    } <= codes
    result = project.kb("stale", "--json", "--today", TODAY)
    assert result.code == 0 and "Traceback" not in result.err
    states = {(i["file"], i["state"]) for i in result.json()["items"]}
    # 0d falls back to the policy default of 6 months: reviewed 2026-01-01, due 2026-07-01.
    assert ("policies/zero.md", "stale") in states
    assert ("kb/nodates.md", "stale") in states  # never reviewed
    assert not any(f == "policies/future.md" for f, _ in states)  # not yet due
    assert not any(f == "policies/weird.md" for f, _ in states)


@pytest.fixture(scope="module")
def states_site(tmp_path_factory: pytest.TempPathFactory) -> KBProject:
    root = tmp_path_factory.mktemp("states") / "kb"
    shutil.copytree(STATES_KB, root)
    # Readers' feedback as `kb serve` stores it: a rep flags the Italian "Fresh" page, and two
    # searches found nothing (one of them hostile HTML, which must stay text).
    store = FeedbackStore(root / STORE_FILE)
    store.record_vote(Vote("POL-FRESH", "it", "internal", None, True, HOSTILE_COMMENT), DAY)
    store.log_searches(
        [
            SearchEntry(HOSTILE_QUERY, "en", "public", True),
            SearchEntry(HOSTILE_QUERY, "en", "public", True),
            SearchEntry("garanzia estesa", "it", "internal", True),
            SearchEntry("refund", "en", "internal", False),
        ],
        DAY,
    )
    store.close()
    result = run_kb("build", "--today", TODAY, cwd=root, timeout=300)
    assert result.code == 0, result.err
    return KBProject(root)


def banners(html: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<div class="admonition \w+ kb-banner" data-kb-state="([\w-]+)"'
            r"[^>]*>(.*?)</div>",
            html,
            re.S,
        )
    )


def test_rep_site_banners_name_state_date_and_owner(states_site: KBProject) -> None:
    """Each flagged page shows one banner per state, with the date and the owner's contact."""
    site = states_site.root / "site/internal"
    stale = banners((site / "policies/stale/index.html").read_text("utf-8"))
    assert list(stale) == ["stale"]
    assert "2026-09-01" in stale["stale"] and "billing@example.com" in stale["stale"]
    refunds = banners((site / "policies/refunds/index.html").read_text("utf-8"))
    assert list(refunds) == ["translation-missing"]
    assert "Tagalog (tl)" in refunds["translation-missing"]
    outdated = banners((site / "it/policies/refunds/index.html").read_text("utf-8"))
    assert "translation-outdated" in outdated
    assert list(banners((site / "policies/fresh/index.html").read_text("utf-8"))) == []
    footer = (site / "policies/stale/index.html").read_text("utf-8")
    assert "Last reviewed 2026-03-01" in footer and "Billing and refunds" in footer


def test_help_center_notes_speak_to_customers(states_site: KBProject) -> None:
    """The help center shows no review chores (links changed, never reviewed) and no owner;
    an outdated translation gets a note in Italian that links the original page."""
    public = states_site.root / "site/public"
    for path in ("kb/returns/index.html", "kb/never/index.html"):
        html = (public / path).read_text("utf-8")
        assert "data-kb-state" not in html, path
        assert "Owner" not in html and "kb-review" not in html and "last_reviewed" not in html
    italian = (public / "it/policies/refunds/index.html").read_text("utf-8")
    note = re.search(
        r'<div class="kb-banner kb-note" role="note" data-kb-state="translation-outdated"'
        r"[^>]*>(.*?)</div>",
        italian,
        re.S,
    )
    assert note is not None
    assert "Questa traduzione potrebbe non includere" in note.group(1)
    assert 'href="../../../policies/refunds/"' in note.group(1)
    assert "translated_from" not in italian and "@example.com" not in italian


def test_health_page_and_json_agree(states_site: KBProject) -> None:
    """kb-health.json counts every state; the health page shows owners and coverage."""
    data = json.loads((states_site.root / "site/internal/kb-health.json").read_text("utf-8"))
    assert data["today"] == TODAY
    assert data["counts"] == {
        "stale": 2,
        "due-soon": 1,
        "expired": 1,
        "upcoming": 1,
        "translation-outdated": 1,
        "translation-missing": 1,
        "links-changed": 1,
        "flagged": 1,
    }
    assert [o["owner"] for o in data["owners"]] == ["billing-team", "support-ops", "(no owner)"]
    coverage = {p["file"]: p["langs"] for p in data["translations"]["pages"]}
    assert coverage["policies/refunds.md"] == {
        "en": "source",
        "it": "outdated",
        "tl": "missing",
        "lv": "missing",
        "te": "missing",
    }
    assert coverage["policies/fresh.md"]["te"] == "ok"
    html = (states_site.root / "site/internal/kb-health/index.html").read_text("utf-8")
    assert "Billing and refunds" in html and "Translation coverage" in html
    assert 'href="../policies/stale/"' in html
    public = states_site.root / "site/public"
    assert not (public / "kb-health.json").exists() and not (public / "kb-health").exists()


def test_fail_on_expired_stops_the_build(tmp_path: Path) -> None:
    """`fail_on: [expired]` makes the build fail and name the expired page."""
    root = tmp_path / "kb"
    shutil.copytree(STATES_KB, root)
    config = (root / "mkdocs.yml").read_text("utf-8")
    (root / "mkdocs.yml").write_text(
        config.replace(
            "languages: [en, it, tl, lv, te]",
            "languages: [en, it, tl, lv, te]\n      fail_on: [expired]",
        ),
        "utf-8",
    )
    result = run_kb("build", "--today", TODAY, cwd=root)
    assert result.code == 1
    assert "policies/expired.md: expired" in result.err
    assert "Traceback" not in result.err


def test_order_is_by_days_overdue_whatever_the_state(make_project) -> None:
    """Most overdue first: a never-reviewed page with no dates (0 days) is not put on top."""
    common = {"owner": "billing-team", "audience": "internal"}
    project = make_project(
        {
            "kb/undated.md": page(id="KB-UNDATED", title="U", audience="internal"),
            "policies/expired.md": page(
                id="POL-EXP",
                title="E",
                effective="2026-01-01",
                expires="2026-11-22",
                last_reviewed="2026-10-01",
                **common,
            ),
            "policies/stale.md": page(
                id="POL-ST", title="S", effective="2025-01-01", last_reviewed="2026-03-01", **common
            ),
        }
    )
    items = project.kb("stale", "--json", "--today", TODAY).json()["items"]
    assert [(i["file"], i["state"], i["days_overdue"]) for i in items] == [
        ("policies/stale.md", "stale", 83),
        ("policies/expired.md", "expired", 1),
        ("kb/undated.md", "stale", 0),
    ]


def test_state_filter_keeps_only_those_states() -> None:
    """`--state` (repeatable) keeps items in those states; an unknown state is a usage error."""
    args = ("stale", "--json", "--today", TODAY, "--state", "upcoming", "--state", "due-soon")
    items = run_kb(*args, cwd=STATES_KB).json()["items"]
    assert [(i["file"], i["state"]) for i in items] == [
        ("policies/due.md", "due-soon"),
        ("policies/upcoming.md", "upcoming"),
    ]
    table = run_kb("stale", "--today", TODAY, "--state", "translation-missing", cwd=STATES_KB)
    assert "missing tl, lv, te" in table.out and "1 item(s), 1 page(s)" in table.out
    bad = run_kb("stale", "--state", "stail", cwd=STATES_KB)
    assert bad.code == 2 and "stale" in bad.err and "Traceback" not in bad.err


def test_table_fits_100_columns_with_long_titles_and_paths(make_project) -> None:
    """Long titles and paths are shortened with an ellipsis; no line passes 100 columns."""
    from wcwidth import width

    long_title = "Replacing a damaged hub under the extended warranty programme " * 3
    deep = "kb/" + "/".join(["warranty-and-replacements"] * 4) + "/damaged-hub-replacement.md"
    project = make_project(
        {
            deep: page(id="KB-DEEP", title=long_title, audience="internal"),
            "kb/te.md": page(id="KB-TE", title="రీఫండ్ విధానం " * 12, audience="internal"),
        }
    )
    out = project.kb("stale", "--today", TODAY).out
    rows = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(rows) == 2
    assert all(width(line) <= 100 for line in out.splitlines()), out
    assert any("…" in row and "damaged-hub-replacement.md" in row for row in rows)
    assert any(row.endswith("…") and "Replacing a damaged hub" in row for row in rows)


def test_reader_flags_reach_rep_banners_and_health_but_not_the_help_center(
    states_site: KBProject,
) -> None:
    """A rep's flag shows as a `flagged` banner on the rep site only; the health page and
    kb-health.json list it and the searches that found nothing, with readers' text escaped."""
    site = states_site.root / "site"
    rep = banners((site / "internal/it/policies/fresh/index.html").read_text("utf-8"))
    # The Italian rep site names the owner in Italian (the rep's own words stay as written).
    assert "flagged" in rep and "Responsabile: <strong>Billing and refunds" in rep["flagged"]
    assert "&lt;script&gt;" in rep["flagged"] and "<script>alert" not in rep["flagged"]
    public = (site / "public/it/policies/fresh/index.html").read_text("utf-8")
    assert 'data-kb-state="flagged"' not in public and "the fee is wrong" not in public
    data = json.loads((site / "internal/kb-health.json").read_text("utf-8"))
    (item,) = data["readers"]["flagged"]
    assert (item["file"], item["lang"], item["state"]) == ("policies/fresh.it.md", "it", "flagged")
    assert data["readers"]["searches_without_results"] == [
        {"query": "garanzia estesa", "lang": "it", "site": "internal", "count": 1,
         "zero_results": 1},
        {"query": HOSTILE_QUERY, "lang": "en", "site": "public", "count": 2, "zero_results": 2},
    ]  # fmt: skip
    page_html = (site / "internal/kb-health/index.html").read_text("utf-8")
    assert "Searches that found nothing" in page_html and "garanzia estesa" in page_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in page_html
    assert "<img src=x" not in page_html and "<script>alert" not in page_html
