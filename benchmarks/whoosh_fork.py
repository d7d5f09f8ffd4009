"""Compare Whoosh forks on the same KB: run with each fork's interpreter, e.g.
`python benchmarks/whoosh_fork.py` (this venv: whoosh-reloaded) and
`/tmp/other-venv/bin/python benchmarks/whoosh_fork.py` (a venv with whoosh-ng and kbsite).
Prints one Markdown table row: fork, index build of 2,000 pages, median in-process query time
over a fixed mix, and Recall@5 on the judged sample-KB queries."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from kbsite.cli.search import refresh_index
from kbsite.knowledge import load_kb
from kbsite.project import find_project
from kbsite.search.service import Searcher
from relevance import evaluate
from synth import generate

MIX = [
    "refund customer",
    "warranty",
    "refnud",
    "rimborso",
    "atmaksa",
    "రీఫండ్",
    "POL-P00120",
    "account password reset",
    "delivery invoice",
    "setup light",
]


def fork() -> str:
    for name in ("whoosh-reloaded", "whoosh-ng", "Whoosh"):
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            continue
    return "unknown"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = find_project(generate(Path(tmp), 2_000) / "mkdocs.yml")
        kb = load_kb(project, dt.date(2026, 11, 23))
        start = time.perf_counter()
        refresh_index(project, kb, full=True)
        build = time.perf_counter() - start
        os.environ["KB_SEARCH_CACHE"] = "0"  # time the engine, not the result cache
        searcher = Searcher(project)
        times = []
        for _ in range(5):
            for query in MIX:
                start = time.perf_counter()
                searcher.search(query)
                times.append((time.perf_counter() - start) * 1000)
    recall = evaluate()["ours"]["all"]["recall@5"]
    print(f"| {fork()} | {build:.1f} s | {statistics.median(times):.1f} ms | {recall:.2f} |")


if __name__ == "__main__":
    main()
