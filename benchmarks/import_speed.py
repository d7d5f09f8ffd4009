"""Benchmark `kb import` (goal: 1,000 files ≤5 s) on real help-center Markdown read from
../shared/corpora at run time: the 414-article help center copied into folders until there are
1,000 files, imported into an empty KB; then the same import again (nothing changed) and a
dry run. Runs the real console script; prints a Markdown table."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import MKDOCS, OWNERS

KB = Path(sys.executable).parent / "kb"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "help-center" / "content"
FILES = 1000


def make_source(root: Path, count: int) -> int:
    articles = sorted(CORPUS.rglob("*.md"))
    written = 0
    copy = 0
    while written < count:
        copy += 1
        for article in articles[: count - written]:
            target = root / f"copy {copy}" / article.relative_to(CORPUS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(article, target)
            written += 1
    return written


def make_project(root: Path) -> None:
    (root / "docs").mkdir(parents=True)
    (root / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
    (root / "policies").mkdir()
    (root / "policies/owners.yml").write_text(OWNERS, encoding="utf-8")


def timed(root: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [str(KB), "import", *args, "--json", "--today", "2026-11-23"],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return time.perf_counter() - start


def main() -> None:
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found: {CORPUS}")
    with tempfile.TemporaryDirectory() as tmp:
        src, project = Path(tmp) / "src", Path(tmp) / "kb"
        files = make_source(src, FILES)
        make_project(project)
        args = (str(src), "kb/help-center", "--id-prefix", "HC", "--audience", "public")
        rows = [
            ("first import (empty DEST)", timed(project, *args)),
            ("re-import, nothing changed", timed(project, *args)),
            ("dry run", timed(project, *args, "--dry-run")),
        ]
    print(
        f"`kb import` of {files:,} help-center files — "
        f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}\n"
    )
    print("| run | wall time | goal |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} s | ≤5 s |")


if __name__ == "__main__":
    main()
