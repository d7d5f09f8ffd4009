"""The page model against MkDocs itself, on real content: the sample KB, the help-center and
Basecamp corpora and 2,000 pages of the PowerShell reference.

MkDocs renders each page with the same Markdown extensions and validates links and anchors
(every check set to warn). For every page, the anchors ``kb check`` sees equal the ids MkDocs
finds, the links ``kb check`` sees equal the links MkDocs resolves, and the broken links
``kb check`` reports equal the ones MkDocs warns about. (``kb check`` also checks links written
in raw HTML, which MkDocs leaves alone: those are compared separately.)
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, SHARED

EXTENSIONS = """markdown_extensions:
  - toc:
      permalink: true
      slugify: !!python/name:kbsite.markdown.slugs.slugify
  - admonition
  - attr_list
  - tables
  - pymdownx.details
  - pymdownx.superfences
"""
#: PowerShell pages compared (the first, by path); KB_DIFFERENTIAL_PAGES=10000 takes them all.
POWERSHELL_PAGES = int(os.environ.get("KB_DIFFERENTIAL_PAGES", "1200"))
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//|^/|\x02amp\x03")
_WARNING = re.compile(r"Doc file '(.+?)' contains (?:a link|an unrecognized relative link) '(.+?)'")


def _copy(source: Path, target: Path, only: int | None = None) -> None:
    files = sorted(p for p in source.rglob("*") if p.is_file())
    if only is not None:
        files = [p for p in files if p.suffix == ".md"][:only]
    for path in files:
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of real pages, with a KB config (``kb check``) and a plain MkDocs config."""
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"the shared corpora are not at {corpora}")
    root = tmp_path_factory.mktemp("differential") / "project"
    content = root / "content"
    _copy(REPO / "kb", content / "sample-kb")
    _copy(REPO / "policies", content / "sample-policies")
    _copy(corpora / "help-center" / "content", content / "help-center")
    _copy(corpora / "policies-basecamp", content / "basecamp")
    scratch = tmp_path_factory.mktemp("powershell")
    with tarfile.open(corpora / "scale-powershell.tar.xz") as archive:
        members = sorted(
            (m for m in archive.getmembers() if m.name.endswith(".md") and m.isfile()),
            key=lambda m: m.name,
        )[:POWERSHELL_PAGES]
        archive.extractall(scratch, members=members, filter="data")
    _copy(scratch, content / "powershell")
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text(
        f"site_name: T\ndocs_dir: docs\nplugins:\n  - kb:\n      content_dirs: [content]\n"
        f"{EXTENSIONS}",
        "utf-8",
    )
    (root / "plain.yml").write_text(
        "site_name: T\ndocs_dir: content\ntheme: {name: mkdocs}\nvalidation:\n  links:\n"
        "    not_found: warn\n    anchors: warn\n    unrecognized_links: warn\n"
        "    absolute_links: info\n" + EXTENSIONS,
        "utf-8",
    )
    return root


@pytest.fixture(scope="module")
def mkdocs_view(
    corpus: Path,
) -> tuple[dict[str, list[str]], dict[str, set[str]], set[tuple[str, str]]]:
    """What MkDocs sees of every page: the links it resolves, its anchors, its warnings."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files
    from mkdocs.structure.pages import Page, _RelativePathTreeprocessor

    config = load_config(str(corpus / "plain.yml"))
    files = get_files(config)
    links: dict[str, list[str]] = {}
    original = _RelativePathTreeprocessor.path_to_url

    def spy(self: _RelativePathTreeprocessor, url: str) -> str:
        links.setdefault(self.file.src_uri, []).append(url)
        return original(self, url)

    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(handler)
    _RelativePathTreeprocessor.path_to_url = spy  # type: ignore[method-assign]
    anchors: dict[str, set[str]] = {}
    try:
        pages = []
        for file in files.documentation_pages():
            page = Page(None, file, config)
            page.read_source(config)
            page.render(config, files)
            pages.append(page)
            # MkDocs counts a valueless `id` attribute as an anchor named None: not an anchor.
            anchors[file.src_uri] = {a for a in page.present_anchor_ids or () if a}
        for page in pages:
            page.validate_anchor_links(files=files, log_level=logging.WARNING)
    finally:
        _RelativePathTreeprocessor.path_to_url = original  # type: ignore[method-assign]
        logging.getLogger("mkdocs").removeHandler(handler)
    broken = set()
    for message in warnings:
        match = _WARNING.match(message)
        assert match, f"an MkDocs warning of a kind not compared: {message}"
        broken.add((match.group(1), match.group(2)))
    return links, anchors, broken


@pytest.fixture(scope="module")
def kb_view(corpus: Path):  # type: ignore[no-untyped-def]
    from kbsite.knowledge import load_kb
    from kbsite.project import load_project

    return load_kb(load_project(corpus / "mkdocs.yml"), dt.date(2026, 11, 23))


def _uri(path: str) -> str:
    return path.removeprefix("content/")


def test_anchors_equal_mkdocs_ids_on_every_page(kb_view, mkdocs_view) -> None:
    """The anchors links may target are the ids MkDocs renders, page by page."""
    _, anchors, _ = mkdocs_view
    assert len(kb_view.pages) > POWERSHELL_PAGES + 400
    different = [p.path for p in kb_view.pages if set(p.anchors) != anchors[_uri(p.path)]]
    assert different == []


def test_links_equal_the_links_mkdocs_resolves(kb_view, mkdocs_view) -> None:
    """Every page's Markdown links and images, as written, are the ones MkDocs resolves
    (code excluded by both); heading permalinks aside."""
    from kbsite.markdown.model import RAW_KINDS

    links, anchors, _ = mkdocs_view
    different = []
    for page in kb_view.pages:
        uri = _uri(page.path)
        own = anchors[uri]

        def wanted(target: str, own: set[str] = own) -> bool:
            return not _EXTERNAL.match(target) and not (
                target.startswith("#") and target[1:] in own
            )

        ours = Counter(
            k.target for k in page.outline.links if k.kind not in RAW_KINDS and wanted(k.target)
        )
        theirs = Counter(url for url in links.get(uri, []) if wanted(url))
        if ours != theirs:
            different.append(
                (uri, list((ours - theirs).elements()), list((theirs - ours).elements()))
            )
    assert different == []


def test_broken_links_equal_mkdocs_warnings(kb_view, mkdocs_view) -> None:
    """``kb check`` reports exactly the Markdown links MkDocs' validation warns about, and
    on top only raw-HTML links that point nowhere (MkDocs does not look at raw HTML)."""
    from kbsite.markdown.model import RAW_KINDS

    _, _, theirs = mkdocs_view
    raw = {
        (_uri(page.path), link.target)
        for page in kb_view.pages
        for link in page.outline.links
        if link.kind in RAW_KINDS
    }
    ours = {
        (_uri(p.file), p.message.split("`")[1]) for p in kb_view.problems if p.code == "link-broken"
    }
    assert len(theirs) > 100
    assert ours - raw == theirs
    assert all(link in raw for link in ours - theirs)
