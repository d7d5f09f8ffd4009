"""Relevance of rep search on the sample KB: Recall@5 and MRR@10 per language for our analysis
against Whoosh's default analyzer and query parser, on the judged queries of
tests/relevance/queries.yml. Usage: python benchmarks/relevance.py"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO / "tests/relevance/queries.yml"
TODAY = dt.date(2026, 11, 23)


def load_queries() -> list[dict[str, Any]]:
    return yaml.safe_load(QUERIES.read_text(encoding="utf-8"))


def score(ranked: list[str], expect: list[str]) -> tuple[float, float]:
    """(recall@5, reciprocal rank within 10) of one query."""
    recall = len(set(ranked[:5]) & set(expect)) / len(expect)
    rank = next((i for i, page_id in enumerate(ranked[:10], 1) if page_id in expect), None)
    return recall, 1 / rank if rank else 0.0


def ours(root: Path) -> Any:
    """A search function over our index of the KB at ``root``."""
    from kbsite.cli.search import refresh_index
    from kbsite.knowledge import load_kb
    from kbsite.project import find_project
    from kbsite.search.service import Searcher

    project = find_project(root / "mkdocs.yml")
    refresh_index(project, load_kb(project, TODAY), full=True)
    searcher = Searcher(project)

    def run(query: str, lang: str) -> list[str]:
        return [r["id"] for r in searcher.search(query, lang=lang, limit=10)["results"]]

    return run


def whoosh_default(root: Path) -> Any:
    """The same pages in a Whoosh index with its default analyzer and query parser."""
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.qparser import MultifieldParser
    from whoosh.query import Term

    from kbsite.knowledge import load_kb
    from kbsite.project import find_project

    project = find_project(root / "mkdocs.yml")
    kb = load_kb(project, TODAY)
    schema = Schema(id=ID(stored=True), lang=ID, title=TEXT, body=TEXT)
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for page in kb.pages:
            if page.parsed and page.meta.status == "active":
                writer.add_document(
                    id=page.meta.id, lang=page.lang, title=page.meta.title, body=page.body
                )
    searcher = ix.searcher()
    parser = MultifieldParser(["title", "body"], schema)

    def run(query: str, lang: str) -> list[str]:
        try:
            parsed = parser.parse(query)
        except Exception:  # the default parser can fail on user input
            return []
        return [hit["id"] for hit in searcher.search(parsed, filter=Term("lang", lang), limit=10)]

    return run


def _copy(root: Path, tmp: str) -> Path:
    """The KB content of ``root`` in a scratch folder (its index must not touch the repo)."""
    copy = Path(tmp) / "kb"
    ignore = shutil.ignore_patterns(".venv", "site", ".kb", ".git", "tests", "benchmarks")
    shutil.copytree(root, copy, ignore=ignore)
    return copy


def evaluate(root: Path = REPO) -> dict[str, dict[str, dict[str, float]]]:
    """Per engine, per language: recall@5, MRR@10 and query count."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = _copy(root, tmp)
        engines = {"ours": ours(copy), "whoosh default": whoosh_default(copy)}
        table: dict[str, dict[str, dict[str, float]]] = {}
        for name, run in engines.items():
            sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
            for item in load_queries():
                recall, rr = score(run(str(item["q"]), item["lang"]), item["expect"])
                for key in (item["lang"], "all"):
                    sums[key][0] += recall
                    sums[key][1] += rr
                    sums[key][2] += 1
            table[name] = {
                lang: {"recall@5": r / n, "mrr@10": m / n, "queries": n}
                for lang, (r, m, n) in sums.items()
            }
    return table


def misses(root: Path = REPO) -> list[str]:
    """Queries our engine misses in the top 5 (for tuning)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = _copy(root, tmp)
        run = ours(copy)
        return [
            f"{i['lang']}: {i['q']} -> {run(str(i['q']), i['lang'])[:5]}"
            for i in load_queries()
            if not set(run(str(i["q"]), i["lang"])[:5]) & set(i["expect"])
        ]


def main() -> None:
    table = evaluate()
    langs = ["en", "it", "tl", "lv", "te", "all"]
    print("| engine | metric | " + " | ".join(langs) + " |")
    print("|---|---|" + "---:|" * len(langs))
    for name, per_lang in table.items():
        for metric in ("recall@5", "mrr@10"):
            cells = " | ".join(f"{per_lang[lang][metric]:.2f}" for lang in langs)
            print(f"| {name} | {metric} | {cells} |")
    counts = " | ".join(str(table["ours"][lang]["queries"]) for lang in langs)
    print(f"| (queries) | | {counts} |")
    if "-v" in sys.argv:
        print("\n".join(misses()))


if __name__ == "__main__":
    main()
