"""``kb import``: bring an existing help center into a content folder, with a report."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from kbsite.cli import config_option, get_project, get_today, json_option, print_json, today_option
from kbsite.importer.pipeline import ImportOptions, ImportUsageError, run_import
from kbsite.importer.report import Event, Report

PROGRESS_FROM = 200  # pages; smaller imports finish before a bar would help
SHOWN = 20  # events of one kind listed in the text report


@click.command("import")
@click.argument("src", type=click.Path(path_type=Path))
@click.argument("dest", type=click.Path(path_type=Path))
@click.option(
    "--type",
    "page_type",
    type=click.Choice(["article", "policy", "procedure"]),
    help="Type of the imported pages (default: from DEST's folder).",
)
@click.option("--owner", metavar="KEY", help="Owner key of owners.yml (required for policies).")
@click.option(
    "--escalate-to", metavar="KEY", help="Procedures: the owner key taking the case next."
)
@click.option("--response-time", metavar="DURATION", help="Procedures: e.g. 4h or 2d.")
@click.option(
    "--audience",
    type=click.Choice(["public", "internal"]),
    help="Audience of the imported pages (default: internal, or DEST's .meta.yml).",
)
@click.option("--lang", metavar="xx", help="Language of every page (default: from the paths).")
@click.option("--id-prefix", metavar="PREFIX", help="Id prefix (default: KB, POL or PROC).")
@click.option(
    "--define",
    "defines",
    multiple=True,
    metavar="NAME=VALUE",
    help="Value for a Liquid variable, e.g. site.email_support=mailto:help@example.com.",
)
@click.option(
    "--overwrite", is_flag=True, help="Replace owner edits and pages kb import did not write."
)
@click.option("--dry-run", is_flag=True, help="Report what would be written; write nothing.")
@json_option
@today_option
@config_option
@click.pass_context
def import_command(
    ctx: click.Context,
    src: Path,
    dest: Path,
    page_type: str | None,
    owner: str | None,
    escalate_to: str | None,
    response_time: str | None,
    audience: str | None,
    lang: str | None,
    id_prefix: str | None,
    defines: tuple[str, ...],
    overwrite: bool,
    dry_run: bool,
    as_json: bool,
    today: str | None,
    config_file: Path | None,
) -> None:
    """Import every Markdown file under SRC into DEST (a folder such as kb/help-center)."""
    project = get_project(ctx, config_file)
    options = ImportOptions(
        src=src,
        dest=dest,
        today=get_today(today),
        page_type=page_type,
        owner=owner,
        escalate_to=escalate_to,
        response_time=response_time,
        audience=audience,
        lang=lang,
        id_prefix=id_prefix,
        dry_run=dry_run,
        overwrite=overwrite,
        defines=list(defines),
    )
    # Counting the files walks SRC once more, so only when a bar could be shown.
    interactive = not as_json and sys.stderr.isatty() and src.is_dir()
    total = sum(1 for _ in src.rglob("*.md")) if interactive else 0
    show_bar = total >= PROGRESS_FROM
    try:
        if show_bar:
            with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
                report = run_import(project, options, bar.update)
        else:
            report = run_import(project, options)
    except ImportUsageError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        print_json(report.to_dict())
    else:
        print_report(report)
    ctx.exit(0 if report.ok else 1)


def print_report(report: Report) -> None:
    if not report.ok:
        for event in report.errors:
            click.echo(
                f"{_where(event)} {click.style('error:', fg='red', bold=True)} {event.message}"
            )
        click.secho("nothing was written", fg="red")
        return
    _section("warnings", report.warnings, "yellow")
    _section("left as it was (no MkDocs equivalent)", report.left, "yellow")
    _section("links to things not imported", report.links_broken, "yellow")
    _section("skipped", report.skipped, None)
    if report.fields_dropped:
        click.echo("fields dropped:")
        for name, files in sorted(report.fields_dropped.items()):
            click.echo(f"  {name}: {len(files)} page(s), e.g. {files[0]}")
    if report.fields_mapped:
        mapped = ", ".join(f"{k} ({v})" for k, v in sorted(report.fields_mapped.items()))
        click.echo(f"fields mapped: {mapped}")
    converted = Counter(e.kind for e in report.converted)
    if converted:
        click.echo("converted: " + ", ".join(f"{k} ({v})" for k, v in sorted(converted.items())))
    actions = report.actions()
    verb = "would write" if report.dry_run else "wrote"
    summary = (
        f"{verb} {len(report.pages)} page(s) to {report.dest} "
        f"({', '.join(f'{n} {a}' for a, n in sorted(actions.items()))}), "
        f"{len(report.assets)} file(s) copied; {report.links_rewritten} link(s) rewritten, "
        f"{len(report.links_broken)} not resolved; {len(report.left)} construct(s) left"
    )
    click.secho(summary, fg="green")
    if not report.dry_run:
        click.echo("next: kb check, then kb build (or make serve)")


def _section(title: str, events: list[Event], color: str | None) -> None:
    if not events:
        return
    click.secho(f"{title} ({len(events)}):", fg=color)
    for event in events[:SHOWN]:
        click.echo(f"  {_where(event)} {event.message}")
    if len(events) > SHOWN:
        click.echo(f"  ... and {len(events) - SHOWN} more (--json lists all)")


def _where(event: Event) -> str:
    return f"{event.file}:{event.line}:" if event.line else f"{event.file}:"
