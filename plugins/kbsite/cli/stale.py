"""``kb stale``: pages due for review, most overdue first, as a table per owner or JSON."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import click

from kbsite.cli import config_option, get_project, get_today, json_option, print_json, today_option
from kbsite.knowledge import load_kb
from kbsite.reading.schema import did_you_mean
from kbsite.review.staleness import Flag, compute_flags

NO_OWNER = "(no owner)"


@click.command()
@json_option
@click.option("--owner", metavar="KEY", help="Only pages of this owner (a key of owners.yml).")
@today_option
@config_option
@click.pass_context
def stale(
    ctx: click.Context,
    as_json: bool,
    owner: str | None,
    today: str | None,
    config_file: Path | None,
) -> None:
    """List every flagged page: stale, due soon, expired, upcoming, translations, links."""
    day = get_today(today)
    kb = load_kb(get_project(ctx, config_file), day)
    if owner is not None and owner not in kb.owners:
        hint = did_you_mean(owner, sorted(kb.owners)) or f"known: {', '.join(sorted(kb.owners))}"
        raise click.BadParameter(f"`{owner}` is not in owners.yml ({hint})", param_hint="'--owner'")
    flags = [f for f in compute_flags(kb) if owner is None or f.owner == owner]
    if as_json:
        print_json({"today": day.isoformat(), "items": [f.to_dict() for f in flags]})
        return
    _print_tables(flags, kb.owners, day.isoformat())


def _print_tables(flags: list[Flag], owners: dict, today: str) -> None:  # type: ignore[type-arg]
    if not flags:
        click.secho(f"nothing flagged as of {today}", fg="green")
        return
    groups: dict[str, list[Flag]] = defaultdict(list)
    for flag in flags:
        groups[flag.owner or NO_OWNER].append(flag)
    width = max(len(f.path) for f in flags)
    for key in sorted(groups, key=lambda k: (k == NO_OWNER, k)):
        owner = owners.get(key)
        header = f"{owner.contact()} [{key}]" if owner else key
        click.secho(header, bold=True)
        for flag in groups[key]:
            days = f"{flag.days_overdue:>5}d" if flag.due or flag.days_overdue else "     -"
            color = "red" if flag.days_overdue > 0 else "yellow"
            click.echo(
                f"  {click.style(days, fg=color)}  {flag.state:<20} {flag.lang:<3} "
                f"{flag.path:<{width}}  {flag.title or ''}"
            )
        click.echo("")
    click.echo(f"{len(flags)} item(s), {len({f.path for f in flags})} page(s), as of {today}")
