"""Nothing internal reaches the help center: markers planted in every form a KB can hold them
(attachments, file names, other Markdown suffixes, links of every kind, comments, internal
blocks, symlinks, drafts, retired and expired pages, internal guides) are searched for in every
file of ``site/public``, decompressed, and in public rep search."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from conftest import OWNERS, TODAY, KBProject, page, run_kb

#: Each marker stands for text a customer must never receive.
MARKERS = {
    "attachment": "ATTACHED-PRICE-LIST-4411",
    "csv": "CSV-MARGIN-5522",
    "image name": "internal-diagram-6633",
    "markdown suffix": "DOT-MARKDOWN-PAGE-7744",
    "upper-case suffix": "UPPER-MD-PAGE-8855",
    "symlink": "OUTSIDE-SECRET-9966",
    "reference link file": "secret-escalation-matrix",
    "raw html link file": "secret-supplier-terms",
    "raw html url": "secret-goodwill-table",
    "comment": "COMMENT-NOTE-1177",
    "internal block": "GOODWILL-BLOCK-2288",
    "collapsible internal block": "FOLDED-BLOCK-3399",
    "internal block heading": "Secret block heading",
    "draft": "DRAFT-PAGE-4400",
    "retired": "RETIRED-PAGE-5511",
    "expired": "EXPIRED-PAGE-6622",
    "internal page": "INTERNAL-PAGE-7733",
    "internal guide": "OWNER-GUIDE-8844",
    "internal folder": "internal-only-folder",
}

PUBLIC_BODY = """\
# Refunds

Refunds take 14 days. See [the matrix][m] for escalations, the
<a href="secret-supplier-terms.md">supplier terms</a>, the
<a href="../secret-goodwill-table/">goodwill table</a> and our [pricing](price-list.md).

<!-- COMMENT-NOTE-1177: remember to raise prices -->

!!! internal "Goodwill"
    GOODWILL-BLOCK-2288: a rep may offer 10 EUR.

    ### Secret block heading

??? internal
    FOLDED-BLOCK-3399 details.

## After

Ask us anything.

[m]: secret-escalation-matrix.md
"""


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> KBProject:
    """A KB with a marker in every place internal text can hide, built once."""
    from conftest import MINIMAL_MKDOCS

    base = tmp_path_factory.mktemp("leaks")
    outside = base / "outside-secret.txt"
    outside.write_text(f"{MARKERS['symlink']}\n", "utf-8")
    project = KBProject(base / "kb")
    project.write(
        "mkdocs.yml", MINIMAL_MKDOCS.replace("  - tables\n", "  - tables\n  - pymdownx.details\n")
    )
    project.write("policies/owners.yml", OWNERS)
    project.write("docs/index.md", "# Home\n\nWelcome.\n")
    project.write("docs/guide.md", f"# Guide\n\n{MARKERS['internal guide']}\n")
    common = {"owner": "billing-team", "effective": "2026-01-01", "last_reviewed": "2026-10-01"}
    project.write(
        "policies/refunds.md",
        page(PUBLIC_BODY, id="POL-REFUND", title="Refunds", audience="public", **common),
    )
    for name, marker in (
        ("secret-escalation-matrix", "reference link file"),
        ("secret-supplier-terms", "raw html link file"),
        ("secret-goodwill-table", "raw html url"),
    ):
        project.write(
            f"policies/{name}.md",
            page(
                f"# Internal\n\n{MARKERS['internal page']} {marker}\n",
                id=f"POL-{name.upper()}",
                title=name,
                audience="internal",
                **common,
            ),
        )
    project.write("policies/price-list.md.txt", "not a page")
    project.write(
        "policies/price-list.md",
        page(
            "# Prices\n\n[list](internal-only-folder/prices.txt) ![d](internal-only-folder/internal-diagram-6633.png)\n",
            id="POL-PRICES",
            title="Prices",
            audience="internal",
            **common,
        ),
    )
    project.write("policies/internal-only-folder/prices.txt", MARKERS["attachment"])
    project.write("policies/internal-only-folder/margins.csv", MARKERS["csv"])
    project.write("policies/internal-only-folder/internal-diagram-6633.png", b"\x89PNG fake")
    project.write(
        "policies/notes.markdown",
        page(
            f"# Notes\n\n{MARKERS['markdown suffix']}\n",
            id="POL-NOTES-MD",
            title="Notes md",
            audience="internal",
            **common,
        ),
    )
    project.write(
        "policies/NOTES2.MD",
        page(
            f"# Notes\n\n{MARKERS['upper-case suffix']}\n",
            id="POL-NOTES-UP",
            title="Notes up",
            audience="internal",
            **common,
        ),
    )
    (project.root / "policies/outside.txt").symlink_to(outside)
    project.write(
        "policies/draft.md",
        page(
            f"# Draft\n\n{MARKERS['draft']}\n",
            id="POL-DRAFT",
            title="Draft",
            status="draft",
            audience="public",
            **common,
        ),
    )
    project.write(
        "policies/retired.md",
        page(
            f"# Retired\n\n{MARKERS['retired']}\n",
            id="POL-RETIRED",
            title="Retired",
            status="retired",
            audience="public",
            **common,
        ),
    )
    project.write(
        "policies/expired.md",
        page(
            f"# Expired\n\n{MARKERS['expired']}\n",
            id="POL-EXPIRED",
            title="Expired",
            audience="public",
            owner="billing-team",
            effective="2025-01-01",
            expires="2026-02-01",
            last_reviewed="2026-10-01",
        ),
    )
    result = project.kb("build", "--today", TODAY)
    assert result.code == 0, result.err
    return project


def _read(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def test_no_marker_in_any_file_of_the_help_center(leaky: KBProject) -> None:
    """Every file of site/public, by content and by name, is free of every planted marker."""
    files = [p for p in (leaky.root / "site/public").rglob("*") if p.is_file()]
    assert len(files) > 30
    for path in files:
        text = _read(path) + "\n" + path.relative_to(leaky.root).as_posix()
        for what, marker in MARKERS.items():
            assert marker not in text, f"{what} ({marker}) leaked into {path}"


def test_the_rep_site_has_what_reps_need(leaky: KBProject) -> None:
    """The same markers that stay off the help center are on the rep site where they belong:
    internal blocks (marked as internal), internal pages, linked attachments."""
    internal = leaky.root / "site/internal"
    refunds = _read(internal / "policies/refunds/index.html")
    assert MARKERS["internal block"] in refunds and 'class="admonition internal"' in refunds
    assert MARKERS["comment"] not in refunds  # comments are notes for authors only
    assert (internal / "policies/internal-only-folder/prices.txt").is_file()
    assert not (internal / "policies/internal-only-folder/margins.csv").exists()  # unused
    texts = "\n".join(_read(p) for p in internal.rglob("*.html"))
    assert MARKERS["markdown suffix"] in texts and MARKERS["upper-case suffix"] in texts
    assert MARKERS["draft"] not in texts and MARKERS["retired"] not in texts


def test_public_links_to_hidden_pages_keep_only_their_words(leaky: KBProject) -> None:
    """Reference-style, raw-HTML file and raw-HTML URL links to internal pages lose their
    target on the help center; the words stay."""
    html = _read(leaky.root / "site/public/policies/refunds/index.html")
    assert "the matrix" in html and "supplier terms" in html and "goodwill table" in html
    assert "Refunds take 14 days" in html and "Ask us anything" in html


def test_symlink_out_of_the_project_is_reported_and_not_followed(leaky: KBProject) -> None:
    """A link to a file outside the project is a `symlink-outside` warning."""
    result = leaky.kb("check", "--json", "--today", TODAY)
    codes = {(p["code"], p["file"]) for p in result.json()["problems"]}
    assert ("symlink-outside", "policies/outside.txt") in codes


def test_public_rep_search_never_sees_internal_blocks(leaky: KBProject) -> None:
    """`kb search --audience public` neither matches nor shows internal-block text; the
    internal search finds it."""
    public = leaky.kb("search", "2288", "--audience", "public", "--json").json()
    assert public["results"] == []
    words = leaky.kb("search", "refunds", "--audience", "public", "--json").json()
    assert all("GOODWILL" not in r["snippet"] for r in words["results"])
    internal = leaky.kb("search", "2288", "--json").json()
    assert [r["id"] for r in internal["results"]] == ["POL-REFUND"]
    assert "GOODWILL-BLOCK-2288" in internal["results"][0]["snippet"].replace("<mark>", "").replace(
        "</mark>", ""
    )


def test_search_index_of_the_help_center_holds_no_internal_words(leaky: KBProject) -> None:
    """The client search index lists public pages only and no internal block text."""
    files = sorted((leaky.root / "site/public/search").rglob("*.json"))
    text = "\n".join(json.dumps(json.loads(_read(path)), ensure_ascii=False) for path in files)
    assert "POL-REFUND" in text and "refunds" in text.lower()
    for marker in MARKERS.values():
        assert marker not in text


def test_other_markdown_suffixes_are_pages_with_front_matter(tmp_path: Path) -> None:
    """A `.markdown` or `.MD` file without front matter is reported like any page."""
    from conftest import MINIMAL_MKDOCS

    project = KBProject(tmp_path / "kb")
    project.write("mkdocs.yml", MINIMAL_MKDOCS)
    project.write("policies/owners.yml", OWNERS)
    project.write("kb/a.markdown", "# No front matter\n")
    project.write("kb/B.MD", "# No front matter\n")
    result = run_kb("check", "--json", cwd=project.root)
    found = {(p["code"], p["file"]) for p in result.json()["problems"]}
    assert ("front-matter-missing", "kb/a.markdown") in found
    assert ("front-matter-missing", "kb/B.MD") in found
