"""``kb serve``: serve rep search and both sites (loopback, or anywhere with KB_TOKEN)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kbsite.cli import config_option, get_project
from kbsite.project import Project

if TYPE_CHECKING:
    from kbsite.server.options import ServeOptions


def _names(values: tuple[str, ...], env: str) -> tuple[str, ...]:
    """Option values, then the comma-separated ones of an environment variable."""
    from_env = [v.strip() for v in os.environ.get(env, "").split(",")]
    return tuple(dict.fromkeys([*values, *(v for v in from_env if v)]))


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=min(2, os.cpu_count() or 1),
    show_default=True,
    help="Server processes (one per core answers fastest).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Another host name reps use in the address (repeatable; also KB_ALLOWED_HOSTS, "
    "comma-separated; `*.example.com` for a domain). Other names are refused.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDRESS",
    help="A reverse proxy whose X-Forwarded-Proto/-For are believed (repeatable; also "
    "KB_TRUSTED_PROXIES).",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds a connection has to send a whole request.",
)
@click.option(
    "--keep-alive",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Seconds an idle connection stays open between requests.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=0),
    default=0,
    help="Open connections per worker (default: half the open-file limit, at most 1,000).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Build now and after every change to the content, docs/, mkdocs.yml or "
    "synonyms.yml; open pages reload themselves (a build with errors lists them on the page).",
)
@config_option
@click.pass_context
def serve(
    ctx: click.Context,
    port: int,
    host: str,
    workers: int,
    allowed_hosts: tuple[str, ...],
    trusted_proxies: tuple[str, ...],
    header_timeout: float,
    keep_alive: int,
    max_connections: int,
    watch: bool,
    config_file: Path | None,
) -> None:
    """Serve the search page (/), the API (/api/search), /internal/ and /public/."""
    import uvicorn

    from kbsite.server.app import is_loopback
    from kbsite.server.connections import GuardedHTTP
    from kbsite.server.options import ENV, OptionsError, ServeOptions

    project = get_project(ctx, config_file)
    options = ServeOptions(
        host=host,
        token=os.environ.get("KB_TOKEN") or None,
        allowed_hosts=_names(allowed_hosts, "KB_ALLOWED_HOSTS"),
        trusted_proxies=_names(trusted_proxies, "KB_TRUSTED_PROXIES"),
        header_timeout=header_timeout,
        keep_alive=keep_alive,
        max_connections=max_connections,
        watch=watch,
    )
    if not is_loopback(host) and not options.token:
        raise click.UsageError(
            f"refusing to serve on {host} without an access token: set "
            "KB_TOKEN, or serve on 127.0.0.1"
        )
    try:
        options.check()
    except OptionsError as exc:
        raise click.UsageError(str(exc)) from None
    os.environ[ENV] = options.to_env()  # for the connection limits, and each worker's app
    with_port, any_port = options.host_names()
    accepted = ", ".join(sorted(with_port) + sorted(any_port))
    serving = (
        f"serving {project.root} on http://{host}:{port}/  (rep search; /internal/, "
        f"/public/; Ctrl+C stops)\naccepting the host names {accepted}"
    )
    settings = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "http": GuardedHTTP,
        "timeout_keep_alive": keep_alive,
        "backlog": options.backlog,
        "server_header": False,
        # Forwarded headers only from the proxies named: anyone else could claim HTTPS.
        "proxy_headers": bool(options.trusted_proxies),
        "forwarded_allow_ips": list(options.trusted_proxies) or None,
    }
    if not watch:
        click.echo(serving)
        _run(uvicorn, project, options, workers, settings)
        return
    from kbsite.cli.watch import BuilderProcess

    builder = BuilderProcess(project.config_file)
    # Until uvicorn sets its own: a SIGTERM while the first build runs stops the builder too.
    signal.signal(signal.SIGTERM, _terminated)
    builder.start()
    try:
        builder.wait_first_build()  # as `kb build` then `kb serve` would
        if not builder.process.is_alive():
            raise click.ClickException("the builder stopped (see above): not serving")
        click.echo(f"\n{serving}")
        _run(uvicorn, project, options, workers, settings)
    finally:
        builder.stop()


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _run(
    uvicorn: Any, project: Project, options: ServeOptions, workers: int, settings: dict[str, Any]
) -> None:
    from kbsite.server.app import create_app

    if workers == 1:
        uvicorn.run(create_app(project, options=options), **settings)
        return
    from kbsite.server.balance import run_workers

    os.environ["KB_SERVE_CONFIG"] = str(project.config_file)
    run_workers(uvicorn, "kbsite.server.app:app_from_environment", workers, **settings)
