"""`kb new`: scaffolded pages pass `kb check --strict` straight away."""

from __future__ import annotations

import pytest

from conftest import TODAY


@pytest.mark.parametrize(
    ("page_type", "path"),
    [
        ("policy", "policies/returns.md"),
        ("procedure", "policies/escalation/vip-customer.md"),
        ("article", "kb/hub/reset-the-hub.md"),
    ],
)
def test_new_page_of_each_type_is_valid(make_project, page_type: str, path: str) -> None:
    """Each type gets every required field with today's dates, and no check problem."""
    project = make_project()
    result = project.kb("new", page_type, path, "--today", TODAY)
    assert result.code == 0, result.err
    text = (project.root / path).read_text(encoding="utf-8")
    assert f"last_reviewed: {TODAY}" in text
    check = project.kb("check", "--strict", "--json", "--today", TODAY)
    assert check.json()["problems"] == [], check.out
    assert check.code == 0


def test_new_translation_copies_source_id(make_project) -> None:
    """A new `.it.md` beside a source reuses its id and records translated_from."""
    project = make_project()
    assert project.kb("new", "policy", "policies/returns.md", "--today", TODAY).code == 0
    assert project.kb("new", "policy", "policies/returns.it.md", "--today", TODAY).code == 0
    text = (project.root / "policies/returns.it.md").read_text(encoding="utf-8")
    assert "id: POL-RETURNS" in text
    assert f"translated_from: {TODAY}" in text
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
