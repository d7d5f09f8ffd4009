"""What the rep's desk adds to a search: the best passage of each result (sections stored in the
index) against the old excerpt around the first match, measured side by side on the same hits.

Real Markdown (the PowerShell reference docs of ../shared/corpora/scale-powershell.tar.xz,
extracted to a temp folder) becomes N public articles (default 10,000); `kb index --full`
builds the index; then, in-process with the result cache off, each query is searched (limit
20, as the search page asks) and its results' passages are made both ways. Prints a Markdown
table. Usage: python benchmarks/desk.py [PAGES] [QUERIES]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import ARCHIVE, extract
from kbsite.knowledge import load_kb
from kbsite.markdown.cache import ModelCache
from kbsite.project import find_project
from kbsite.search import engine, results
from kbsite.search.analysis import Marks, snippet
from kbsite.search.passages import PageText, best_passage
from kbsite.search.service import Searcher, document, indexable
from kbsite.search.versions import content_fields
from synth import MKDOCS, OWNERS

KB = Path(sys.executable).parent / "kb"
WORD = re.compile(r"[A-Za-z]{5,}")


def make_kb(root: Path, source: Path, count: int) -> list[str]:
    """Public articles from the corpus' Markdown; returns the words of their titles."""
    (root / "docs").mkdir(parents=True)
    (root / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
    (root / "policies").mkdir()
    (root / "policies/owners.yml").write_text(OWNERS, encoding="utf-8")
    titles: list[str] = []
    for number, path in enumerate(sorted(source.rglob("*.md"))[:count]):
        text = path.read_text(encoding="utf-8", errors="replace")
        if text.startswith("---"):
            text = text.split("---", 2)[-1]
        title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), "")
        title = title or path.stem
        titles.append(title)
        front = {
            "id": f"KB-P{number:05d}",
            "title": title,
            "audience": "public",
            "last_reviewed": "2026-10-01",
        }
        lines = "\n".join(f"{k}: {json.dumps(v)}" for k, v in front.items())
        target = root / "kb" / f"page-{number:05d}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\n{lines}\n---\n{text}", encoding="utf-8")
    return titles


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    if not ARCHIVE.is_file():
        sys.exit(f"corpus not found: {ARCHIVE}")
    os.environ["KB_SEARCH_CACHE"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        source = extract(Path(tmp) / "src")
        root = Path(tmp) / "kb"
        titles = make_kb(root, source, pages)
        project = find_project(cwd=root)
        kb = load_kb(project, dt.date(2026, 11, 23))
        live = indexable(kb)
        models = kb.models or ModelCache(project.markdown, None)
        renderings = [models.rendering(page.body) for page in live]  # the page models
        start = time.perf_counter()
        for page, rendering in zip(live, renderings, strict=True):
            document(page, "ok", "en", rendering)
        analysis_seconds = time.perf_counter() - start
        start = time.perf_counter()
        for page, rendering in zip(live, renderings, strict=True):
            content_fields(page, rendering)
        desk_seconds = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(
            [str(KB), "index", "--full", "--today", "2026-11-23"],
            cwd=root,
            check=True,
            capture_output=True,
        )
        index_seconds = time.perf_counter() - start
        index_mb = sum(p.stat().st_size for p in (root / ".kb/index").rglob("*")) / 1e6
        searcher = Searcher(find_project(cwd=root))
        rng = random.Random(5)
        vocabulary = sorted({w.lower() for t in titles for w in WORD.findall(t)})
        queries = [" ".join(rng.sample(vocabulary, rng.randint(1, 2))) for _ in range(count)]
        for query in queries[:20]:  # read the postings once, as a warm server has
            searcher.search(query, limit=20)
        totals, new, old = [], [], []
        stem = engine.stemmer("en")
        for query in queries:
            start = time.perf_counter()
            data = searcher.search(query, limit=20)
            totals.append(time.perf_counter() - start)
            docnums = [
                d
                for r in data["results"]
                for d in engine.lookup.with_value(searcher.engine, "id", r["id"], None)
            ]
            stored = [searcher.engine.stored(d) for d in docnums]
            marks = results.highlighter(query, {"en": stem}, [], [])
            start = time.perf_counter()
            for fields in stored:
                page = PageText.from_stored(fields["sections"], fields["words"])
                best_passage(page, marks, stem, fields["title"])
            new.append(time.perf_counter() - start)
            words = {w.lower() for w in query.split()} | {stem(w.lower()) for w in query.split()}
            flat = Marks(words, prefixes=words)
            start = time.perf_counter()
            for fields in stored:
                text = "\n".join(s for _, marked in fields["sections"] for s in marked)
                snippet(text, flat, stem)
            old.append(time.perf_counter() - start)
        searcher.engine.close()

    def row(name: str, values: list[float]) -> str:
        ms = sorted(v * 1000 for v in values)
        p95 = ms[int(len(ms) * 0.95) - 1]
        return f"| {name} | {statistics.median(ms):.2f} | {p95:.2f} | {ms[-1]:.2f} |"

    print(f"{pages} pages, index built in {index_seconds:.1f} s, {index_mb:.0f} MB; "
          f"{count} queries of 1–2 title words, limit 20, result cache off\n")  # fmt: skip
    print("| indexing, per page (ms) | mean |\n|---|---|")
    print(f"| words, stems and plain text (`document`, reference) | "
          f"{analysis_seconds * 1000 / len(live):.2f} |")  # fmt: skip
    print(f"| sections, answer (`content_fields`, new) | {desk_seconds * 1000 / len(live):.2f} |\n")
    print("| per query (ms) | median | p95 | max |\n|---|---|---|---|")
    print(row("whole search (kb search, desk results)", totals))
    print(row("best passages of its results (new)", new))
    print(row("excerpts around the first match (old, reference)", old))


if __name__ == "__main__":
    main()
