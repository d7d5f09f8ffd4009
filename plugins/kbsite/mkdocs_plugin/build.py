"""``kb build``: both sites in every language, built with MkDocs, swapped in atomically.

This is an adapter (it drives MkDocs); the decisions it applies come from the engine.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, PluginError

from kbsite.knowledge import KnowledgeBase
from kbsite.review.staleness import Flag
from kbsite.sites import languages as i18n
from kbsite.sites.client_search import mkdocs_glue as client_search_glue

SITES = ("public", "internal")


class SiteBuildError(Exception):
    """A site could not be built; the previous sites are left untouched."""


@dataclass
class BuildReport:
    seconds: dict[str, float] = field(default_factory=dict)  # "public/it" -> seconds
    site_dir: Path | None = None


def build_sites(
    kb: KnowledgeBase,
    flags: list[Flag],
    site_root: Path,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> BuildReport:
    """Build site/public and site/internal (one MkDocs build per language) and swap them in.

    The builds are independent, so they run in parallel processes (forked, sharing the loaded
    KB), the default language first as it holds the most pages."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    settings = kb.project.settings
    staging = site_root / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    report = BuildReport(site_dir=site_root)
    jobs = [(audience, lang) for lang in settings.languages for audience in SITES]
    jobs.sort(key=lambda job: job[1] != settings.default_language)
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    global _JOB_STATE
    _JOB_STATE = (kb, flags, staging)
    try:
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                for job, seconds in zip(jobs, pool.map(_run_job, jobs), strict=True):
                    _record(report, job, seconds, progress)
        else:
            for job in jobs:
                _record(report, job, _run_job(job), progress)
        _swap(staging, site_root)
    finally:
        _JOB_STATE = None
        shutil.rmtree(staging, ignore_errors=True)
    return report


_JOB_STATE: tuple[KnowledgeBase, list[Flag], Path] | None = None


def _run_job(job: tuple[str, str]) -> float | str:
    """One (audience, language) build; returns seconds, or the error message."""
    assert _JOB_STATE is not None
    kb, flags, staging = _JOB_STATE
    audience, lang = job
    prefix = "" if lang == kb.project.settings.default_language else lang
    start = time.perf_counter()
    try:
        _build_one(kb, flags, audience, lang, staging / audience / prefix)
    except SiteBuildError as exc:
        return str(exc)
    return time.perf_counter() - start


def _record(
    report: BuildReport,
    job: tuple[str, str],
    result: float | str,
    progress: Callable[[str], None] | None,
) -> None:
    if isinstance(result, str):
        raise SiteBuildError(result)
    report.seconds["/".join(job)] = result
    if progress:
        progress(f"built {job[0]} site ({i18n.language_name(job[1])}) in {result:.1f} s")


def _build_one(
    kb: KnowledgeBase, flags: list[Flag], audience: str, lang: str, site_dir: Path
) -> None:
    project = kb.project
    try:
        config = load_config(str(project.config_file), site_dir=str(site_dir))
        plugin = config.plugins.get("kb")
        if plugin is None:
            raise SiteBuildError(f"{project.config_file}: add `kb` to `plugins`")
        plugin.config.audience = audience  # type: ignore[attr-defined]
        plugin.config.language = lang  # type: ignore[attr-defined]
        plugin.preloaded = (kb, flags)  # type: ignore[attr-defined]
        config.theme["language"] = lang
        if config.site_url and lang != project.settings.default_language:
            config.site_url = config.site_url.rstrip("/") + f"/{lang}/"
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is not None:
            search.config.update(i18n.search_options(lang))  # type: ignore[attr-defined]
        if audience == "public":  # help-center search (until the new builder calls it)
            client_search_glue.prepare(config, lang)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
        if audience == "public":
            client_search_glue.write_from_site(kb, flags, lang, site_dir)
    except (PluginError, ConfigurationError, Abort, client_search_glue.ClientSearchError) as exc:
        raise SiteBuildError(f"{audience} site ({lang}): {exc}") from None


def _swap(staging: Path, site_root: Path) -> None:
    """Replace each site folder by its new build with renames, never leaving a half site."""
    for audience in SITES:
        new = staging / audience
        current = site_root / audience
        old = site_root / f".old-{audience}-{os.getpid()}"
        if current.exists():
            current.rename(old)
        new.rename(current)
        shutil.rmtree(old, ignore_errors=True)
    logging.getLogger(__name__).debug("sites swapped into %s", site_root)
