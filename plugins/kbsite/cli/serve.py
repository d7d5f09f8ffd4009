"""``kb serve``: serve rep search and both sites (loopback, or anywhere with KB_TOKEN)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from kbsite.cli import config_option, get_project


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
@config_option
@click.pass_context
def serve(ctx: click.Context, port: int, host: str, workers: int, config_file: Path | None) -> None:
    """Serve the search page (/), the API (/api/search), /internal/ and /public/."""
    import uvicorn

    from kbsite.server.app import NoDelayHTTP, create_app, is_loopback

    project = get_project(ctx, config_file)
    token = os.environ.get("KB_TOKEN") or None
    if not is_loopback(host) and not token:
        raise click.UsageError(
            f"refusing to serve on {host} without an access token: set "
            "KB_TOKEN, or serve on 127.0.0.1"
        )
    click.echo(
        f"serving {project.root} on http://{host}:{port}/  (rep search; /internal/, "
        f"/public/; Ctrl+C stops)"
    )
    if workers == 1:
        uvicorn.run(
            create_app(project, token), host=host, port=port, log_level="warning", http=NoDelayHTTP
        )
        return
    os.environ["KB_SERVE_CONFIG"] = str(project.config_file)
    uvicorn.run(
        "kbsite.server.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        http=NoDelayHTTP,
    )
