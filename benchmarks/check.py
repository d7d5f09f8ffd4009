"""Benchmark `kb check` on synthetic KBs of 1,000 and 10,000 pages (goal: ≤1 s and ≤8 s,
≤500 MB peak RSS at 10k). Runs the real console script; prints a Markdown table."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import generate

KB = Path(sys.executable).parent / "kb"
REPEATS = 3


def run_check(root: Path) -> tuple[float, float, int]:
    """Best wall time of REPEATS runs, peak RSS (MB) of the slowest child, and the exit code."""
    best, code = float("inf"), 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        proc = subprocess.run(
            [str(KB), "check", "--json", "--today", "2026-11-23"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=300,
        )
        best = min(best, time.perf_counter() - start)
        code = proc.returncode
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return best, rss_mb, code


def main() -> None:
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print("\n| pages | kb check (best of 3) | goal | peak RSS | exit |")
    print("|---:|---:|---:|---:|---:|")
    for pages, goal in ((1_000, 1.0), (10_000, 8.0)):
        with tempfile.TemporaryDirectory() as tmp:
            root = generate(Path(tmp), pages)
            seconds, rss, code = run_check(root)
            print(f"| {pages:,} | {seconds:.2f} s | ≤{goal:.0f} s | {rss:.0f} MB | {code} |")


if __name__ == "__main__":
    main()
