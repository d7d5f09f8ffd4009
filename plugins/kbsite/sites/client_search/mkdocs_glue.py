"""Until the new site builder calls ``write_index`` itself: the help-center search of one
MkDocs language build, written from the pages it has just published.

``prepare`` turns Material's lunr search off for the build and tells our header partial to
show our search box; ``write_from_site`` reads every published KB page back from its HTML
(so the index holds exactly what the help center shows) and writes the index beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kbsite.knowledge import KnowledgeBase
from kbsite.review import states as review_states
from kbsite.review.staleness import Flag, flags_by_path
from kbsite.search.service import load_synonyms
from kbsite.sites.client_search.documents import ClientDoc, ClientSearchError
from kbsite.sites.client_search.labels import labels
from kbsite.sites.client_search.sources import page_from_html
from kbsite.sites.client_search.writer import IndexSummary, write_index
from kbsite.sites.navigation import TYPE_DIR, TYPE_PAGES

SEARCH_DIR = "search"
__all__ = ["ClientSearchError", "prepare", "site_docs", "write_from_site"]


def prepare(config: Any, lang: str) -> None:
    """Configure one help-center MkDocs build (``config``: its loaded MkDocsConfig)."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if search is not None:
        search.config.enabled = False
    config.extra["kb_search"] = {
        "dir": f"{SEARCH_DIR}/",
        "labels": labels(lang),
        "browse": f"{TYPE_DIR}/{next(iter(TYPE_PAGES))}/",  # without JavaScript
    }


def site_docs(kb: KnowledgeBase, flags: list[Flag], lang: str, site_dir: Path) -> list[ClientDoc]:
    """The KB pages one language build published, as search documents (their tags are left
    out: the help center does not show them)."""
    settings = kb.project.settings
    by_id = {(p.meta.id, p.lang): p for p in kb.pages if p.parsed and p.meta.id}
    flagged = flags_by_path(flags)
    skip = {code for code in settings.languages if code != lang} | {SEARCH_DIR, "assets"}
    docs = []
    for path in sorted(site_dir.rglob("index.html")):
        rel = path.relative_to(site_dir)
        if rel.parts[0] in skip:
            continue
        page = page_from_html(path.read_text(encoding="utf-8"))
        source = by_id.get((page.kb_id, page.kb_lang))
        if source is None or page.kb_lang != lang:
            continue
        state = review_states.primary({f.state for f in flagged.get(source.path, [])})
        docs.append(
            ClientDoc(
                url=rel.parent.as_posix() + "/" if rel.parent.parts else "",
                title=page.title or source.meta.title,
                type=source.meta.type,
                products=tuple(source.meta.products),
                lang=lang,
                note=page.note,
                sections=tuple(page.sections),
                id=source.meta.id,
                weight=review_states.weight(state),
            )
        )
    return docs


def write_from_site(
    kb: KnowledgeBase, flags: list[Flag], lang: str, site_dir: Path
) -> IndexSummary:
    """Write the search index of one built help-center language site."""
    docs = site_docs(kb, flags, lang, site_dir)
    return write_index(site_dir / SEARCH_DIR, lang, docs, load_synonyms(kb.project))
