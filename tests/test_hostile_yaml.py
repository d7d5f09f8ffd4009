"""YAML built to crash the reader: nesting hundreds to 100,000 levels deep, aliases that
multiply or contain themselves. Each is a problem with file and line, never a traceback (or
a dead process: libyaml recurses in C), and the rest of the KB is still checked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import OWNERS, TODAY, KBProject, page
from kbsite.reading.yamlload import MAX_DEPTH, YamlProblem, load_mapping


def flow(depth: int) -> str:
    return "[" * depth + "]" * depth


def block(depth: int) -> str:
    return "\n" + "".join("  " * (i + 1) + "-\n" for i in range(depth))


def hostile_page(yaml_tail: str, page_id: str) -> str:
    return f"---\nid: {page_id}\ntitle: Hostile\naudience: public\n{yaml_tail}---\n# Hostile\n"


LAUGHS = "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)
)
HOSTILE = {
    "kb/flow.md": (hostile_page(f"tags: {flow(300)}\n", "KB-FLOW"), 5, "nested too deeply"),
    "kb/block.md": (
        hostile_page(f"tags:{block(500)}", "KB-BLOCK"),
        5 + MAX_DEPTH,
        "nested too deeply",
    ),
    "kb/huge.md": (hostile_page(f"tags: {flow(100_000)}\n", "KB-HUGE"), 5, "nested too deeply"),
    "kb/laughs.md": (
        hostile_page(LAUGHS + "tags: *a9\n", "KB-LAUGH"),
        9,
        "stand for more than 10,000 values",
    ),
    "kb/itself.md": (hostile_page("tags: &s [a, *s]\n", "KB-SELF"), 5, "contains itself"),
    "kb/deep/.meta.yml": (f"tags: {flow(400)}\n", 1, "nested too deeply"),
    "policies/owners.yml": (
        OWNERS + f"deep-team:\n  name: {flow(300)}\n",
        11,
        "nested too deeply",
    ),
}


@pytest.fixture
def hostile(make_project: Callable[..., KBProject]) -> KBProject:
    files = {path: text for path, (text, _, _) in HOSTILE.items()}
    files["kb/fine.md"] = page("# Fine\n", id="KB-FINE", title="Fine", audience="public")
    files["kb/deep/inside.md"] = page("# In\n", id="KB-IN", title="In", audience="public")
    return make_project(files)


def test_kb_check_reports_each_hostile_file_at_its_line(hostile: KBProject) -> None:
    """`kb check --json`: one front-matter-yaml error per hostile file, at the line where
    it goes wrong; the healthy pages are checked too; no traceback."""
    result = hostile.kb("check", "--json", "--today", TODAY)
    assert result.code == 1 and "Traceback" not in result.err, result.err
    data = result.json()
    found = {(p["file"], p["line"]): p["message"] for p in data["problems"]}
    for path, (_, line, says) in HOSTILE.items():
        assert says in found.get((path, line), ""), (path, line, found)
        assert next(p for p in data["problems"] if p["file"] == path)["code"] == "front-matter-yaml"
    assert data["pages"] >= 7  # the hostile pages and the healthy ones


def test_kb_build_stops_with_the_same_problems(hostile: KBProject) -> None:
    """`kb build` lists the same problems and stops cleanly, writing no site."""
    result = hostile.kb("build", "--today", TODAY)
    assert result.code == 1 and "Traceback" not in result.err
    assert "kb/huge.md:5: error front-matter-yaml" in result.err and "build stopped" in result.err
    assert not (hostile.root / "site").exists()


def test_a_hostile_mkdocs_yml_is_a_usage_error_with_its_line(make_project) -> None:
    """mkdocs.yml nested 300 (and 100,000) levels deep: exit 2, file and line, no traceback."""
    from conftest import MINIMAL_MKDOCS

    for depth in (300, 100_000):
        project = make_project(mkdocs=MINIMAL_MKDOCS + f"extra:\n  deep: {flow(depth)}\n",
                               name=f"deep{depth}")  # fmt: skip
        line = MINIMAL_MKDOCS.count("\n") + 2
        result = project.kb("check")
        assert result.code == 2 and "Traceback" not in result.err
        assert f"mkdocs.yml:{line}: the YAML of the config is nested too deeply" in result.err


def test_a_broken_synonyms_file_leaves_search_working(make_project) -> None:
    """A synonyms.yml nested too deeply: search answers without synonyms, saying why once."""
    project = make_project({
        "kb/.meta.yml": "audience: public\n",
        "kb/a.md": page("# Refunds\n\nRefund rules.\n", id="KB-A", title="Refunds"),
        "synonyms.yml": f"en:\n  - {flow(300)}\n",
    })  # fmt: skip
    assert project.kb("index", "--today", TODAY).code == 0
    result = project.kb("search", "refund", "--json")
    assert result.code == 0 and [r["id"] for r in result.json()["results"]] == ["KB-A"]
    assert "synonyms.yml:2: the YAML of the synonyms file is nested too deeply" in result.err
    assert "Traceback" not in result.err


@settings(max_examples=60, deadline=None)
@given(
    depth=st.integers(min_value=1, max_value=3000),
    style=st.sampled_from(["flow", "block", "mapping"]),
    where=st.integers(min_value=0, max_value=3),
)
def test_any_nesting_depth_loads_or_is_a_problem_at_a_real_line(
    depth: int, style: str, where: int
) -> None:
    """For every depth and style, front matter loads or is a YamlProblem pointing at one of
    its lines, never a RecursionError; the shallow cases load unchanged."""
    if style == "flow":
        value = f" {flow(depth)}\n"
    elif style == "block":
        value = block(depth)
    else:
        value = "\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(depth))
    text = "".join(f"a{i}: 1\n" for i in range(where)) + f"tags:{value}"
    try:
        loaded = load_mapping(text, first_line=2)
    except YamlProblem as problem:  # the top mapping is one level, the value `depth` more
        assert depth + 1 > MAX_DEPTH and 2 <= problem.line <= text.count("\n") + 1
        assert "nested too deeply" in problem.message
        return
    assert depth + 1 <= MAX_DEPTH
    value = loaded.data["tags"]
    levels = 0
    while isinstance(value, list | dict) and value:
        value = value[0] if isinstance(value, list) else next(iter(value.values()))
        levels += 1
    assert levels >= depth - 1
