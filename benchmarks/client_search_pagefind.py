"""The same measurements with Pagefind (`pagefind[bin]` 1.5.2, its Python API and its own
browser client): relevance on the judged help-center queries, one Pagefind index per language
site fed with the same search documents as ours; and, on the 10,000-page scale corpus, index
size and bytes and time per query under Fast 3G through its JS API (`pagefind.js`) on the
help-center home page. Needs `pip install "pagefind[bin]==1.5.2"` (not a project dependency).
Usage: python benchmarks/client_search_pagefind.py [PAGES]"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import html
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))
from browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from client_search import CORPUS, FAST_3G, QUERIES, corpus_docs, gzip_server  # noqa: E402
from client_search_relevance import LANGS, TODAY, built_sample, load_queries  # noqa: E402
from kbsite.sites.client_search import ClientDoc  # noqa: E402
from relevance import score  # noqa: E402

SEARCH = """async ([query, first]) => {
  if (!window.pf) {
    window.pf = await import(new URL("pagefind/pagefind.js", document.baseURI).href);
    await window.pf.options({ excerptLength: 20 });
  }
  const start = performance.now();
  const found = await window.pf.search(query);
  const data = await Promise.all(found.results.slice(0, first).map((r) => r.data()));
  return { ms: performance.now() - start, total: found.results.length,
           ids: data.map((d) => d.meta.id || d.url) };
}"""


def page_html(doc: ClientDoc) -> str:
    """A minimal HTML page of a document for Pagefind's CLI."""
    body = "".join(
        (f'<h2 id="{html.escape(a)}">{html.escape(h)}</h2>' if h else "")
        + f"<p>{html.escape(t)}</p>"
        for h, a, t in doc.sections
    )
    return (
        f'<html lang="{doc.lang}"><body><main data-pagefind-body>'
        f'<h1 data-pagefind-meta="title">{html.escape(doc.title)}</h1>{body}</main></body></html>'
    )


def text_of(doc: ClientDoc) -> str:
    parts = [doc.title, *(f"{h}\n{t}" if h else t for h, _, t in doc.sections)]
    return "\n".join(parts + ([doc.id] if doc.id else []))


async def write_pagefind(out: Path, docs: list[ClientDoc], lang: str) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(output_path=str(out))
    async with PagefindIndex(config=config) as index:
        for doc in docs:
            await index.add_custom_record(
                url="/" + doc.url,
                content=text_of(doc),
                language=lang,
                meta={"title": doc.title, "id": doc.id or ""},
                filters={"type": [doc.type], "product": list(doc.products)},
            )


def sample_docs(root: Path, lang: str) -> list[ClientDoc]:
    """The search documents our writer indexes for one language site of the sample KB."""
    from kbsite.sites.client_search.mkdocs_glue import site_docs

    from kbsite.knowledge import load_kb
    from kbsite.project import find_project
    from kbsite.review.staleness import compute_flags

    kb = load_kb(find_project(root / "mkdocs.yml"), dt.date.fromisoformat(TODAY))
    site = root / "site/public" / ("" if lang == "en" else lang)
    return site_docs(kb, compute_flags(kb), lang, site)


def relevance() -> None:
    from playwright.sync_api import sync_playwright

    queries = load_queries()
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    with built_sample() as root:
        site = root / "site/public"
        for lang in LANGS:
            folder = site / ("" if lang == "en" else lang)
            asyncio.run(write_pagefind(folder / "pagefind", sample_docs(root, lang), lang))
        with gzip_server(site) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            for lang in LANGS:
                page.goto(f"{base}/" if lang == "en" else f"{base}/{lang}/")
                for item in (q for q in queries if q["lang"] == lang):
                    ids = page.evaluate(SEARCH, [str(item["q"]), 10])["ids"]
                    recall, rr = score(ids, item["expect"])
                    if recall < 1:
                        print(f"miss: {lang} {item['q']!r} -> {ids[:5]}")
                    for key in (lang, "all"):
                        sums[key][0] += recall
                        sums[key][1] += rr
                        sums[key][2] += 1
            browser.close()
    print("| engine | lang | queries | Recall@5 | MRR@10 |\n|---|---|---:|---:|---:|")
    for lang in (*LANGS, "all"):
        r, m, n = sums[lang]
        print(f"| Pagefind 1.5.2 | {lang} | {n} | {r / n:.3f} | {m / n:.3f} |")


def scale(pages: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, built_sample() as root:
        with tarfile.open(CORPUS) as archive:
            archive.extractall(tmp, filter="data")
        docs = corpus_docs(Path(tmp) / "scale-powershell/docset", pages)
        site = root / "site/public"
        pages_dir = Path(tmp) / "pages"
        for doc in docs:  # Pagefind's CLI indexes HTML (its Python API stalled at 10,000)
            target = pages_dir / doc.url / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page_html(doc), encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pagefind",
                "--site",
                str(pages_dir),
                "--output-path",
                str(site / "pagefind"),
                "--quiet",
            ],
            check=True,
        )
        seconds = time.perf_counter() - started
        files = [f for f in (site / "pagefind").rglob("*") if f.is_file()]
        size = sum(f.stat().st_size for f in files)
        print(
            f"\nPagefind, {len(docs)} pages: written in {seconds:.1f} s; {len(files)} files, "
            f"{size / 1e6:.1f} MB (fragments and index chunks are gzipped by Pagefind)"
        )
        raw = sum(len(gzip.compress(f.read_bytes())) for f in files if f.suffix in (".js", ".css"))
        print(f"(its .js/.css gzipped: {raw / 1e3:.0f} KB)\n")
        with gzip_server(site) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context()
            page = context.new_page()
            log: list[Any] = []
            page.on("requestfinished", lambda request: log.append(request))
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", FAST_3G)
            page.goto(f"{base}/", wait_until="load")
            log.clear()
            print(
                "| query | pages found | KB received | files | ms to 5 results (cold) | ms (warm) |"
            )
            print("|---|---:|---:|---:|---:|---:|")
            received = []
            for query in QUERIES:
                cold = page.evaluate(SEARCH, [query, 5])
                kb = sum(
                    r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in log
                )
                files_n = len(log)
                log.clear()
                warm = page.evaluate(SEARCH, [query, 5])
                received.append(kb)
                print(
                    f"| {query} | {cold['total']} | {kb / 1e3:.1f} | {files_n} | "
                    f"{cold['ms']:.0f} | {warm['ms']:.0f} |"
                )
            further = received[1:]
            print(
                f"\nfirst query {received[0] / 1e3:.1f} KB; further: median "
                f"{statistics.median(further) / 1e3:.1f} KB, max {max(further) / 1e3:.1f} KB"
            )
            browser.close()


if __name__ == "__main__":
    relevance()
    scale(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
