"""MkDocs side of how a site presents itself: name, colour, fonts and template labels.

The decisions live in ``kbsite.sites`` (``theme``, ``translations``); this applies them to a
MkDocs config, for the plugin's preview and for each site ``kb build`` renders.
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig

from kbsite.project import Project
from kbsite.sites.client_search.site import search_box
from kbsite.sites.feedback import widget_config
from kbsite.sites.theme import site_theme
from kbsite.sites.translations import Labels, all_labels


def configure_site(
    config: MkDocsConfig,
    project: Project,
    lang: str,
    audience: str,
    site_name: str,
    own_search: bool = False,
) -> Labels:
    """Apply one site's name, palette and system fonts to ``config``; its templates' data go
    to ``config.extra.kb``. ``site_name`` is mkdocs.yml's (each site derives its own).
    ``own_search``: the site has its own search index (``kb build`` writes one for both
    sites); else only the help center has it and other sites keep Material's search."""
    settings = project.settings
    labels = all_labels(settings)
    docs = [p.name.split(".", 1)[0] for p in project.docs_dir.glob("*.md")]
    theme = site_theme(
        audience=audience,
        lang=lang,
        languages=settings.languages,
        default_language=settings.default_language,
        site_name=site_name,
        labels=labels[lang],
        all_labels=labels,
        contact=settings.contact,
        top_level=[*settings.content_dirs, *docs, "kb-health"],
        rep_colour=settings.rep_colour,
        rep_search_url=settings.rep_search_url,
    )
    config.site_name = theme.site_name
    config.theme["font"] = False  # system fonts: no request to a font host
    if theme.palette:
        config.theme["palette"] = theme.palette
    config.extra["kb"] = theme.extra
    # The "Was this helpful?" widget (templates/partials/kb-feedback.html); None: none.
    config.extra["kb_feedback"] = widget_config(settings, audience, lang)
    # The sites `kb build` writes search with their own index (sites/client_search): at
    # 10,000 pages Material's is one 63 MB file that each page load fetches and indexes
    # (22 s before a rep saw a result). The owners' preview of the rep site keeps Material's.
    # The header partial shows ours when `kb_search` is set.
    ours = own_search or audience == "public"
    config.extra["kb_search"] = search_box(lang) if ours else None
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if search is not None:
        search.config.enabled = not ours  # type: ignore[attr-defined]
    return labels[lang]
