"""Event handlers of the ``kb`` plugin: `mkdocs build` / `mkdocs serve` as the owners' preview.

The site is planned by the engine (``kbsite.sites.plan``): which pages it shows, each page's
content with its links, banners and notices, the navigation. The handlers hand that plan to
MkDocs; no page body is parsed twice (each comes from the page model, cached by content).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkDocsPage
from mkdocs.structure.toc import get_toc

from kbsite.dates import DateError, resolve_today
from kbsite.knowledge import load_kb
from kbsite.markdown.cache import ModelCache
from kbsite.mkdocs_plugin.config import KBConfig
from kbsite.mkdocs_plugin.presentation import configure_site
from kbsite.mkdocs_plugin.render import finish, theme_overrides
from kbsite.project import CACHE_DIR, Project, ProjectError, load_project
from kbsite.reading.docs import read_docs
from kbsite.review.staleness import compute_flags, fail_on_message
from kbsite.settings import Settings, SettingsError
from kbsite.sites.feedback import WIDGET_ASSETS
from kbsite.sites.plan import (
    HEALTH_JSON,
    BuildInputs,
    PlannedPage,
    SitePlan,
    SiteSpec,
    plan_site,
)
from kbsite.sites.translations import LabelsError

log = get_plugin_logger("kb")


class KBPlugin(BasePlugin[KBConfig]):
    """Validates KB metadata and mounts ``kb/`` and ``policies/`` into the site."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.project: Project | None = None
        self.plan: SitePlan | None = None
        self.models: ModelCache | None = None
        self.planned: dict[str, PlannedPage] = {}
        self.serving = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # `mkdocs serve` is the owners' preview: it shows drafts too; a build never does.
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            settings = Settings.from_options(dict(self.config))
        except SettingsError as exc:
            raise PluginError(f"kb: {exc}") from None
        language = self.config.language
        if language is not None and language not in settings.languages:
            raise PluginError(f"kb: language `{language}` is not one of {list(settings.languages)}")
        try:
            loaded = load_project(Path(config.config_file_path))
        except ProjectError as exc:  # the same config MkDocs read: report, never a traceback
            raise PluginError(f"kb: {exc}") from None
        self.project = dataclasses.replace(
            loaded, settings=settings, docs_dir=Path(config.docs_dir), site_name=config.site_name
        )
        theme_overrides(config)
        lang = self.config.language or settings.default_language
        try:
            configure_site(config, self.project, lang, self.config.audience, config.site_name)
        except LabelsError as exc:
            raise PluginError(f"kb: {exc}") from None
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.project is not None  # set in on_config, which MkDocs always runs first
        try:
            today = resolve_today()
        except DateError as exc:
            raise PluginError(f"kb: {exc}") from None
        kb = load_kb(self.project, today)
        for problem in kb.warnings:
            log.warning(problem.format())
        if kb.errors and not self.serving:
            lines = "\n".join(f"  {p.format()}" for p in kb.errors)
            count = len(kb.errors)
            raise PluginError(f"kb check found {count} error{'s' * (count != 1)}:\n{lines}")
        for problem in kb.errors:  # the preview keeps serving; each page shows its problems
            log.warning(problem.format())
        flags = compute_flags(kb)
        stop = fail_on_message(flags, self.project.settings.fail_on)
        if stop:
            raise PluginError(f"kb: {stop}")
        self.models = kb.models or ModelCache(self.project.markdown, self.project.root / CACHE_DIR)
        spec = SiteSpec(
            self.config.audience, self.config.language, drafts=self.serving, problems=self.serving
        )
        self.plan = plan_site(BuildInputs(kb, flags, read_docs(self.project), self.models), spec)
        for warning in self.plan.warnings:
            log.warning(warning)
        self.planned = {page.uri: page for page in self.plan.pages}
        return self._files(files, config)

    def _files(self, files: Files, config: MkDocsConfig) -> Files:
        """The plan's pages and files instead of docs/ as MkDocs found it."""
        assert self.plan is not None and self.project is not None
        docs = Path(config.docs_dir).resolve()
        widget = config.extra.get("kb_feedback") is not None  # else none of its assets either
        kept = Files(
            [
                f
                for f in files
                if Path(f.src_dir or "").resolve() != docs
                and (widget or not f.src_uri.startswith(WIDGET_ASSETS))
            ]
        )
        root = str(self.project.root)
        for uri in sorted(self.planned):
            kept.append(File.generated(config, uri, content=""))
        for uri, source in sorted(self.plan.files.items()):
            file = File(uri, root, config.site_dir, config.use_directory_urls)
            file.abs_src_path = str(source)
            kept.append(file)
        if self.config.navigation and not config.nav:
            config.nav = self.plan.nav
        return kept

    def on_page_read_source(self, /, *, page: MkDocsPage, config: MkDocsConfig) -> str | None:
        return "" if page.file.src_uri in self.planned else None  # the plan has the content

    def on_page_content(
        self, html: str, /, *, page: MkDocsPage, config: MkDocsConfig, files: Files
    ) -> str | None:
        planned = self.planned.get(page.file.src_uri)
        if planned is None or self.models is None:
            return html
        page.meta = dict(planned.meta)
        content, toc = planned.content(self.models)
        page.toc = get_toc(list(toc))
        return content

    def on_page_context(
        self, context: dict[str, Any], /, *, page: MkDocsPage, config: MkDocsConfig, nav: Navigation
    ) -> dict[str, Any]:
        planned = self.planned.get(page.file.src_uri)
        if planned is not None and planned.alternates:
            config.extra["alternate"] = planned.alternates
        return context

    def on_post_page(self, output: str, /, *, page: MkDocsPage, config: MkDocsConfig) -> str:
        planned = self.planned.get(page.file.src_uri)
        head = planned.head if planned is not None else ""
        return finish(output, head, language_sites=self.config.language is not None)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.models is not None:
            self.models.save()
        if self.plan is None or self.plan.health is None:
            return
        path = Path(config.site_dir) / HEALTH_JSON
        path.write_text(self.plan.health, "utf-8")

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        assert self.project is not None
        for folder in self.project.settings.content_dirs:
            if (self.project.root / folder).is_dir():
                server.watch(str(self.project.root / folder))
        return server
