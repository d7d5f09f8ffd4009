"""MkDocs side of how a site presents itself (issue 15): name, colour, fonts, template labels,
which ``docs/`` pages it shows and its translated sidebar. The decisions live in
``kbsite.sites`` (``theme``, ``visibility``, ``navigation``, ``translations``); these helpers
only apply them to MkDocs objects, so the plugin calls each with one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from kbsite.project import Project
from kbsite.sites.navigation import site_nav
from kbsite.sites.theme import site_theme
from kbsite.sites.translations import Labels, LabelsError, labels_for
from kbsite.sites.visibility import docs_audience


def configure_site(
    config: MkDocsConfig, options: Any, project: Project, lang: str, audience: str
) -> Labels:
    """Apply the site's name, palette and system fonts; store the templates' data in
    ``config.extra.kb``. Returns the labels of this site's language."""
    settings = project.settings
    try:
        all_labels = {
            code: labels_for(code, options.labels, settings.default_language)
            for code in settings.languages
        }
    except LabelsError as exc:
        raise PluginError(f"kb: {exc}") from None
    labels = all_labels.get(lang) or labels_for(lang, options.labels, settings.default_language)
    docs = (
        [p.name.split(".", 1)[0] for p in project.docs_dir.glob("*.md")]
        if project.docs_dir.is_dir()
        else []
    )
    theme = site_theme(
        audience=audience,
        lang=lang,
        languages=settings.languages,
        default_language=settings.default_language,
        site_name=config.site_name,
        labels=labels,
        all_labels=all_labels,
        contact=options.contact,
        top_level=[*settings.content_dirs, *docs, "kb-health"],
        rep_colour=options.rep_colour,
        rep_search_url=options.rep_search_url,
    )
    config.site_name = theme.site_name
    config.theme["font"] = False  # system fonts: no request to a font host
    if theme.palette:
        config.theme["palette"] = theme.palette
    config.extra["kb"] = theme.extra
    return labels


def hide_docs(files: Files, audience: str) -> None:
    """Drop the ``docs/`` pages this site's audience may not see (SPEC §6: a docs page
    without ``audience`` is internal, except the home page)."""
    if audience != "public":
        return
    for file in list(files.documentation_pages()):
        text = Path(file.abs_src_path).read_text(encoding="utf-8-sig") if file.abs_src_path else ""
        if docs_audience(file.src_uri, text) != "public":
            files.remove(file)


def finish_nav(
    config: MkDocsConfig, files: Files, project: Project, labels: Labels, health_page: str | None
) -> None:
    """The sidebar from what the site really has, with labels in its language."""
    docs_dir = project.docs_dir.resolve()
    docs = sorted(
        f.src_uri
        for f in files.documentation_pages()
        if f.abs_src_path
        and Path(f.abs_src_path).resolve().parent == docs_dir
        and f.src_uri.count(".") == 1
    )
    pages = {f.src_uri for f in files.documentation_pages()}
    has_health = health_page if health_page and health_page in pages else None
    config.nav = site_nav(docs, pages, project.settings.content_dirs, labels, has_health)
