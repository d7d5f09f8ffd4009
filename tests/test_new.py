"""`kb new`: scaffolded drafts pass `kb check --strict`, with defaults explained and no
review claimed."""

from __future__ import annotations

import re

import pytest

from conftest import TODAY, page


@pytest.mark.parametrize(
    ("page_type", "path"),
    [
        ("policy", "policies/returns.md"),
        ("procedure", "policies/escalation/vip-customer.md"),
        ("article", "kb/hub/reset-the-hub.md"),
    ],
)
def test_new_page_of_each_type_is_valid(make_project, page_type: str, path: str) -> None:
    """Each type gets every required field of a draft, no claimed review, and no problem."""
    project = make_project()
    result = project.kb("new", page_type, path, "--today", TODAY)
    assert result.code == 0, result.err
    text = (project.root / path).read_text(encoding="utf-8")
    assert "status: draft" in text and "last_reviewed" not in text
    assert re.search(r"^  last_reviewed\s+-\s+left out: no review yet", result.out, re.M)
    assert f"kb check {path}" in result.out
    assert all(len(line) <= 100 for line in result.out.splitlines())
    check = project.kb("check", "--strict", "--json", "--today", TODAY)
    assert check.json()["problems"] == [], check.out
    assert check.code == 0


def test_owner_is_the_folders_usual_one_and_said_why(make_project) -> None:
    """Without --owner, the owner most pages of the folder use is chosen, and the output says so."""
    fields = {"audience": "internal", "effective": "2026-01-01", "last_reviewed": "2026-10-01"}
    project = make_project(
        {
            "policies/billing/a.md": page(id="POL-A", title="A", owner="support-ops", **fields),
            "policies/billing/b.md": page(id="POL-B", title="B", owner="supervisors", **fields),
            "policies/billing/c.md": page(id="POL-C", title="C", owner="supervisors", **fields),
        }
    )
    result = project.kb("new", "policy", "policies/billing/late-fees.md", "--today", TODAY)
    assert result.code == 0, result.err
    assert re.search(r"owner\s+supervisors\s+used by 2 of 3 pages in policies/billing/", result.out)
    text = (project.root / "policies/billing/late-fees.md").read_text("utf-8")
    assert "owner: supervisors" in text
    # A new folder: the nearest folder with pages decides (the draft above counts too);
    # an empty KB falls back to the first key.
    nested = project.kb("new", "policy", "policies/billing/eu/vat.md", "--today", TODAY)
    assert re.search(r"owner\s+supervisors\s+used by 3 of 4 pages in policies/billing/", nested.out)
    empty = make_project(name="empty")
    first = empty.kb("new", "policy", "policies/x.md", "--today", TODAY)
    assert re.search(r"owner\s+billing-team\s+the first team in policies/owners.yml", first.out)


def test_procedure_never_escalates_to_its_own_owner(make_project) -> None:
    """The default next tier is another team; asking for the owner itself is refused."""
    project = make_project()
    result = project.kb("new", "procedure", "policies/p.md", "--owner", "support-ops")
    assert result.code == 0, result.err
    text = (project.root / "policies/p.md").read_text("utf-8")
    assert "owner: support-ops" in text and "escalate_to: billing-team" in text
    same = project.kb(
        "new",
        "procedure",
        "policies/q.md",
        "--owner",
        "supervisors",
        "--escalate-to",
        "supervisors",
    )
    assert same.code == 2 and "`supervisors` is both" in same.err
    assert not (project.root / "policies/q.md").exists()
    project.write("policies/owners.yml", "solo:\n  name: Solo team\n")
    alone = project.kb("new", "procedure", "policies/r.md")
    assert alone.code == 2 and "has no other" in alone.err


def test_new_translation_copies_source_id(make_project) -> None:
    """A new `.it.md` beside a source reuses its id, owner and dates and records translated_from."""
    project = make_project()
    assert project.kb("new", "policy", "policies/returns.md", "--today", "2026-11-01").code == 0
    result = project.kb("new", "policy", "policies/returns.it.md", "--today", TODAY)
    assert result.code == 0, result.err
    text = (project.root / "policies/returns.it.md").read_text(encoding="utf-8")
    assert "id: POL-RETURNS" in text
    assert "effective: 2026-11-01" in text and "translated_from: 2026-11-01" in text
    assert project.kb("check", "--strict", "--today", TODAY).code == 0


def test_new_refuses_existing_file_and_outside_content(make_project) -> None:
    """An existing file is never overwritten; a path outside kb/ or policies/ is refused."""
    project = make_project()
    project.write("kb/a.md", "keep me")
    exists = project.kb("new", "article", "kb/a.md")
    assert exists.code == 2 and "already exists" in exists.err
    assert (project.root / "kb/a.md").read_text() == "keep me"
    outside = project.kb("new", "article", "docs/x.md")
    assert outside.code == 2 and "content folder" in outside.err
    unknown = project.kb("new", "policy", "policies/x.md", "--owner", "nobody")
    assert unknown.code == 2 and "nobody" in unknown.err
