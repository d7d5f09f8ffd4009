"""Benchmark `kb build` (both sites, every language) against a plain Material build of the same
pages with the default navigation, and one kb-plugin build against the same build without the
plugin's work. Usage: python benchmarks/build.py [PAGES ...] (default: 1000 10000)."""

from __future__ import annotations

import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import generate

BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "KB_TODAY": "2026-11-23"}
PLAIN_MKDOCS = "site_name: Plain\ntheme:\n  name: material\nplugins:\n  - search\n"
PLAIN_LIMIT = 2_000  # the plain build's nav makes it quadratic: skipped above this size


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def plain_copy(root: Path, target: Path, nav: str | None = None) -> Path:
    """The same pages under docs/ for MkDocs without the kb plugin."""
    docs = target / "docs"
    docs.mkdir(parents=True)
    for folder in ("kb", "policies"):
        shutil.copytree(root / folder, docs / folder)
    (docs / "policies/owners.yml").unlink()
    shutil.copy(root / "docs/index.md", docs / "index.md")
    config = PLAIN_MKDOCS + (f"nav:\n  - {nav}\n" if nav else "")
    (target / "mkdocs.yml").write_text(config, encoding="utf-8")
    return target


def html_stats(site: Path) -> tuple[int, float]:
    pages = list(site.rglob("*.html"))
    return len(pages), sum(p.stat().st_size for p in pages) / max(len(pages), 1) / 1024


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 10_000]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    rows = []
    for pages in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = generate(Path(tmp) / "kb", pages)
            kb_seconds = timed([str(BIN / "kb"), "build"], root)
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            count, avg_kb = html_stats(root / "site")
            one = timed([str(BIN / "mkdocs"), "build", "-q", "-d", "site/one"], root)
            bare = plain_copy(root, Path(tmp) / "bare", nav="index.md")
            no_plugin = timed([str(BIN / "mkdocs"), "build", "-q"], bare)
            plain = None
            if pages <= PLAIN_LIMIT:
                plain_root = plain_copy(root, Path(tmp) / "plain")
                plain = timed([str(BIN / "mkdocs"), "build", "-q"], plain_root)
                _, plain_kb = html_stats(plain_root / "site")
            rows.append(
                (
                    pages,
                    kb_seconds,
                    plain,
                    plain_kb if plain else None,
                    rss,
                    count,
                    avg_kb,
                    one,
                    no_plugin,
                )
            )
    print(
        "\n| pages | kb build (2 sites × 5 langs) | plain Material build | ratio | peak RSS "
        "| HTML files | avg HTML | plain avg HTML | 1 build with plugin | same without |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for pages, kb_s, plain, plain_kb, rss, count, avg, one, bare in rows:
        ratio = f"{kb_s / plain:.2f}×" if plain else "n/a"
        plain_s = f"{plain:.1f} s" if plain else "skipped (quadratic nav)"
        plain_html = f"{plain_kb:.0f} KB" if plain_kb else "n/a"
        print(
            f"| {pages:,} | {kb_s:.1f} s | {plain_s} | {ratio} | {rss:.0f} MB | {count:,} | "
            f"{avg:.0f} KB | {plain_html} | {one:.1f} s | {bare:.1f} s |"
        )


if __name__ == "__main__":
    main()
