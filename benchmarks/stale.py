"""What staleness adds to `kb check` at 1,000 and 10,000 pages (goal: ≤1 s at 10k), in-process,
best of 3. Pages link to each other, so `links-changed` is exercised. Usage: python
benchmarks/stale.py"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from kbsite.knowledge import load_kb
from kbsite.project import find_project
from kbsite.review.staleness import compute_flags
from synth import generate

TODAY = dt.date(2026, 11, 23)


def best(func, repeats: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    print("| pages | load + check | staleness | flags | states |")
    print("|---:|---:|---:|---:|---|")
    for pages in (1_000, 10_000):
        with tempfile.TemporaryDirectory() as tmp:
            project = find_project(generate(Path(tmp), pages) / "mkdocs.yml")
            check_s, kb = best(lambda project=project: load_kb(project, TODAY))
            stale_s, flags = best(lambda kb=kb: compute_flags(kb))
            states = ", ".join(f"{s} {n}" for s, n in Counter(f.state for f in flags).most_common())
            print(f"| {pages:,} | {check_s:.2f} s | {stale_s:.3f} s | {len(flags):,} | {states} |")


if __name__ == "__main__":
    main()
