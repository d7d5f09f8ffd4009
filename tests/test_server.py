"""`kb serve` over real HTTP on 127.0.0.1: API, errors, token, reload, and a query fuzz."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from conftest import KB_BIN, TODAY, KBProject, page

FUZZ_QUERIES = 10_000
FUZZ_SECONDS = 180  # a bound, not a goal: the run takes about 90 s on 2 cores


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    root: Path, env: dict[str, str] | None = None, *args: str, prefix: tuple[str, ...] = ()
) -> Iterator[str]:
    """`kb serve` on a free port of 127.0.0.1 (``args``: more options; ``prefix``: a command
    that runs it, e.g. prlimit), stopped afterwards."""
    port = free_port()
    proc = subprocess.Popen([*prefix, str(KB_BIN), "serve", "--port", str(port), *args], cwd=root,
                            env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError(
                f"server did not start: {proc.stderr.read() if proc.stderr else ''}"
            )
        yield base
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # also closes the pipes


@pytest.fixture(scope="module")
def server(search_project: KBProject) -> Iterator[str]:
    with serving(search_project.root) as base:
        yield base


def test_api_answers_with_spec_json(server: str) -> None:
    """GET /api/search returns the SPEC JSON, URLs pointing into the rep site."""
    data = httpx.get(f"{server}/api/search", params={"q": "refunds", "lang": "en"}).json()
    assert data["query"] == "refunds" and data["total"] >= 1
    first = data["results"][0]
    assert first["id"] == "POL-REFUND" and first["url"].startswith("/internal/policies/refunds/")
    health = httpx.get(f"{server}/healthz").json()
    assert health["ok"] is True and health["pages"] > 0
    deadline = time.monotonic() + 30  # each worker reads the index ahead after it starts
    while not httpx.get(f"{server}/healthz").json()["warm"]:
        assert time.monotonic() < deadline, "the server never read the index ahead"
        time.sleep(0.05)
    home = httpx.get(f"{server}/")
    assert home.status_code == 200 and 'id="q"' in home.text


def test_bad_filters_are_400_and_empty_query_is_empty(server: str) -> None:
    """Unknown lang/type and bad limits are 400 with a message; an empty query finds nothing."""
    for params in (
        {"q": "x", "lang": "xx"},
        {"q": "x", "type": "memo"},
        {"q": "x", "limit": "zero"},
        {"q": "x", "limit": "1000"},
        {"q": "x", "audience": "everyone"},
    ):
        response = httpx.get(f"{server}/api/search", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]
    empty = httpx.get(f"{server}/api/search", params={"q": ""}).json()
    assert empty["results"] == [] and empty["total"] == 0


def test_hostile_queries_never_5xx(server: str) -> None:
    """Syntax, control characters, RTL, emoji, markup and 10 KB queries all answer 200."""
    for query in (
        '"unbalanced',
        "AND",
        "OR",
        "NOT",
        "*",
        "?",
        "~",
        "title:refund",
        "a" * 10_240,
        "\x00null",
        "\x07\x1b",
        "\u202eرفض المبلغ",
        "🙂 refund 🙃",
        "<script>alert(1)</script>",
        "refund) OR (1=1",
        "'; DROP TABLE",
    ):
        response = httpx.get(f"{server}/api/search", params={"q": query}, timeout=10)
        assert response.status_code == 200, (query, response.text)
        assert all("<script" not in r["snippet"] for r in response.json()["results"])


def test_fuzz_ten_thousand_random_queries(server: str) -> None:
    """At least 10,000 random queries (bounded in time) and not one 5xx answer."""
    rng = random.Random(20261123)
    alphabet = (
        "abcdefghijklmnopqrstuvwxyz ABC\"'*?~:()[]{}^!-+&|\\/<>\x00\x01\t\n"
        "àèìòùēķļņšž రీఫండ్‌ను పరికరం 🙂\u202e\u200d日本"
    )
    queries = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
               for _ in range(FUZZ_QUERIES)]  # fmt: skip
    deadline = time.monotonic() + FUZZ_SECONDS

    def run(chunk: list[str]) -> tuple[int, list[int]]:
        sent, errors = 0, []
        with httpx.Client(timeout=10) as client:
            for query in chunk:
                if time.monotonic() > deadline:
                    break
                status = client.get(f"{server}/api/search", params={"q": query}).status_code
                sent += 1
                if status >= 500:
                    errors.append(status)
        return sent, errors

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(run, [queries[i::4] for i in range(4)]))
    sent = sum(s for s, _ in outcomes)
    assert [e for _, errors in outcomes for e in errors] == []
    assert sent == FUZZ_QUERIES, f"only {sent} queries in {FUZZ_SECONDS} s"


def test_new_index_is_picked_up_without_restart(search_project: KBProject, server: str) -> None:
    """A full rebuild swapped in while serving is visible on the next query."""
    search_project.write(
        "kb/new.md",
        page(
            "# Quokka\n\nQuokka care guide.\n",
            id="KB-QUOKKA",
            title="Quokka",
            last_reviewed="2026-10-01",
        ),
    )
    assert search_project.kb("index", "--full", "--today", TODAY).code == 0
    data = httpx.get(f"{server}/api/search", params={"q": "quokka"}).json()
    assert [r["id"] for r in data["results"]] == ["KB-QUOKKA"]


def test_token_required_off_loopback_and_enforced(search_project: KBProject) -> None:
    """Off loopback without KB_TOKEN it refuses to start; with a token, requests need it."""
    refused = subprocess.run([str(KB_BIN), "serve", "--host", "0.0.0.0", "--port",
                              str(free_port())], cwd=search_project.root, capture_output=True,
                             text=True, timeout=30, env={k: v for k, v in os.environ.items()
                                                         if k != "KB_TOKEN"})  # fmt: skip
    assert refused.returncode == 2 and "KB_TOKEN" in refused.stderr
    token = "s3cret-s3cret-s3cret"
    with serving(search_project.root, {"KB_TOKEN": token}) as base:
        assert httpx.get(f"{base}/api/search", params={"q": "refund"}).status_code == 401
        assert httpx.get(f"{base}/").status_code == 401
        ok = httpx.get(f"{base}/api/search", params={"q": "refund"},
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert ok.status_code == 200
        with httpx.Client(follow_redirects=True) as client:
            assert client.get(f"{base}/", params={"token": token}).status_code == 200
            assert client.get(f"{base}/api/search", params={"q": "refund"}).status_code == 200


def test_connections_get_nagle_off() -> None:
    """With several workers uvicorn binds the socket with proto=0, so asyncio leaves Nagle on
    and keep-alive answers wait ~40 ms for the client's delayed ACK; ``no_delay`` fixes it."""
    from kbsite.server.app import no_delay

    with socket.socket(socket.AF_INET) as listener:  # proto 0, like uvicorn's worker sockets
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()) as _client:
            conn, _ = listener.accept()
            with conn:
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0

                class Transport:
                    def get_extra_info(self, name: str) -> object:
                        return conn if name == "socket" else None

                no_delay(Transport())
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
