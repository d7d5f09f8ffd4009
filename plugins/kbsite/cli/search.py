"""``kb index`` and ``kb search``: the rep search index from the command line."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kbsite.cli import config_option, get_project, get_today, json_option, print_json, today_option
from kbsite.knowledge import KnowledgeBase, load_kb
from kbsite.project import Project
from kbsite.settings import PAGE_TYPES

if TYPE_CHECKING:
    from kbsite.review.staleness import Flag

INDEX_LOCK = ".kb/index.lock"
LOCK_WAIT = 120.0  # seconds; KB_LOCK_WAIT overrides (a full rebuild of 10,000 pages: ~20 s)


class IndexNotUpdated(click.ClickException):
    """One line for the user, no traceback: `kb index` and `kb build` exit 1 with it."""

    def format_message(self) -> str:
        return f"the search index was not updated: {self.message}"


def refresh_index(
    project: Project, kb: KnowledgeBase, full: bool = False, flags: list[Flag] | None = None
) -> dict[str, int]:
    """Index the KB with each page's staleness state (incremental unless ``full``; ``flags``:
    the KB's staleness flags when the caller has computed them already).

    One writer at a time: a second `kb index` or `kb build` waits for the first (up to
    KB_LOCK_WAIT seconds, saying whom it waits for), then gives up with a clear message."""
    from kbsite.locks import Busy, exclusive
    from kbsite.review.staleness import compute_flags, flags_by_path, primary_state
    from kbsite.search.engine import IndexWriteError
    from kbsite.search.service import build

    if flags is None:
        flags = compute_flags(kb)
    states = {path: primary_state(found) for path, found in flags_by_path(flags).items()}
    lock = project.root / INDEX_LOCK

    def waiting(holder: Any) -> None:
        click.echo(f"waiting for {holder.describe()} to finish updating the search index…",
                   err=True)  # fmt: skip

    try:
        with exclusive(lock, _lock_wait(), on_wait=waiting):
            return build(project, kb, states, full=full)
    except Busy as exc:
        raise IndexNotUpdated(
            f"{exc.holder.describe()} is still updating it after {exc.waited:.0f} s; "
            "run this again when it ends (KB_LOCK_WAIT sets how long to wait)"
        ) from None
    except IndexWriteError as exc:
        raise IndexNotUpdated(
            f"cannot write {project.rel(exc.folder)}: {exc.reason} (the previous index is "
            "untouched)"
        ) from None
    except OSError as exc:  # the lock file itself: a read-only or full `.kb/`
        where = project.rel(Path(exc.filename)) if exc.filename else project.rel(lock)
        raise IndexNotUpdated(
            f"cannot write {where}: {exc.strerror or exc} (the previous index is untouched)"
        ) from None


def _lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get("KB_LOCK_WAIT", LOCK_WAIT)))
    except ValueError:
        raise click.UsageError("KB_LOCK_WAIT must be a number of seconds") from None


@click.command()
@click.option("--full", is_flag=True, help="Rebuild from scratch (swapped in atomically).")
@today_option
@config_option
@click.pass_context
def index(ctx: click.Context, full: bool, today: str | None, config_file: Path | None) -> None:
    """Build or update the rep search index (only changed pages are re-indexed)."""
    project = get_project(ctx, config_file)
    start = time.perf_counter()
    stats = refresh_index(project, load_kb(project, get_today(today)), full=full)
    seconds = time.perf_counter() - start
    if stats["indexed"]:
        click.echo(f"indexed {stats['indexed']} pages in {seconds:.1f} s")
    else:
        click.echo(
            f"updated {stats['updated']}, removed {stats['deleted']} pages in {seconds:.2f} s"
        )


@click.command()
@click.argument("query")
@json_option
@click.option("--lang", help="Only pages in this language.")
@click.option("--type", "page_type", type=click.Choice(PAGE_TYPES), help="Only this page type.")
@click.option(
    "--audience",
    type=click.Choice(["public", "internal"]),
    default="internal",
    show_default=True,
    help="public: only what customers may see.",
)
@click.option("--product", help="Only pages about this product.")
@click.option("--tag", help="Only pages with this tag.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option(
    "--as-of",
    metavar="YYYY-MM-DD",
    help="Search the versions in effect on that day (retired ones included).",
)
@click.option("--prefer", metavar="LANG", help="Show each page in this language when it matches.")
@config_option
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    as_json: bool,
    lang: str | None,
    page_type: str | None,
    audience: str,
    product: str | None,
    tag: str | None,
    limit: int,
    as_of: str | None,
    prefer: str | None,
    config_file: Path | None,
) -> None:
    """Search the KB as a representative would."""
    from kbsite.search.engine import IndexMissing
    from kbsite.search.results import help_center_url, place_links
    from kbsite.search.service import QueryError, Searcher
    from kbsite.search.versions import AsOfError, parse_as_of

    project = get_project(ctx, config_file)
    for name, value in (("--lang", lang), ("--prefer", prefer)):
        if value is not None and value not in project.settings.languages:
            raise click.BadParameter(
                f"`{value}` is not one of {list(project.settings.languages)}", param_hint=name
            )
    try:
        as_of = parse_as_of(as_of)
    except AsOfError as exc:
        raise click.BadParameter(str(exc).removeprefix("as_of: "), param_hint="'--as-of'") from None
    try:
        searcher = Searcher(project)
    except IndexMissing as exc:
        click.secho(str(exc), fg="red", err=True)
        ctx.exit(1)
    try:
        data = searcher.search(
            query,
            lang=lang,
            page_type=page_type,
            audience=audience,
            limit=limit,
            product=product,
            tag=tag,
            as_of=as_of,
            prefer=prefer,
        )
    except QueryError as exc:
        raise click.UsageError(str(exc)) from None
    help_center = help_center_url(project.config_file)  # mkdocs.yml's site_url, if any
    place_links(
        data,
        audience=audience,
        rep_site="",
        help_center=help_center or "",
        customer=help_center,
        archive=None,
    )
    if as_json:
        print_json(data)
        return
    if not data["results"]:
        click.echo(f"no results for {query!r}")
    for number, hit in enumerate(data["results"], 1):
        state = "" if hit["state"] == "ok" else click.style(f" [{hit['state']}]", fg="yellow")
        click.echo(
            f"{number:>2}. {click.style(hit['title'], bold=True)}{state}  "
            f"{hit['id']} · {hit['type']} · {hit['lang']} · {hit['audience']}"
        )
        if "current" in hit:
            click.echo(f"    {_version_line(hit)}")
        if hit.get("answer"):
            click.echo(f"    {click.style(hit['answer'], fg='green')}")
        text = hit["snippet"].replace("<mark>", "\x1b[1m").replace("</mark>", "\x1b[0m")
        click.echo(f"    {_unescape(text)}")
        click.echo(f"    {hit['url']}")
        others = [t["lang"] for t in hit.get("translations", []) if t["lang"] != hit["lang"]]
        if others:
            click.echo(f"    also in: {', '.join(others)}")


def _version_line(hit: dict) -> str:
    """When the version found applied, and which version applies today."""
    start, end = hit["in_effect"]["from"], hit["in_effect"]["to"]
    if start and end:
        span = f"in effect {start} to {end}"
    else:
        span = f"in effect since {start}" if start else f"in effect until {end}" if end else ""
        span = span or "always in effect"
    if hit["current"]:
        return f"{span} (the current version)"
    now = hit.get("current_id")
    later = f"now replaced by {now}" if now else "no version of it applies today"
    return click.style(f"{span}; {later}", fg="yellow")


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)
