"""The ``kb`` command: a thin adapter from the command line to the engine."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import click

from kbsite.dates import DateError, resolve_today
from kbsite.problems import Problem
from kbsite.project import Project, ProjectError, find_project

if TYPE_CHECKING:
    from kbsite.knowledge import KnowledgeBase


def today_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--today",
        metavar="YYYY-MM-DD",
        help="Evaluate dates as of this day (default: KB_TODAY, else the system date).",
    )(func)


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-f",
        "--config-file",
        type=click.Path(dir_okay=True, path_type=Path),
        help="The KB's mkdocs.yml (default: the one in the current folder).",
    )(func)


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def get_today(value: str | None) -> dt.date:
    try:
        return resolve_today(value)
    except DateError as exc:
        raise click.BadParameter(str(exc), param_hint="'--today'") from None


def get_project(ctx: click.Context, config_file: Path | None) -> Project:
    config_file = config_file or (ctx.obj or {}).get("config_file")
    try:
        return find_project(config_file)
    except ProjectError as exc:
        raise click.UsageError(str(exc)) from None


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


class LazyGroup(click.Group):
    """Commands living in their own modules, imported only when run (``kb check`` stays fast)."""

    lazy: ClassVar[dict[str, str]] = {
        "stale": "kbsite.cli.stale:stale",
        "build": "kbsite.cli.build:build",
        "index": "kbsite.cli.search:index",
        "search": "kbsite.cli.search:search",
        "serve": "kbsite.cli.serve:serve",
        "import": "kbsite.cli.importing:import_command",
    }

    def _available(self) -> list[str]:
        return [n for n, t in self.lazy.items() if importlib.util.find_spec(t.split(":")[0])]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._available()])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._available():
            module_name, attr = self.lazy[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module_name), attr)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.version_option(package_name="kbsite")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None) -> None:
    """Knowledge base and policy site generator: check, stale, build, search, serve."""
    ctx.obj = {"config_file": config_file}


@main.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=Path))
@json_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="`github`: GitHub Actions annotations (::error file=...,line=...::...).",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@today_option
@config_option
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[Path, ...],
    as_json: bool,
    output_format: str,
    strict: bool,
    today: str | None,
    config_file: Path | None,
) -> None:
    """Validate every page's metadata, ids, owners, translations and links.

    With PATHs (files or folders), only problems in those are reported and counted; the whole
    KB is still read, so links and ids resolve."""
    from kbsite.cli.selection import PathSelection

    day = get_today(today)
    project = get_project(ctx, config_file)
    try:
        selection = PathSelection.from_arguments(project, paths, Path.cwd())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'PATH'") from None
    from kbsite.knowledge import load_kb

    kb = load_kb(project, day)
    problems = [p for p in kb.problems if selection.covers(p.file)]
    pages = sum(1 for page in kb.pages if selection.covers(page.path))
    ok = not (problems if strict else [p for p in problems if p.is_error])
    if as_json:
        print_json(
            {
                "ok": ok,
                "today": day.isoformat(),
                "pages": pages,
                "problems": [p.to_dict() for p in problems],
            }
        )
    elif output_format == "github":
        for problem in problems:
            click.echo(github_annotation(problem))
        click.echo(summary_line(pages, problems))
    else:
        print_problems(kb, problems=problems, pages=pages)
    ctx.exit(0 if ok else 1)


def print_problems(
    kb: KnowledgeBase,
    err: bool = False,
    *,
    problems: list[Problem] | None = None,
    pages: int | None = None,
) -> None:
    """Compiler-style report, grouped by file, then a one-line summary."""
    problems = kb.problems if problems is None else problems
    current = None
    for problem in problems:
        if current is not None and problem.file != current:
            click.echo("", err=err)
        current = problem.file
        click.echo(_styled(problem), err=err)
    errors = sum(1 for p in problems if p.is_error)
    if problems:
        click.echo("", err=err)
    summary = summary_line(len(kb.pages) if pages is None else pages, problems)
    color = "red" if errors else ("yellow" if problems else "green")
    click.secho(summary, fg=color, err=err)


def summary_line(pages: int, problems: list[Problem]) -> str:
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    return (
        f"{pages} page{'s' * (pages != 1)} checked: {errors} error{'s' * (errors != 1)}, "
        f"{warnings} warning{'s' * (warnings != 1)}"
    )


def _styled(problem: Problem) -> str:
    color = "red" if problem.is_error else "yellow"
    location = f"{problem.file}:{problem.line}:"
    label = click.style(f"{problem.severity} {problem.code}:", fg=color, bold=True)
    rest = f" {problem.message}" + (f" ({problem.hint})" if problem.hint else "")
    return f"{location} {label}{rest}"


def github_annotation(problem: Problem) -> str:
    """A GitHub Actions workflow command that annotates the file and line in a pull request."""

    def escape(text: str, *, prop: bool = False) -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if prop else text

    level = "error" if problem.is_error else "warning"
    message = problem.message + (f" ({problem.hint})" if problem.hint else "")
    return (
        f"::{level} file={escape(problem.file, prop=True)},line={problem.line},"
        f"title={escape(problem.code, prop=True)}::{escape(message)}"
    )


@main.command()
@click.argument("page_type", metavar="TYPE", type=click.Choice(["policy", "procedure", "article"]))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--owner", help="Owner key (default: the one most pages in the folder use).")
@click.option(
    "--escalate-to", metavar="KEY", help="Procedures: the next tier (never the page's owner)."
)
@click.option("--title", help="Title (default: from the file name).")
@today_option
@config_option
@click.pass_context
def new(
    ctx: click.Context,
    page_type: str,
    path: Path,
    owner: str | None,
    escalate_to: str | None,
    title: str | None,
    today: str | None,
    config_file: Path | None,
) -> None:
    """Create a draft page of TYPE at PATH with every required field filled in, and say what
    was chosen and why."""
    from kbsite.scaffold import ScaffoldError, scaffold

    project = get_project(ctx, config_file)
    try:
        done = scaffold(
            project,
            page_type,
            path,
            get_today(today),
            owner=owner,
            title=title,
            escalate_to=escalate_to,
        )
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    rel = project.rel(done.path)
    click.echo(f"created {rel}:")
    width = max(len(c.field) for c in done.choices)
    value_width = max(len(c.value or "") for c in done.choices)
    for choice in done.choices:
        value = choice.value if choice.value is not None else "-"
        click.echo(f"  {choice.field:<{width}}  {value:<{value_width}}  {choice.why}")
    click.echo(f"edit it, then run `kb check {rel}`")


#: Set by a one-shot command once its work is done and written (``kb build``): the process
#: then ends without freeing its objects one by one, which took ~0.5 s at 10,000 pages.
QUICK_EXIT = False


def run() -> None:
    """The ``kb`` console script (and ``python -m kbsite``): ``main``, then the exit."""
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if not QUICK_EXIT:
        sys.exit(code)
    if isinstance(code, str):
        click.echo(code, err=True)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0)
