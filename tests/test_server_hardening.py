"""`kb serve` against hostile clients, over real sockets on 127.0.0.1: host names (DNS
rebinding), idle and half-sent connections, the token in a URL, headers, and what the open
health check may say."""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import KB_BIN, TODAY, KBProject, page
from test_server import answering, free_port, serving

TOKEN = "correct-horse-battery-staple"
HEADER_TIMEOUT = 1.0
FILE_LIMIT = 256  # the guarded server runs with this open-file limit: 128 connections at most
FLOOD = 300


def port_of(base: str) -> int:
    return urlsplit(base).port or 80


def raw_request(port: int, request: bytes, source: str = "127.0.0.1") -> tuple[int, bytes]:
    """Send bytes as they are (no client library tidies them) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    return int(answer.split(b" ", 2)[1]), answer


def get(port: int, path: str, host: str | None, *headers: str) -> tuple[int, bytes]:
    lines = [f"GET {path} HTTP/1.1", *([f"Host: {host}"] if host is not None else [])]
    lines += [*headers, "Connection: close", "", ""]
    return raw_request(port, "\r\n".join(lines).encode("latin-1"))


def closed(sock: socket.socket, within: float) -> bool:
    """Whether the server closes ``sock`` within ``within`` seconds (reading what it sends)."""
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        pass
    return True


@pytest.fixture(scope="module")
def guarded(search_project: KBProject) -> Iterator[str]:
    """One worker with short timeouts, an extra allowed name, and few file descriptors."""
    if shutil.which("prlimit") is None:
        pytest.skip("util-linux prlimit is needed to lower the server's open-file limit")
    prefix = ("prlimit", f"--nofile={FILE_LIMIT}:{FILE_LIMIT}", "--")
    args = ("--workers", "1", "--header-timeout", str(HEADER_TIMEOUT), "--keep-alive", "1",
            "--allowed-host", "kb.example.com")  # fmt: skip
    with serving(search_project.root, {"KB_ALLOWED_HOSTS": "*.corp.example"}, *args,
                 prefix=prefix) as base:  # fmt: skip
        yield base


def test_only_the_servers_own_host_names_are_answered(guarded: str) -> None:
    """A page on another name that resolves to 127.0.0.1 (DNS rebinding) gets 400 and a short
    message; loopback names with the served port, and the configured names, get answers."""
    port = port_of(guarded)
    refused = ["evil.example", f"evil.example:{port}", f"127.0.0.1.nip.io:{port}",
               f"localhost:{port + 1}", "127.0.0.1", "", "kb.example.com@evil.example",
               f"[::1:{port}", "corp.example"]  # fmt: skip
    for host in refused:
        status, answer = get(port, "/api/search?q=refund", host)
        assert status == 400, host
        assert b"--allowed-host" in answer and b"refund" not in answer.split(b"\r\n\r\n", 1)[1]
    status, _ = get(port, "/", None)
    assert status == 400  # HTTP/1.1 without a Host header at all
    accepted = [f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost.:{port}", f"[::1]:{port}",
                "kb.example.com", "kb.example.com:443", "wiki.corp.example:8443"]  # fmt: skip
    for host in accepted:
        status, answer = get(port, "/api/search?q=refund", host)
        assert status == 200 and b"POL-REFUND" in answer, host
    assert get(port, "/healthz", "monitor.internal:9000")[0] == 200  # checkers use any name


@pytest.mark.browser
def test_a_browser_on_a_rebound_name_reads_nothing(guarded: str) -> None:
    """Chromium resolving an attacker's name to 127.0.0.1 gets the refusal, not the page."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    port = port_of(guarded)
    with sync_playwright() as p:
        rules = "--host-resolver-rules=MAP rebind.example 127.0.0.1"
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, rules])
        try:
            tab = browser.new_page()
            response = tab.goto(f"http://rebind.example:{port}/api/search?q=refund")
            assert response is not None and response.status == 400
            assert "POL-REFUND" not in tab.content()
            ok = tab.goto(f"http://localhost:{port}/api/search?q=refund")
            assert ok is not None and ok.status == 200 and "POL-REFUND" in tab.content()
        finally:
            browser.close()


def test_idle_half_sent_and_dripping_connections_are_closed(guarded: str) -> None:
    """Connections that send nothing, half a request, or a request a byte at a time are
    closed once the header timeout passes; an idle keep-alive connection after its answer."""
    port = port_of(guarded)
    head = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
    half = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
    for sock in half:
        sock.sendall(head)
    drip = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()
    try:
        for byte in head:  # one byte every 0.1 s: each one would reset an idle timer
            drip.sendall(bytes([byte]))
            time.sleep(0.1)
            if time.monotonic() - started > HEADER_TIMEOUT + 2:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert closed(drip, HEADER_TIMEOUT + 2)
    assert time.monotonic() - started < HEADER_TIMEOUT + 3
    assert all(closed(sock, HEADER_TIMEOUT + 2) for sock in idle + half)
    with socket.create_connection(("127.0.0.1", port)) as alive:
        alive.sendall(head + b"\r\n")
        assert alive.recv(4096).startswith(b"HTTP/1.1 200")
        assert not closed(alive, 0.3)  # keep-alive: open for a moment after the answer
        assert closed(alive, 3)  # then closed (--keep-alive 1)
    for sock in [*idle, *half, drip]:
        sock.close()
    assert httpx.get(f"{guarded}/healthz").status_code == 200


def test_a_flood_of_idle_connections_does_not_take_the_server_down(guarded: str) -> None:
    """300 idle connections against a worker allowed 256 open files: it keeps at most half
    its limit open and closes the rest at once, then the header timeout frees the others;
    it never runs out of file descriptors and answers again within seconds."""
    port = port_of(guarded)
    flood = [socket.create_connection(("127.0.0.1", port)) for _ in range(FLOOD)]
    try:
        time.sleep(0.3)
        at_once = sum(closed(sock, 0.01) for sock in flood)
        assert at_once >= FLOOD - FILE_LIMIT // 2
        assert answering(f"{guarded}/healthz", HEADER_TIMEOUT + 5), (
            "the server never answered again"
        )
        assert all(closed(sock, HEADER_TIMEOUT + 2) for sock in flood)
    finally:
        for sock in flood:
            sock.close()
    status, answer = get(port, "/api/search?q=refund", f"127.0.0.1:{port}")
    assert status == 200 and b"POL-REFUND" in answer


def test_every_answer_carries_the_security_headers(guarded: str) -> None:
    """nosniff, no Referer, no framing on every answer; the search page allows only its own
    inline script and style (by hash) and requests to itself."""
    for path in ("/", "/api/search?q=refund", "/healthz", "/public/", "/nowhere"):
        headers = httpx.get(f"{guarded}{path}").headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "server" not in headers
    policy = httpx.get(f"{guarded}/").headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "script-src 'sha256-" in policy and "unsafe-inline" not in policy


@pytest.fixture(scope="module")
def tokened(search_project: KBProject) -> Iterator[str]:
    """A server with a token that believes forwarded headers from 127.0.0.2 only."""
    with serving(search_project.root, {"KB_TOKEN": TOKEN}, "--trusted-proxy", "127.0.0.2") as base:
        yield base


def test_a_short_token_is_refused_at_start(search_project: KBProject) -> None:
    """KB_TOKEN under 16 characters: `kb serve` exits 2 saying how long it must be."""
    result = subprocess.run([str(KB_BIN), "serve", "--port", str(free_port())],
                            cwd=search_project.root, capture_output=True, text=True, timeout=30,
                            env={**os.environ, "KB_TOKEN": "short-token"})  # fmt: skip
    assert result.returncode == 2
    assert "at least 16" in result.stderr and "Traceback" not in result.stderr


def test_the_token_leaves_the_address_after_setting_the_cookie(tokened: str) -> None:
    """`?token=` answers 303 to the same address without it and sets an HttpOnly cookie
    (Secure only over HTTPS, told by a trusted proxy); the cookie then opens everything."""
    port = port_of(tokened)
    first = httpx.get(f"{tokened}/api/search", params={"q": "refund", "lang": "en", "token": TOKEN})
    assert first.status_code == 303
    assert first.headers["location"] == "/api/search?q=refund&lang=en"
    assert first.headers["referrer-policy"] == "no-referrer"
    cookie = first.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    with httpx.Client(follow_redirects=True) as client:
        answer = client.get(f"{tokened}/", params={"token": TOKEN})
        assert answer.status_code == 200 and answer.url.query == b""
        assert client.get(f"{tokened}/api/search", params={"q": "refund"}).status_code == 200
    wrong = httpx.get(f"{tokened}/api/search", params={"q": "refund", "token": "x" * 20})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers

    https = f"X-Forwarded-Proto: https\r\nHost: 127.0.0.1:{port}\r\n"
    request = f"GET /?token={TOKEN} HTTP/1.1\r\n{https}Connection: close\r\n\r\n".encode()
    _, untrusted = raw_request(port, request)  # from 127.0.0.1: the header is not believed
    assert b"set-cookie" in untrusted.lower() and b"secure" not in untrusted.lower()
    _, trusted = raw_request(port, request, source="127.0.0.2")
    assert b"; secure" in trusted.lower()

    status, answer = get(port, f"//evil.example/x?token={TOKEN}", f"127.0.0.1:{port}")
    assert status == 303 and b"\r\nlocation: /evil.example/x\r\n" in answer.lower()
    status, answer = get(port, f"/\\evil.example/?token={TOKEN}", f"127.0.0.1:{port}")
    assert status == 303 and b"\r\nlocation: /evil.example/\r\n" in answer.lower()


def test_without_the_token_only_the_help_center_and_health_answer(tokened: str) -> None:
    """The rep page, API and rep site need the token; the health check names no path."""
    for path in ("/", "/api/search?q=refund", "/internal/"):
        assert httpx.get(f"{tokened}{path}").status_code == 401, path
    assert httpx.get(f"{tokened}/public/").status_code != 401
    health = httpx.get(f"{tokened}/healthz")
    assert health.json()["ok"] is True and "/" not in health.text


def test_health_says_what_is_wrong_never_where(make_project) -> None:
    """No index, then an unreadable one: /healthz and the API say so without any path."""
    project = make_project()
    with serving(project.root, None, "--workers", "1") as base:
        for broken, says in (False, "kb build"), (True, "cannot be read"):
            if broken:  # an index Whoosh cannot read
                (project.root / ".kb/index").mkdir(parents=True)
                (project.root / ".kb/index/_MAIN_1.toc").write_bytes(b"not an index")
            health = httpx.get(f"{base}/healthz").json()
            api = httpx.get(f"{base}/api/search", params={"q": "refund"})
            assert health["ok"] is False and says in health["error"]
            assert api.status_code == 503 and says in api.json()["error"]
            for text in (str(health), api.text):
                assert str(project.root) not in text and "/tmp" not in text


@pytest.mark.browser
def test_the_search_page_runs_under_its_policy_and_shows_markup_as_text(make_project) -> None:
    """In Chromium, the search page works under its Content-Security-Policy (no violation)
    and a page whose title and text hold markup and scripts shows them as plain text."""
    from browser import ARTIFACTS, browser_page

    hostile = '<img src=x onerror="window.pwned=1">Refund <script>window.pwned=2</script>'
    project = make_project({
        "kb/.meta.yml": "audience: public\n",
        "kb/hostile.md": page(f"# Hostile\n\nRefund &lt;b&gt; {hostile} rules.\n",
                              id="KB-HOSTILE", title=hostile, last_reviewed="2026-10-01"),
    })  # fmt: skip
    assert project.kb("index", "--today", TODAY).code == 0
    with serving(project.root, None, "--workers", "1") as base, browser_page() as tab:
        problems: list[str] = []
        tab.on("console", lambda m: problems.append(m.text)
               if m.type == "error" and "favicon" not in m.location.get("url", "") else None)  # fmt: skip
        tab.on("dialog", lambda d: problems.append(d.message))
        tab.goto(f"{base}/")
        tab.fill("#q", "refund")
        tab.wait_for_selector("li.result")
        title = tab.inner_text("li.result .title")
        assert title == hostile
        assert tab.locator("li.result img, li.result script, li.result b").count() == 0
        assert tab.locator("li.result .snippet mark").count() >= 1
        api = httpx.get(f"{base}/api/search", params={"q": "refund", "limit": "20"}).json()
        shown = html.unescape(re.sub("</?mark>", "", api["results"][0]["snippet"]))
        assert tab.eval_on_selector("li.result .snippet", "e => e.textContent") == shown
        assert tab.evaluate("window.pwned") is None
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "search-hostile-1280.png"))
        tab.set_viewport_size({"width": 390, "height": 800})
        tab.screenshot(path=str(ARTIFACTS / "search-hostile-390.png"))
        assert problems == []


@pytest.mark.browser
def test_a_token_link_opened_from_another_site_logs_the_rep_in(tokened: str, tmp_path) -> None:
    """In Chromium, a link with `?token=` on another site (mail, chat) lands on the search
    page without the token in the address, and the cookie then opens the API."""
    from browser import browser_page, static_server

    (tmp_path / "mail.html").write_text(f'<a id="go" href="{tokened}/?token={TOKEN}">open</a>')
    with static_server(tmp_path) as other, browser_page() as tab:
        tab.goto(other.replace("127.0.0.1", "localhost") + "/mail.html")  # another site
        with tab.expect_navigation():
            tab.click("#go")
        assert tab.url == f"{tokened}/" and tab.locator("#q").count() == 1
        api = tab.goto(f"{tokened}/api/search?q=refund")
        assert api is not None and api.status == 200 and "POL-REFUND" in tab.content()
