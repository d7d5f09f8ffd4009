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
from typing import Any

import httpx
import pytest

from conftest import KB_BIN, TODAY, KBProject, page

FUZZ_QUERIES = 10_000
FUZZ_SECONDS = 180  # a bound, not a goal: the run takes about 90 s on 2 cores


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answering(
    url: str,
    seconds: float,
    proc: subprocess.Popen[Any] | None = None,
    every: float = 0.1,
    timeout: float = 1.0,
) -> bool:
    """Whether ``url`` answers 200 within ``seconds``, asked every ``every`` seconds (False
    as soon as ``proc``, the server, has ended)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=timeout).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
            return False
        time.sleep(every)


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
        if not answering(f"{base}/healthz", 20, proc):
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


def _open_files() -> Iterator[tuple[int, str]]:
    """(process id, what one of its descriptors names) for every process we may read."""
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            links = [str(fd.readlink()) for fd in fd_dir.iterdir()]
        except OSError:  # a process that ended meanwhile, or not ours to read
            continue
        for link in links:
            yield int(fd_dir.parent.name), link


def _server_pids(port: int, clients: list[socket.socket]) -> list[int]:
    """The process holding the server side of each client connection to ``port`` (from
    /proc: the socket inode of each connection, then the process with that inode open)."""
    inodes = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == port:
            inodes[int(remote.split(":")[1], 16)] = inode
    wanted = {inodes[c.getsockname()[1]]: c.getsockname()[1] for c in clients}
    owner: dict[int, int] = {}
    for pid, link in _open_files():
        if link.startswith("socket:[") and link[8:-1] in wanted:
            owner[wanted[link[8:-1]]] = pid
    return [owner[c.getsockname()[1]] for c in clients]


def _wait_for_readers(folder: Path, count: int) -> None:
    """Until ``count`` processes have files of ``folder`` open (each worker opens the index
    as it starts, just before it listens), and a moment more."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        readers = {pid for pid, link in _open_files() if link.startswith(str(folder))}
        if len(readers) >= count:
            time.sleep(1.0)
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} processes opened {folder}")


def _wait_until_both_warm(port: int) -> None:
    """Until each of the two workers has answered that it read the index ahead: one still at
    it, or setting it aside from the garbage collector, is slower back to its event loop and
    leaves new connections to the other, as it should."""
    deadline, warm = time.monotonic() + 30, set()
    request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    while len(warm) < 2:
        assert time.monotonic() < deadline, "the workers never read the index ahead"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(request)
            if b'"warm":true' in client.recv(65536):
                warm.update(_server_pids(port, [client]))
        time.sleep(0.02)
    time.sleep(0.2)


def test_two_workers_share_connections_opened_at_once(search_project: KBProject) -> None:
    """Eight keep-alive clients connecting at the same moment are shared by both workers
    (kbsite.server.balance): with asyncio's batch accept one worker could take them all."""
    with serving(search_project.root, None, "--workers", "2") as base:
        port = int(base.rsplit(":", 1)[1])
        _wait_for_readers(search_project.root / ".kb" / "index", 2)
        _wait_until_both_warm(port)
        clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(8)]
        try:
            request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
            for client in clients:
                client.sendall(request)
            for client in clients:
                assert client.recv(65536).startswith(b"HTTP/1.1 200")
            pids = _server_pids(port, clients)
        finally:
            for client in clients:
                client.close()
    counts = sorted(pids.count(pid) for pid in set(pids))
    assert len(counts) == 2 and counts[0] >= 2, counts
