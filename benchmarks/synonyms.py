"""Planning a query against a large synonyms file: the cost of looking up a query's words in
the KB's synonym groups as the file grows (generated words, five languages).

``SynonymTable`` indexes the groups once (what ``kb serve`` does when it opens the index);
"a mapping" indexes them again on each call (what a caller passing the raw file pays).

Usage: python benchmarks/synonyms.py [GROUPS_PER_LANGUAGE ...]   (default: 0 20 200 1000)
"""

from __future__ import annotations

import random
import sys
import time

from kbsite.search.query import SynonymTable, plan
from kbsite.search.stemming import stemmer

LANGS = ("en", "it", "tl", "lv", "te")
QUERIES = ("firewall rule", "how do I reset the hub", "Get-NetIPAddress", "money back please")


def groups(count: int, rng: random.Random) -> dict[str, list[list[str]]]:
    """``count`` groups of three members (a third of them two words) per language."""
    vocabulary = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 9))) for _ in range(5000)
    ]

    def member() -> str:
        words = rng.sample(vocabulary, 2 if rng.random() < 0.3 else 1)
        return " ".join(words)

    return {lang: [[member() for _ in range(3)] for _ in range(count)] for lang in LANGS}


def per_plan(synonyms: object, repeat: int) -> float:
    stemmers = {lang: stemmer(lang) for lang in LANGS}
    start = time.perf_counter()
    for _ in range(repeat):
        for query in QUERIES:
            plan(query, stemmers, synonyms)  # type: ignore[arg-type]
    return (time.perf_counter() - start) * 1000 / (repeat * len(QUERIES))


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [0, 20, 200, 1000]
    rng = random.Random(1)
    print("| groups per language | SynonymTable, ms a query | a mapping, ms a query |")
    print("|---:|---:|---:|")
    for size in sizes:
        found = groups(size, rng)
        table = SynonymTable(found)
        per_plan(table, 5)  # stems memoised, as in a running server
        print(f"| {size} | {per_plan(table, 200):.3f} | {per_plan(found, 5):.2f} |")


if __name__ == "__main__":
    main()
