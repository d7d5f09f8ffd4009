"""`kb check`: every planted defect is found with its code, file and line; exit codes per SPEC."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, TODAY, page, run_kb

BAD_KB = FIXTURES / "bad_kb"

EXPECTED = [
    ("kb/billing/dup.md", 2, "id-duplicate"),
    ("kb/billing/empty.md", 1, "front-matter-missing"),
    ("kb/billing/image.md", 3, "encoding"),
    ("kb/billing/latin1.md", 5, "encoding"),
    ("kb/billing/moji.md", 6, "mojibake"),
    ("kb/billing/nofm.md", 1, "front-matter-missing"),
    ("kb/billing/orphan.it.md", 1, "translation-orphan"),
    ("kb/billing/tab.md", 3, "front-matter-yaml"),
    ("kb/billing/unclosed.md", 1, "front-matter-yaml"),
    ("kb/hub/links.md", 8, "link-broken"),
    ("kb/hub/links.md", 8, "link-broken"),
    ("kb/hub/links.md", 10, "link-retired"),
    ("kb/hub/setup.fr.md", 1, "lang-unknown"),
    ("kb/hub/setup.md", 2, "id-duplicate"),
    ("policies/calls.md", 1, "audience-missing"),
    ("policies/calls.md", 5, "field-invalid"),
    ("policies/calls.md", 8, "field-invalid"),
    ("policies/credits.md", 3, "field-invalid"),
    ("policies/credits.md", 6, "date-invalid"),
    ("policies/credits.md", 8, "date-order"),
    ("policies/escalation/angry.md", 1, "field-missing"),
    ("policies/escalation/angry.md", 8, "owner-unknown"),
    ("policies/refunds.md", 1, "field-missing"),
    ("policies/refunds.md", 4, "owner-unknown"),
    ("policies/refunds.md", 6, "field-missing"),
]


@pytest.fixture(scope="module")
def bad_report() -> dict:
    result = run_kb("check", "--json", "--today", TODAY, cwd=BAD_KB)
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    return result.json()


def by_file(report: dict, file: str) -> list[dict]:
    return [p for p in report["problems"] if p["file"] == file]


def test_every_planted_defect_is_reported_with_file_and_line(bad_report: dict) -> None:
    """All problems of the bad KB come in one run, each at its exact file:line with its code."""
    found = [(p["file"], p["line"], p["code"]) for p in bad_report["problems"]]
    assert found == EXPECTED
    assert bad_report["ok"] is False
    assert bad_report["today"] == TODAY
    assert bad_report["pages"] == 18


def test_json_problem_shape_matches_spec(bad_report: dict) -> None:
    """Each problem carries exactly the SPEC keys, with severity from the code table."""
    for problem in bad_report["problems"]:
        assert set(problem) == {"code", "severity", "file", "line", "field", "message", "hint"}
        assert problem["message"]
    severities = {p["code"]: p["severity"] for p in bad_report["problems"]}
    assert severities["mojibake"] == "warning"
    assert severities["link-retired"] == "warning"
    assert severities["audience-missing"] == "warning"
    assert severities["encoding"] == "error"


def test_typo_hints_name_the_right_field_and_owner(bad_report: dict) -> None:
    """A typo'd field, owner and escalate_to each get a hint naming the right one."""
    hints = {(p["file"], p["code"], p["field"]): p["hint"] for p in bad_report["problems"]}
    misspelled = hints[("policies/refunds.md", "field-missing", "last_reviewed")]
    assert misspelled == "rename `last_reviewd` to `last_reviewed`"
    assert "`billing-team`" in hints[("policies/refunds.md", "owner-unknown", "owner")]
    assert (
        "`supervisors`" in hints[("policies/escalation/angry.md", "owner-unknown", "escalate_to")]
    )
    assert "connect-the-cable" in hints[("kb/hub/links.md", "link-broken", None)] or any(
        "connect-the-cable" in (p["hint"] or "") for p in by_file(bad_report, "kb/hub/links.md")
    )


def test_duplicate_id_names_both_files(bad_report: dict) -> None:
    """An id used in two folders is reported on each file, naming the other."""
    (dup,) = [p for p in by_file(bad_report, "kb/billing/dup.md") if p["code"] == "id-duplicate"]
    assert "kb/hub/setup.md" in dup["message"]
    (orig,) = [p for p in by_file(bad_report, "kb/hub/setup.md") if p["code"] == "id-duplicate"]
    assert "kb/billing/dup.md" in orig["message"]


def test_mojibake_hint_carries_repaired_text(bad_report: dict) -> None:
    """Double-encoded text is flagged with the repaired text as hint."""
    (moji,) = by_file(bad_report, "kb/billing/moji.md")
    assert "cafÃ©" in moji["message"]
    assert "café" in moji["hint"]


def test_bom_page_is_accepted(bad_report: dict) -> None:
    """A UTF-8 BOM is accepted: the page has no problem at all."""
    assert by_file(bad_report, "kb/billing/bom.md") == []


def test_human_output_is_compiler_style_grouped_by_file() -> None:
    """Human output: one `file:line: severity code: message (hint)` line per problem, grouped."""
    result = run_kb("check", "--today", TODAY, cwd=BAD_KB)
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if re.match(r"^\S+:\d+: ", line)]
    assert len(lines) == len(EXPECTED)
    severities = {line.split(": ", 2)[1].split()[0] for line in lines}
    assert severities == {"error", "warning"}  # every line says which it is
    assert (
        "policies/refunds.md:6: error field-missing: `last_reviewd` is not a field; did you mean "
        "`last_reviewed`, which is required? (rename `last_reviewd` to `last_reviewed`)"
    ) in result.out
    assert "policies/calls.md:1: warning audience-missing: " in result.out
    files = [line.split(":", 1)[0] for line in lines]
    assert files == sorted(files)  # grouped: each file's lines are contiguous
    assert "18 pages checked: 22 errors, 3 warnings" in result.out


def test_config_file_option_from_another_folder(tmp_path: Path) -> None:
    """`-f PATH` checks that project; reported files stay relative to its folder."""
    result = run_kb(
        "check", "--json", "--today", TODAY, "-f", str(BAD_KB / "mkdocs.yml"), cwd=tmp_path
    )
    assert result.code == 1
    assert result.json()["problems"][0]["file"] == "kb/billing/dup.md"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    """A bad --today, bad KB_TODAY or a missing mkdocs.yml is a usage error: exit 2, no traceback."""
    for args, env in (
        (("check", "--today", "2026-02-30"), None),
        (("check",), {"KB_TODAY": "tomorrow"}),
    ):
        result = run_kb(*args, cwd=BAD_KB, env=env)
        assert result.code == 2, result
        assert "Traceback" not in result.err
        assert "date" in result.err.lower()
    missing = run_kb("check", cwd=tmp_path)
    assert missing.code == 2
    assert "mkdocs.yml" in missing.err


def test_clean_kb_passes_and_strict_fails_on_warnings(make_project) -> None:
    """Exit 0 with no errors; --strict turns a warning (missing audience) into exit 1."""
    project = make_project(
        {
            "kb/a.md": page(id="KB-A", title="A", audience="public", last_reviewed="2026-10-01"),
            "kb/b.md": page(id="KB-B", title="B", last_reviewed="2026-10-01"),
        }
    )
    result = project.kb("check", "--today", TODAY)
    assert result.code == 0, result.out
    assert "1 warning" in result.out
    strict = project.kb("check", "--strict", "--json", "--today", TODAY)
    assert strict.code == 1
    assert strict.json()["ok"] is False
    project.write("kb/b.md", page(id="KB-B", title="B", audience="internal"))
    assert project.kb("check", "--strict", "--today", TODAY).code == 0


def test_expires_before_effective_is_date_order(make_project) -> None:
    """`expires` on or before `effective` is a date-order error at the expires line."""
    project = make_project(
        {
            "policies/p.md": page(
                id="POL-P",
                title="P",
                owner="billing-team",
                audience="public",
                effective="2026-05-01",
                expires="2026-05-01",
                last_reviewed="2026-05-01",
            )
        }
    )
    problems = project.kb("check", "--json", "--today", TODAY).json()["problems"]
    assert [(p["code"], p["line"], p["field"]) for p in problems] == [("date-order", 7, "expires")]


def test_defaults_from_meta_yml_and_problems_point_at_it(make_project) -> None:
    """`.meta.yml` defaults apply beneath it (nearest wins); a bad default is reported there once."""
    project = make_project(
        {
            "kb/.meta.yml": "audience: public\nstatus: active\n",
            "kb/hub/.meta.yml": "audience: publik\n",
            "kb/hub/a.md": page(id="KB-A", title="A"),
            "kb/hub/b.md": page(id="KB-B", title="B"),
            "kb/c.md": page(id="KB-C", title="C"),
            "kb/d.md": page(id="KB-D", title="D", audience="internal"),
        }
    )
    problems = project.kb("check", "--json", "--today", TODAY).json()["problems"]
    assert [(p["file"], p["line"], p["code"]) for p in problems] == [
        ("kb/hub/.meta.yml", 1, "field-invalid")
    ]
    assert "did you mean `public`" in problems[0]["hint"]


def test_list_where_string_due_and_string_where_list_due(make_project) -> None:
    """A list for `title` and a bare string for `tags` are field-invalid with a fix hint."""
    project = make_project(
        {"kb/a.md": page(id="KB-A", title=["x", "y"], tags="billing", audience="public")}
    )
    problems = project.kb("check", "--json", "--today", TODAY).json()["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [
        ("title", "field-invalid"),
        ("tags", "field-invalid"),
    ]
    assert "[billing]" in problems[1]["hint"]


def test_five_megabyte_page_is_checked(make_project) -> None:
    """A 5 MB page is read and checked like any other (a link deep inside is still found)."""
    filler = ("Customers may ask for a refund within thirty days. " * 20 + "\n\n") * 5000
    body = "# Big\n\n" + filler + "[gone](nowhere.md)\n"
    project = make_project({"kb/big.md": page(body, id="KB-BIG", title="Big", audience="public")})
    assert (project.root / "kb/big.md").stat().st_size > 5_000_000
    report = project.kb("check", "--json", "--today", TODAY).json()
    assert [(p["code"], p["line"]) for p in report["problems"]] == [("link-broken", 10008)]


def test_symlink_loop_is_reported_and_the_rest_still_checked(make_project) -> None:
    """A symlink loop in the content tree is reported once; other pages are still checked."""
    project = make_project(
        {
            "kb/hub/a.md": page(id="KB-A", title="A", audience="public"),
            "kb/hub/b.md": page(id="KB-B", title="B"),
        }
    )
    (project.root / "kb/hub/loop").symlink_to("..")
    report = project.kb("check", "--json", "--today", TODAY).json()
    codes = [(p["file"], p["code"]) for p in report["problems"]]
    assert ("kb/hub/loop", "symlink-loop") in codes
    assert ("kb/hub/b.md", "audience-missing") in codes
    assert report["pages"] == 2


def test_owner_file_with_bad_yaml_is_reported(make_project) -> None:
    """A broken owners.yml is a front-matter-yaml error at its line; pages are still checked."""
    project = make_project({"kb/a.md": page(id="KB-A", title="A")})
    project.write("policies/owners.yml", "team:\n  name: [unclosed\n")
    report = project.kb("check", "--json", "--today", TODAY).json()
    codes = {(p["file"], p["code"]) for p in report["problems"]}
    assert ("policies/owners.yml", "front-matter-yaml") in codes
    assert ("kb/a.md", "audience-missing") in codes


def test_translation_must_share_source_id(make_project) -> None:
    """A translation with another id than its source is field-invalid, hinting the source id."""
    project = make_project(
        {
            "kb/a.md": page(id="KB-A", title="A", audience="public"),
            "kb/a.te.md": page(id="KB-A-TE", title="ఎ", audience="public"),
        }
    )
    problems = project.kb("check", "--json", "--today", TODAY).json()["problems"]
    assert [(p["file"], p["code"], p["hint"]) for p in problems] == [
        ("kb/a.te.md", "field-invalid", "use `id: KB-A`")
    ]


def test_unicode_heading_anchors_resolve(make_project) -> None:
    """Links to Telugu and Latvian headings resolve with the site's own slugify."""
    body = "# రీఫండ్\n\n## రీఫండ్ ఎలా ఇవ్వాలి\n\n## Atmaksas noteikumi\n"
    linker = "# L\n\n[a](a.te.md#రీఫండ్-ఎలా-ఇవ్వాలి) [b](a.te.md#atmaksas-noteikumi)\n"
    project = make_project(
        {
            "kb/a.md": page(id="KB-A", title="A", audience="public"),
            "kb/a.te.md": page(body, id="KB-A", title="ఎ", audience="public"),
            "kb/l.md": page(linker, id="KB-L", title="L", audience="public"),
        }
    )
    assert project.kb("check", "--json", "--today", TODAY).json()["problems"] == []


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_unreadable_file_is_reported(make_project) -> None:
    """A dangling symlink named like a page is reported as file-unreadable, not a crash."""
    project = make_project({"kb/a.md": page(id="KB-A", title="A", audience="public")})
    (project.root / "kb/ghost.md").symlink_to("does-not-exist.md")
    problems = project.kb("check", "--json", "--today", TODAY).json()["problems"]
    assert [(p["file"], p["code"]) for p in problems] == [("kb/ghost.md", "file-unreadable")]


def test_html_anchors_are_link_targets_but_not_in_code(make_project) -> None:
    body = """\
    # Plans

    [Review](#review) and [the table](#plans-table) and [gone](#missing).

    <a id="review"></a>
    <table id="plans-table"></table>

    `<a id="missing"></a>`
    """
    project = make_project(
        {"kb/plans.md": page(body, id="KB-PLANS", title="Plans", audience="public")}
    )
    report = project.kb("check", "--json", "--today", TODAY).json()
    assert [(p["code"], p["line"]) for p in report["problems"]] == [("link-broken", 8)]


def test_paths_limit_what_is_reported_and_counted() -> None:
    """`kb check FILE FOLDER` reports and counts only those; links still resolve KB-wide."""
    result = run_kb(
        "check", "--json", "--today", TODAY, "policies/refunds.md", "kb/hub", cwd=BAD_KB
    )
    assert result.code == 1
    data = result.json()
    assert {p["file"] for p in data["problems"]} == {
        "policies/refunds.md",
        "kb/hub/links.md",
        "kb/hub/setup.fr.md",
        "kb/hub/setup.md",
    }
    assert data["pages"] == len(list((BAD_KB / "kb/hub").glob("*.md"))) + 1
    # setup.md's duplicate id is with a page outside the selection: still found.
    (dup,) = [p for p in by_file(data, "kb/hub/setup.md") if p["code"] == "id-duplicate"]
    assert "kb/billing/dup.md" in dup["message"]
    clean = run_kb("check", "--today", TODAY, "kb/billing/bom.md", cwd=BAD_KB)
    assert clean.code == 0 and "1 page checked: 0 errors, 0 warnings" in clean.out
    whole = run_kb("check", "--json", "--today", TODAY, ".", cwd=BAD_KB).json()
    assert len(whole["problems"]) == len(EXPECTED)


def test_paths_that_do_not_exist_or_lie_outside_are_usage_errors(tmp_path: Path) -> None:
    """A missing path or one outside the project exits 2 with a message, never a traceback."""
    missing = run_kb("check", "policies/nope.md", cwd=BAD_KB)
    assert missing.code == 2 and "policies/nope.md: no such file or folder" in missing.err
    outside = run_kb("check", str(tmp_path), cwd=BAD_KB)
    assert outside.code == 2 and "outside the KB project" in outside.err
    assert "Traceback" not in missing.err + outside.err


def test_github_format_prints_workflow_annotations() -> None:
    """`--format github` prints one `::error`/`::warning` command per problem, escaped."""
    result = run_kb("check", "--format", "github", "--today", TODAY, "policies", cwd=BAD_KB)
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if line.startswith("::")]
    assert (
        "::error file=policies/refunds.md,line=4,title=owner-unknown::`biling-team` is not an "
        "owner in policies/owners.yml (did you mean `billing-team`?)"
    ) in lines
    assert "::warning file=policies/calls.md,line=1,title=audience-missing::" in result.out
    assert all(re.match(r"^::(error|warning) file=[^,]+,line=\d+,title=[\w-]+::", x) for x in lines)
    assert len(lines) == sum(1 for f, _, _ in EXPECTED if f.startswith("policies/"))


def test_misspelled_required_field_is_one_problem_at_its_line(make_project) -> None:
    """`ownr:` on line 4 is one field-missing at line 4 naming `owner`, not two problems."""
    project = make_project(
        {
            "policies/x.md": "---\nid: POL-X\ntitle: X\nownr: billing-team\naudience: public\n"
            "effective: 2026-01-01\nlast_reviewed: 2026-10-01\n---\n# X\n",
            # an unknown field that resembles an optional one stays a warning
            "kb/y.md": page(id="KB-Y", title="Y", audience="public", tagz=["a"]),
        }
    )
    problems = project.kb("check", "--json", "--today", TODAY).json()["problems"]
    assert [(p["file"], p["line"], p["code"], p["field"]) for p in problems] == [
        ("kb/y.md", 5, "field-unknown", "tagz"),
        ("policies/x.md", 4, "field-missing", "owner"),
    ]
    assert problems[1]["message"] == (
        "`ownr` is not a field; did you mean `owner`, which is required?"
    )


def test_drafts_may_omit_last_reviewed_until_active(make_project) -> None:
    """A draft policy without `last_reviewed` passes; the same page made active must have it."""
    fields = {"id": "POL-D", "title": "D", "owner": "billing-team", "audience": "internal"}
    project = make_project(
        {"policies/d.md": page(**fields, status="draft", effective="2026-01-01")}
    )
    assert project.kb("check", "--strict", "--today", TODAY).code == 0
    project.write("policies/d.md", page(**fields, status="active", effective="2026-01-01"))
    result = project.kb("check", "--json", "--today", TODAY)
    assert result.code == 1
    (problem,) = result.json()["problems"]
    assert (problem["code"], problem["field"]) == ("field-missing", "last_reviewed")
    assert "draft" in problem["hint"]
