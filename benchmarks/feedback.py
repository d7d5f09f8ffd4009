"""Reader feedback under load, over HTTP on 127.0.0.1 against `kb serve --workers 2`: search
latency alone (the reference) and while votes pour in, vote throughput and latency with every
vote counted, and what reading the votes adds to `kb stale`. Every loop is bounded in count
and time. Usage: python benchmarks/feedback.py [PAGES]"""

from __future__ import annotations

import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from synth import MKDOCS, generate

KB = Path(sys.executable).parent / "kb"
ENV = {**os.environ, "KB_TODAY": "2026-11-23"}
CLIENTS, MAX_REQUESTS, MAX_SECONDS = 8, 2000, 30
QUERIES = ["refund customer", "warranty", "rimborso", "atmaksa", "రీఫండ్", "reset password"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(
    clients: int, requests: int, send: object, seconds: float = MAX_SECONDS
) -> tuple[list[float], int]:
    """Latencies (ms) of up to ``requests`` calls of ``send(client, i)`` from ``clients``
    threads, stopping after ``seconds``; and how many failed."""
    deadline = time.monotonic() + seconds
    per_client = requests // clients

    def worker(n: int) -> tuple[list[float], int]:
        times, failed = [], 0
        with httpx.Client(timeout=10) as client:
            for i in range(per_client):
                if time.monotonic() > deadline:
                    break
                start = time.perf_counter()
                ok = send(client, n * per_client + i)  # type: ignore[operator]
                times.append((time.perf_counter() - start) * 1000)
                failed += not ok
        return times, failed

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(worker, range(clients)))
    return [t for times, _ in results for t in times], sum(f for _, f in results)


def row(name: str, times: list[float], wall: float, failed: int) -> str:
    q = statistics.quantiles(times, n=20) if len(times) > 1 else [0.0] * 19
    return (
        f"| {name} | {len(times)} | {len(times) / wall:,.0f} | {statistics.median(times):.1f} "
        f"| {q[18]:.1f} | {failed} |"
    )


def main(pages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kb"
        mkdocs = MKDOCS.replace(
            "      languages: [en, it, tl, lv, te]\n",
            "      languages: [en, it, tl, lv, te]\n      feedback_rate: 1000000\n",
        )
        generate(root, pages, mkdocs=mkdocs)
        subprocess.run([str(KB), "index"], cwd=root, env=ENV, check=True, capture_output=True)
        ids = [f"KB-P{i:05d}" for i in range(1, pages // 2) if i % 4 and i % 3]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(KB), "serve", "--port", str(port), "--workers", "2"],
            cwd=root,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/healthz").json().get("warm"):
                        break
                except (httpx.TransportError, ValueError):
                    pass
                time.sleep(0.1)
            rng = random.Random(3)

            def search(client: httpx.Client, i: int) -> bool:
                q = f"{QUERIES[i % len(QUERIES)]} {rng.choice(['', 'hub', 'plug'])}".strip()
                return client.get(f"{base}/api/search", params={"q": q}).status_code == 200

            def vote(client: httpx.Client, i: int) -> bool:
                body = {"id": ids[i % len(ids)], "lang": "en", "site": "public"}
                body["helpful"] = i % 3 != 0
                body["comment"] = "fee changed" if i % 7 == 0 else ""
                return client.post(f"{base}/api/feedback", json=body).status_code == 204

            print(f"{pages} pages, kb serve --workers 2, {CLIENTS} clients on 127.0.0.1\n")
            print("| load | requests | per s | p50 ms | p95 ms | failed |")
            print("|---|---:|---:|---:|---:|---:|")
            start = time.monotonic()
            times, failed = timed(CLIENTS, MAX_REQUESTS, search)
            print(row("search alone (reference)", times, time.monotonic() - start, failed))
            start = time.monotonic()
            vtimes, vfailed = timed(CLIENTS, MAX_REQUESTS, vote)
            print(row("votes alone", vtimes, time.monotonic() - start, vfailed))
            with ThreadPoolExecutor(2) as pool:
                start = time.monotonic()
                voting = pool.submit(timed, CLIENTS // 2, MAX_REQUESTS // 2, vote)
                searching = pool.submit(timed, CLIENTS // 2, MAX_REQUESTS // 2, search)
                (mv, mvf), (ms, msf) = voting.result(), searching.result()
                wall = time.monotonic() - start
            print(row("search while voting", ms, wall, msf))
            print(row("votes while searching", mv, wall, mvf))
            time.sleep(1.5)  # the search log is written about once a second
            data = httpx.get(f"{base}/api/insights", params={"limit": 5000}).json()
            counted = sum(p["helpful"] + p["unhelpful"] for p in data["pages"])
            sent = len(vtimes) - vfailed + len(mv) - mvf
            logged = sum(s["count"] for s in data["searches"])
            print(f"\nvotes answered 204: {sent}, counted in /api/insights: {counted}")
            print(f"searches answered: {len(times) + len(ms)}, logged: {logged}")
        finally:
            server.terminate()
            server.wait(timeout=30)
        store = root / ".kb/feedback.sqlite3"
        print(f"store size: {store.stat().st_size / 1e6:.1f} MB\n")
        print("| kb stale --json | seconds |")
        print("|---|---:|")
        for label in ("with the votes", "without a store (reference)"):
            if label.startswith("without"):
                shutil.move(str(store), str(root / "aside.sqlite3"))
            best = min(_run(["stale", "--json"], root) for _ in range(3))
            print(f"| {label} | {best:.2f} |")


def _run(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(KB), *args], cwd=cwd, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
