"""``kb build``: both sites in every language, incrementally, swapped in atomically.

Every site is planned from the loaded KB (``kbsite.sites.plan``); every output file gets a key
(the digest of everything it is made from: page inputs, the site's config and theme, package
versions). Files whose key is unchanged are kept; the others are rendered (pages, through the
theme) or written (sitemaps, search indexes, health data). A few changes (an edit) replace
files one by one in the current site, each atomically; many (a new theme, a first build) make a
new generation beside it (unchanged files hard-linked) that is swapped in at once. When nothing
changed for an audience, its folder is left as it is. So a build after any sequence of
edits gives the same bytes as a clean build, while an edit re-renders only the pages it reaches.
MkDocs is imported only when something must be rendered.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbsite.cachefile import file_key
from kbsite.knowledge import KnowledgeBase
from kbsite.markdown.cache import ModelCache
from kbsite.project import CACHE_DIR, Project
from kbsite.reading.docs import read_docs
from kbsite.review.staleness import Flag
from kbsite.sites import languages as i18n
from kbsite.sites import output
from kbsite.sites.client_search import site as client_search
from kbsite.sites.feedback import WIDGET_ASSETS, widget_config
from kbsite.sites.plan import (
    HEALTH_JSON,
    HEALTH_PAGE,
    BuildInputs,
    PlanMemo,
    PlannedPage,
    SitePlan,
    SiteSpec,
    plan_site,
)

if TYPE_CHECKING:
    from kbsite.mkdocs_plugin.render import ThemeRenderer

SITES = ("public", "internal")
PACKAGE = Path(__file__).resolve().parent.parent
_VERSIONED = ("mkdocs", "mkdocs-material", "kbsite", "markdown", "pymdown-extensions", "jinja2")
#: Up to this many changed files (or 10 % of a site), the site is updated file by file: an edit
#: rewrites its page and the help-center search's delta segment (a few hundred small files); a
#: new generation would link every file of the site and delete the old one (~1 s at 1,000 pages).
_IN_PLACE_MAX = 1000
#: Below this many pages to render, one process does it all (a second costs ~0.4 s to start).
_POOL_THRESHOLD = 60


class SiteBuildError(Exception):
    """A site could not be built; the previous sites are left untouched."""


#: What the sites' own code raises for a site it cannot write, said as a ``SiteBuildError``.
_SITE_ERRORS = (output.OutputError, client_search.ClientSearchError)


@dataclass
class BuildReport:
    seconds: dict[str, float] = field(default_factory=dict)  # audience -> seconds
    rendered: int = 0  # pages rendered by the theme
    written: int = 0  # other files written or copied
    reused: int = 0  # files kept from the previous build
    unchanged: list[str] = field(default_factory=list)  # audiences left as they were
    warnings: list[str] = field(default_factory=list)
    site_dir: Path | None = None


@dataclass
class _Site:
    """One planned site and what it needs written."""

    plan: SitePlan
    digest: str
    outputs: dict[str, str] = field(default_factory=dict)  # path in the audience folder -> key
    render: list[tuple[str, PlannedPage]] = field(default_factory=list)  # (path, page)
    write: dict[str, bytes] = field(default_factory=dict)
    make: dict[str, Callable[[], bytes]] = field(default_factory=dict)  # written when changed
    copy: dict[str, Path | str] = field(default_factory=dict)  # path -> the file to copy
    keys: dict[str, str] = field(default_factory=dict)  # page uri -> key
    not_found: str | None = None  # path of the 404 page when it must be rendered


def build_sites(
    kb: KnowledgeBase,
    flags: list[Flag],
    site_root: Path,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
    beside: bool = False,
) -> BuildReport:
    """Bring site/public and site/internal up to date with the KB. With ``beside``, an
    update of both sites (their folders exist) builds the help center in a forked process
    while this one builds the rep site (``kbsite.beside``). A clean build does not: it
    renders each site's pages in a pool of processes, and a second site beside it gained
    nothing (10,000 pages: 178 s against 180 s in the same hour)."""
    from kbsite import beside as second_core

    project = kb.project
    report = BuildReport(site_dir=site_root)
    models = kb.models or ModelCache(project.markdown, project.root / CACHE_DIR)
    store: output.OutputStore | None = None
    waiting: Callable[[], Any] | None = None
    try:
        try:
            site_root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output.OutputError(output.describe(exc, site_root)) from None
        output.clean_leftovers(site_root)
        store = output.OutputStore(project.root)
        inputs = BuildInputs(kb, flags, read_docs(project), models)
        base = base_digest(project)
        theme = _theme_files(project, store, base)
        builder = _Builder(inputs, site_root, base, theme, workers, progress)
        audiences = list(SITES)
        if beside and second_core.available() and all((site_root / a).is_dir() for a in SITES):
            _ = inputs.world  # worked out once, for both processes
            _renderer(project, base)  # loaded once (~0.2 s), for both: any update renders
            work = functools.partial(builder.apart, audiences.pop(0))
            waiting = second_core.start(work, expected=(SiteBuildError, *_SITE_ERRORS))
        for audience in audiences:
            builder.build(audience, store, report)
        if waiting is not None:
            wait, waiting = waiting, None
            _merge(report, wait())
    except _SITE_ERRORS as exc:
        raise SiteBuildError(str(exc)) from None
    except second_core.BesideFailed as exc:
        raise SiteBuildError(exc.message) from None
    finally:
        if waiting is not None:  # this process failed: the other one still ends first
            with contextlib.suppress(second_core.BesideFailed):
                waiting()
        if store is not None:
            store.close()
        models.save()
    return report


@dataclass
class _Builder:
    """What building an audience's site needs besides its store and report."""

    inputs: BuildInputs
    site_root: Path
    base: str
    theme: dict[str, tuple[str, Path]]
    workers: int | None
    progress: Callable[[str], None] | None

    def build(self, audience: str, store: output.OutputStore, report: BuildReport) -> None:
        """One audience's site, timed and said."""
        start = time.perf_counter()
        _build_audience(
            self.inputs, audience, self.site_root, store, self.base, self.theme, report,
            self.workers,
        )  # fmt: skip
        seconds = report.seconds[audience] = time.perf_counter() - start
        if self.progress:
            state = "unchanged" if audience in report.unchanged else "built"
            count = len(self.inputs.kb.project.settings.languages)
            self.progress(f"{state}: {audience} site, {count} languages, in {seconds:.1f} s")

    def apart(self, audience: str) -> BuildReport:
        """One audience's site, in a forked process: its report."""
        models = self.inputs.models
        models.reopen()  # SQLite connections do not cross a fork
        store = output.OutputStore(self.inputs.kb.project.root)
        report = BuildReport(site_dir=self.site_root)
        try:
            self.build(audience, store, report)
        finally:
            store.close()
            models.save()
        return report


def _merge(report: BuildReport, other: BuildReport) -> None:
    """``other``'s audience into ``report``, in the order of ``SITES``."""
    seconds = {**report.seconds, **other.seconds}
    report.seconds = {audience: seconds[audience] for audience in SITES if audience in seconds}
    report.rendered += other.rendered
    report.written += other.written
    report.reused += other.reused
    report.unchanged = [a for a in SITES if a in report.unchanged or a in other.unchanged]
    report.warnings = other.warnings + report.warnings


def _build_audience(
    inputs: BuildInputs,
    audience: str,
    site_root: Path,
    store: output.OutputStore,
    base: str,
    theme: dict[str, tuple[str, Path]],
    report: BuildReport,
    workers: int | None,
) -> None:
    settings = inputs.kb.project.settings
    previous = store.outputs(audience) if (site_root / audience).is_dir() else {}
    sites = []
    for lang in settings.languages:
        spec = SiteSpec(audience, lang)
        memo = store.plan_memo(spec.name, base) if previous else None
        plan = plan_site(inputs, spec, memo)
        site = _Site(plan, _site_digest(base, plan))
        if memo is not None and site.digest != memo.site:
            plan = plan.full()  # keys of the earlier plan were made for another site digest
            site = _Site(plan, _site_digest(base, plan))
        report.warnings.extend(plan.warnings)
        _decide(site, previous, inputs, theme)
        sites.append(site)
    outputs = {path: key for site in sites for path, key in site.outputs.items()}
    if outputs == previous:
        report.unchanged.append(audience)
        report.reused += len(outputs)
        return
    changed = sum(1 for path, key in outputs.items() if previous.get(path) != key)
    stale = [path for path in previous if path not in outputs]
    generation: output.Generation | output.InPlace
    if previous and changed + len(stale) <= max(_IN_PLACE_MAX, len(outputs) // 10):
        cache = inputs.kb.project.root / CACHE_DIR
        generation = output.InPlace(site_root, audience, stale, cache)  # an edit: file by file
    else:
        generation = output.Generation(site_root, audience)
    try:
        _write(sites, generation, previous, inputs.models, report, workers, base)
        generation.swap()
    except BaseException:
        generation.discard()
        raise
    store.replace(audience, outputs, previous if previous else None)
    for site in sites:
        store.keep_plan_memo(site.plan.spec.name, base, _memo(site))


def _memo(site: _Site) -> PlanMemo:
    """What the next build may reuse of this site's plan (see ``PlanMemo``)."""
    plan = site.plan
    memo = PlanMemo(plan.world, site.digest, plan.titles, generated_uris=plan.generated_uris)
    for page in plan.pages:
        key = site.keys[page.uri]
        if page.kind == "content":
            entry = [page.input, key, page.warnings, page.files, page.search_digest]
            memo.pages[page.uri] = entry
        elif page.uri == HEALTH_PAGE:
            memo.health = [page.input, key]
        elif page.kind == "generated":
            memo.generated.append([page.uri, page.title, key])
    return memo


# -- keys ---------------------------------------------------------------------------------------


def base_digest(project: Project) -> str:
    """What every page of every site depends on: the config, templates, package versions."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(project.config_file.read_bytes())
    for package in _VERSIONED:
        try:
            digest.update(f"{package}={importlib.metadata.version(package)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{package}=-".encode())
    # Our own code and files (templates, translations): a change to them is a new site.
    folders = [PACKAGE] + ([project.theme_dir] if project.theme_dir else [])
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _site_digest(base: str, plan: SitePlan) -> str:
    data = json.dumps([base, plan.spec.name, plan.prefix, plan.nav], default=str)
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def _content_key(data: bytes) -> str:
    return "=" + hashlib.blake2b(data, digest_size=16).hexdigest()


def _file_key(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return file_key(stat)


def _theme_files(
    project: Project, store: output.OutputStore, base: str
) -> dict[str, tuple[str, Path]]:
    """The theme's static files with their keys: listed by MkDocs once per theme version."""
    listed = store.theme_files(base)
    if listed is None:
        from kbsite.mkdocs_plugin.render import ThemeRenderer

        listed = ThemeRenderer(project).static_files()
        store.keep_theme_files(base, listed)
    return {rel: (_file_key(path), path) for rel, path in listed}


# -- deciding what to write -----------------------------------------------------------------------


def output_path(plan: SitePlan, uri: str) -> str:
    """Where a page's HTML goes in the audience folder (directory URLs)."""
    return f"{plan.prefix}{i18n.url_of(uri)}index.html"


def _decide(
    site: _Site,
    previous: dict[str, str],
    inputs: BuildInputs,
    theme: dict[str, tuple[str, Path]],
) -> None:
    models = inputs.models
    plan = site.plan
    keys: list[str] = []
    for page in plan.pages:
        path = output_path(plan, page.uri)
        key = page.key(site.digest, models.key)
        site.outputs[path] = key
        keys.append(key)
        if previous.get(path) != key:
            site.render.append((path, plan.full_page(page)))
    by_uri = site.keys = {page.uri: key for page, key in zip(plan.pages, keys, strict=True)}
    # Each site's own search (sites/client_search): the help center's of its public pages,
    # the rep site's of every page it shows, internal blocks included.
    docs = client_search.documents(plan, inputs.by_flag, models, by_uri)
    folder = client_search.up_to_date(plan.project.root, plan, docs)
    for rel, published_key, path in client_search.published(folder):
        name = f"{plan.prefix}{client_search.SEARCH_DIR}/{rel}"
        site.outputs[name] = published_key
        site.copy[name] = path
    root_url = plan.site_url
    urls = [root_url + page.url for page in plan.pages]
    sitemap = functools.cache(lambda: output.sitemap(urls).encode())  # made once, if at all
    key = _made(site, f"{plan.prefix}sitemap.xml", urls, sitemap)
    _made(site, f"{plan.prefix}sitemap.xml.gz", urls, lambda: output.gzip_bytes(sitemap()), key)
    if plan.health is not None:
        health = plan.health.encode()
        site.write[f"{plan.prefix}{HEALTH_JSON}"] = health
        site.outputs[f"{plan.prefix}{HEALTH_JSON}"] = _content_key(health)
    for rel, source in plan.files.items():
        site.outputs[plan.prefix + rel] = _file_key(source)
        site.copy[plan.prefix + rel] = source
    lang = plan.spec.lang or plan.project.settings.default_language
    widget = widget_config(plan.project.settings, plan.spec.audience, lang) is not None
    for rel, (key, source) in theme.items():
        if not widget and rel.startswith(WIDGET_ASSETS):
            continue  # no feedback widget on this site: none of its assets either
        site.outputs[plan.prefix + rel] = key
        site.copy[plan.prefix + rel] = source
    not_found = f"{plan.prefix}404.html"
    site.outputs[not_found] = "404:" + site.digest
    if previous.get(not_found) != site.outputs[not_found]:
        site.not_found = not_found


def _made(
    site: _Site,
    path: str,
    made_from: object,
    make: Callable[[], bytes],
    key: str | None = None,
) -> str:
    """A generated file known by what it is made from (JSON-able): made only if that changed
    (a rep search index is tens of megabytes at 10,000 pages). ``key``: the digest of
    ``made_from`` when a file made from the same has it already. Returns the key."""
    if key is None:
        data = json.dumps(made_from, ensure_ascii=False, default=str)
        digest = hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16)
        key = "made:" + digest.hexdigest()
    site.outputs[path] = key
    site.make[path] = make
    return key


# -- writing ---------------------------------------------------------------------------------------


def _write(
    sites: list[_Site],
    generation: output.Generation | output.InPlace,
    previous: dict[str, str],
    models: ModelCache,
    report: BuildReport,
    workers: int | None,
    base: str,
) -> None:
    for site in sites:

        def kept(path: str, site: _Site = site) -> bool:
            """Unchanged and still in the folder: kept; else the caller writes it."""
            if previous.get(path) == site.outputs[path] and generation.reuse(path):
                report.reused += 1
                return True
            report.written += 1
            return False

        for path, data in site.write.items():
            if not kept(path):
                generation.write(path, data)
        for path, make in site.make.items():
            if not kept(path):
                generation.write(path, make())
        for path, source in site.copy.items():
            if not kept(path):
                generation.copy(path, Path(source))
        rendering = {path for path, _ in site.render}
        for page in site.plan.pages:
            path = output_path(site.plan, page.uri)
            if path in rendering:
                continue
            if generation.reuse(path):
                report.reused += 1
            else:  # gone from the current site: render it after all
                site.render.append((path, site.plan.full_page(page)))
        not_found = f"{site.plan.prefix}404.html"
        if site.not_found is None and not generation.reuse(not_found):
            site.not_found = not_found
    jobs = [(index, path) for index, site in enumerate(sites) for path, _ in site.render]
    jobs += [(index, "404") for index, site in enumerate(sites) if site.not_found]
    report.rendered += len(jobs)
    if not jobs:
        return
    global _RENDER_STATE
    _RENDER_STATE = (sites, generation, models, base)
    try:
        count = workers or min(os.cpu_count() or 1, 4)
        if count > 1 and len(jobs) >= _POOL_THRESHOLD and _can_fork():
            shares = [jobs[i::count] for i in range(count)]
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(count, mp_context=context) as pool:
                for error in pool.map(_render_share, shares):
                    if error:
                        raise SiteBuildError(error)
        else:
            error = _render_share(jobs)
            if error:
                raise SiteBuildError(error)
    finally:
        _RENDER_STATE = None


_RENDER_STATE: tuple[list[_Site], output.Generation | output.InPlace, ModelCache, str] | None = None


#: The theme renderer of the last build in this process, by config and code (``_Site.digest``
#: without the site): loading the config and the theme costs ~0.1 s, twice per build (one per
#: audience), and again at each build of ``kb serve --watch``.
_RENDERER: dict[tuple[str, str], ThemeRenderer] = {}


def _renderer(project: Project, base: str) -> ThemeRenderer:
    from kbsite.mkdocs_plugin.render import ThemeRenderer

    key = (str(project.config_file), base)
    renderer = _RENDERER.get(key)
    if renderer is None:
        _RENDERER.clear()
        renderer = _RENDERER[key] = ThemeRenderer(project)
    return renderer


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _render_share(jobs: list[tuple[int, str]]) -> str | None:
    """Render some pages (in this process or a forked one); an error message, or None."""
    from kbsite.mkdocs_plugin.render import RenderError

    assert _RENDER_STATE is not None
    sites, generation, models, base = _RENDER_STATE
    models.reopen()
    try:
        renderer = _renderer(sites[0].plan.project, base)
        by_site: dict[int, list[str]] = {}
        for index, path in jobs:
            by_site.setdefault(index, []).append(path)
        for index, paths in sorted(by_site.items()):
            site = sites[index]
            renderer.use(site.plan, generation.folder / site.plan.prefix)
            pages = dict(site.render)
            for path in paths:
                if path == "404":
                    generation.write(site.not_found or "404.html", renderer.render_404())
                    continue
                generation.write(path, renderer.render(pages[path], models, language_sites=True))
    except (RenderError, output.OutputError) as exc:
        return str(exc)
    return None
