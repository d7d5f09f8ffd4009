"""`kb build`: two multilingual sites from one source, with nothing internal in the public one."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import TODAY, KBProject, run_kb

MARKERS_NEVER_PUBLIC = (
    "INTERNAL-MARKER-7f3a",
    "DRAFT-MARKER-9c1d",
    "RETIRED-MARKER-31b",
    "EXPIRED-MARKER-5e2",
    "Hub fault notes",
    "Suspected security incident",
)


@pytest.fixture
def built(built_sites: KBProject) -> KBProject:
    """The built sites fixture."""
    return built_sites


def read(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def test_no_internal_draft_retired_or_expired_text_in_any_public_file(built: KBProject) -> None:
    """Every file of site/public (HTML, search JSON, sitemap, 404, assets) is free of markers."""
    files = [p for p in (built.root / "site/public").rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        text = read(path)
        for marker in MARKERS_NEVER_PUBLIC:
            assert marker not in text, f"{marker} leaked into {path}"


def test_rep_site_has_internal_pages_but_no_drafts(built: KBProject) -> None:
    """The rep site holds internal and expired active pages, never drafts or retired pages."""
    texts = "\n".join(read(p) for p in (built.root / "site/internal").rglob("*.html"))
    assert "INTERNAL-MARKER-7f3a" in texts
    assert "EXPIRED-MARKER-5e2" in texts
    assert "DRAFT-MARKER-9c1d" not in texts
    assert "RETIRED-MARKER-31b" not in texts


def test_every_language_has_its_own_site_and_search(built: KBProject) -> None:
    """Each configured language gets a site with the right html lang and its own search index
    (the help center's own, see test_client_search_site.py)."""
    public = built.root / "site/public"
    for lang, prefix in (("en", ""), ("it", "it/"), ("tl", "tl/"), ("lv", "lv/"), ("te", "te/")):
        home = read(public / prefix / "index.html")
        assert f'<html lang="{lang}"' in home, lang
        meta = json.loads(read(public / prefix / "search/meta.json"))
        assert meta["lang"] == lang and meta["stemmed"] == (lang in ("en", "it")), lang
    te_index = "\n".join(read(p) for p in (public / "te/search").rglob("*.json"))
    assert "రీఫండ్‌ను" in te_index
    assert '"plug"' not in te_index  # only Telugu pages in the Telugu search


def test_translation_served_at_source_path_with_switcher(built: KBProject) -> None:
    """`refunds.it.md` is /it/policies/refunds/; both versions link to each other."""
    public = built.root / "site/public"
    en = read(public / "policies/refunds/index.html")
    it = read(public / "it/policies/refunds/index.html")
    assert "Rimborsi e sostituzioni" in it
    assert '<meta name="kb-lang" content="it">' in it
    assert '<meta name="kb-id" content="POL-REFUND">' in it
    assert 'href="../../it/policies/refunds/" hreflang="it"' in en
    assert 'href="../../../policies/refunds/" hreflang="en"' in it


def test_links_to_hidden_pages_become_plain_text_on_public_site(built: KBProject) -> None:
    """A public page's link to an internal page is plain text publicly and a link for reps."""
    public = read(built.root / "site/public/kb/hub/setup/index.html")
    internal = read(built.root / "site/internal/kb/hub/setup/index.html")
    assert "internal notes" in public and 'href="../notes/"' not in public
    assert 'href="../notes/"' in internal


def test_untranslated_page_falls_back_with_notice(built: KBProject) -> None:
    """The Italian index links an untranslated page to the English one, which carries a notice."""
    it_index = read(built.root / "site/public/it/kb/hub/index.html")
    assert "../../../kb/hub/setup/?kb-from=it" in it_index
    en_page = read(built.root / "site/public/kb/hub/setup/index.html")
    assert 'class="kb-note kb-fallback" role="note" hidden' in en_page
    assert "versione inglese" in en_page
    assert "admonition" not in en_page.split('class="kb-note kb-fallback"')[1][:200]


def test_links_follow_the_reader_language(built: KBProject) -> None:
    """In the Telugu page, a link to refunds.md (no Telugu version) goes to English with notice."""
    te = read(built.root / "site/public/te/kb/hub/setup/index.html")
    assert 'href="../../../../policies/refunds/?kb-from=te"' in te


def test_procedure_shows_its_tiers_at_a_glance(built: KBProject) -> None:
    """A procedure's escalation tiers render under its title as cards: who, how fast, contact."""
    page = read(built.root / "site/internal/policies/escalation/security/index.html")
    block = re.search(r'<div class="kb-tiers".*?</ol></div>', page, re.S)
    assert block is not None
    assert page.index("<h1") < block.start()
    rows = re.findall(r'<li class="kb-tier" data-kb-tier="(\d)">(.*?)</li>', block.group(0), re.S)
    assert [n for n, _ in rows] == ["1", "2"]
    assert "Shift supervisors" in rows[0][1] and "15 minutes" in rows[0][1]
    assert "Security response" in rows[1][1] and "1 hour" in rows[1][1]
    assert "mailto:security@example.com" in rows[1][1]


def test_navigation_uses_category_pages(built: KBProject) -> None:
    """The sidebar holds categories, not every page; folder index pages list the pages."""
    public = built.root / "site/public"
    kb_index = read(public / "kb/hub/index.html")
    assert 'href="setup/"' in kb_index
    home = read(public / "index.html")
    assert "browse/policy/" in home
    assert "Set up the hub" not in home.split('class="md-content"')[0]  # not in the sidebar


def test_sitemaps_list_only_public_pages(built: KBProject) -> None:
    """The public sitemap names public pages and none of the hidden ones."""
    sitemap = read(built.root / "site/public/sitemap.xml")
    assert "https://help.example.com/policies/refunds/" in sitemap
    it_sitemap = read(built.root / "site/public/it/sitemap.xml")
    assert "https://help.example.com/it/policies/refunds/" in it_sitemap
    assert "kb/hub/notes/" not in sitemap
    assert "holiday-returns" not in sitemap


def test_failed_build_leaves_previous_sites_intact(built: KBProject, tmp_path: Path) -> None:
    """A build stopped by a content error changes nothing in the existing sites."""
    root = tmp_path / "kb"
    shutil.copytree(built.root, root)
    before = read(root / "site/public/index.html")
    (root / "kb/hub/broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    result = run_kb("build", "--today", TODAY, cwd=root)
    assert result.code == 1
    assert "kb/hub/broken.md:2: error front-matter-yaml" in result.err
    assert read(root / "site/public/index.html") == before
    assert not list((root / "site").glob(".staging-*"))
