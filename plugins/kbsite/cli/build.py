"""``kb build``: check, then both sites in every language, then the rep search index."""

from __future__ import annotations

import time
from pathlib import Path

import click

from kbsite.cli import config_option, get_project, get_today, print_problems, today_option
from kbsite.sites import fingerprint


@click.command()
@today_option
@config_option
@click.pass_context
def build(ctx: click.Context, today: str | None, config_file: Path | None) -> None:
    """Check the KB, then write site/public, site/internal and the search index."""
    from kbsite.mkdocs_plugin.build import SiteBuildError, build_sites
    from kbsite.review.staleness import compute_flags, fail_on_message

    day = get_today(today)
    project = get_project(ctx, config_file)
    start = time.perf_counter()
    _, note = fingerprint.unchanged(project, day)
    if note is not None:  # nothing any output depends on has changed since the last build
        seconds = time.perf_counter() - start
        click.echo(
            f"nothing changed since the last build{note}; the sites and the index are up to "
            f"date ({seconds:.2f} s)"
        )
        return
    fingerprint.forget(project)
    from kbsite.knowledge import load_kb

    kb = load_kb(project, day)
    if kb.problems:
        print_problems(kb, err=True)
    if kb.errors:
        click.secho(
            "build stopped: fix the errors above (the previous sites are untouched)",
            fg="red",
            err=True,
        )
        ctx.exit(1)
    flags = compute_flags(kb, warn=lambda text: click.secho(text, fg="yellow", err=True))
    stop = fail_on_message(flags, project.settings.fail_on)
    if stop:
        click.secho(f"build stopped: {stop}", fg="red", err=True)
        ctx.exit(1)
    try:
        report = build_sites(
            kb, flags, project.root / "site", progress=lambda msg: click.echo(msg, err=True)
        )
    except SiteBuildError as exc:
        click.secho(f"build failed: {exc} (the previous sites are untouched)", fg="red", err=True)
        ctx.exit(1)
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    _build_index(project, kb, flags)
    warnings = len(kb.warnings)
    fingerprint.remember(
        project, day, f" ({warnings} warnings: see `kb check`)" if warnings else ""
    )
    seconds = time.perf_counter() - start
    languages = len(project.settings.languages)
    click.echo(
        f"built site/public and site/internal in {languages} languages ({len(kb.pages)} pages; "
        f"{report.rendered} rendered, {report.reused} kept) in {seconds:.1f} s"
    )


def _build_index(project, kb, flags) -> None:  # type: ignore[no-untyped-def]
    """The rep search index, beside the sites (never inside the public one)."""
    from kbsite.cli.search import refresh_index

    refresh_index(project, kb, flags=flags)
