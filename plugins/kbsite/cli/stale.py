"""``kb stale``: pages due for review, most overdue first, as a table per owner or JSON."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import click
import wcwidth

from kbsite.cli import config_option, get_project, get_today, json_option, print_json, today_option
from kbsite.knowledge import load_kb
from kbsite.reading.owners import Owner
from kbsite.reading.schema import did_you_mean
from kbsite.review.staleness import Flag, compute_flags
from kbsite.review.states import NAMES

NO_OWNER = "(no owner)"
MAX_WIDTH = 100
_WHEN = 12  # "295d overdue", "in 39 days"


@click.command()
@json_option
@click.option("--owner", metavar="KEY", help="Only pages of this owner (a key of owners.yml).")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(NAMES),
    help="Only items in this state (repeat for several).",
)
@today_option
@config_option
@click.pass_context
def stale(
    ctx: click.Context,
    as_json: bool,
    owner: str | None,
    states: tuple[str, ...],
    today: str | None,
    config_file: Path | None,
) -> None:
    """List every flagged page: stale, due soon, expired, upcoming, translations, links,
    flagged by readers."""
    day = get_today(today)
    kb = load_kb(get_project(ctx, config_file), day)
    if owner is not None and owner not in kb.owners:
        hint = did_you_mean(owner, sorted(kb.owners)) or f"known: {', '.join(sorted(kb.owners))}"
        raise click.BadParameter(f"`{owner}` is not in owners.yml ({hint})", param_hint="'--owner'")
    flags = [
        f
        for f in compute_flags(kb, warn=lambda text: click.secho(text, fg="yellow", err=True))
        if (owner is None or f.owner == owner) and (not states or f.state in states)
    ]
    if as_json:
        print_json({"today": day.isoformat(), "items": [f.to_dict() for f in flags]})
        return
    width = min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns)
    for line, color in table_lines(flags, kb.owners, day.isoformat(), width):
        bold = color == "bold"
        click.secho(line, fg=None if bold else color, bold=bold)


def when(flag: Flag) -> str:
    """How late (or how soon) the item is, in words that fit the first column."""
    days = flag.days_overdue
    if days > 0:
        return f"{days}d ago" if flag.state == "flagged" else f"{days}d overdue"
    if days < 0:
        return f"in {-days} day{'s' * (days != -1)}"
    return "today" if flag.due else "-"


def detail(flag: Flag) -> str:
    """The last column: what is missing for a missing translation, else the page's title."""
    if flag.state == "translation-missing" and flag.missing:
        return "missing " + ", ".join(flag.missing)
    if flag.state == "flagged":
        return flag.reason
    return flag.title or ""


def table_lines(
    flags: list[Flag], owners: dict[str, Owner], today: str, width: int = MAX_WIDTH
) -> list[tuple[str, str | None]]:
    """The report as (line, colour) pairs, one table per owner, every line within ``width``."""
    if not flags:
        return [(f"nothing flagged as of {today}", "green")]
    groups: dict[str, list[Flag]] = defaultdict(list)
    for flag in flags:
        groups[flag.owner or NO_OWNER].append(flag)
    state_w = max(len(f.state) for f in flags)
    lang_w = max(len(f.lang) for f in flags)
    fixed = 2 + _WHEN + 2 + state_w + 2 + lang_w + 2
    room = max(width - fixed, 20)
    path_w = min(max(len(f.path) for f in flags), max(room // 2, room - 40))
    detail_w = max(room - path_w - 2, 0)
    lines: list[tuple[str, str | None]] = []
    for key in sorted(groups, key=lambda k: (k == NO_OWNER, k)):
        owner = owners.get(key)
        header = f"{owner.contact()} [{key}]" if owner else key
        lines.append((clip(header, width), "bold"))
        for flag in groups[key]:
            row = (
                f"  {when(flag):<{_WHEN}}  {flag.state:<{state_w}}  {flag.lang:<{lang_w}}  "
                f"{pad(clip_middle(flag.path, path_w), path_w)}  {clip(detail(flag), detail_w)}"
            )
            color = "red" if flag.days_overdue > 0 else ("yellow" if flag.due else None)
            lines.append((row.rstrip(), color))
        lines.append(("", None))
    pages = len({f.path for f in flags})
    lines.append((f"{len(flags)} item(s), {pages} page(s), as of {today}", None))
    return lines


def _width(text: str) -> int:
    return int(wcwidth.width(text))


def pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (whole graphemes), with an ellipsis when cut."""
    if _width(text) <= width:
        return text
    return wcwidth.clip(text, 0, max(width - 1, 0)).rstrip() + "…" if width > 0 else ""


def clip_middle(path: str, width: int) -> str:
    """A path shortened in the middle, so its folder and file name both stay readable."""
    if len(path) <= width:
        return path
    tail = path.rsplit("/", 1)[-1]
    if len(tail) + 2 >= width:
        return "…" + path[-(width - 1) :]
    head = width - len(tail) - 1
    return path[:head] + "…" + path[-len(tail) :]
