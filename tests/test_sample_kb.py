"""The sample KB shipped in kb/ and policies/ is clean, multilingual and shows every state."""

from __future__ import annotations

from collections import Counter

from conftest import REPO, TODAY, run_kb
from kbsite.settings import STATES


def test_sample_passes_strict_check() -> None:
    """`kb check --strict` on the repository finds no problem in at least 25 pages."""
    result = run_kb("check", "--strict", "--json", "--today", TODAY, cwd=REPO)
    report = result.json()
    assert result.code == 0, report["problems"]
    assert report["pages"] >= 25


def test_sample_shows_every_state_in_every_language() -> None:
    """The sample has translations in it, tl, lv, te and exhibits every staleness state."""
    items = run_kb("stale", "--json", "--today", TODAY, cwd=REPO).json()["items"]
    # `flagged` comes from readers' votes in .kb/ (not from the files): see test_feedback_store.
    assert {i["state"] for i in items} == set(STATES) - {"flagged"}
    files = [p.name for p in (REPO / "kb").rglob("*.md")] + [
        p.name for p in (REPO / "policies").rglob("*.md")
    ]
    suffixes = Counter(name.split(".")[-2] for name in files if name.count(".") == 2)
    assert all(suffixes[lang] >= 3 for lang in ("it", "tl", "lv", "te")), suffixes
