"""Benchmark `kb serve --watch`: from saving a page to the open page showing the edit.

The PowerShell reference pages of ../shared/corpora/scale-powershell.tar.xz (extracted to a
temp folder) are imported with `kb import` into a temp KB (default 1,000 pages, public, every
configured language); `kb serve --watch` serves it; Chromium (Playwright) opens one page of the
rep site; then each edit appends a sentence to that page's Markdown and waits, without touching
the browser, until the page shows it. Each edit is timed in phases, from the builder's state
file (`.kb/live.json`) and the reloaded page's own clock (`performance.timeOrigin`), all on
the machine's wall clock:

- watch: the file written → the builder sees the settled change (inotify + quiet time);
- build: → the sites are swapped in (`kb build`'s code path, in the warm builder process);
  its load/sites parts from the builder's timings;
- notify: → the page starts reloading (worker's poll, event stream, script);
- load: → the reloaded page shows the sentence.

Beside it, in the same run: `kb build` from the command line after one more edit (a fresh
process: what the builder saves by staying warm). Prints a Markdown table.
Usage: python benchmarks/watch.py [PAGES] [EDITS]
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import ARCHIVE, BIN, ENV, compile_package, extract
from kbsite.server.live import read_state
from synth import MKDOCS, OWNERS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]  # fmt: skip
TIMEOUT = 120.0  # seconds one edit may take at most
#: In every document the tab loads, from its start: the page's own clock at the first frame
#: whose text holds each edit's sentence. (Asking from here when the text is there would add
#: the round trip to the browser, and the time its poll needs to start again in the reloaded
#: document, to what the page itself took.)
SEEN_SCRIPT = """
(() => {
  const seen = (window.__kbSeen = {});
  const look = () => {
    const text = document.body ? document.body.textContent : "";
    for (const found of text.matchAll(/Edit number (\\d+) reached the page\\./g)) {
      if (!(found[1] in seen)) seen[found[1]] = performance.timeOrigin + performance.now();
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
"""


def make_kb(root: Path, source: Path, count: int) -> None:
    """A KB of ``count`` corpus pages, brought in by `kb import` (as a team would)."""
    picked = root.parent / "picked"
    for path in sorted(source.rglob("*.md"))[:count]:
        target = picked / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (root / "docs").mkdir(parents=True)
    (root / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
    (root / "policies").mkdir()
    (root / "policies/owners.yml").write_text(OWNERS, encoding="utf-8")
    subprocess.run([str(BIN / "kb"), "import", str(picked), "kb/ps", "--audience", "public"],
                   cwd=root, env=ENV, check=True, capture_output=True, timeout=600)  # fmt: skip


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_state(root: Path, test: object, deadline: float) -> dict:
    while time.time() < deadline:
        state = read_state(root)
        if state is not None and test(state):  # type: ignore[operator]
            return state.to_dict()
        time.sleep(0.01)
    log = (root.parent / "serve.log").read_text(encoding="utf-8", errors="replace")
    raise SystemExit(f"the builder did not finish in time; its log ends:\n{log[-3000:]}")


def url_of(root: Path, page: Path) -> str:
    rel = page.relative_to(root).with_suffix("").as_posix()
    return f"/internal/{rel}/"


def timed_cli_build(root: Path, page: Path) -> float:
    with page.open("a", encoding="utf-8") as out:
        out.write("\nOne more sentence for the command-line build.\n")
    start = time.perf_counter()
    subprocess.run([str(BIN / "kb"), "build"], cwd=root, env=ENV, check=True,
                   capture_output=True, timeout=600)  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    if not ARCHIVE.is_file():
        sys.exit(f"corpus not found: {ARCHIVE}")
    from playwright.sync_api import sync_playwright

    compile_package()
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        source = extract(Path(tmp) / "src")
        root = Path(tmp) / "kb"
        make_kb(root, source, pages)
        target = sorted((root / "kb/ps").rglob("*.md"))[pages // 2]
        port = free_port()
        log = (Path(tmp) / "serve.log").open("w")
        command = [str(BIN / "kb"), "serve", "--watch", "--port", str(port)]
        server = subprocess.Popen(command, cwd=root, env=ENV, stdout=log, stderr=subprocess.STDOUT)
        try:
            first = wait_state(root, lambda s: s.ok and s.generation, time.time() + 900)
            while "watching for changes" not in (Path(tmp) / "serve.log").read_text():
                time.sleep(0.1)  # the first index build has ended: the builder is idle
            base = f"http://127.0.0.1:{port}"
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                tab = browser.new_page()
                tab.add_init_script(SEEN_SCRIPT)
                tab.goto(base + url_of(root, target))
                generation = first["generation"]
                for number in range(edits):
                    time.sleep(
                        2
                    )  # a person's pace: the builder, the index and the browser are idle
                    marker = f"Edit number {number} reached the page."
                    saved = time.time()
                    with target.open("a", encoding="utf-8") as out:
                        out.write(f"\n{marker}\n")
                    state = wait_state(root, lambda s, g=generation: s.generation != g,
                                       saved + TIMEOUT)  # fmt: skip
                    generation = state["generation"]
                    found = tab.wait_for_function(
                        f"window.__kbSeen && window.__kbSeen[{number}]", timeout=TIMEOUT * 1000
                    )
                    shown = found.json_value() / 1000
                    reload_start = tab.evaluate("performance.timeOrigin") / 1000
                    timings = state["timings"]
                    rows.append(
                        {
                            "watch": state["seen"] - saved,
                            "load_kb": timings.get("load", 0.0),
                            "sites": timings.get("sites", 0.0),
                            "build": state["finished"] - state["seen"],
                            "notify": reload_start - state["finished"],
                            "page": shown - reload_start,
                            "total": shown - saved,
                        }
                    )
                browser.close()
            time.sleep(1)
            wait_state(root, lambda s: True, time.time() + 5)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
        cli = timed_cli_build(root, target)
    print(
        f"`kb serve --watch`, {pages:,} PowerShell pages (kb import, public, 5 languages, both "
        f"sites), {edits} edits of one page; {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}\n"
    )
    print("| phase | median | max |")
    print("|---|---:|---:|")
    names = {
        "watch": "save → change seen (inotify + 30 ms quiet)",
        "build": "change seen → sites swapped in (builder)",
        "load_kb": "  of which: load and check the KB",
        "sites": "  of which: plan, render, swap both sites",
        "notify": "sites in place → page starts reloading (poll, SSE, script)",
        "page": "reload → edit shown",
        "total": "**save → edit shown**",
    }
    for key, name in names.items():
        values = [row[key] for row in rows]
        print(f"| {name} | {statistics.median(values):.3f} s | {max(values):.3f} s |")
    print(f"| reference: `kb build` from the command line, one edit | {cli:.3f} s | |")


if __name__ == "__main__":
    main()
