"""The `kb` MkDocs plugin: real builds of fixture sites, asserting on the produced HTML."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, TODAY, page

MKDOCS = Path(sys.executable).parent / "mkdocs"


def mkdocs_build(
    root: Path, *args: str, generator: str = "mkdocs"
) -> subprocess.CompletedProcess[str]:
    """``mkdocs build`` (or ``properdocs build -f mkdocs.yml``) in ``root``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "KB_TODAY": TODAY}
    config = ("-f", "mkdocs.yml") if generator == "properdocs" else ()
    return subprocess.run(
        [str(MKDOCS.with_name(generator)), "build", *config, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


GOOD = {
    "kb/.meta.yml": "audience: public\n",
    "kb/hub/setup.md": page(
        "# Set up the hub\n\n## Connect the cable\n\nSee [refunds](../../policies/refunds.md#when).\n",
        id="KB-HUB-SETUP",
        title="Set up the hub",
        last_reviewed="2026-10-01",
    ),
    "kb/hub/setup.te.md": page(
        "# హబ్ సెటప్\n", id="KB-HUB-SETUP", title="హబ్ సెటప్", translated_from="2026-10-01"
    ),
    "policies/refunds.md": page(
        "# Refunds\n\n## When\n\nWithin 30 days.\n",
        id="POL-REFUND",
        title="Refunds",
        owner="billing-team",
        audience="public",
        effective="2026-01-01",
        last_reviewed="2026-10-01",
    ),
}


def test_build_mounts_content_and_tags_pages(make_project) -> None:
    """kb/ and policies/ pages are built beside docs/, each with kb-id and kb-lang meta tags."""
    project = make_project(GOOD)
    result = mkdocs_build(project.root, "--strict")
    assert result.returncode == 0, result.stderr
    site = project.root / "site/preview"
    html = (site / "policies/refunds/index.html").read_text(encoding="utf-8")
    assert '<meta name="kb-id" content="POL-REFUND">' in html
    assert '<meta name="kb-lang" content="en">' in html
    assert "<title>Refunds" in html
    assert "owner: billing-team" not in html  # front matter never leaks into the body
    te = (site / "kb/hub/setup.te/index.html").read_text(encoding="utf-8")
    assert '<meta name="kb-lang" content="te">' in te
    assert 'id="connect-the-cable"' in (site / "kb/hub/setup/index.html").read_text("utf-8")


def test_errors_fail_the_build_listing_all_without_traceback() -> None:
    """Content errors fail `mkdocs build` with a PluginError that lists every error."""
    result = mkdocs_build(FIXTURES / "bad_kb")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "kb check found 22 errors" in result.stderr
    assert "policies/calls.md:1" not in result.stderr.split("kb check found")[1]  # a warning
    assert "policies/credits.md:6: date-invalid" in result.stderr
    assert "kb/billing/tab.md:3: front-matter-yaml" in result.stderr


def test_warnings_go_through_plugin_logger_so_strict_fails(make_project) -> None:
    """A warning is logged by MkDocs' plugin logger: plain build passes, --strict fails."""
    project = make_project(
        {**GOOD, "kb/x.md": page(id="KB-X", title="X", audience="public", colour="red")}
    )
    plain = mkdocs_build(project.root)
    assert plain.returncode == 0, plain.stderr
    assert "WARNING" in plain.stderr and "kb/x.md:5: field-unknown" in plain.stderr
    strict = mkdocs_build(project.root, "--strict")
    assert strict.returncode == 1


def test_drafts_and_retired_pages_are_not_built(make_project) -> None:
    """Draft and retired pages never reach the built site."""
    project = make_project(
        {
            **GOOD,
            "kb/draft.md": page(id="KB-DRAFT", title="Draft", status="draft"),
            "kb/old.md": page(id="KB-OLD", title="Old", status="retired"),
        }
    )
    assert mkdocs_build(project.root, "--strict").returncode == 0
    site = project.root / "site/preview"
    assert not (site / "kb/draft").exists()
    assert not (site / "kb/old").exists()
    assert "KB-DRAFT" not in (site / "search/search_index.json").read_text("utf-8")
