"""Relevance of rep search against a peer engine, on the same pages and judged queries, in one run.

The KB searched is the sample KB (five languages) plus real third-party content imported with
`kb import` into a scratch copy: the help center and the Basecamp policies of
``../shared/corpora`` and a slice of the PowerShell cmdlet reference (long reference pages).
The judged queries are ``tests/relevance/queries.yml``: each has a language, a kind (exact,
inflected, typo, synonym, id, function-word, question), the page id(s) that answer it and a
split: ``tune`` queries may be looked at while tuning the ranking, ``holdout`` ones never.

The peer is tantivy (a Lucene-like engine, BM25) with its stock analysis per language: a
Unicode word tokenizer, lower case, its stop words and Snowball stemmer where it has them
(en, it), title weighted 2×, any query word may match (Lucene's default), no synonyms and no
typo handling, as a team would set it up out of the box. ``tantivy+`` is the same index
tuned as the issue's best Lucene variants: fuzzy terms (Elasticsearch's ``AUTO``) and a
phrase clause with slop 2 beside the stock query.

Usage: python benchmarks/relevance.py [--split tune|holdout|all] [-v]
(-v lists the tune-split queries whose answer is not first, for tuning).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO / "tests/relevance/queries.yml"
TODAY = dt.date(2026, 11, 23)
LANGS = ("en", "it", "tl", "lv", "te")
KINDS = ("exact", "inflected", "typo", "synonym", "id", "function-word", "question")
#: PowerShell modules imported as long reference pages (one product version, 664 pages).
POWERSHELL_MODULES = (
    "NetAdapter", "DnsClient", "DhcpServer", "NetTCPIP", "PrintManagement", "ScheduledTasks",
    "BitLocker", "Defender", "International", "LAPS", "BitsTransfer", "Appx", "GroupPolicy",
    "NetSecurity", "Dism", "MsDtc", "DFSN", "BranchCache",
)  # fmt: skip

Search = Callable[[str, str], list[str]]


def shared_dir() -> Path:
    """The team's shared folder (corpora) beside the repo, or KB_SHARED_DIR."""
    for candidate in (os.environ.get("KB_SHARED_DIR"), REPO.parent / "shared", "/work/shared"):
        if candidate and Path(candidate, "corpora").is_dir():
            return Path(candidate)
    raise SystemExit("the shared corpora are missing: set KB_SHARED_DIR to the shared folder")


def load_queries(split: str = "all") -> list[dict[str, Any]]:
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    return [q for q in queries if split == "all" or q["split"] == split]


def score(ranked: list[str], expect: list[str]) -> tuple[float, float]:
    """(recall@5, reciprocal rank within 10) of one query."""
    recall = len(set(ranked[:5]) & set(expect)) / len(expect)
    rank = next((i for i, page_id in enumerate(ranked[:10], 1) if page_id in expect), None)
    return recall, 1 / rank if rank else 0.0


def _kb(*args: str, cwd: Path) -> None:
    kb = Path(sys.executable).parent / "kb"
    done = subprocess.run(
        [str(kb), *args, "--today", TODAY.isoformat()], cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"kb {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def build_kb(dest: Path, corpora: bool = True) -> Path:
    """The sample KB, plus (with ``corpora``) the real corpora imported into it, at ``dest``."""
    root = dest / "kb"
    ignore = shutil.ignore_patterns(".venv", "site", ".kb", ".git", "tests", "benchmarks")
    shutil.copytree(REPO, root, ignore=ignore)
    if not corpora:
        return root
    source = shared_dir() / "corpora"
    _kb("import", str(source / "help-center/content"), "kb/help-center", "--audience",
        "public", cwd=root)  # fmt: skip
    _kb("import", str(source / "policies-basecamp"), "policies/basecamp", "--type", "policy",
        "--owner", "support-ops", "--audience", "public", cwd=root)  # fmt: skip
    scratch = dest / "powershell"
    with tarfile.open(source / "scale-powershell.tar.xz") as archive:
        prefix = "scale-powershell/docset/winserver2025-ps/"
        wanted = tuple(f"{prefix}{module}/" for module in POWERSHELL_MODULES)
        members = [m for m in archive.getmembers() if m.name.startswith(wanted) and m.isfile()]
        archive.extractall(scratch, members=members, filter="data")
    _kb("import", str(scratch / prefix), "kb/powershell", "--audience", "internal", cwd=root)
    return root


def ours(root: Path) -> Search:
    """Rep search over its own index of the KB at ``root``."""
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


def _peer_analyzer(lang: str) -> Any:
    import tantivy

    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"[\p{L}\p{M}\p{N}]+"))
    builder = builder.filter(tantivy.Filter.lowercase())
    language = {"en": "english", "it": "italian"}.get(lang)
    if language:
        builder = builder.filter(tantivy.Filter.stopword(language))
        builder = builder.filter(tantivy.Filter.stemmer(language))
    return builder.build()


def peer(indexes: dict[str, Any]) -> Search:
    """tantivy with its stock analysis per language, over ``peer_indexes``."""

    def run(query: str, lang: str) -> list[str]:
        index = indexes[lang]
        parsed, _errors = index.parse_query_lenient(
            query, ["title", "body"], field_boosts={"title": 2.0}
        )
        return _peer_hits(index, parsed)

    return run


def peer_tuned(indexes: dict[str, Any]) -> Search:
    """tantivy as a team would tune it the Lucene way (the issue's best Lucene variants): the
    stock query, plus each query term as a fuzzy term (1 edit from 3 letters, 2 from 6:
    Elasticsearch's ``fuzziness: AUTO``) at half weight, plus the analysed query as a phrase
    with slop 2 in the title (2×) and body, as ``multi_match`` with a ``match_phrase`` boost."""
    import tantivy

    analyzers = {lang: _peer_analyzer(lang) for lang in LANGS}

    def run(query: str, lang: str) -> list[str]:
        index, should = indexes[lang], tantivy.Occur.Should
        schema = index.schema
        stock, _errors = index.parse_query_lenient(
            query, ["title", "body"], field_boosts={"title": 2.0}
        )
        clauses = [(should, stock)]
        tokens = analyzers[lang].analyze(query)
        for token in tokens:
            if len(token) < 3:
                continue
            distance = 2 if len(token) >= 6 else 1
            for name, boost in (("title", 1.0), ("body", 0.5)):
                fuzzy = tantivy.Query.fuzzy_term_query(schema, name, token, distance)
                clauses.append((should, tantivy.Query.boost_query(fuzzy, boost)))
        if len(tokens) > 1:
            for name, boost in (("title", 2.0), ("body", 1.0)):
                phrase = tantivy.Query.phrase_query(schema, name, tokens, slop=2)
                clauses.append((should, tantivy.Query.boost_query(phrase, boost)))
        return _peer_hits(index, tantivy.Query.boolean_query(clauses))

    return run


def _peer_hits(index: Any, query: Any) -> list[str]:
    searcher = index.searcher()
    hits = searcher.search(query, 10).hits
    return [searcher.doc(address)["id"][0] for _score, address in hits]


def peer_indexes(root: Path) -> dict[str, Any]:
    """One in-memory tantivy index per language of the KB at ``root``: id, title, body."""
    import tantivy

    from kbsite.knowledge import load_kb
    from kbsite.project import find_project
    from kbsite.search.analysis import plain_text
    from kbsite.search.service import indexable

    project = find_project(root / "mkdocs.yml")
    pages = indexable(load_kb(project, TODAY))
    indexes = {}
    for lang in LANGS:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", tokenizer_name="lang")
        builder.add_text_field("body", tokenizer_name="lang")
        index = tantivy.Index(builder.build())
        index.register_tokenizer("lang", _peer_analyzer(lang))
        writer = index.writer(heap_size=50_000_000, num_threads=1)
        for page in pages:
            if page.lang == lang:
                writer.add_document(
                    tantivy.Document(
                        id=page.meta.id or page.path,
                        title=page.meta.title or "",
                        body=plain_text(page.body),
                    )
                )
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        indexes[lang] = index
    return indexes


@contextmanager
def engines(corpora: bool = True) -> Iterator[dict[str, Search]]:
    """Ours and the peer over the same freshly built KB."""
    with tempfile.TemporaryDirectory() as tmp:
        root = build_kb(Path(tmp), corpora)
        indexes = peer_indexes(root)
        yield {"ours": ours(root), "tantivy": peer(indexes), "tantivy+": peer_tuned(indexes)}


Table = dict[str, dict[str, dict[str, float]]]


def evaluate(
    runs: dict[str, Search], queries: list[dict[str, Any]]
) -> tuple[Table, dict[str, dict[str, list[str]]]]:
    """Per engine, per group (language, kind, ``all``): recall@5, MRR@10 and query count;
    and per engine, each query's ranked ids (keyed by language and query text)."""
    table: Table = {}
    ranked: dict[str, dict[str, list[str]]] = {}
    for name, run in runs.items():
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        ranked[name] = {}
        for item in queries:
            found = run(str(item["q"]), item["lang"])
            ranked[name][f"{item['lang']}: {item['q']}"] = found
            recall, rr = score(found, item["expect"])
            for key in (item["lang"], item["kind"], "all"):
                sums[key][0] += recall
                sums[key][1] += rr
                sums[key][2] += 1
        table[name] = {
            key: {"recall@5": r / n, "mrr@10": m / n, "queries": n}
            for key, (r, m, n) in sums.items()
        }
    return table, ranked


def print_table(table: Table, title: str) -> None:
    names = list(table)
    groups = [g for g in (*LANGS, *KINDS, "all") if g in table[names[0]]]
    print(f"\n### {title}\n")
    header = " | ".join(f"{name} R@5 | {name} MRR@10" for name in names)
    print(f"| group | queries | {header} |")
    print("|---|---:|" + "---:|" * (2 * len(names)))
    for group in groups:
        cells = " | ".join(
            f"{table[n][group]['recall@5']:.3f} | {table[n][group]['mrr@10']:.3f}" for n in names
        )
        print(f"| {group} | {table[names[0]][group]['queries']} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["tune", "holdout", "all"], default="all")
    parser.add_argument("-v", action="store_true", help="list tune queries not answered first")
    args = parser.parse_args()
    with engines() as runs:
        splits = ["tune", "holdout", "all"] if args.split == "all" else [args.split]
        for split in splits:
            table, ranked = evaluate(runs, load_queries(split))
            print_table(table, f"split: {split}")
        if args.v:
            tune = load_queries("tune")
            _, ranked = evaluate(runs, tune)
            for item in tune:
                key = f"{item['lang']}: {item['q']}"
                found = ranked["ours"][key]
                if not found or found[0] not in item["expect"]:
                    print(f"{key} [{item['kind']}] want {item['expect']} got {found[:5]}")


if __name__ == "__main__":
    main()
