"""`kb build` on real pages (the PowerShell reference), beside the render floor measured in the
same run: MkDocs + Material building the same Markdown with a one-page navigation and no plugin.

For each size: the floor; a clean `kb build` (both sites, five languages, search indexes, rep
index); then, incrementally: nothing changed, one page's body edited, one page's title edited.
Every figure includes process start. Usage: python benchmarks/build.py [PAGES ...] (default
1000 10000); prints a Markdown table.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import BIN, compile_package, extract, machine, make_floor, make_kb, repair_links, run

EDITS = 3  # body edits timed at each size (the median is printed)


def measure(count: int, work: Path, docset: Path) -> dict[str, float]:
    kb = make_kb(work / f"kb-{count}", docset, count)
    repaired = repair_links(kb)
    floor_root = make_floor(work / f"floor-{count}", docset, count)
    floor, floor_rss, _ = run([str(BIN / "mkdocs"), "build"], floor_root)
    shutil.rmtree(floor_root)
    clean, clean_rss, _ = run([str(BIN / "kb"), "build"], kb)
    unchanged, _, _ = run([str(BIN / "kb"), "build"], kb)
    page = sorted((kb / "kb").rglob("*.md"))[count // 2]
    bodies = []
    for number in range(EDITS):
        page.write_text(page.read_text("utf-8") + f"\nOne more sentence ({number}).\n", "utf-8")
        bodies.append(run([str(BIN / "kb"), "build"], kb)[0])
    body = statistics.median(bodies)
    text = page.read_text("utf-8")
    page.write_text(text.replace('title: "', 'title: "Edited ', 1), "utf-8")
    title, _, _ = run([str(BIN / "kb"), "build"], kb)
    shutil.rmtree(kb)
    return {
        "floor": floor,
        "floor_rss": floor_rss,
        "clean": clean,
        "clean_rss": clean_rss,
        "unchanged": unchanged,
        "body": body,
        "title": title,
        "repaired": repaired,
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    compile_package()
    print(f"Machine: {machine()}\n")
    print(
        "| pages | render floor | kb build (clean) | ratio | peak RSS | nothing changed | "
        f"one body edited (median of {EDITS}) | one title edited |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        docset = extract(work / "corpus")
        for count in sizes:
            m = measure(count, work, docset)
            print(
                f"| {count:,} | {m['floor']:.1f} s | {m['clean']:.1f} s | "
                f"{m['clean'] / m['floor']:.2f}× | {m['clean_rss']:.0f} MB | "
                f"{m['unchanged']:.2f} s | {m['body']:.2f} s | {m['title']:.2f} s |",
                flush=True,
            )


if __name__ == "__main__":
    main()
