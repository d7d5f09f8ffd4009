"""`kb serve --watch` on 127.0.0.1: an edit on disk reaches an open page by itself (Chromium),
a build with errors keeps the last good page and lists them, the event stream stays behind
the token and the host check, every worker hears of a build, and the built sites are exactly
`kb build`'s (the reload script is added at serve time only)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from browser import ARTIFACTS, browser_page
from conftest import KB_BIN, MINIMAL_MKDOCS, OWNERS, TODAY, page, run_kb
from kbsite.server.live import BuildState, inject, read_state
from test_server import answering, free_port

TOKEN = "live-reload-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SETUP = "kb/setup/connect.md"
ARTICLE = {
    "id": "KB-SETUP-CONNECT",
    "title": "Connect the hub",
    "audience": "public",
    "status": "active",
    "last_reviewed": "2026-11-01",
}
WAIT = 60  # seconds: a bound for one rebuild of this small KB on a busy machine


def setup_page(text: str, **fields: str) -> str:
    return page(f"# Connect the hub\n\n{text}\n", **{**ARTICLE, **fields})


@dataclass
class Watched:
    root: Path
    base: str
    log: Path

    def write(self, rel: str, content: str) -> None:
        # Into a temporary file, then renamed over the page: as editors save.
        path = self.root / rel
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(content, encoding="utf-8")
        temporary.replace(path)

    def state_after(self, test: Callable[[BuildState], bool], what: str) -> BuildState:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            state = read_state(self.root)
            if state is not None and test(state):
                return state
            time.sleep(0.05)
        raise AssertionError(f"no build {what} within {WAIT} s:\n{self.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watched]:
    """A two-page KB (English only, to stay quick) under `kb serve --watch --workers 2` with
    a token, after its first build."""
    root = tmp_path_factory.mktemp("watch") / "kb"
    files = {
        "mkdocs.yml": MINIMAL_MKDOCS.replace("[en, it, tl, lv, te]", "[en]"),
        "policies/owners.yml": OWNERS,
        "docs/index.md": "# Home\n\nWelcome.\n",
        SETUP: setup_page("Hold the button for five seconds."),
        "kb/setup/reset.md": page(
            "# Reset the hub\n\nSee [connecting](connect.md).\n",
            **{**ARTICLE, "id": "KB-SETUP-RESET", "title": "Reset the hub"},
        ),
    }
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content, encoding="utf-8")
    log = root.parent / "serve.log"
    port = free_port()
    env = {**os.environ, "KB_TODAY": TODAY, "KB_TOKEN": TOKEN, "NO_MKDOCS_2_WARNING": "1"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(KB_BIN), "serve", "--watch", "--workers", "2", "--port", str(port)],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    served = Watched(root, f"http://127.0.0.1:{port}", log)
    try:
        served.state_after(lambda s: s.ok and bool(s.generation), "at start")
        # The server opens once the first build (and index) is done.
        assert answering(f"{served.base}/healthz", WAIT), log.read_text()
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def page_generation(html: str) -> str:
    marker = 'data-kb-generation="'
    assert html.count(marker) == 1
    return html.split(marker, 1)[1].split('"', 1)[0]


def first_event(base: str, headers: dict[str, str]) -> tuple[httpx.Response, dict]:
    with httpx.stream("GET", f"{base}/_kb/events", headers=headers, timeout=10) as response:
        if response.status_code != 200:
            response.read()
            return response, {}
        for line in response.iter_lines():
            if line.startswith("data: "):
                return response, json.loads(line[6:])
    raise AssertionError("the stream ended without an event")


def test_inject_puts_the_script_before_the_last_body_end() -> None:
    """The tag goes before the last `</body>` (any case), escaped; without one, at the end."""
    html = b"<p>a</body> text</BODY >\n</html>"
    out = inject(html, 'g"1')
    assert out.startswith(b'<p>a</body> text<script src="/_kb/live.js"')
    assert b'data-kb-generation="g&quot;1"' in out and out.endswith(b"</BODY >\n</html>")
    assert inject("<p>no body", "7").endswith(b'data-kb-events="/_kb/events" defer></script>')


def test_event_stream_is_behind_the_token_and_the_host_check(watched: Watched) -> None:
    """/_kb/events and /_kb/live.js need the token (401) and one of the server's own host
    names (400); with both, the stream's first event names the generation the served page
    carries. Pages of both sites get the script, and no cached copy."""
    base = watched.base
    assert first_event(base, {})[0].status_code == 401
    assert first_event(base, {**AUTH, "Host": "rebind.example"})[0].status_code == 400
    assert httpx.get(f"{base}/_kb/live.js").status_code == 401
    script = httpx.get(f"{base}/_kb/live.js", headers=AUTH)
    assert script.status_code == 200 and "EventSource" in script.text
    response, event = first_event(base, AUTH)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-frame-options"] == "DENY"
    assert event["ok"] is True and event["errors"] == []
    for site in ("internal", "public"):
        served = httpx.get(f"{base}/{site}/kb/setup/connect/", headers=AUTH)
        assert served.status_code == 200 and served.headers["cache-control"] == "no-store"
        assert page_generation(served.text) == event["generation"]
    missing = httpx.get(f"{base}/internal/nowhere/", headers=AUTH)
    assert missing.status_code == 404 and page_generation(missing.text) == event["generation"]


def test_every_worker_hears_of_a_build_and_of_a_broken_config(watched: Watched) -> None:
    """Streams opened on both workers all get the new generation after an edit; a broken
    mkdocs.yml is reported (relative path and line) with the generation unchanged, and
    restoring it brings `ok` back."""
    before = read_state(watched.root)
    assert before is not None
    events: list[list[dict]] = [[] for _ in range(4)]

    def listen(found: list[dict]) -> None:
        deadline = time.monotonic() + WAIT
        with httpx.stream("GET", f"{watched.base}/_kb/events", headers=AUTH,
                          timeout=WAIT) as response:  # fmt: skip
            for line in response.iter_lines():
                if line.startswith("data: "):
                    found.append(json.loads(line[6:]))
                if len(found) >= 4 or time.monotonic() > deadline:
                    return

    threads = [threading.Thread(target=listen, args=(found,)) for found in events]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    watched.write(SETUP, setup_page("Hold the button for six seconds."))
    built = watched.state_after(lambda s: s.generation != before.generation, "after an edit")
    config = watched.root / "mkdocs.yml"
    good = config.read_text(encoding="utf-8")
    watched.write("mkdocs.yml", good + "extra: [unclosed\n")
    broken = watched.state_after(lambda s: not s.ok, "with the broken config")
    watched.write("mkdocs.yml", good)
    watched.state_after(lambda s: s.ok, "with the config restored")
    for thread in threads:
        thread.join(WAIT)
    assert broken.generation == built.generation and broken.failure is not None
    assert broken.failure.startswith("mkdocs.yml:") and str(watched.root) not in broken.failure
    for found in events:  # the first event is the state at connection time
        assert [e["generation"] for e in found[1:]][:1] == [built.generation], found
        assert any(not e["ok"] and e["failure"] == broken.failure for e in found), found
        assert found[-1]["ok"] is True


@pytest.mark.browser
def test_an_open_page_follows_edits_and_shows_a_broken_builds_errors(watched: Watched) -> None:
    """In Chromium: an edit on disk shows on the open page without the test reloading it; an
    edit with an error keeps the page (no reload) and lists file:line: code: message over
    it; fixing the error reloads the page with the fixed text and no list."""
    with browser_page() as tab:
        tab.goto(f"{watched.base}/internal/kb/setup/connect/?token={TOKEN}")
        tab.locator("article").get_by_text("Hold the button for").wait_for()
        loads: list[str] = []
        tab.on("load", lambda _: loads.append(tab.url))
        watched.write(SETUP, setup_page("Hold the button for ten seconds."))
        tab.locator("article").get_by_text("Hold the button for ten seconds.").wait_for(
            timeout=WAIT * 1000
        )
        tab.wait_for_load_state("load")  # the new text shows before its page's load event
        assert len(loads) == 1  # the page reloaded itself, once
        tab.evaluate("window.kbSamePage = true")

        watched.write(SETUP, setup_page("Hold it for twelve seconds.", status="bogus"))
        overlay = tab.locator("#kb-live-errors")
        overlay.wait_for(timeout=WAIT * 1000)
        text = overlay.inner_text()
        assert "kb/setup/connect.md:" in text and ": field-invalid: `status`" in text
        assert tab.evaluate("window.kbSamePage") is True and len(loads) == 1
        assert tab.locator("article").get_by_text("Hold the button for ten seconds.").is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        for width in (1280, 390):
            tab.set_viewport_size({"width": width, "height": 800})
            tab.screenshot(path=str(ARTIFACTS / f"watch-errors-{width}.png"))

        watched.write(SETUP, setup_page("Hold it for twelve seconds."))
        tab.locator("article").get_by_text("Hold it for twelve seconds.").wait_for(
            timeout=WAIT * 1000
        )
        tab.wait_for_load_state("load")
        assert tab.evaluate("window.kbSamePage") is None and len(loads) == 2
        assert overlay.count() == 0


def test_the_watched_sites_are_kb_builds_own(watched: Watched, tmp_path: Path) -> None:
    """After the edits above, site/ holds no reload script, and every page is byte for byte
    what a clean `kb build` of the same files writes."""
    watched.state_after(lambda s: s.ok, "settled")
    clean = tmp_path / "clean"
    shutil.copytree(watched.root, clean, ignore=shutil.ignore_patterns("site", ".kb"))
    result = run_kb("build", "--today", TODAY, cwd=clean, timeout=300)
    assert result.code == 0, result.err
    ours = sorted(p.relative_to(watched.root) for p in (watched.root / "site").rglob("*.html"))
    theirs = sorted(p.relative_to(clean) for p in (clean / "site").rglob("*.html"))
    assert ours == theirs and len(ours) > 5
    for rel in ours:
        data = (watched.root / rel).read_bytes()
        assert b"/_kb/" not in data, rel
        assert data == (clean / rel).read_bytes(), rel


def _builder_of(server: int) -> int:
    """The builder process among a server's children (not multiprocessing's tracker)."""
    children = Path(f"/proc/{server}/task/{server}/children").read_text().split()
    for child in children:
        command = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"spawn_main" in command:
            return int(child)
    raise AssertionError(f"no builder among {children}")


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_killed_server_takes_its_builder_with_it(watched: Watched, tmp_path: Path) -> None:
    """SIGKILL to `kb serve --watch` (no clean-up code runs) still ends its builder."""
    root = tmp_path / "kb"
    shutil.copytree(watched.root, root, ignore=shutil.ignore_patterns("site", ".kb"))
    env = {**os.environ, "KB_TODAY": TODAY, "NO_MKDOCS_2_WARNING": "1"}
    command = [str(KB_BIN), "serve", "--watch", "--workers", "1", "--port", str(free_port())]
    proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + WAIT
        while read_state(root) is None:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        builder = _builder_of(proc.pid)
        assert _running(builder)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _running(builder) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(builder)
