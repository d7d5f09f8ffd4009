"""`kb check` on real pages (the PowerShell reference): cold (no cache: every body is parsed),
warm (bodies from `.kb/cache/`), with 500 broken links added, and one page of 10,000 identical
headings. The real console script, process start included. Usage: python benchmarks/check.py
[PAGES ...] (default 1000 10000); prints a Markdown table."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import BIN, extract, machine, make_kb, repair_links, run

BROKEN = 500


def check(root: Path) -> tuple[float, float]:
    seconds, rss, _ = run([str(BIN / "kb"), "check", "--json"], root, check=False)
    return seconds, rss


def measure(count: int, work: Path, docset: Path) -> dict[str, float]:
    kb = make_kb(work / f"kb-{count}", docset, count)
    repair_links(kb)
    shutil.rmtree(kb / ".kb", ignore_errors=True)
    cold, cold_rss = check(kb)
    warm, warm_rss = check(kb)
    pages = sorted((kb / "kb").rglob("*.md"))
    for number in range(BROKEN):  # a broken link in 500 pages: each needs a hint
        page = pages[number * len(pages) // BROKEN]
        page.write_text(page.read_text("utf-8") + f"\nSee [gone](missing-{number}.md).\n", "utf-8")
    broken, _ = check(kb)
    heading = kb / "kb" / "headings.md"
    heading.write_text(
        '---\nid: KB-HEADINGS\ntitle: "Headings"\naudience: public\n---\n'
        + "## Same heading\n\ntext\n\n" * 10_000,
        "utf-8",
    )
    headings_cold, _ = check(kb)
    shutil.rmtree(kb)
    return {
        "cold": cold,
        "cold_rss": cold_rss,
        "warm": warm,
        "warm_rss": warm_rss,
        "broken": broken,
        "headings": headings_cold,
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    print(f"Machine: {machine()}\n")
    print(
        "| pages | kb check, cold (parses every body) | peak RSS | warm (cache) | peak RSS | "
        f"warm, {BROKEN} broken links | + a page of 10,000 identical headings |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        docset = extract(work / "corpus")
        for count in sizes:
            m = measure(count, work, docset)
            print(
                f"| {count:,} | {m['cold']:.1f} s | {m['cold_rss']:.0f} MB | {m['warm']:.2f} s | "
                f"{m['warm_rss']:.0f} MB | {m['broken']:.2f} s | {m['headings']:.2f} s |",
                flush=True,
            )


if __name__ == "__main__":
    main()
