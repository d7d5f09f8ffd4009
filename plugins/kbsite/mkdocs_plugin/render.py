"""Pages of a planned site through the MkDocs theme (Material), one page at a time.

``kb build`` plans every site without MkDocs (``kbsite.sites.plan``) and asks this renderer only
for the pages whose inputs changed. It loads mkdocs.yml once per process, uses the theme's
Jinja environment and MkDocs' own page objects and template context, so a page comes out as
``mkdocs build`` would make it; no Markdown is parsed here (each body comes from the page
model, parsed once).
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import FileSystemBytecodeCache
from mkdocs.commands.build import get_context
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import ConfigurationError
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, get_navigation
from mkdocs.structure.pages import Page as MkDocsPage
from mkdocs.structure.toc import get_toc

from kbsite.markdown.cache import ModelCache
from kbsite.mkdocs_plugin.presentation import configure_site
from kbsite.project import CACHE_DIR, Project
from kbsite.sites.plan import PlannedPage, SitePlan

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_HREFLANG = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')


class RenderError(Exception):
    """The theme could not render a page (a config or template problem)."""


def theme_overrides(config: MkDocsConfig) -> None:
    """Our templates (language selector) ahead of the theme's own."""
    if str(TEMPLATES) not in config.theme.dirs:
        config.theme.dirs.insert(0, str(TEMPLATES))


def finish(output: str, head: str, language_sites: bool) -> str:
    """The last touches every page gets: our meta tags, and no head ``hreflang`` links.

    Material's script treats each ``<link rel=alternate hreflang>`` as a language root and turns
    any click on a link below it into a language switch; our selector links each page to its
    translations directly, so these head links are left out of language sites."""
    if language_sites:
        output = _HREFLANG.sub("", output)
    if head:
        output = output.replace("</head>", head + "</head>", 1)
    return output


class ThemeRenderer:
    """The theme of one project, switched from site to site."""

    def __init__(self, project: Project) -> None:
        os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
        self.project = project
        try:
            self.config: MkDocsConfig = load_config(str(project.config_file))
        except ConfigurationError as exc:
            raise RenderError(f"{project.config_file}: {exc}") from None
        theme_overrides(self.config)
        self.env = self.config.theme.get_env()
        # Compiling Material's templates costs ~1.5 s per process: keep the bytecode.
        cache = project.root / CACHE_DIR / "templates"
        try:
            cache.mkdir(parents=True, exist_ok=True)
            self.env.bytecode_cache = FileSystemBytecodeCache(str(cache))
        except OSError:
            pass  # a read-only project: compile in memory
        self.site_url = self.config.site_url
        self.site_name = self.config.site_name
        self.palette = copy.deepcopy(self.config.theme.get("palette"))
        self._nav: Navigation | None = None
        self._files: Files | None = None
        self._nav_pages: dict[str, MkDocsPage] = {}
        self._site_dir = ""

    # -- sites ----------------------------------------------------------------------------------

    def use(self, plan: SitePlan, site_dir: Path) -> None:
        """Render the pages of ``plan`` next (into ``site_dir``)."""
        config = self.config
        lang = plan.spec.lang or self.project.settings.default_language
        config.theme["language"] = lang
        config.theme["palette"] = copy.deepcopy(self.palette)
        configure_site(
            config, self.project, lang, plan.spec.audience, self.site_name, own_search=True
        )
        config.site_url = self.site_url
        if self.site_url and plan.prefix:
            config.site_url = self.site_url.rstrip("/") + f"/{plan.prefix}"
        config.site_dir = str(site_dir)
        self._site_dir = str(site_dir)
        config.nav = plan.nav
        titles = {page.uri: page for page in plan.pages}
        files = Files([self._file(uri) for uri in _nav_uris(plan.nav) if uri in titles])
        self._nav = get_navigation(files, config)
        self._files = files
        self._nav_pages = {}
        for file in files:
            if file.page is not None:
                planned = titles[file.src_uri]
                file.page.meta = dict(planned.meta)
                file.page.markdown = ""  # MkDocs gives a page without Markdown no title
                self._nav_pages[file.src_uri] = file.page
        config.extra["alternate"] = []

    def _file(self, uri: str) -> File:
        return File(uri, str(self.project.root), self._site_dir, self.config.use_directory_urls)

    def dest(self, uri: str) -> str:
        """Where a page's HTML goes, relative to the site folder."""
        return self._file(uri).dest_uri

    def render(self, planned: PlannedPage, models: ModelCache, language_sites: bool) -> bytes:
        """The HTML of one page, as ``mkdocs build`` writes it."""
        assert self._nav is not None and self._files is not None
        config = self.config
        page = self._nav_pages.get(planned.uri)
        if page is None:
            page = MkDocsPage(None, self._file(planned.uri), config)
        page.meta = dict(planned.meta)
        page.markdown = ""  # the body comes from the page model, already rendered
        content, toc = planned.content(models)
        page.content = content
        page.toc = get_toc(list(toc))
        config.extra["alternate"] = planned.alternates
        config._current_page = page
        page.active = True
        try:
            context = get_context(self._nav, self._files, config, page)
            template = self.env.get_template(page.meta.get("template", "main.html"))
            output = template.render(context)
        except Exception as exc:  # a template error names the page, never a traceback
            raise RenderError(f"{planned.uri}: the theme could not render it: {exc}") from None
        finally:
            page.active = False
            config._current_page = None
        return finish(output, planned.head, language_sites).encode("utf-8", "xmlcharrefreplace")

    def render_404(self) -> bytes:
        """The theme's 404 page for the current site."""
        assert self._nav is not None and self._files is not None
        config = self.config
        config.extra["alternate"] = []
        base_url = urlsplit(config.site_url or "/").path
        context = get_context(self._nav, self._files, config, base_url=base_url)
        output = self.env.get_template("404.html").render(context)
        return output.encode("utf-8", "xmlcharrefreplace")

    def static_files(self) -> list[tuple[str, Path]]:
        """The theme's static files (CSS, JavaScript, images), as MkDocs copies them."""
        files = Files([])
        files.add_files_from_theme(self.env, self.config)
        return [(f.dest_uri, Path(f.abs_src_path)) for f in files if f.abs_src_path]


def _nav_uris(nav: list[Any]) -> list[str]:
    """Every page path the nav names."""
    found: list[str] = []
    for item in nav:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                found.extend(_nav_uris(value) if isinstance(value, list) else [value])
    return found
