"""The owners' preview (`mkdocs serve`) survives mistakes: it starts and keeps serving with
errors, each page shows its problems at its top, the home page counts them, drafts are marked;
fixing the mistake makes the box go away. `mkdocs build` still refuses a KB with errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from conftest import TODAY, KBProject, page
from test_server import answering

MKDOCS = Path(sys.executable).parent / "mkdocs"
GOOD_OWNER = "billing-team"


def _files(owner: str) -> dict[str, str]:
    return {
        "policies/refunds.md": page(
            "# Refunds\n\nWithin 30 days.\n",
            id="POL-REFUND",
            title="Refunds",
            owner=owner,
            audience="public",
            effective="2026-01-01",
            last_reviewed="2026-10-01",
        ),
        "kb/new-plug.md": page(
            "# New plug\n\nComing soon.\n",
            id="KB-NEW-PLUG",
            title="New plug",
            audience="internal",
            status="draft",
        ),
    }


@contextmanager
def mkdocs_serve(root: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "KB_TODAY": TODAY}
    proc = subprocess.Popen(
        [str(MKDOCS), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not answering(base + "/", 60, proc, every=0.2, timeout=2):
            proc.terminate()
            raise AssertionError(f"mkdocs serve did not start: {proc.communicate()[1]}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=10)  # also closes its pipe
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def _until(fetch: str, check: object, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while True:
        text = httpx.get(fetch, timeout=5).text
        if check(text):  # type: ignore[operator]
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"{fetch} never matched; last:\n{text[:2000]}")
        time.sleep(0.3)


def test_preview_serves_with_errors_and_shows_them_where_they_are(make_project) -> None:
    """An unknown owner: the preview still starts; the page shows the problem (line, code,
    message, hint) at its top; the home page counts it; the draft is marked; after the fix the
    box is gone. `mkdocs build` of the same KB fails."""
    project: KBProject = make_project(_files("biling-team"))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "KB_TODAY": TODAY}
    build = subprocess.run(
        [str(MKDOCS), "build"], cwd=project.root, env=env, capture_output=True, text=True,
        timeout=180, check=False,
    )  # fmt: skip
    assert build.returncode != 0 and "owner-unknown" in build.stderr
    with mkdocs_serve(project.root) as base:
        refunds = httpx.get(f"{base}/policies/refunds/", timeout=5).text
        assert 'class="admonition danger kb-problems"' in refunds
        assert "owner-unknown" in refunds and "billing-team" in refunds  # the hint
        assert refunds.index("kb-problems") > refunds.index("<h1")  # under the title
        home = httpx.get(f"{base}/", timeout=5).text
        assert 'data-kb-problems="1"' in home and "policies/refunds.md:" in home
        draft = httpx.get(f"{base}/kb/new-plug/", timeout=5).text
        assert 'class="kb-badge"' in draft and "Draft" in draft
        project.write("policies/refunds.md", _files(GOOD_OWNER)["policies/refunds.md"])
        fixed = _until(f"{base}/policies/refunds/", lambda text: "kb-problems" not in text)
        assert "Within 30 days." in fixed
