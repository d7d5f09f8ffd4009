"""Reader feedback over real HTTP (SPEC §9): votes, insights, the search log, CORS, abuse,
and a broken, locked or full database, against `kb serve` on 127.0.0.1."""

from __future__ import annotations

import atexit
import os
import resource
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from conftest import KB_BIN, MINIMAL_MKDOCS, OWNERS, TODAY, KBProject
from kbsite.review.feedback import STORE_FILE
from test_server import answering, free_port

HELP_CENTER = "https://help.example.com"


def feedback_mkdocs(rate: int = 10_000, searches: bool = True) -> str:
    """The minimal mkdocs.yml with the feedback options of the `kb` plugin."""
    return MINIMAL_MKDOCS.replace(
        "      languages: [en, it, tl, lv, te]\n",
        "      languages: [en, it, tl, lv, te]\n"
        f"      feedback_rate: {rate}\n"
        f"      help_center_origin: {HELP_CENTER}\n"
        f"      feedback_searches: {'true' if searches else 'false'}\n",
    )


_INDEXED: dict[str, Path] = {}


def make_search_project(root: Path, mkdocs: str) -> KBProject:
    """The search tests' KB with its index at ``root``: indexed once, then copied."""
    from test_search import SEARCH_KB

    template = _INDEXED.get("kb")
    if template is None or not template.is_dir():
        scratch = tempfile.mkdtemp(prefix="kb-feedback-")
        atexit.register(shutil.rmtree, scratch, True)
        template = Path(scratch) / "kb"
        first = KBProject(template)
        first.write("mkdocs.yml", MINIMAL_MKDOCS)
        first.write("policies/owners.yml", OWNERS)
        first.write("docs/index.md", "# Home\n")
        for rel, content in SEARCH_KB.items():
            first.write(rel, content)
        assert first.kb("index", "--today", TODAY).code == 0
        _INDEXED["kb"] = template
    shutil.copytree(template, root)
    project = KBProject(root)
    project.write("mkdocs.yml", mkdocs)
    return project


@contextmanager
def kb_serve(
    root: Path,
    *args: str,
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """`kb serve` on a free loopback port (KB_TODAY fixed); yields its base URL."""
    port = port or free_port()
    proc = subprocess.Popen(
        [str(KB_BIN), "serve", "--port", str(port), *args],
        cwd=root,
        env={**os.environ, "KB_TODAY": TODAY, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,  # only sets a resource limit
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not answering(f"{base}/healthz", 30, proc):
            proc.terminate()
            raise AssertionError(f"server did not start: {proc.communicate()[1]}")
        yield base
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def vote(base: str, **fields: object) -> httpx.Response:
    body = {"id": "POL-REFUND", "lang": "en", "helpful": True, "site": "public", **fields}
    return httpx.post(f"{base}/api/feedback", json=body, timeout=10)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> KBProject:
    return make_search_project(tmp_path_factory.mktemp("feedback") / "kb", feedback_mkdocs())


@pytest.fixture(scope="module")
def server(project: KBProject) -> Iterator[str]:
    with kb_serve(project.root, "--workers", "2") as base:
        yield base


def page_entry(base: str, page_id: str, lang: str) -> dict:
    pages = httpx.get(f"{base}/api/insights").json()["pages"]
    return next((p for p in pages if (p["id"], p["lang"]) == (page_id, lang)), {})


def test_a_vote_is_recorded_and_shown_in_insights(server: str) -> None:
    """POST /api/feedback answers 204; GET /api/insights shows the SPEC JSON with the vote."""
    assert vote(server, lang="it", helpful=False, comment="Non è chiaro").status_code == 204
    assert vote(server, lang="it", helpful=True).status_code == 204
    flag = vote(server, lang="it", helpful=None, flag=True, site="internal", comment="old fee")
    assert flag.status_code == 204, flag.text
    data = httpx.get(f"{server}/api/insights").json()
    assert set(data) == {"pages", "searches"}
    entry = page_entry(server, "POL-REFUND", "it")
    assert entry == {
        "id": "POL-REFUND",
        "lang": "it",
        "helpful": 1,
        "unhelpful": 1,
        "flags": 1,
        "comments": ["old fee", "Non è chiaro"],
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "JSON object"),
        ([1, 2], "JSON object"),
        ({"id": "POL-REFUND", "lang": "en", "helpful": True, "site": "public", "ip": "1"}, "`ip`"),
        ({"id": "pol refund", "lang": "en", "helpful": True, "site": "public"}, "page id"),
        ({"id": "POL-NOPE", "lang": "en", "helpful": True, "site": "public"}, "no page `POL-NOPE`"),
        ({"id": "POL-REFUND", "lang": "tl", "helpful": True, "site": "public"}, "no page"),
        ({"id": "POL-REFUND", "lang": "xx", "helpful": True, "site": "public"}, "`lang`"),
        ({"id": "POL-REFUND", "lang": "en", "helpful": "yes", "site": "public"}, "`helpful`"),
        ({"id": "POL-REFUND", "lang": "en", "helpful": True, "site": "web"}, "`site`"),
        ({"id": "POL-REFUND", "lang": "en", "helpful": True, "site": "public",
          "comment": "x" * 501}, "500 characters"),
        ({"id": "POL-REFUND", "lang": "en", "helpful": True, "site": "public",
          "comment": "x" * 9000}, "larger than"),
        ({"id": "POL-STORE-CREDIT", "lang": "en", "helpful": True, "site": "public"}, "no page"),
        ({"id": "POL-REFUND", "lang": "en", "helpful": None, "site": "public", "flag": True},
         "rep site"),
    ],
)  # fmt: skip
def test_bad_votes_are_400_with_a_message(server: str, body: object, message: str) -> None:
    """Malformed bodies, unknown keys, unknown pages (or internal ones from the help center),
    long comments and big bodies are refused with 400 and say why."""
    content = body if isinstance(body, str) else None
    response = httpx.post(
        f"{server}/api/feedback",
        content=content,
        json=None if content is not None else body,
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]


def test_every_search_is_logged_masked_and_counted(project: KBProject, server: str) -> None:
    """/api/search queries are counted per normalised text, language and site, with zero
    results; e-mails and card numbers never reach the database."""
    for query in ("Refunds", "refunds ", "refund for anna@example.com", "zzqqxx nothing"):
        assert (
            httpx.get(f"{server}/api/search", params={"q": query, "lang": "en"}).status_code == 200
        )
    assert httpx.get(f"{server}/api/search", params={"q": "4111 1111 1111 1111"}).status_code == 200
    deadline = time.monotonic() + 10
    while True:  # each worker writes its searches within a second: wait for all five
        searches = {
            (s["query"], s["lang"], s["site"]): (s["count"], s["zero_results"])
            for s in httpx.get(f"{server}/api/insights").json()["searches"]
        }
        if sum(count for count, _ in searches.values()) >= 5 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert searches[("refunds", "en", "internal")] == (2, 0)
    assert searches[("zzqqxx nothing", "en", "internal")] == (1, 1)
    assert ("refund for [email]", "en", "internal") in searches
    assert ("[card]", "", "internal") in searches
    raw = b"".join(p.read_bytes() for p in (project.root / ".kb").glob("feedback.sqlite3*"))
    assert b"anna@example.com" not in raw and b"4111 1111" not in raw


def test_help_center_search_batches_are_logged(server: str) -> None:
    """POST /api/searches takes a batch of the help center's searches (site public)."""
    batch = {"site": "public", "lang": "it", "searches": [{"q": "garanzia", "results": 0}] * 3}
    assert httpx.post(f"{server}/api/searches", json=batch).status_code == 204
    too_many = {**batch, "searches": [{"q": "x", "results": 1}] * 21}
    assert httpx.post(f"{server}/api/searches", json=too_many).status_code == 400
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [
            s
            for s in httpx.get(f"{server}/api/insights").json()["searches"]
            if s["query"] == "garanzia"
        ]
        if found:
            break
        time.sleep(0.2)
    assert found == [
        {"query": "garanzia", "lang": "it", "site": "public", "count": 3, "zero_results": 3}
    ]


def test_cors_only_for_the_help_center_origin(server: str) -> None:
    """The configured help-center origin gets CORS headers; any other origin is refused."""
    headers = {"Origin": HELP_CENTER, "Access-Control-Request-Method": "POST"}
    preflight = httpx.options(f"{server}/api/feedback", headers=headers)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == HELP_CENTER
    allowed = httpx.post(
        f"{server}/api/feedback",
        json={"id": "KB-XSS", "lang": "en", "helpful": True, "site": "public"},
        headers={"Origin": HELP_CENTER},
    )
    assert allowed.status_code == 204, allowed.text
    assert allowed.headers["access-control-allow-origin"] == HELP_CENTER
    for method in ("OPTIONS", "POST"):
        other = httpx.request(
            method,
            f"{server}/api/feedback",
            json={"id": "KB-XSS", "lang": "en", "helpful": True, "site": "public"},
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert other.status_code == 403
        assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in httpx.get(f"{server}/api/insights").headers


def test_parallel_votes_from_many_clients_lose_no_count(server: str) -> None:
    """400 votes from 8 clients at once, over connections spread across both worker
    processes, are all counted."""
    per_thread, threads = 50, 8

    def send(_: int) -> list[int]:
        body = {"id": "POL-STORE-CREDIT", "lang": "en", "site": "internal"}
        with httpx.Client(timeout=10) as client:
            return [
                client.post(
                    f"{server}/api/feedback", json={**body, "helpful": i % 2 == 0}
                ).status_code
                for i in range(per_thread)
            ]

    with ThreadPoolExecutor(threads) as pool:
        codes = [code for batch in pool.map(send, range(threads)) for code in batch]
    assert codes == [204] * (per_thread * threads)
    entry = page_entry(server, "POL-STORE-CREDIT", "en")
    assert entry["helpful"] + entry["unhelpful"] == per_thread * threads
    assert entry["helpful"] == entry["unhelpful"] == per_thread * threads // 2


def test_vote_spam_gets_429(tmp_path: Path) -> None:
    """A client sending more than `feedback_rate` votes a minute gets 429; others' votes and
    search go on."""
    project = make_search_project(tmp_path / "kb", feedback_mkdocs(rate=5))
    with kb_serve(project.root, "--workers", "1") as base:
        codes = [vote(base).status_code for _ in range(12)]
        assert codes[:5] == [204] * 5 and set(codes[5:]) == {429}
        refused = vote(base)
        assert refused.status_code == 429 and "too many" in refused.json()["error"]
        assert httpx.get(f"{base}/api/search", params={"q": "refund"}).status_code == 200
        assert page_entry(base, "POL-REFUND", "en")["helpful"] == 5


def test_token_lets_customers_vote_but_keeps_insights_and_flags_for_reps(tmp_path: Path) -> None:
    """With KB_TOKEN: help-center votes need no token; flags, rep votes and insights do."""
    project = make_search_project(tmp_path / "kb", feedback_mkdocs(searches=False))
    with kb_serve(project.root, env={"KB_TOKEN": "s3cret-long-enough-token"}) as base:
        assert vote(base).status_code == 204
        flag = vote(base, helpful=None, flag=True, site="internal")
        assert flag.status_code == 401 and "token" in flag.json()["error"]
        assert httpx.get(f"{base}/api/insights").status_code == 401
        rep = {"Authorization": "Bearer s3cret-long-enough-token"}
        body = {"id": "POL-REFUND", "lang": "en", "helpful": None, "site": "internal", "flag": True}
        assert httpx.post(f"{base}/api/feedback", json=body, headers=rep).status_code == 204
        assert httpx.get(f"{base}/api/insights", headers=rep).json()["pages"][0]["flags"] == 1
        batch = {"site": "public", "lang": "en", "searches": [{"q": "x", "results": 0}]}
        assert httpx.post(f"{base}/api/searches", json=batch).status_code == 403  # not enabled


def test_corrupt_database_refuses_votes_but_search_works(tmp_path: Path) -> None:
    """A damaged feedback database: votes and insights answer 503 saying so; search is fine."""
    project = make_search_project(tmp_path / "kb", feedback_mkdocs())
    project.write(STORE_FILE, b"not a database at all " * 200)
    with kb_serve(project.root) as base:
        refused = vote(base)
        assert refused.status_code == 503 and "votes cannot be stored" in refused.json()["error"]
        insights = httpx.get(f"{base}/api/insights")
        assert insights.status_code == 503 and "damaged" in insights.json()["error"]
        search = httpx.get(f"{base}/api/search", params={"q": "refunds", "lang": "en"})
        assert search.status_code == 200 and search.json()["total"] >= 1


def test_locked_database_answers_503_quickly_and_search_is_unaffected(tmp_path: Path) -> None:
    """While another program holds the database's write lock, votes answer 503 within the
    busy timeout, searches answer at once, and votes work again once the lock is released."""
    project = make_search_project(tmp_path / "kb", feedback_mkdocs())
    with kb_serve(project.root) as base:
        assert vote(base).status_code == 204  # the database exists, in WAL mode
        lock = sqlite3.connect(project.root / STORE_FILE, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            started = time.monotonic()
            locked = vote(base)
            waited = time.monotonic() - started
            assert locked.status_code == 503 and "try again" in locked.json()["error"]
            assert waited < 8
            started = time.monotonic()
            search = httpx.get(f"{base}/api/search", params={"q": "refunds", "lang": "en"})
            assert search.status_code == 200 and time.monotonic() - started < 1.0
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert vote(base).status_code == 204


def test_full_disk_refuses_votes_and_search_keeps_working(tmp_path: Path) -> None:
    """When no byte more can be written (a file-size limit of 0 on the server: writes fail as
    on a full disk), votes answer 503 and search still answers."""
    project = make_search_project(tmp_path / "kb", feedback_mkdocs())

    def no_room() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    with kb_serve(project.root, preexec=no_room) as base:
        refused = vote(base)
        assert refused.status_code == 503, refused.text
        assert "votes cannot be stored" in refused.json()["error"]
        for query in ("refunds", "store credit", "nothing here at all"):
            response = httpx.get(f"{base}/api/search", params={"q": query, "lang": "en"})
            assert response.status_code == 200
        assert httpx.get(f"{base}/healthz").json()["ok"] is True


def test_retention_is_configurable_and_old_rows_are_deleted(tmp_path: Path) -> None:
    """With `feedback_retention_days: 30`, votes and searches older than 30 days are deleted
    when the server starts and never shown."""
    import datetime as dt

    from kbsite.review.feedback import FeedbackStore, SearchEntry, Vote

    mkdocs = feedback_mkdocs().replace(
        "      feedback_rate:", "      feedback_retention_days: 30\n      feedback_rate:"
    )
    project = make_search_project(tmp_path / "kb", mkdocs)
    today = dt.date.fromisoformat(TODAY)
    store = FeedbackStore(project.root / STORE_FILE)
    for days_ago in (40, 10):
        day = today - dt.timedelta(days=days_ago)
        store.record_vote(Vote("POL-REFUND", "en", "public", False, False, f"{days_ago}d"), day)
        store.log_searches([SearchEntry(f"query {days_ago}", "en", "public", True)], day)
    store.close()
    with kb_serve(project.root) as base:
        data = httpx.get(f"{base}/api/insights").json()
    assert data["pages"][0]["comments"] == ["10d"] and data["pages"][0]["unhelpful"] == 1
    assert [s["query"] for s in data["searches"]] == ["query 10"]
    with sqlite3.connect(project.root / STORE_FILE) as conn:
        assert conn.execute("SELECT count(*) FROM votes").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM searches").fetchone() == (1,)
    conn.close()
