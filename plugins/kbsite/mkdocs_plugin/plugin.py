"""Event handlers of the ``kb`` plugin; all logic lives in the engine modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkDocsPage

from kbsite.dates import DateError, resolve_today
from kbsite.knowledge import KnowledgeBase, load_kb
from kbsite.mkdocs_plugin.config import KBConfig
from kbsite.project import Project
from kbsite.settings import Settings, SettingsError
from kbsite.site_pages import internal_visible, page_head_tags, public_visible

log = get_plugin_logger("kb")

_EMPTY_FRONT_MATTER = "---\n{}\n---\n"
_SKIP_FILES = (".meta.yml",)


class KBPlugin(BasePlugin[KBConfig]):
    """Validates KB metadata and mounts ``kb/`` and ``policies/`` into the site."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.kb: KnowledgeBase | None = None
        self.project: Project | None = None
        self.serving = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # `mkdocs serve` is the owners' preview: it shows drafts too, a build never does.
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            settings = Settings.from_options(dict(self.config))
        except SettingsError as exc:
            raise PluginError(f"kb: {exc}") from None
        root = Path(config.config_file_path).parent
        self.project = Project(
            root, Path(config.config_file_path), settings, Path(config.docs_dir), config.site_name
        )
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.project is not None  # set in on_config, which MkDocs always runs first
        try:
            today = resolve_today()
        except DateError as exc:
            raise PluginError(f"kb: {exc}") from None
        self.kb = kb = load_kb(self.project, today)
        for problem in kb.warnings:
            log.warning(problem.format())
        if kb.errors:
            lines = "\n".join(f"  {p.format()}" for p in kb.errors)
            count = len(kb.errors)
            raise PluginError(f"kb check found {count} error{'s' * (count != 1)}:\n{lines}")
        self._mount(files, config)
        return files

    def _mount(self, files: Files, config: MkDocsConfig) -> None:
        """Add content pages (and their images and other assets) to the site's files."""
        assert self.kb is not None and self.project is not None
        kb, root = self.kb, self.project.root
        public = self.project.settings.audience == "public"
        visible = public_visible if public else internal_visible
        pages = {page.path: page for page in kb.pages}
        for folder in self.project.settings.content_dirs:
            top = root / folder
            if not top.is_dir():
                continue
            for path in sorted(top.rglob("*")):
                rel = path.relative_to(root).as_posix()
                if (
                    path.is_dir()
                    or path.name in _SKIP_FILES
                    or rel == kb.project.settings.owners_file
                ):
                    continue
                page = pages.get(rel)
                preview = self.serving and not public and page is not None and page.parsed
                if (
                    page is not None
                    and not visible(page, kb.today)
                    and not (preview and page.meta.status == "draft")
                ):
                    continue
                if files.get_file_from_path(rel) is None:
                    files.append(File(rel, str(root), config.site_dir, config.use_directory_urls))

    def on_page_read_source(self, /, *, page: MkDocsPage, config: MkDocsConfig) -> str | None:
        kb_page = self._kb_page(page)
        if kb_page is None:
            return None
        # Our own parse of the front matter is the one that counts; MkDocs gets the body only.
        return _EMPTY_FRONT_MATTER + kb_page.body

    def on_page_markdown(
        self, markdown: str, /, *, page: MkDocsPage, config: MkDocsConfig, files: Files
    ) -> str:
        kb_page = self._kb_page(page)
        if kb_page is not None:
            page.meta = {**page.meta, "title": kb_page.meta.title, "kb": kb_page.meta}
        return markdown

    def on_post_page(self, output: str, /, *, page: MkDocsPage, config: MkDocsConfig) -> str:
        kb_page = self._kb_page(page)
        if kb_page is None:
            return output
        return output.replace("</head>", page_head_tags(kb_page) + "</head>", 1)

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        assert self.project is not None
        for folder in self.project.settings.content_dirs:
            if (self.project.root / folder).is_dir():
                server.watch(str(self.project.root / folder))
        return server

    def _kb_page(self, page: MkDocsPage) -> Any:
        if self.kb is None:
            return None
        return self.kb.by_path.get(page.file.src_uri)
