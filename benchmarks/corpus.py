"""Real pages for the benchmarks: a KB made from the PowerShell reference (10,000 pages of
``scale-powershell.tar.xz``), extracted to a temporary folder at run time.

Each page keeps its body; its front matter becomes ours (an id from the file name, its title,
``audience: public``, reviewed on its ``ms.date``), so the KB passes ``kb check`` apart from
the links the corpus itself has broken. The same Markdown files, as they are, make the plain
MkDocs + Material project of the "render floor".
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import yaml

SHARED = Path(os.environ.get("KB_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
if not SHARED.is_dir():
    SHARED = Path("/work/shared")
ARCHIVE = SHARED / "corpora" / "scale-powershell.tar.xz"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "KB_TODAY": "2026-11-23"}
EXTENSIONS = """markdown_extensions:
  - toc:
      permalink: true
      slugify: !!python/name:kbsite.markdown.slugs.slugify
  - admonition
  - attr_list
  - tables
  - pymdownx.details
  - pymdownx.superfences
"""
KB_MKDOCS = (
    "site_name: PowerShell help\nsite_url: https://help.example.com/\ndocs_dir: docs\n"
    "theme:\n  name: material\nplugins:\n  - search\n  - kb:\n"
    "      languages: [en, it, tl, lv, te]\n" + EXTENSIONS
)
FLOOR_MKDOCS = (
    "site_name: PowerShell help\nsite_url: https://help.example.com/\ntheme:\n  name: material\n"
    "plugins: []\nnav:\n  - index.md\nvalidation:\n  omitted_files: ignore\n  "
    "unrecognized_links: ignore\n  not_found: ignore\n  anchors: ignore\n" + EXTENSIONS
)
_ID_WORD = re.compile(r"[^A-Z0-9]+")


def extract(target: Path) -> Path:
    """The corpus's Markdown files, extracted under ``target`` (once)."""
    docset = target / "scale-powershell" / "docset"
    if not docset.is_dir():
        with tarfile.open(ARCHIVE) as archive:
            archive.extractall(target, filter="data")
    return docset


def pages(docset: Path, count: int) -> list[Path]:
    found = sorted(docset.rglob("*.md"))
    if len(found) < count:
        raise SystemExit(f"only {len(found)} pages in {docset}")
    return found[:count]


def _front(text: str) -> tuple[dict[str, object], str]:
    if text.startswith("---"):
        _, front, body = text.split("---", 2)
        try:
            data = yaml.safe_load(front) or {}
        except yaml.YAMLError:
            data = {}
        return (data if isinstance(data, dict) else {}), body
    return {}, text


def _date(value: object) -> str:
    match = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", str(value))
    if not match:
        return "2026-01-01"
    month, day, year = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def make_kb(root: Path, docset: Path, count: int) -> Path:
    """A KB project of ``count`` corpus pages under ``root/kb/``."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "docs").mkdir(parents=True)
    (root / "policies").mkdir()
    (root / "policies/owners.yml").write_text("docs-team:\n  name: Docs team\n", "utf-8")
    (root / "docs/index.md").write_text("# PowerShell help\n\nReference pages.\n", "utf-8")
    (root / "mkdocs.yml").write_text(KB_MKDOCS, "utf-8")
    taken: set[str] = set()
    for path in pages(docset, count):
        rel = path.relative_to(docset)
        meta, body = _front(path.read_text(encoding="utf-8-sig", errors="replace"))
        words = _ID_WORD.sub("-", f"{rel.parts[0]}-{path.stem}".upper()).strip("-")
        page_id = f"KB-{words}"
        while page_id in taken:
            page_id += "-X"
        taken.add(page_id)
        title = str(meta.get("title") or path.stem).replace('"', "'")
        front = (
            f'---\nid: {page_id}\ntitle: "{title}"\naudience: public\n'
            f"last_reviewed: {_date(meta.get('ms.date'))}\n---\n"
        )
        target = root / "kb" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(front + body, encoding="utf-8")
    return root


def make_floor(root: Path, docset: Path, count: int) -> Path:
    """The same pages as they are, for MkDocs + Material with a one-page nav."""
    shutil.rmtree(root, ignore_errors=True)
    docs = root / "docs"
    for path in pages(docset, count):
        target = docs / "kb" / path.relative_to(docset)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (docs / "index.md").write_text("# PowerShell help\n\nReference pages.\n", "utf-8")
    (root / "mkdocs.yml").write_text(FLOOR_MKDOCS, "utf-8")
    return root


def run(args: list[str], cwd: Path, check: bool = True) -> tuple[float, float, str]:
    """Wall time (s) and peak RSS (MB) of a command and its children, and its stderr."""
    probe = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(p.stderr[-3000:])\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(p.returncode)\n"
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", probe, *args], cwd=cwd, env=ENV, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    rss = int(proc.stdout.strip().splitlines()[-1]) / 1024 if proc.stdout.strip() else 0.0
    return seconds, rss, proc.stderr


def machine() -> str:
    import platform

    cores = os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (
        f"{platform.machine()}, {cores} cores, {memory:.0f} GiB, Python "
        f"{platform.python_version()}, load average {load:.1f} at start"
    )


def compile_package() -> None:
    """Bytecode for our package, as an installed wheel has. An editable install compiles it
    at the first import, and where PYTHONDONTWRITEBYTECODE is set (this sandbox) at every
    process start: ~0.08 s of each `kb` command that is not the product's."""
    import compileall

    import kbsite

    compileall.compile_dir(Path(kbsite.__file__).parent, quiet=1)


__all__ = [
    "BIN",
    "compile_package",
    "extract",
    "machine",
    "make_floor",
    "make_kb",
    "resource",
    "run",
]


def repair_links(root: Path) -> int:
    """Point the links the corpus itself has broken (to pages outside the sample, missing
    anchors) at an outside URL, so the KB builds; returns how many."""
    import json
    from collections import defaultdict

    proc = subprocess.run(
        [str(BIN / "kb"), "check", "--json"], cwd=root, env=ENV, capture_output=True, text=True
    )
    broken: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for problem in json.loads(proc.stdout)["problems"]:
        if problem["code"] == "link-broken":
            target = problem["message"].split("`")[1]
            broken[problem["file"]].append((problem["line"], target))
    for rel, found in broken.items():
        path = root / rel
        lines = path.read_text(encoding="utf-8").split("\n")
        for line, target in found:
            lines[line - 1] = lines[line - 1].replace(target, "https://learn.example.com/", 1)
        path.write_text("\n".join(lines), encoding="utf-8")
    return sum(len(v) for v in broken.values())
