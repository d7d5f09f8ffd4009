"""``kb build``: check, then both sites in every language, then the rep search index.

``build_project`` is the one code path: the ``kb build`` command runs it once, and
``kb serve --watch`` (``cli/watch.py``) runs it after every change, in a process of its own.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kbsite.cli import config_option, get_project, get_today, print_problems, today_option
from kbsite.problems import Problem
from kbsite.project import Project
from kbsite.sites import fingerprint

if TYPE_CHECKING:
    from kbsite.mkdocs_plugin.build import BuildReport


@dataclass
class BuildOutcome:
    """What one build did: ``ok`` when the sites and the index are up to date."""

    ok: bool = False
    problems: list[Problem] = field(default_factory=list)  # kb check's, errors and warnings
    failure: str | None = None  # why the build stopped, when no file and line say it
    report: BuildReport | None = None  # None when it stopped before the sites
    seconds: dict[str, float] = field(default_factory=dict)  # load, sites, index
    pages: int = 0

    @property
    def sites_changed(self) -> bool:
        """Whether a site folder was replaced (a page a browser shows may have changed)."""
        return self.report is not None and len(self.report.unchanged) < len(self.report.seconds)


def build_project(
    project: Project,
    day: dt.date,
    *,
    sites_done: Callable[[BuildOutcome], None] | None = None,
    beside: bool = False,
    sites_beside: bool = False,
) -> BuildOutcome:
    """Check the KB, then bring both sites and the search index up to date, saying what it
    does on stderr. Bad content stops it before anything is written (the previous sites stay).

    ``sites_done`` is called once the sites are in place, before the index update (a
    browser can reload then). With ``beside``, the machine's second core takes part (where
    ``fork`` exists): the index is updated in a forked process while the sites are built, and
    an update of both sites builds the help center in another (``build_sites``); a site that
    cannot be written then does not hold the index back. ``sites_beside``: only the latter
    (``kb serve --watch``, whose browsers reload before the index is updated). Raises
    ``IndexNotUpdated`` (a ``click.ClickException``) when the index cannot be written."""
    from kbsite.mkdocs_plugin.build import SiteBuildError, build_sites
    from kbsite.review.staleness import compute_flags, fail_on_message

    outcome = BuildOutcome()
    start = time.perf_counter()
    read, note = fingerprint.unchanged(project, day)
    if note is not None:  # nothing any output depends on has changed since the last build
        seconds = time.perf_counter() - start
        click.echo(
            f"nothing changed since the last build{note}; the sites and the index are up to "
            f"date ({seconds:.2f} s)"
        )
        outcome.ok = True
        if sites_done is not None:
            sites_done(outcome)  # in place already (report None: nothing to reload)
        return outcome
    fingerprint.forget(project)
    from kbsite.knowledge import load_kb

    # Reading allocates the KB's objects, which live until the end of the build: the cyclic
    # collector would go over them again and again (~0.25 s at 10,000 pages) for nothing.
    gc.disable()
    try:
        kb = load_kb(project, day)
    finally:
        gc.enable()
    gc.freeze()  # later collections leave them aside too
    outcome.problems, outcome.pages = list(kb.problems), len(kb.pages)
    outcome.seconds["load"] = time.perf_counter() - start
    if kb.problems:
        print_problems(kb, err=True)
    if kb.errors:
        click.secho(
            "build stopped: fix the errors above (the previous sites are untouched)",
            fg="red",
            err=True,
        )
        return outcome
    flags = compute_flags(kb, warn=lambda text: click.secho(text, fg="yellow", err=True))
    stop = fail_on_message(flags, project.settings.fail_on)
    if stop:
        outcome.failure = f"build stopped: {stop}"
        click.secho(outcome.failure, fg="red", err=True)
        return outcome
    sites_start = time.perf_counter()
    index_done = _index_beside(project, kb, flags) if beside else None
    try:
        outcome.report = build_sites(
            kb,
            flags,
            project.root / "site",
            progress=lambda msg: click.echo(msg, err=True),
            beside=beside or sites_beside,
        )
    except SiteBuildError as exc:
        outcome.failure = f"build failed: {exc} (the previous sites are untouched)"
        click.secho(outcome.failure, fg="red", err=True)
        if index_done is not None:
            index_done()
        return outcome
    outcome.seconds["sites"] = time.perf_counter() - sites_start
    for warning in outcome.report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if sites_done is not None:
        sites_done(outcome)
    index_start = time.perf_counter()
    if index_done is not None:
        index_done()  # waits for it (its time is mostly that of the sites)
    else:
        _build_index(project, kb, flags)
    outcome.seconds["index"] = time.perf_counter() - index_start
    outcome.ok = True
    warnings = len(kb.warnings)
    fingerprint.remember(
        project, day, f" ({warnings} warnings: see `kb check`)" if warnings else "", read
    )
    seconds = time.perf_counter() - start
    languages = len(project.settings.languages)
    report = outcome.report
    click.echo(
        f"built site/public and site/internal in {languages} languages ({len(kb.pages)} pages; "
        f"{report.rendered} rendered, {report.reused} kept) in {seconds:.1f} s"
    )
    return outcome


@click.command()
@today_option
@config_option
@click.pass_context
def build(ctx: click.Context, today: str | None, config_file: Path | None) -> None:
    """Check the KB, then write site/public, site/internal and the search index."""
    day = get_today(today)
    project = get_project(ctx, config_file)
    outcome = build_project(project, day, beside=True)
    from kbsite import cli

    cli.QUICK_EXIT = True  # everything is written: no need to free the KB object by object
    ctx.exit(0 if outcome.ok else 1)


def _build_index(project, kb, flags) -> None:  # type: ignore[no-untyped-def]
    """The rep search index, beside the sites (never inside the public one)."""
    from kbsite.cli.search import refresh_index

    refresh_index(project, kb, flags=flags)


def _index_beside(project, kb, flags) -> Callable[[], None] | None:  # type: ignore[no-untyped-def]
    """Start the index update in a forked child; returns how to wait for it (raising its
    ``IndexNotUpdated``), or None where there is no ``fork`` or a single core."""
    from kbsite import beside

    if not beside.available():
        return None
    from kbsite.cli.search import IndexNotUpdated

    def update() -> None:
        if kb.models is not None:
            kb.models.reopen()  # SQLite connections do not cross a fork
        _build_index(project, kb, flags)

    done = beside.start(update, expected=(IndexNotUpdated,))

    def wait() -> None:
        try:
            done()
        except beside.BesideFailed as exc:
            raise IndexNotUpdated(exc.message) from None

    return wait
