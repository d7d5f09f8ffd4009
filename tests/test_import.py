"""`kb import`: formats, the report, re-runs, bad inputs, and the real corpora end to end."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, SHARED, TODAY, KBProject
from kbsite.importer.markup import Context, convert
from kbsite.importer.naming import ID_PREFIX, assign_ids, output_paths
from kbsite.importer.report import Report
from kbsite.importer.writer import Manifest, write_tree

SOURCES = FIXTURES / "import_src"
PROCEDURE = ("--type", "procedure", "--owner", "support-ops", "--escalate-to", "supervisors")
ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


def imported(project: KBProject, source: str, dest: str, *args: str) -> dict:
    result = project.kb("import", str(SOURCES / source), dest, "--json", "--today", TODAY, *args)
    assert result.code == 0, result.out + result.err
    return result.json()


def front(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("---")[1]


def events(report: dict, section: str) -> list[tuple[str, int, str]]:
    return [(e["file"], e["line"], e["kind"]) for e in report[section]]


@pytest.fixture
def project(make_project) -> KBProject:
    return make_project()


def test_jekyll_liquid_includes_and_paths_with_spaces(project: KBProject) -> None:
    report = imported(project, "jekyll", "kb/help", "--audience", "public")
    pages = {p["source"]: p for p in report["pages"]}
    assert set(pages) == {
        "index.md",
        "Getting Started & FAQ/faq.md",
        "Getting Started & FAQ/Über uns.md",
    }
    about = project.root / pages["Getting Started & FAQ/Über uns.md"]["file"]
    assert about.name == "über-uns.md" and ID_PATTERN.match(pages["index.md"]["id"])
    text = about.read_text(encoding="utf-8")
    # site.* comes from SRC's _config.yml; raw content is kept verbatim, highlight becomes a fence
    assert "[support](mailto:help@lumen-home.example)" in text
    assert "`{{ name }}` placeholders" in text and "{% raw %}" not in text
    assert '```python\nprint("hello")\n```' in text
    assert "!!! warning\n    Never open the hub's case." in text
    assert "last_reviewed: 2026-03-02" in front(about) and "tags: [about, company]" in front(about)
    index = (project.root / "kb/help/index.md").read_text(encoding="utf-8")
    assert "[getting started](getting-started-faq/über-uns.md)" in index
    assert "[FAQ](getting-started-faq/faq.md#billing-questions)" in index
    assert "[Write to us](mailto:help@lumen-home.example)" in index  # from the include
    # what could not be converted is left visible and reported with its line
    assert ("Getting Started & FAQ/Über uns.md", 17, "liquid-tag") in events(report, "left")
    assert "{% if site.beta %}" in text
    broken = [(e["file"], e["line"]) for e in report["links"]["broken"]]
    assert broken == [("Getting Started & FAQ/faq.md", 11)] * 2
    assert (
        "[the missing page]"
        not in (project.root / "kb/help/getting-started-faq/faq.md").read_text()
    )
    assert report["fields_dropped"] == {
        "layout": ["index.md"],
        "permalink": ["index.md"],
        "sidebar": ["Getting Started & FAQ/Über uns.md"],
    }
    assert report["skipped"] == [
        {
            "file": "_config.yml",
            "line": 0,
            "kind": "not-markdown",
            "message": "not Markdown: not imported",
        }
    ]
    assert project.kb("check", "--strict", "--today", TODAY).code == 0


def test_hugo_languages_shortcodes_and_assets(project: KBProject) -> None:
    report = imported(project, "hugo", "kb/hugo", "--audience", "public")
    by_lang = {(p["source"], p["lang"]): p for p in report["pages"]}
    en = by_lang[("content/en/devices/setup.md", "en")]
    it = by_lang[("content/it/devices/setup.md", "it")]
    assert en["file"] == "kb/hugo/setup.md" and it["file"] == "kb/hugo/setup.it.md"
    assert en["id"] == it["id"]  # a translation shares its source's id
    setup = (project.root / "kb/hugo/setup.md").read_text(encoding="utf-8")
    assert "!!! note\n    Keep the device within two metres of the hub." in setup
    assert "[the reset guide](reset.md)" in setup
    assert "![The hub from above](content/en/img/hub.png)" in setup
    assert (project.root / "kb/hugo/content/en/img/hub.png").read_bytes().startswith(b"\x89PNG")
    italian = (project.root / "kb/hugo/setup.it.md").read_text(encoding="utf-8")
    assert '!!! warning "Attenzione"' in italian and "[guida al ripristino](reset.md)" in italian
    assert "status: draft" in front(project.root / "kb/hugo/reset.md")
    assert "tags: [setup, pairing]" in front(project.root / "kb/hugo/setup.md")
    assert ("content/en/devices/setup.md", 15, "hugo-shortcode") in events(report, "left")
    assert project.kb("check", "--strict", "--today", TODAY).code == 0


def test_docfx_alerts_includes_and_dates(project: KBProject) -> None:
    report = imported(project, "docfx", "kb/docfx")
    assert [p["source"] for p in report["pages"]] == ["wifi.md"]  # the include is not a page
    assert events(report, "skipped") == [("includes/router.md", 0, "include")]
    wifi = (project.root / "kb/docfx/wifi.md").read_text(encoding="utf-8")
    assert "!!! note\n    The hub only joins 2.4 GHz networks.\n    Most routers offer one." in wifi
    assert "!!! tip\n    Restart the router first." in wifi
    assert "Place the router in the open" in wifi
    assert "> [!NOTE]\n> This stays as code." in wifi  # code is never converted
    assert "last_reviewed: 2026-03-15" in front(project.root / "kb/docfx/wifi.md")
    assert "audience: internal" in wifi  # fail closed without --audience
    assert {("wifi.md", 19, "docfx-block"), ("wifi.md", 21, "docfx-block")} <= set(
        events(report, "left")
    )
    assert project.kb("check", "--strict", "--today", TODAY).code == 0


def test_old_help_center_links_follow_the_old_ids(project: KBProject) -> None:
    imported(project, "zendesk", "kb/zendesk")
    returns = (project.root / "kb/zendesk/returns.md").read_text(encoding="utf-8")
    assert "[refund rules](refunds.md#how-long)" in returns
    assert '<a href="../refunds/">' in returns  # raw HTML gets the built page's URL
    assert "360000111" not in returns


def test_report_text_and_dry_run(project: KBProject) -> None:
    result = project.kb("import", str(SOURCES / "docfx"), "kb/docfx", "--dry-run")
    assert result.code == 0, result.err
    assert "would write 1 page(s) to kb/docfx" in result.out
    assert "wifi.md:19:" in result.out and "converted: alert (2)" in result.out
    assert not (project.root / "kb/docfx").exists()


def test_rerun_updates_pages_and_keeps_owner_edits(project: KBProject, tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(SOURCES / "zendesk", source)
    run = ("import", str(source), "kb/z", "--json", "--today", TODAY)
    first = project.kb(*run).json()
    page = project.root / "kb/z/refunds.md"
    edited = page.read_text().replace("audience: internal", "audience: public")
    edited = edited.replace(
        "title: Refunds", "title: Refunds\nowner: billing-team\nlast_reviewed: 2026-10-01"
    )
    page.write_text(edited)
    (source / "refunds.md").write_text((source / "refunds.md").read_text() + "\nNew rule.\n")
    second = project.kb(*run).json()
    actions = {p["source"]: p["action"] for p in second["pages"]}
    assert actions == {"refunds.md": "updated", "returns.md": "unchanged"}
    text = page.read_text()
    assert "New rule." in text
    assert "audience: public" in text and "owner: billing-team" in text
    assert "last_reviewed: 2026-10-01" in text
    assert [p["id"] for p in first["pages"]] == [p["id"] for p in second["pages"]]
    project.kb(*run, "--overwrite")
    assert "audience: internal" in page.read_text() and "owner:" not in page.read_text()


def test_id_collisions_and_duplicate_titles(project: KBProject, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "Reset hub.md").write_text("# Reset\n")
    (source / "reset-hub.md").write_text("# Reset\n")
    project.write("kb/existing.md", "---\nid: KB-SETUP\ntitle: Setup\naudience: public\n---\n")
    (source / "setup.md").write_text("# Setup guide\n")
    report = project.kb("import", str(source), "kb/new", "--json").json()
    ids = {p["source"]: p["id"] for p in report["pages"]}
    assert len(set(ids.values())) == 3 and ids["setup.md"] != "KB-SETUP"
    assert all(ID_PATTERN.match(i) for i in ids.values())
    kinds = {w["kind"] for w in report["warnings"]}
    assert {"same-id", "same-file-name", "duplicate-title"} <= kinds
    assert len({p["file"] for p in report["pages"]}) == 3
    assert project.kb("check", "--today", TODAY).code == 0


def test_invalid_foreign_yaml_and_other_files(project: KBProject, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "broken.md").write_text("---\ntitle: [unclosed\n---\n# Heading title\n\nText.\n")
    (source / "notes.txt").write_text("plain text")
    (source / "latin.md").write_bytes("# Caf\xe9 menu\n".encode("latin-1"))
    report = project.kb("import", str(source), "kb/x", "--json").json()
    titles = {p["source"]: p["title"] for p in report["pages"]}
    assert titles == {"broken.md": "Heading title", "latin.md": "Café menu"}
    assert ("broken.md", 3, "front-matter") in events(report, "warnings")
    assert ("notes.txt", 0, "not-markdown") in events(report, "skipped")
    assert ("latin.md", 1, "encoding") in events(report, "converted")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty", "no Markdown files under"),
        ("inside", "DEST is inside SRC"),
        ("occupied", "DEST already holds 1 page(s) that kb import did not write"),
    ],
)
def test_bad_places_write_nothing(
    project: KBProject, tmp_path: Path, case: str, message: str
) -> None:
    source = project.root / "kb/src" if case == "inside" else tmp_path / "src"
    source.mkdir(parents=True)
    if case != "empty":
        (source / "a.md").write_text("# A\n")
    dest = "kb/src/out" if case == "inside" else "kb/dest"
    if case == "occupied":
        project.write("kb/dest/mine.md", "---\nid: KB-MINE\ntitle: Mine\n---\n")
    before = sorted(p.relative_to(project.root) for p in project.root.rglob("*"))
    result = project.kb("import", str(source), dest)
    assert result.code == 1 and message in result.out and "nothing was written" in result.out
    assert sorted(p.relative_to(project.root) for p in project.root.rglob("*")) == before


def test_usage_errors(project: KBProject, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.md").write_text("# A\n")
    unknown = project.kb("import", str(source), "policies/x", "--owner", "billing-tem")
    assert unknown.code == 2 and "did you mean `billing-team`?" in unknown.err
    no_owner = project.kb("import", str(source), "policies/x")
    assert no_owner.code == 2 and "needs an owner" in no_owner.err
    prefix = project.kb("import", str(source), "kb/x", "--id-prefix", "1-bad")
    assert prefix.code == 2 and "--id-prefix" in prefix.err
    procedure = project.kb(
        "import", str(source), "policies/p", "--type", "procedure", "--owner", "support-ops"
    )
    assert procedure.code == 2 and "needs `escalate_to`" in procedure.err
    duration = project.kb(
        "import", str(source), "policies/p", *PROCEDURE, "--response-time", "soon"
    )
    assert duration.code == 2 and "--response-time" in duration.err
    missing = project.kb("import", str(tmp_path / "nope"), "kb/x")
    assert missing.code == 2 and "is not a folder" in missing.err


def test_policies_get_dates_and_owner(project: KBProject, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "returns.md").write_text(
        "---\ntitle: Returns\neffective_date: 2025-01-10\n---\nText\n"
    )
    (source / "fees.md").write_text("# Fees\n")
    report = project.kb(
        "import",
        str(source),
        "policies/imported",
        "--owner",
        "billing-team",
        "--json",
        "--today",
        TODAY,
    ).json()
    returns = front(project.root / "policies/imported/returns.md")
    assert "owner: billing-team" in returns and "effective: 2025-01-10" in returns
    assert f"last_reviewed: {TODAY}" in front(project.root / "policies/imported/fees.md")
    assert ("fees.md", 1, "dates-assumed") in events(report, "warnings")
    assert project.kb("check", "--today", TODAY).code == 0


def test_procedures_get_escalation_fields(project: KBProject, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "outage.md").write_text("---\ntitle: Outage\nlastmod: 2026-09-01\n---\nSteps.\n")
    result = project.kb(
        "import",
        str(source),
        "policies/procedures",
        *PROCEDURE,
        "--response-time",
        "4h",
        "--today",
        TODAY,
    )
    assert result.code == 0, result.out + result.err
    fields = front(project.root / "policies/procedures/outage.md")
    assert "type: procedure" in fields and "escalate_to: supervisors" in fields
    assert "response_time: 4h" in fields and "effective: 2026-09-01" in fields
    assert project.kb("check", "--today", TODAY).code == 0


def test_a_failed_write_leaves_dest_as_it_was(tmp_path: Path) -> None:
    dest = tmp_path / "kb" / "dest"
    dest.mkdir(parents=True)
    (dest / "old.md").write_text("old")
    with pytest.raises(FileNotFoundError):
        write_tree(dest, {"a.md": b"new", "b.png": tmp_path / "missing.png"}, Manifest())
    assert sorted(p.name for p in dest.iterdir()) == ["old.md"]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["dest"]  # no temporary folder left


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and s.strip(".")),
        min_size=1,
        max_size=12,
    )
)
def test_ids_and_names_are_valid_unique_and_stable(names: list[str]) -> None:
    keys = sorted({f"{n}.md" for n in names})
    ids, _ = assign_ids("HC", keys, {"HC-TAKEN"}, {})
    assert all(ID_PATTERN.match(i) for i in ids.values())
    assert len(set(ids.values())) == len(keys) and "HC-TAKEN" not in ids.values()
    assert assign_ids("HC", list(reversed(keys)), {"HC-TAKEN"}, {})[0] == ids
    paths, _ = output_paths(keys)
    assert len(set(paths.values())) == len(keys)
    assert ID_PREFIX.match("HC")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('{}%<>![]`#>-:\n abcNOTE/"=')), max_size=200))
def test_markup_conversion_never_fails(body: str) -> None:
    report = Report("src", "kb/x")
    lines = convert("a.md", body, 1, {}, Context(Path("/nonexistent")), report)
    assert all(isinstance(n, int) for n, _ in lines)


CORPORA = SHARED / "corpora"


@pytest.mark.skipif(not CORPORA.is_dir(), reason="the shared corpora are not present")
def test_real_corpora_import_check_and_build(make_project) -> None:
    project = make_project()
    help_center = CORPORA / "help-center" / "content"
    hc = project.kb(
        "import",
        str(help_center),
        "kb/help-center",
        "--id-prefix",
        "HC",
        "--audience",
        "public",
        "--json",
        "--today",
        TODAY,
    ).json()
    policies = project.kb(
        "import",
        str(CORPORA / "policies-basecamp"),
        "policies/basecamp",
        "--owner",
        "support-ops",
        "--audience",
        "public",
        "--json",
        "--define",
        "site.email_support=mailto:support@example.com",
        "--today",
        TODAY,
    ).json()
    assert hc["summary"]["pages"] == len(list(help_center.rglob("*.md")))
    assert policies["summary"]["pages"] == len(list((CORPORA / "policies-basecamp").rglob("*.md")))
    assert hc["summary"]["links_rewritten"] > 300 and hc["summary"]["converted"] > 100
    check = project.kb("check", "--json", "--today", TODAY)
    assert check.code == 0, [p for p in check.json()["problems"] if p["severity"] == "error"][:5]
    build = project.kb("build", "--today", TODAY, timeout=600)
    assert build.code == 0, build.err
    site = project.root / "site" / "public"
    pages = {p["source"]: p for p in hc["pages"]}

    def html_of(record: dict) -> str:
        rel = record["file"].removesuffix(".md")
        rel = rel.removesuffix("/index") if rel.endswith("/index") else rel
        return (site / rel / "index.html").read_text(encoding="utf-8")

    # a page with an alert: its title, and the alert as a Material admonition
    with_alert = next(s for s in sorted(pages) if "> [!NOTE]" in (help_center / s).read_text())
    html = html_of(pages[with_alert])
    source_title = json.loads(json.dumps(pages[with_alert]["title"]))
    assert f"<title>{source_title}" in html.replace("&amp;", "&")
    assert 'class="admonition note"' in html and "[!NOTE]" not in html
    # an old help-center link to another imported article now points at its page
    ids = {}
    for source in pages:
        match = re.search(r"^id: (\d+)", (help_center / source).read_text(), re.M)
        if match:
            ids[match.group(1)] = source
    linking = next(
        s
        for s in sorted(pages)
        if any(
            i in ids
            for i in re.findall(
                r"\]\(https://support\.arduino\.cc/hc/en-us/articles/(\d+)",
                (help_center / s).read_text(),
            )
        )
    )
    target_id = next(
        i
        for i in re.findall(
            r"\]\(https://support\.arduino\.cc/hc/en-us/articles/(\d+)",
            (help_center / linking).read_text(),
        )
        if i in ids
    )
    target_url = pages[ids[target_id]]["file"].removesuffix(".md").split("/")[-1]
    assert re.search(rf'href="[^"]*{re.escape(target_url)}/"', html_of(pages[linking]))
    for html_file in site.rglob("*.html"):
        assert "{%" not in html_file.read_text(encoding="utf-8"), html_file
    basecamp = site / "policies" / "basecamp"
    assert 'href="mailto:support@example.com"' in (basecamp / "refund" / "index.html").read_text()
