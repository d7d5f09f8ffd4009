"""Headless Chromium for browser tests: Debian's chromium driven by Playwright, and a static
file server on 127.0.0.1 (lunr search needs HTTP, not file://)."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def require_chromium() -> None:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed and could not be (make test installs it)")


AXE_CORE_VERSION = "4.14.1"  # the axe-core npm package, fetched by `npm pack` at test time
AXE_CACHE = Path(__file__).resolve().parent.parent / ".cache" / f"axe-core-{AXE_CORE_VERSION}"


@contextmanager
def static_server(directory: Path, not_found: str | None = None) -> Iterator[str]:
    """Serve ``directory`` on a free loopback port; yields the base URL.

    ``not_found``: a file (relative to ``directory``) sent with status 404 for every missing
    path, as static hosts do with their one root ``404.html``."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def send_error(self, code: int, message: str | None = None, explain: str | None = None):
            page = directory / not_found if not_found else None
            if code != 404 or page is None or not page.is_file():
                super().send_error(code, message, explain)
                return
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    handler = functools.partial(Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def browser_page() -> Iterator[object]:
    """A fresh Chromium page (Playwright) with a desktop viewport."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            yield page
        finally:
            browser.close()


def axe_script() -> str:
    """axe-core's browser script, pinned to ``AXE_CORE_VERSION``: taken from the npm registry
    with `npm pack` (which checks the package's integrity) into ``.cache/`` once."""
    script = AXE_CACHE / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot fetch axe-core for the accessibility run")
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "pack", f"axe-core@{AXE_CORE_VERSION}", "--silent"],
            cwd=AXE_CACHE,
            check=True,
            capture_output=True,
            timeout=300,
        )
        with tarfile.open(AXE_CACHE / f"axe-core-{AXE_CORE_VERSION}.tgz") as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            script.write_bytes(member.read())
    return script.read_text(encoding="utf-8")
