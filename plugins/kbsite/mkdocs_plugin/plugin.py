"""Event handlers of the ``kb`` plugin; the logic lives in the engine modules they call."""

from __future__ import annotations

import json
import logging
import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkDocsPage

from kbsite.dates import DateError, resolve_today
from kbsite.knowledge import KnowledgeBase, load_kb
from kbsite.mkdocs_plugin.config import KBConfig
from kbsite.pages import Page
from kbsite.project import Project
from kbsite.review.health import health_data, health_markdown
from kbsite.review.staleness import Flag, compute_flags, flags_by_path
from kbsite.settings import Settings, SettingsError
from kbsite.sites import languages as i18n
from kbsite.sites.banners import render_banners, render_review_footer
from kbsite.sites.feedback import WIDGET_ASSETS, widget_config
from kbsite.sites.links import rewrite_links
from kbsite.sites.navigation import TYPE_DIR, TYPE_PAGES, folder_title, generate_index_pages
from kbsite.sites.procedures import tiers_html
from kbsite.sites.visibility import internal_visible, page_head_tags, public_visible

log = get_plugin_logger("kb")

_EMPTY_FRONT_MATTER = "---\n{}\n---\n"
HEALTH_PAGE = "kb-health.md"
HEALTH_JSON = "kb-health.json"
_HREFLANG = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class KBPlugin(BasePlugin[KBConfig]):
    """Validates KB metadata and mounts ``kb/`` and ``policies/`` into the site."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.project: Project | None = None
        self.preloaded: tuple[KnowledgeBase, list[Flag]] | None = None  # set by `kb build`
        self.kb: KnowledgeBase | None = None
        self.flags: dict[str, list[Flag]] = {}
        self.all_flags: list[Flag] = []
        self.site: i18n.LanguageSite | None = None
        self.mounted: dict[str, Page] = {}  # served path (src_uri) -> KB page
        self.serving = False

    # -- configuration --------------------------------------------------------------------

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
        root = Path(config.config_file_path).parent
        self.project = Project(
            root, Path(config.config_file_path), settings, Path(config.docs_dir), config.site_name
        )
        if self.config.navigation and not config.nav:
            config.nav = self._nav(config)
            # Pages are reached through the generated category pages, not the sidebar.
            config.validation.nav.omitted_files = logging.DEBUG
        if not self.preview:  # our language selector partial, ahead of the theme's own
            config.theme.dirs.insert(0, str(TEMPLATES))
            # The "Was this helpful?" widget (templates/partials/kb-feedback.html).
            config.extra["kb_feedback"] = widget_config(
                settings, self.config.audience, self.language
            )
        return config

    @property
    def public(self) -> bool:
        return self.config.audience == "public"

    @property
    def language(self) -> str:
        assert self.project is not None
        return self.config.language or self.project.settings.default_language

    @property
    def preview(self) -> bool:
        """No language given: every page is served at its own path (translations too)."""
        return self.config.language is None

    def _nav(self, config: MkDocsConfig) -> list[Any]:
        assert self.project is not None
        docs = sorted(
            p.relative_to(self.project.docs_dir).as_posix()
            for p in self.project.docs_dir.glob("*.md")
        )
        guides = [d for d in docs if d.count(".") == 1 and d != "index.md"]
        nav: list[Any] = ["index.md"] if "index.md" in docs else []
        nav += [
            {folder_title(d): f"{d}/index.md"}
            for d in self.project.settings.content_dirs
            if (self.project.root / d).is_dir()
        ]
        nav.append({"Browse": [{title: f"{TYPE_DIR}/{t}.md"} for t, title in TYPE_PAGES.items()]})
        nav += guides
        if not self.public and (
            self.preview or self.language == self.project.settings.default_language
        ):
            nav.append({"Content health": HEALTH_PAGE})
        return nav

    # -- files ----------------------------------------------------------------------------

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.project is not None  # set in on_config, which MkDocs always runs first
        kb, flags = self.preloaded or self._load()
        self.kb, self.all_flags, self.flags = kb, flags, flags_by_path(flags)
        failing = [f for f in flags if f.state in self.project.settings.fail_on]
        if failing:
            lines = "\n".join(f"  {f.path}: {f.state}: {f.reason}" for f in failing)
            raise PluginError(f"kb: pages in a state listed in fail_on:\n{lines}")
        visible = public_visible if self.public else internal_visible
        if self.preview:
            drafts = self.serving and not self.public
            pages = {
                p.path: p
                for p in kb.pages
                if visible(p, kb.today) or (drafts and p.parsed and p.meta.status == "draft")
            }
            self.site = i18n.LanguageSite(self.language, self.language, pages, {})
        else:
            self.site = i18n.plan_language_site(
                kb.pages, self.language, self.project.settings.default_language, visible, kb.today
            )
        self.mounted = dict(self.site.pages)
        if config.extra.get("kb_feedback") is None:  # no widget: none of its assets either
            for file in [f for f in files if f.src_uri.startswith(WIDGET_ASSETS)]:
                files.remove(file)
        self._localize_docs(files)
        self._mount(files, config)
        return files

    def _load(self) -> tuple[KnowledgeBase, list[Flag]]:
        assert self.project is not None
        try:
            today = resolve_today()
        except DateError as exc:
            raise PluginError(f"kb: {exc}") from None
        kb = load_kb(self.project, today)
        for problem in kb.warnings:
            log.warning(problem.format())
        if kb.errors:
            lines = "\n".join(f"  {p.format()}" for p in kb.errors)
            count = len(kb.errors)
            raise PluginError(f"kb check found {count} error{'s' * (count != 1)}:\n{lines}")
        return kb, compute_flags(kb)

    def _localize_docs(self, files: Files) -> None:
        """Hand-written docs pages: keep this language's version (``index.it.md``), else the
        default one, and drop other languages' versions."""
        assert self.project is not None and self.site is not None
        languages = self.project.settings.languages
        for file in list(files.documentation_pages()):
            stem, _, ext = file.src_uri.rpartition(".")
            base, _, suffix = stem.rpartition(".")
            if not base or suffix not in languages:
                continue
            files.remove(file)
            original = files.get_file_from_path(f"{base}.{ext}")
            if not self.preview and suffix == self.language and original is not None:
                original.abs_src_path = file.abs_src_path  # serve the translation at its path

    def _mount(self, files: Files, config: MkDocsConfig) -> None:
        """Add this site's content pages, their assets, and the generated index pages."""
        assert self.kb is not None and self.project is not None and self.site is not None
        root = self.project.root
        for uri, page in sorted(self.mounted.items()):
            file = File(uri, str(root), config.site_dir, config.use_directory_urls)
            file.abs_src_path = str(root / page.path)
            if files.get_file_from_path(uri) is None:
                files.append(file)
        content_pages = {p.path for p in self.kb.pages}
        owners_file = self.project.settings.owners_file
        for folder in self.project.settings.content_dirs:
            for path in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else []:
                rel = path.relative_to(root).as_posix()
                if (
                    path.is_dir()
                    or path.suffix == ".md"
                    or any(part.startswith(".") for part in path.relative_to(root).parts)
                    or rel == owners_file
                    or rel in content_pages
                ):
                    continue
                files.append(File(rel, str(root), config.site_dir, config.use_directory_urls))
        if not self.config.navigation:
            return
        existing = {f.src_uri for f in files}
        generated = generate_index_pages(
            self.mounted,
            self.site.fallback,
            self._fallback_url_from_root,
            self.project.settings.content_dirs,
            existing,
            fallback_note=i18n.language_name(self.project.settings.default_language),
        )
        if not self.public and HEALTH_PAGE in str(config.nav):
            generated[HEALTH_PAGE] = health_markdown(
                health_data(self.kb, self.all_flags), self._health_url
            )
        for uri, markdown in generated.items():
            if uri not in existing:
                files.append(File.generated(config, uri, content=markdown))

    # -- URLs across language sites -------------------------------------------------------

    def _site_url(self, page: Page) -> str:
        """URL of a page from the audience root (the default-language site's root)."""
        assert self.project is not None
        if self.preview:
            return i18n.url_of(page.path)
        prefix = "" if page.lang == self.project.settings.default_language else f"{page.lang}/"
        return prefix + i18n.url_of(i18n.source_uri(page))

    def _fallback_url_from_root(self, uri: str) -> str:
        """Link target, relative to this site's root, of a default-language fallback page."""
        assert self.site is not None
        up = "../" * self.site.prefix.count("/")
        return f"{up}{i18n.url_of(uri)}?{i18n.FALLBACK_PARAM}={self.language}"

    def _health_url(self, path: str) -> str:
        assert self.kb is not None
        page = self.kb.by_path.get(path)
        if (
            page is not None
            and i18n.source_uri(page) in self.mounted
            and (self.preview or not page.is_translation)
        ):
            return path if self.preview else i18n.source_uri(page)
        return self._site_url(page) if page is not None else path

    def _resolve_link(self, page: Page) -> Any:
        """A link resolver for ``page`` in this language site (see kbsite.sites.links)."""
        assert self.kb is not None and self.site is not None
        kb, site, lang = self.kb, self.site, self.language
        here = site.prefix + i18n.url_of(i18n.source_uri(page) if not self.preview else page.path)
        visible = public_visible if self.public else internal_visible

        def resolve(path: str, anchor: str | None) -> str | None:
            target = kb.by_path.get(path)
            if target is None:
                return _relative(path, anchor)  # docs pages and assets: MkDocs checks them
            source = kb.by_path.get(target.source_path or "", target)
            if self.preview:
                return _relative(path, anchor) if path in self.mounted else None
            candidates = [kb.translations_of(source).get(lang), source, target]
            for candidate in candidates:
                if candidate is None or not visible(candidate, kb.today):
                    continue
                uri = i18n.source_uri(candidate)
                if self.mounted.get(uri) is candidate:
                    return _relative(uri, anchor)
                url = self._site_url(candidate)
                query = f"?{i18n.FALLBACK_PARAM}={lang}" if candidate.lang != lang else ""
                frag = f"#{anchor}" if anchor and candidate is target else ""
                return i18n.relative_url(here, url) + query + frag
            return None

        def _relative(uri: str, anchor: str | None = None) -> str:
            served = page.path if self.preview else i18n.source_uri(page)
            rel = posixpath.relpath(uri, posixpath.dirname(served))
            return rel + (f"#{anchor}" if anchor else "")

        return resolve

    # -- pages ----------------------------------------------------------------------------

    def on_page_read_source(self, /, *, page: MkDocsPage, config: MkDocsConfig) -> str | None:
        kb_page = self.mounted.get(page.file.src_uri)
        if kb_page is None:
            return None
        # Our own parse of the front matter is the one that counts; MkDocs gets the body only.
        return _EMPTY_FRONT_MATTER + kb_page.body

    def on_page_markdown(
        self, markdown: str, /, *, page: MkDocsPage, config: MkDocsConfig, files: Files
    ) -> str:
        kb_page = self.mounted.get(page.file.src_uri)
        if kb_page is None or self.kb is None:
            return markdown
        page.meta = {**page.meta, "title": kb_page.meta.title}
        rewrite = rewrite_links(markdown, kb_page.path, self._resolve_link(kb_page))
        for line, target in rewrite.dropped:
            where = f"{kb_page.path}:{kb_page.body_line + line - 1}"
            audience = self.config.audience
            log.warning(
                f"{where}: link to `{target}` shown as plain text: the page is not on "
                f"the {audience} site"
            )
        internal = not self.public
        parts = [
            render_banners(
                self.flags.get(kb_page.path, []), self.kb.owners, self.config.audience, kb_page.lang
            ),
            tiers_html(kb_page, self.kb.owners, show_contacts=internal),
            self._fallback_notice(kb_page),
            rewrite.markdown,
        ]
        if internal:
            parts.append("\n\n" + render_review_footer(kb_page, self.kb.owners))
        return "\n\n".join(part for part in parts if part)

    def _fallback_notice(self, page: Page) -> str:
        """Hidden notice on a default-language page, shown when reached from another language."""
        assert self.project is not None
        if self.preview or page.lang != self.project.settings.default_language:
            return ""
        notices = {
            lang: i18n.FALLBACK_NOTICE.get(lang, i18n.FALLBACK_NOTICE["en"])
            for lang in self.project.settings.languages
        }
        data = json.dumps(notices, ensure_ascii=False).replace("'", "&#39;")
        return (
            f"<div class=\"admonition info kb-fallback\" hidden data-kb-notices='{data}'>"
            '<p class="admonition-title">Translation</p><p class="kb-fallback-text"></p></div>'
            "<script>(function(){var l=new URLSearchParams(location.search).get("
            f"'{i18n.FALLBACK_PARAM}');var d=document.currentScript.previousElementSibling;"
            "var n=JSON.parse(d.dataset.kbNotices);if(l&&n[l]){d.querySelector("
            "'.kb-fallback-text').textContent=n[l];d.hidden=false;d.lang=l;}})();</script>"
        )

    def on_page_context(
        self, context: dict[str, Any], /, *, page: MkDocsPage, config: MkDocsConfig, nav: Navigation
    ) -> dict[str, Any]:
        if not self.preview:
            config.extra["alternate"] = self._alternates(page)
        return context

    def _alternates(self, page: MkDocsPage) -> list[dict[str, str]]:
        """The language switcher: this page in every language that has it, else that home."""
        assert self.kb is not None and self.project is not None and self.site is not None
        settings = self.project.settings
        kb_page = self.mounted.get(page.file.src_uri)
        source = None
        if kb_page is not None:
            source = self.kb.by_path.get(kb_page.source_path or "", kb_page)
        here = self.site.prefix + page.url
        visible = public_visible if self.public else internal_visible
        links = []
        for lang in settings.languages:
            prefix = "" if lang == settings.default_language else f"{lang}/"
            target = ""
            if source is not None:
                version = (
                    source if lang == source.lang else self.kb.translations_of(source).get(lang)
                )
                if version is not None and visible(version, self.kb.today):
                    target = i18n.url_of(i18n.source_uri(version))
            else:  # hand-written and generated pages exist in every language site
                target = page.url
            link = i18n.relative_url(here, f"{prefix}{target}")
            links.append({"name": i18n.language_name(lang), "lang": lang, "link": link})
        return links

    def on_post_page(self, output: str, /, *, page: MkDocsPage, config: MkDocsConfig) -> str:
        if not self.preview:
            # Material's script treats each <link rel=alternate> as a language root and turns
            # any click on a link below it into a language switch; our selector links each
            # page to its translations directly, so these head links are left out.
            output = _HREFLANG.sub("", output)
        kb_page = self.mounted.get(page.file.src_uri)
        if kb_page is None:
            return output
        return output.replace("</head>", page_head_tags(kb_page) + "</head>", 1)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.kb is None or self.public or HEALTH_PAGE not in str(config.nav):
            return
        data = health_data(self.kb, self.all_flags)
        path = Path(config.site_dir) / HEALTH_JSON
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        assert self.project is not None
        for folder in self.project.settings.content_dirs:
            if (self.project.root / folder).is_dir():
                server.watch(str(self.project.root / folder))
        return server
