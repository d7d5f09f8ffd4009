"""Staleness (SPEC §5): `kb stale`, banners, the content-health page and kb-health.json."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, TODAY, KBProject, page, run_kb

STATES_KB = FIXTURES / "states_kb"

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
    assert re.search(r"\s83d\s+stale\s+en\s+policies/stale\.md\s+Stale", out)
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
