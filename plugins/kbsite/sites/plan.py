"""What one site shows: its pages with their final content, its navigation, its files.

A site is an audience (the public help center or the internal rep site) in one language, or
the owners' preview (every language at its own path). The plan decides everything a page of
the site depends on (which pages are shown, where each link goes, banners, the language
switcher) from the loaded KB, without MkDocs; the MkDocs plugin and ``kb build`` only hand the
result to the theme. Each planned page has a ``key``: a digest of every input of its output
page, so a build renders again exactly the pages whose key changed.

Files follow the pages: an attachment of a content folder, or a file of ``docs/``, reaches a
site only when a page that site shows uses it (or the config names it: ``extra_css``, logo).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbsite.knowledge import KnowledgeBase
from kbsite.markdown.cache import ModelCache
from kbsite.markdown.model import BodyLink, fill_slots
from kbsite.markdown.targets import split_target
from kbsite.pages import Link, Page
from kbsite.project import Project
from kbsite.reading.docs import DocPage, Docs
from kbsite.review.health import HEALTH_TITLE, health_data, health_html
from kbsite.review.staleness import Flag, flags_by_path
from kbsite.sites import languages as i18n
from kbsite.sites.banners import render_banners, render_review_footer
from kbsite.sites.desk import answer_box_html
from kbsite.sites.history import server_link, version_history_html
from kbsite.sites.layout import under_title
from kbsite.sites.navigation import (
    Entry,
    Generated,
    folder_title,
    generate_index_pages,
    site_nav,
)
from kbsite.sites.preview import problems_html
from kbsite.sites.procedures import tiers_html
from kbsite.sites.text import html_text, with_html_title
from kbsite.sites.translations import all_labels
from kbsite.sites.visibility import internal_visible, page_head_tags, public_visible
from kbsite.versions import Versions

HEALTH_PAGE = "kb-health.md"
HEALTH_JSON = "kb-health.json"
HOME = "index.md"
CONTENT_LANG = "kb_content_lang"  # meta of a page shown in another language than its site's


def health_json(health: dict[str, Any]) -> str:
    """``kb-health.json``: compact, so json uses its C encoder (indented, its Python one took
    ~40 ms at 1,000 pages)."""
    return json.dumps(health, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class SiteSpec:
    """Which site: an audience in one language, or the preview (``lang`` None)."""

    audience: str
    lang: str | None = None
    drafts: bool = False  # the preview while serving shows drafts too
    problems: bool = False  # the preview shows each page's problems at its top (and a count)

    @property
    def public(self) -> bool:
        return self.audience == "public"

    @property
    def name(self) -> str:
        return f"{self.audience}/{self.lang or 'preview'}"


@dataclass
class BuildInputs:
    """What every site of one build shares: the KB, its review flags, docs/, page models."""

    kb: KnowledgeBase
    flags: list[Flag]
    docs: Docs
    models: ModelCache
    by_flag: dict[str, list[Flag]] = field(init=False)
    kb_files: frozenset[str] = field(init=False)
    docs_files: frozenset[str] = field(init=False)

    versions: Versions = field(init=False)  # chains of versions (`supersedes`)
    by_url: dict[str, Page] = field(init=False)  # source pages by URL path (raw-HTML links)
    folders: frozenset[str] = field(init=False)  # content folders with pages
    _own_text: dict[str, bytes] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.by_flag = flags_by_path(self.flags)
        self.versions = Versions(self.kb.pages)
        self.kb_files = frozenset(self.kb.files)
        self.docs_files = frozenset(self.docs.files)
        self.by_url = {
            i18n.url_of(p.path).rstrip("/"): p for p in self.kb.pages if not p.source_path
        }
        folders = set()
        for page in self.kb.pages:
            folder = posixpath.dirname(page.path)
            while folder and folder not in folders:
                folders.add(folder)
                folder = posixpath.dirname(folder)
        self.folders = frozenset(folders)

    @functools.cached_property
    def world(self) -> str:
        """A digest of everything a site's plan reads besides each page's own file and flags:
        every page's place and front matter but its title, the owners, the files, ``docs/``,
        today, the problems. While it is unchanged, a page whose file, flags and titles shown
        (``page_input``) are unchanged plans exactly as before (``PlanMemo``). The config,
        the code and the theme are the caller's (``base_digest``).

        Titles are apart (``titles``) because a title edit is common and few pages show other
        pages' titles: category pages, which are made again when ``titles`` changes, and the
        version history, whose titles are in its page's ``page_input``."""
        kb, docs, project = self.kb, self.docs, self.kb.project
        digest = hashlib.blake2b(digest_size=16)
        parts: list[object] = [kb.today, sorted(kb.owners.items()), kb.files, docs.files]
        parts.append([(d.path, d.uri, d.lang, d.audience, d.meta, d.body) for d in docs.pages])
        parts.append([(name, (project.docs_dir / name).is_file()) for name in project.site_assets])
        parts.append(kb.problems)
        digest.update(repr(parts).encode("utf-8", "surrogatepass"))
        for page in kb.pages:
            place = (page.path, page.folder, page.lang, page.source_path, page.parsed)
            meta = dataclasses.replace(page.meta, title=None) if page.meta.title else page.meta
            state = repr((place, page.has_errors, meta))
            digest.update(state.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    @functools.cached_property
    def titles(self) -> str:
        """A digest of every page's title (what ``world`` leaves out)."""
        titles = [(page.path, page.meta.title) for page in self.kb.pages]
        return hashlib.blake2b(
            repr(titles).encode("utf-8", "surrogatepass"), digest_size=16
        ).hexdigest()

    def page_input(self, uri: str, page: Page) -> str:
        """A digest of what is a page's own in its plan: where it is served, its file, its
        review flags, its title and those of the other versions its history lists (the rest
        is ``world``)."""
        own = self._own_text.get(page.path)
        if own is None:  # a page is on several sites: what is its own is written out once
            chain = self.versions.chain(page.meta.id) if page.meta.id else []
            shown = (page.meta.title, [v.title for v in chain] if len(chain) > 1 else [])
            own = repr((self.by_flag.get(page.path, ()), shown)).encode("utf-8", "surrogatepass")
            self._own_text[page.path] = own
        digest = hashlib.blake2b(own, digest_size=16)
        digest.update(f"{uri}\x00{page.digest}".encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


@dataclass
class PlanMemo:
    """What one site's last plan computed, so that the next build plans again only the pages
    whose own inputs changed. Valid while ``world`` (``BuildInputs.world`` with the site's
    spec, config, code and theme) is the same: then every other page's key is the one stored
    for its input digest, with the warnings and files its links gave.

    Stored as JSON in the output store (``sites/output.py``); anything unexpected in it is a
    miss, never trusted."""

    world: str
    site: str  # the site digest the keys were made with
    titles: str  # BuildInputs.titles: the generated pages are reused while it is the same
    #: uri -> [input, key, warnings, files, help-center search digest]
    pages: dict[str, list[Any]] = field(default_factory=dict)
    generated: list[list[str]] = field(default_factory=list)  # [uri, title, key]
    generated_uris: list[str] = field(default_factory=list)
    health: list[str] | None = None  # [digest of kb-health.json, key]

    def to_json(self) -> str:
        return json.dumps(
            [
                self.world,
                self.site,
                self.titles,
                self.pages,
                self.generated,
                self.generated_uris,
                self.health,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> PlanMemo | None:
        try:
            world, site, titles, pages, generated, generated_uris, health = json.loads(text)
            memo = cls(str(world), str(site), str(titles), dict(pages))
            memo.generated, memo.generated_uris = list(generated), list(generated_uris)
            memo.health = list(health) if health else None
            for entry in memo.pages.values():
                key, warnings, files = entry[1], entry[2], entry[3]
                if not (isinstance(key, str) and isinstance(warnings, list)):
                    return None
                if len(entry) > 4 and not isinstance(entry[4], str | None):
                    return None
                if not all(isinstance(f, list) and len(f) == 2 for f in files):
                    return None
            for uri, title, key in memo.generated:
                if not (isinstance(uri, str) and isinstance(title, str) and isinstance(key, str)):
                    return None
        except (ValueError, TypeError, IndexError, AttributeError):
            return None
        return memo


@dataclass
class PlannedPage:
    """One output page: everything its HTML is made of, and where to find its body."""

    uri: str  # path in the site: kb/billing/refunds.md, index.md, browse/policy.md
    title: str
    kind: str  # "content", "docs" or "generated"
    meta: dict[str, Any]
    before: str = ""  # HTML above the body: banners, tiers, notices
    after: str = ""  # HTML below it: the review footer
    body: str | None = None  # Markdown body (rendered from the page model)
    public: bool = False  # the help center's rendering (without internal blocks)
    links: tuple[BodyLink, ...] = ()
    urls: dict[int, str | None] = field(default_factory=dict)
    generated: Generated | None = None  # a generated page: its key and how to make it
    head: str = ""
    alternates: list[dict[str, str]] = field(default_factory=list)
    source: Page | None = None
    input: str = ""  # content and health pages: the digest of their own inputs (PlanMemo)
    known_key: str | None = None  # planned by an earlier build: only its key is known
    warnings: list[str] = field(default_factory=list)  # what its links gave (PlanMemo)
    files: list[tuple[str, str]] = field(default_factory=list)  # files its links publish
    search_digest: str | None = None  # its help-center search document's (client_search)

    @property
    def stub(self) -> bool:
        """Known only by its key (its inputs are unchanged since the build that planned it)."""
        return self.known_key is not None

    def _planned(self) -> None:
        if self.stub:  # a stub has no body: ``SitePlan.full_page`` plans it in full
            raise RuntimeError(f"{self.uri} is known only by its key: plan it in full first")

    @property
    def url(self) -> str:
        return i18n.url_of(self.uri)

    def key(self, site_digest: str, body_key: Callable[[str], str]) -> str:
        """A digest of every input of this page's output (its body by the model's key)."""
        if self.known_key is not None:
            return self.known_key
        digest = hashlib.blake2b(digest_size=16)
        for part in (
            site_digest,
            self.uri,
            self.title,
            self.kind,
            repr(sorted(self.meta.items(), key=lambda item: str(item[0]))),
            self.before,
            self.after,
            body_key(self.body) if self.body is not None else "",
            "public" if self.public else "internal",
            repr(sorted(self.urls.items())),
            self.generated.key if self.generated else "",
            self.head,
            repr(self.alternates),
        ):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
        return digest.hexdigest()

    def content(self, models: ModelCache) -> tuple[str, tuple[Any, ...]]:
        """The page's content HTML and table of contents (tokens)."""
        self._planned()
        if self.body is None:
            body_html, toc = self.generated.make() if self.generated else ("", ())
        else:
            rendering = models.rendering(self.body)
            body_html = rendering.public_html if self.public else rendering.html
            toc = rendering.public_toc if self.public else rendering.toc
            body_html = fill_slots(body_html, self.links, self.urls)
        content = under_title(body_html, [self.before])
        return (f"{content}\n{self.after}" if self.after else content), toc

    def search_sections(self, models: ModelCache) -> list[tuple[str, str, str]]:
        """(heading, anchor, text) of each section the site's search may show."""
        self._planned()
        if self.body is None:
            return [("", "", "")]
        rendering = models.rendering(self.body)
        return [
            (s.heading, s.anchor, s.text)
            for s in rendering.sections
            if not (self.public and s.internal)
        ]


@dataclass
class SitePlan:
    project: Project
    spec: SiteSpec
    prefix: str  # the language's folder under the audience root ('' for the default)
    pages: list[PlannedPage]
    nav: list[Any]
    files: dict[str, Path]  # path in the site -> file to publish
    warnings: list[str]
    health: str | None = None  # kb-health.json of the rep site (``health_json``)
    world: str = ""  # PlanMemo.world of this plan
    titles: str = ""  # PlanMemo.titles of this plan
    generated_uris: list[str] = field(default_factory=list)
    replan: Callable[[], SitePlan] | None = None  # the full plan, when pages are stubs

    def full(self) -> SitePlan:
        """This plan with every page planned (stubs are known only by their key)."""
        if self.replan is None:
            return self
        if self._full is None:
            self._full = self.replan()
        return self._full

    def full_page(self, page: PlannedPage) -> PlannedPage:
        """The page itself, or for a stub the same page fully planned (to be rendered)."""
        if not page.stub:
            return page
        if self._by_uri is None:
            self._by_uri = {p.uri: p for p in self.full().pages}
        return self._by_uri[page.uri]

    _full: SitePlan | None = field(default=None, init=False, repr=False)
    _by_uri: dict[str, PlannedPage] | None = field(default=None, init=False, repr=False)

    @property
    def site_url(self) -> str:
        """The absolute address of this site's root (``site_url`` and the language folder)."""
        base = self.project.site_url.rstrip("/") + "/" if self.project.site_url else "/"
        return base + self.prefix


def plan_site(inputs: BuildInputs, spec: SiteSpec, memo: PlanMemo | None = None) -> SitePlan:
    return _Planner(inputs, spec).plan(memo)


class _Planner:
    def __init__(self, inputs: BuildInputs, spec: SiteSpec) -> None:
        self.inputs = inputs
        self.kb = inputs.kb
        self.spec = spec
        self.settings = self.kb.project.settings
        self.today = self.kb.today
        self.visible = public_visible if spec.public else internal_visible
        self.lang = spec.lang or self.settings.default_language
        self.preview = spec.lang is None
        self.labels = all_labels(self.settings)[self.lang]
        self.warnings: list[str] = []
        self.files: dict[str, Path] = {}
        if self.preview:
            shown = {
                p.path: p
                for p in self.kb.pages
                if self.visible(p, self.today)
                or (spec.drafts and p.parsed and p.meta.status == "draft")
            }
            self.site = i18n.LanguageSite(self.lang, self.lang, shown, {})
        else:
            self.site = i18n.plan_language_site(
                self.kb.pages,
                self.lang,
                self.settings.default_language,
                self.visible,
                self.today,
            )
        self.prefix = self.site.prefix
        self.mounted = dict(self.site.pages)
        self.docs = self._docs()
        self.generated_uris: set[str] = set()
        self._page_files: list[tuple[str, Path]] = []  # files the page being planned publishes

    # -- the plan ---------------------------------------------------------------------------

    def plan(self, memo: PlanMemo | None = None) -> SitePlan:
        """The site's plan. With ``memo`` (the last build's, same config and code), pages
        whose inputs are unchanged come back as stubs that know their key, and the generated
        pages too while nothing but page bodies and flags changed (``BuildInputs.world``)."""
        world = self.world()
        reuse = memo if memo is not None and memo.world == world else None
        generated: list[Generated] = []
        same_generated = reuse is not None and reuse.titles == self.inputs.titles
        if same_generated:
            self.generated_uris = set(reuse.generated_uris)
        else:
            entries = self._entries()
            generated = generate_index_pages(
                entries, self.settings.content_dirs, self.prefix, self.labels
            )
            self.generated_uris = {g.uri for g in generated}
        known = reuse.pages if reuse is not None else {}
        pages = []
        for uri, page in sorted(self.mounted.items()):
            page_input = self.inputs.page_input(uri, page)
            before = known.get(uri)
            if before is not None and before[0] == page_input:
                pages.append(self._stub(uri, page, page_input, before))
            else:
                pages.append(self._content(uri, page))
                pages[-1].input = page_input
        pages += [self._doc(uri, doc) for uri, doc in sorted(self.docs.items())]
        shadowed = set(self.docs) | set(self.mounted)
        if same_generated:
            pages += [
                PlannedPage(uri, title, "generated", {"title": title}, known_key=key)
                for uri, title, key in reuse.generated
                if uri not in shadowed
            ]
        else:
            pages += [
                PlannedPage(g.uri, g.title, "generated", {"title": g.title}, generated=g)
                for g in generated
                if g.uri not in shadowed
            ]
        health, health_text = None, None
        if self._has_health():
            health = health_data(self.kb, self.inputs.flags)
            health_text = health_json(health)
            digest = hashlib.blake2b(health_text.encode(), digest_size=16).hexdigest()
            if reuse is not None and reuse.health is not None and reuse.health[0] == digest:
                meta = {"title": HEALTH_TITLE}
                page = PlannedPage(HEALTH_PAGE, HEALTH_TITLE, "generated", meta)
                page.known_key, page.input = reuse.health[1], digest
                pages.append(page)
            else:
                pages.append(self._health(health))
                pages[-1].input = digest
        for name in self.kb.project.site_assets:
            path = self.kb.project.docs_dir / name
            if path.is_file():
                self.files.setdefault(posixpath.normpath(name), path)
        if not self.preview:
            for page in pages:
                if not page.stub:
                    page.alternates = self._alternates(page)
        return SitePlan(
            self.kb.project,
            self.spec,
            self.prefix,
            pages,
            self._nav(pages),
            self.files,
            self.warnings,
            health_text,
            world=world,
            titles=self.inputs.titles,
            generated_uris=sorted(self.generated_uris),
            replan=(lambda: _Planner(self.inputs, self.spec).plan()) if reuse else None,
        )

    def world(self) -> str:
        """``BuildInputs.world`` for this site."""
        return hashlib.blake2b(
            f"{self.inputs.world}\x00{self.spec}".encode(), digest_size=16
        ).hexdigest()

    def _stub(self, uri: str, page: Page, page_input: str, before: list[Any]) -> PlannedPage:
        """A content page planned by an earlier build: its key, and what its links gave."""
        key, warnings, files = before[1], before[2], before[3]
        stub = PlannedPage(
            uri,
            page.meta.title or uri,
            "content",
            {},
            public=self.spec.public,  # no body: a stub is rendered as ``SitePlan.full_page``
            source=page,
            input=page_input,
            known_key=key,
            warnings=list(warnings),
            files=[(rel, source) for rel, source in files],
            search_digest=before[4] if len(before) > 4 else None,
        )
        self.warnings.extend(stub.warnings)
        for rel, source in stub.files:
            self.files.setdefault(rel, Path(source))
        return stub

    def _has_health(self) -> bool:
        return not self.spec.public and (
            self.preview or self.lang == self.settings.default_language
        )

    # -- docs pages -------------------------------------------------------------------------

    def _docs(self) -> dict[str, DocPage]:
        """Hand-written pages of this site: this language's version, else the default's."""
        chosen: dict[str, DocPage] = {}
        default = self.settings.default_language
        for doc in self.inputs.docs.pages:
            if self.spec.public and doc.audience != "public":
                continue
            if doc.lang == self.lang or (doc.lang == default and doc.uri not in chosen):
                if self.preview and doc.lang != default:
                    continue
                chosen[doc.uri] = doc
        return chosen

    def _doc(self, uri: str, doc: DocPage) -> PlannedPage:
        outline = self.inputs.models.outlines([doc.body])[0]
        links = []
        for raw in outline.links:
            resolved = split_target(raw.target, uri)
            if resolved is not None:
                path, anchor = resolved
                links.append(
                    Link(
                        raw.target,
                        path,
                        anchor,
                        doc.body_line + raw.line - 1,
                        raw.kind,
                        raw.slot,
                        raw.internal,
                    )
                )
        title = doc.title or _first_heading(outline) or folder_title(posixpath.splitext(uri)[0])
        meta = with_html_title(doc.meta, title)
        if doc.lang != self.lang:  # not translated: the theme marks its text as in doc.lang
            meta = {**meta, CONTENT_LANG: doc.lang}
        planned = PlannedPage(
            uri, title, "docs", meta, body=doc.body, public=self.spec.public, links=outline.links
        )
        if uri == HOME and self.spec.problems and self.kb.problems:
            # The preview's home page counts the KB's problems and lists them by file.
            planned.before = problems_html(self.kb.problems, self.labels, summary=True)
        planned.urls = self._urls(uri, doc.path, tuple(links))
        return planned

    # -- content pages ----------------------------------------------------------------------

    def _content(self, uri: str, page: Page) -> PlannedPage:
        title = page.meta.title or uri
        internal = not self.spec.public
        owners = self.kb.owners
        flags = self.inputs.by_flag.get(page.path, [])
        before = [
            self._draft_badge(page),
            self._problems_box(page.path),
            answer_box_html(page, public=self.spec.public),  # the short answer a rep reads out
            render_banners(
                flags,
                owners,
                self.spec.audience,
                page.lang,
                page_type=page.meta.type,
                original_url=self._original_url(uri, page),
                labels=self.labels,
            ),
            tiers_html(page, owners, show_contacts=internal, labels=self.labels),
        ]
        after = ""
        if internal:
            default = self.settings.default_language
            history = version_history_html(
                page,
                self.inputs.versions,
                self.today,
                lambda version: server_link(version, page.lang, default),
            )
            after = history + render_review_footer(page, owners, self.labels)
        outline = page.outline
        planned = PlannedPage(
            uri,
            title,
            "content",
            with_html_title({}, title),
            before="\n\n".join(part for part in before if part),
            after=after,
            body=page.body,
            public=self.spec.public,
            links=outline.links if outline else (),
            head=page_head_tags(page),
            source=page,
        )
        warnings, self._page_files = len(self.warnings), []
        planned.urls = self._urls(uri, page.path, page.links)
        planned.warnings = self.warnings[warnings:]
        planned.files = [(rel, str(path)) for rel, path in self._page_files]
        return planned

    def _draft_badge(self, page: Page) -> str:
        """In the preview, a draft says so (it never reaches a built site)."""
        if not self.spec.drafts or page.meta.status != "draft":
            return ""
        label = html_text(self.labels("preview.draft"))
        return f'<p class="kb-draft"><span class="kb-badge">{label}</span></p>'

    def _problems_box(self, path: str) -> str:
        """In the preview, the problems of a page at its top: what `kb check` says of it."""
        if not self.spec.problems:
            return ""
        found = [p for p in self.kb.problems if p.file == path]
        return problems_html(found, self.labels) if found else ""

    def _original_url(self, uri: str, page: Page) -> str | None:
        """Link from a translation to its source page (for the customers' outdated note)."""
        source = self.kb.by_path.get(page.source_path or "")
        if self.preview or source is None or not self.visible(source, self.today):
            return None
        return i18n.relative_url(self.prefix + i18n.url_of(uri), self._site_url(source))

    # -- links ------------------------------------------------------------------------------

    def _urls(self, uri: str, source_path: str, links: tuple[Link, ...]) -> dict[int, str | None]:
        """Where each link slot of a page goes in this site (None: shown as plain text)."""
        here = self.prefix + i18n.url_of(uri)
        urls: dict[int, str | None] = {}
        for link in links:
            if link.slot is None:
                continue
            if link.internal and self.spec.public:
                continue  # removed with its block
            url = self._resolve(here, link)
            urls[link.slot] = url
            if url is None:
                self.warnings.append(
                    f"{source_path}:{link.line}: link to `{link.target}` shown as plain text: "
                    f"the page is not on the {self.spec.audience} site"
                )
        return urls

    def _resolve(self, here: str, link: Link) -> str | None:
        path, anchor = link.path, link.anchor
        fragment = f"#{anchor}" if anchor else ""
        if path is None:
            return link.target
        kb = self.kb
        target = kb.by_path.get(path)
        if target is not None:
            return self._page_url(here, target, anchor)
        if path in self.docs or f"{path}/index.md" in self.docs:
            uri = path if path in self.docs else f"{path}/index.md"
            return i18n.relative_url(here, self.prefix + i18n.url_of(uri)) + fragment
        folder_index = f"{path}/index.md"
        if folder_index in self.generated_uris:
            return i18n.relative_url(here, self.prefix + i18n.url_of(folder_index)) + fragment
        if path in self.inputs.kb_files:
            self._publish(path, kb.project.root / path)
            return i18n.relative_url(here, self.prefix + path) + fragment
        if path in self.inputs.docs_files:
            self._publish(path, kb.project.docs_dir / path)
            return i18n.relative_url(here, self.prefix + path) + fragment
        if self._hidden_page(path):
            return None
        if link.url_path is not None:  # raw HTML written as a URL (``../refunds/``)
            return self._resolve_url(here, link.url_path, fragment, link.target)
        return link.target  # not in the project: `kb check` reports it; left as written

    def _resolve_url(self, here: str, url_path: str, fragment: str, target: str) -> str | None:
        page = self.inputs.by_url.get(url_path)
        if page is not None:
            return self._page_url(here, page, fragment[1:] or None)
        if url_path in self.inputs.kb_files:
            self._publish(url_path, self.kb.project.root / url_path)
            return i18n.relative_url(here, self.prefix + url_path) + fragment
        if url_path in self.inputs.folders:
            index = f"{url_path}/index.md"
            if index not in self.generated_uris:
                return None  # a folder with nothing to show on this site
            return i18n.relative_url(here, self.prefix + i18n.url_of(index)) + fragment
        return target

    def _publish(self, rel: str, source: Path) -> None:
        """A file a link of the page being planned publishes on this site."""
        self.files.setdefault(rel, source)
        self._page_files.append((rel, source))

    def _hidden_page(self, path: str) -> bool:
        """A docs page this site does not show (internal guide on the help center)."""
        return any(doc.uri == path for doc in self.inputs.docs.pages)

    def _page_url(self, here: str, target: Page, anchor: str | None) -> str | None:
        kb, lang = self.kb, self.lang
        if self.preview:
            if target.path not in self.mounted:
                return None
            url = i18n.relative_url(here, i18n.url_of(target.path))
            return url + (f"#{anchor}" if anchor else "")
        source = kb.by_path.get(target.source_path or "", target)
        for candidate in (kb.translations_of(source).get(lang), source, target):
            if candidate is None or not self.visible(candidate, self.today):
                continue
            uri = i18n.source_uri(candidate)
            if self.mounted.get(uri) is candidate:
                return i18n.relative_url(here, self.prefix + i18n.url_of(uri)) + (
                    f"#{anchor}" if anchor else ""
                )
            url = self._site_url(candidate)
            query = f"?{i18n.FALLBACK_PARAM}={lang}" if candidate.lang != lang else ""
            fragment = f"#{anchor}" if anchor and candidate is target else ""
            return i18n.relative_url(here, url) + query + fragment
        return None

    def _site_url(self, page: Page) -> str:
        """URL of a page from the audience root (the default-language site's root)."""
        prefix = "" if page.lang == self.settings.default_language else f"{page.lang}/"
        return prefix + i18n.url_of(i18n.source_uri(page))

    # -- navigation ---------------------------------------------------------------------------

    def _entries(self) -> dict[str, Entry]:
        """Every page the category pages list, by served path (untranslated pages included,
        marked with their language)."""
        entries: dict[str, Entry] = {}
        for uri, page in self.mounted.items():
            entries[uri] = Entry(
                page.meta.title or uri, self.prefix + i18n.url_of(uri), page.meta.type
            )
        language = self.labels.language_name(self.settings.default_language)
        note = self.labels("index.in_language", language=language)
        for uri, page in self.site.fallback.items():
            url = f"{i18n.url_of(uri)}?{i18n.FALLBACK_PARAM}={self.lang}"
            entries[uri] = Entry(page.meta.title or uri, url, page.meta.type, note)
        return entries

    def _nav(self, pages: list[PlannedPage]) -> list[Any]:
        uris = {page.uri for page in pages}
        health = HEALTH_PAGE if HEALTH_PAGE in uris else None
        titles = {
            page.uri: self._guide_title(page)
            for page in pages
            if page.kind == "docs" and CONTENT_LANG in page.meta
        }
        return site_nav(
            sorted(self.docs), uris, self.settings.content_dirs, self.labels, health, titles
        )

    def _guide_title(self, page: PlannedPage) -> str:
        """The menu title of a guide not translated into this site's language: the KB's
        ``docs.<path>`` label in it (else the guide's own title), marked with the language
        the guide is in, as category pages mark such pages: "Guida … (in inglese)"."""
        title = self.labels.docs_title(posixpath.splitext(page.uri)[0]) or page.title
        language = self.labels.language_name(page.meta[CONTENT_LANG])
        return f"{title} ({self.labels('index.in_language', language=language)})"

    def _alternates(self, page: PlannedPage) -> list[dict[str, str]]:
        """The language switcher: this page in every language that has it, else that home."""
        settings = self.settings
        source = None
        if page.source is not None:
            source = self.kb.by_path.get(page.source.source_path or "", page.source)
        here = self.prefix + page.url
        links = []
        for lang in settings.languages:
            prefix = "" if lang == settings.default_language else f"{lang}/"
            target = ""
            if source is not None:
                version = (
                    source if lang == source.lang else self.kb.translations_of(source).get(lang)
                )
                if version is not None and self.visible(version, self.today):
                    target = i18n.url_of(i18n.source_uri(version))
            else:  # hand-written and generated pages exist in every language site
                target = page.url
            link = i18n.relative_url(here, f"{prefix}{target}")
            links.append({"name": i18n.language_name(lang), "lang": lang, "link": link})
        return links

    # -- the content-health page ----------------------------------------------------------------

    def _health(self, data: dict[str, Any]) -> PlannedPage:
        here = self.prefix + i18n.url_of(HEALTH_PAGE)

        @functools.cache  # a page is in its owner's table and in the translations' too
        def url_for(path: str) -> str:
            page = self.kb.by_path.get(path)
            if page is None:
                return path
            return self._page_url(here, page, None) or i18n.relative_url(here, self._site_url(page))

        made = health_html(data, url_for)
        key = hashlib.blake2b(made[0].encode("utf-8", "surrogatepass"), digest_size=16)
        generated = Generated(HEALTH_PAGE, HEALTH_TITLE, key.hexdigest(), lambda: made)
        meta = {"title": HEALTH_TITLE}
        return PlannedPage(HEALTH_PAGE, HEALTH_TITLE, "generated", meta, generated=generated)


def _first_heading(outline: Any) -> str | None:
    for heading in outline.headings:
        if heading.level == 1:
            return str(heading.text)
    return None
