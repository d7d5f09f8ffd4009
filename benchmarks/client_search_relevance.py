"""Relevance of the help-center search, in Chromium through the help-center page itself,
against rep search (`kb search --audience public`, in process) on the same judged queries
(tests/relevance/help_center_queries.yml): Recall@5 and MRR@10 per language.
Usage: python benchmarks/client_search_relevance.py"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))
from browser import CHROMIUM, CHROMIUM_ARGS, static_server  # noqa: E402
from relevance import score  # noqa: E402

QUERIES = REPO / "tests/relevance/help_center_queries.yml"
TODAY = "2026-11-23"
KB = Path(sys.executable).parent / "kb"
LANGS = ("en", "it", "tl", "lv", "te")

#: Types a query into the page's search box and resolves with the ids of the results the page
#: shows for that exact query, pressing "More results" until it shows ten.
ASK = """async (query) => {
  const box = document.querySelector("[data-kb-search]");
  const input = box.querySelector("input[name=q]");
  const items = () => box.querySelectorAll(".md-search-result__item");
  const ids = () => [...items()].map((li) => li.dataset.kbId);
  const once = (name, test) => new Promise((resolve) => {
    const on = (event) => {
      if (!test(event)) return;
      box.removeEventListener(name, on);
      resolve();
    };
    box.addEventListener(name, on);
  });
  const shown = once("kb-search-results", (event) => event.detail.query === query);
  input.focus();
  input.value = query;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  await shown;
  let more = box.querySelector(".kb-search-more button");
  while (more && ids().length < 10) {
    const loaded = once("kb-search-more", () => true);
    more.click();
    await loaded;
    more = box.querySelector(".kb-search-more button");
  }
  return ids();
}"""


def load_queries() -> list[dict[str, Any]]:
    return yaml.safe_load(QUERIES.read_text(encoding="utf-8"))


@contextmanager
def built_sample(root: Path = REPO) -> Iterator[Path]:
    """A scratch copy of the sample KB after `kb build` (both sites, every language)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "kb"
        ignore = shutil.ignore_patterns(".venv", "site", ".kb", ".git", "tests", "benchmarks")
        shutil.copytree(root, copy, ignore=ignore)
        subprocess.run(
            [str(KB), "build", "--today", TODAY], cwd=copy, check=True, capture_output=True
        )
        yield copy


def browser_search(site: Path, queries: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """Ids each query finds in the help center of its language, through the page's search box."""
    from playwright.sync_api import sync_playwright

    found: dict[tuple[str, str], list[str]] = {}
    with static_server(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            for lang in LANGS:
                page.goto(f"{base}/" if lang == "en" else f"{base}/{lang}/")
                for item in (q for q in queries if q["lang"] == lang):
                    query = str(item["q"])
                    found[(query, lang)] = page.evaluate(ASK, query)
        finally:
            browser.close()
    return found


def rep_search(root: Path) -> Callable[[str, str], list[str]]:
    """Rep search on public pages: what `kb search Q --audience public --lang L` returns."""
    from kbsite.project import find_project
    from kbsite.search.service import Searcher

    searcher = Searcher(find_project(root / "mkdocs.yml"))

    def run(query: str, lang: str) -> list[str]:
        answer = searcher.search(query, lang=lang, audience="public", limit=10)
        return [r["id"] for r in answer["results"]]

    return run


def evaluate(root: Path = REPO) -> tuple[dict[str, dict[str, dict[str, float]]], list[str]]:
    """Per engine and language: recall@5, MRR@10, query count; and the queries either misses."""
    queries = load_queries()
    with built_sample(root) as copy:
        client = browser_search(copy / "site/public", queries)
        rep = rep_search(copy)
        engines = {
            "help center (browser)": lambda q, lang: client[(q, lang)],
            "rep search (public)": rep,
        }
        table: dict[str, dict[str, dict[str, float]]] = {}
        misses = []
        for name, run in engines.items():
            sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
            for item in queries:
                ranked = run(str(item["q"]), item["lang"])
                recall, rr = score(ranked, item["expect"])
                if recall < 1:
                    misses.append(f"{name}: {item['lang']} {item['q']!r} -> {ranked[:5]}")
                for key in (item["lang"], "all"):
                    sums[key][0] += recall
                    sums[key][1] += rr
                    sums[key][2] += 1
            table[name] = {
                lang: {"recall@5": r / n, "mrr@10": m / n, "queries": n}
                for lang, (r, m, n) in sums.items()
            }
    return table, misses


def main() -> None:
    table, misses = evaluate()
    print("| engine | lang | queries | Recall@5 | MRR@10 |")
    print("|---|---|---:|---:|---:|")
    for name, rows in table.items():
        for lang in (*LANGS, "all"):
            row = rows[lang]
            print(
                f"| {name} | {lang} | {row['queries']} | {row['recall@5']:.3f} "
                f"| {row['mrr@10']:.3f} |"
            )
    for line in misses:
        print("miss:", line)


if __name__ == "__main__":
    main()
