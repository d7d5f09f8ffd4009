"""Help-center search on a 10,000-page site: index size and write time, bytes the browser
receives before the first result and for each further query, and time to results, in
Chromium under its "Fast 3G" profile (CDP Network.emulateNetworkConditions), through the
help-center page itself.

The 10,000 pages are the scale corpus (scale-powershell.tar.xz, extracted to a temporary
folder); their search documents are written straight from the Markdown by our writer, without
a MkDocs build, into the search folder of the sample KB's built help center, whose home page
then searches them. Files are served gzip-compressed as a static host does (text types).
Bytes are the encoded response body sizes of Playwright's request log (plus headers).
Usage: python benchmarks/client_search.py [PAGES]"""

from __future__ import annotations

import functools
import gzip
import io
import shutil
import statistics
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))
from browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from client_search_relevance import built_sample  # noqa: E402
from kbsite.markdown.config import markdown_config  # noqa: E402
from kbsite.markdown.model import BodyReader  # noqa: E402
from kbsite.sites.client_search import ClientDoc, write_index  # noqa: E402

CORPUS = Path("/work/shared/corpora/scale-powershell.tar.xz")
#: Chromium DevTools' "Fast 3G" preset.
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
QUERIES = [
    "certificate",  # the first query: index metadata, client, buckets, postings, records
    "firewall rule",
    "Get-ADUser",
    "certifcate template",  # typo
    "virtual machine network adapter",
    "bitlocker recovery password",
    "dns zone transfer",
    "remove printer driver",
    "scheduled tasks",  # inflected
    "netwrok adapter",  # typo
    "set the execution policy",
    "storage pool",
]
TEXT_TYPES = (".html", ".js", ".css", ".json", ".svg", ".xml", ".txt", ".wasm")


def corpus_docs(folder: Path, limit: int) -> list[ClientDoc]:
    """Search documents of the scale corpus: title from front matter, product = docset."""
    docs = []
    reader = BodyReader(markdown_config({"markdown_extensions": ["pymdownx.superfences"]}))
    for path in sorted(folder.rglob("*.md"))[:limit]:
        text = path.read_text(encoding="utf-8", errors="replace")
        meta: dict[str, Any] = {}
        body = text
        if text.startswith("---"):
            _, front, body = text.split("---", 2)
            try:
                meta = yaml.safe_load(front) or {}
            except yaml.YAMLError:
                meta = {}
        rel = path.relative_to(folder).with_suffix("").as_posix()
        docs.append(
            ClientDoc(
                url=f"ref/{rel}/",
                title=str(meta.get("title") or path.stem),
                type="article",
                products=(rel.split("/")[1],),
                lang="en",
                sections=tuple(
                    (s.heading, s.anchor, s.text) for s in reader.read(body).rendering.sections
                ),
            )
        )
    return docs


@contextmanager
def gzip_server(directory: Path) -> Iterator[str]:
    """A static server on 127.0.0.1 that gzips text types, as static hosts do."""

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def send_head(self) -> Any:  # type: ignore[override]
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            gzip_ok = "gzip" in self.headers.get("Accept-Encoding", "")
            if not (gzip_ok and path.is_file() and path.suffix in TEXT_TYPES):
                return super().send_head()
            data = gzip.compress(path.read_bytes(), compresslevel=6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return io.BytesIO(data)

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


TYPE_AND_WAIT = """async ([query, delay]) => {
  const box = document.querySelector("[data-kb-search]");
  const input = box.querySelector("input[name=q]");
  input.focus();
  input.value = "";
  let last = 0;
  const shown = new Promise((resolve) => {
    const on = (event) => {
      if (event.detail.query !== query) return;
      box.removeEventListener("kb-search-results", on);
      resolve({ms: performance.now() - last, results: event.detail.answer.results.length,
               total: event.detail.answer.total});
    };
    box.addEventListener("kb-search-results", on);
  });
  for (const ch of query) {
    input.value += ch;
    last = performance.now();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await new Promise((r) => setTimeout(r, delay));
  }
  return shown;
}"""


def measure(site: Path, throttle: bool = True) -> list[dict[str, Any]]:
    """Type each query into the home page's search box (120 ms a key); bytes received from
    the first key to the results, and ms from the last key to the results (cold: files not
    yet fetched; warm: the same query again, its files cached)."""
    from playwright.sync_api import sync_playwright

    rows = []
    with gzip_server(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            log: list[Any] = []
            page.on("requestfinished", lambda request: log.append(request))
            if throttle:
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", FAST_3G)
            start = time.perf_counter()
            page.goto(f"{base}/", wait_until="load")
            page_load = time.perf_counter() - start
            page_bytes = _bytes(log)
            log.clear()
            for query in QUERIES:
                cold = page.evaluate(TYPE_AND_WAIT, [query, 120])
                received = _bytes(log)
                files = len(log)
                log.clear()
                warm = page.evaluate(TYPE_AND_WAIT, [query, 120])
                rows.append(
                    {
                        "query": query,
                        "bytes": received,
                        "files": files,
                        "cold_ms": cold["ms"],
                        "warm_ms": warm["ms"],
                        "total": cold["total"],
                        "page_bytes": page_bytes,
                        "page_load_s": page_load,
                    }
                )
                log.clear()
        finally:
            browser.close()
    return rows


def _bytes(log: list[Any]) -> int:
    total = 0
    for request in log:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp, built_sample() as sample:
        with tarfile.open(CORPUS) as archive:
            archive.extractall(tmp, filter="data")
        site = sample / "site/public"
        started = time.perf_counter()
        docs = corpus_docs(Path(tmp) / "scale-powershell/docset", pages)
        read_s = time.perf_counter() - started
        search_dir = site / "search"
        shutil.rmtree(search_dir)
        started = time.perf_counter()
        summary = write_index(search_dir, "en", docs, None)
        write_s = time.perf_counter() - started
        files = [f for f in search_dir.rglob("*") if f.is_file()]
        raw = sum(f.stat().st_size for f in files)
        zipped = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)
        print(f"pages {summary.docs}; read {read_s:.1f} s; index written in {write_s:.1f} s;")
        print(f"{len(files)} files, {raw / 1e6:.1f} MB ({zipped / 1e6:.1f} MB gzipped)\n")
        for throttle in (True, False):
            rows = measure(site, throttle)
            label = "Fast 3G" if throttle else "no throttling"
            print(
                f"## {label} (page itself: {rows[0]['page_bytes'] / 1e3:.0f} KB, "
                f"loaded in {rows[0]['page_load_s']:.1f} s)\n"
            )
            print(
                "| query | pages found | KB received | files | ms after last key (cold) "
                "| ms (warm) |"
            )
            print("|---|---:|---:|---:|---:|---:|")
            for row in rows:
                print(
                    f"| {row['query']} | {row['total']} | {row['bytes'] / 1e3:.1f} "
                    f"| {row['files']} | {row['cold_ms']:.0f} | {row['warm_ms']:.0f} |"
                )
            further = [r["bytes"] for r in rows[1:]]
            print(
                f"\nfirst query: {rows[0]['bytes'] / 1e3:.1f} KB; further queries: median "
                f"{statistics.median(further) / 1e3:.1f} KB, max {max(further) / 1e3:.1f} KB; "
                f"warm ms median {statistics.median(r['warm_ms'] for r in rows):.0f}, "
                f"max {max(r['warm_ms'] for r in rows):.0f}\n"
            )


if __name__ == "__main__":
    main()
