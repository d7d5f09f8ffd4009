"""Rep search speed: index build time and size, query latency over HTTP on 127.0.0.1 with 8
concurrent clients (bounded in count and time), and how long a one-page change takes to become
searchable. On a generated multilingual KB, or with ``--real`` on the real PowerShell reference
pages of ../shared/corpora (long pages: passages cost more there) with a mix of real queries.
Usage: python benchmarks/search.py [PAGES] [--real]"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import corpus
from synth import WORDS, generate, vocabulary

KB = Path(sys.executable).parent / "kb"
ENV = {**os.environ, "KB_TODAY": "2026-11-23"}
CLIENTS, MAX_QUERIES, MAX_SECONDS = 8, 4000, 60
QUERIES = {
    "common": [
        "refund customer",
        "device warranty",
        "rimborso cliente",
        "atmaksa klients",
        "రీఫండ్ కస్టమర్",
        "account password reset",
    ],
    "rare": ["POL-P00120", "KB-P00731", "superbisor sagot", "iestatīšana gaisma"],
    "typo": ["refnud", "warrenty", "custmer", "garanzai"],
    "filtered": [
        ("delivery", {"lang": "it"}),
        ("invoice", {"type": "policy"}),
        ("setup light", {"audience": "public"}),
        ("పరికరం", {"lang": "te"}),
    ],
}


#: The mix over the PowerShell reference (``--real``); ids are added from the built KB.
REAL_QUERIES = {
    "common": [
        "network adapter",
        "dns server address",
        "virtual machine",
        "firewall rule",
        "scheduled task",
        "certificate store",
    ],
    "rare": ["bitlocker recovery key", "branchcache hosted cache"],
    "typo": ["adpater", "firewal rule", "certficate", "schedulde task"],
    "question": [
        "how do I set the ip address of a network adapter",
        "can I create a scheduled task that runs after logon",
        "what is the default gateway for the dns client",
        "how to get the status of a print job",
    ],
    "filtered": [
        ("dns server", {"lang": "en"}),
        ("virtual switch", {"audience": "public"}),
        ("storage pool", {"type": "article"}),
    ],
}


def real_mix(root: Path) -> tuple[dict[str, list[object]], list[str]]:
    """The real mix with four page ids of the KB at ``root``, and fresh queries drawn from
    its pages' words as they occur (1–3 words, a third with two letters swapped)."""
    rng = random.Random(5)
    files = sorted((root / "kb").rglob("*.md"))
    queries: dict[str, list[object]] = {k: list(v) for k, v in REAL_QUERIES.items()}
    for path in rng.sample(files, 4):
        found = re.search(r"^id: (\S+)$", path.read_text(encoding="utf-8"), re.M)
        if found:
            queries["rare"].append(found.group(1))
    counts: Counter[str] = Counter()
    for path in rng.sample(files, min(500, len(files))):
        counts.update(re.findall(r"[a-z]{3,}", path.read_text(encoding="utf-8").lower()))
    vocab = [w for w, _ in counts.most_common(4000)]
    weights = [counts[w] for w in vocab]
    fresh: dict[str, None] = {}
    while len(fresh) < MAX_QUERIES:
        fresh[_draw(rng, vocab, weights)] = None
    return queries, list(fresh)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(KB), *args], cwd=cwd, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - start


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def fresh_queries(count: int, seed: int = 11) -> list[str]:
    """Queries no one asked before: 1–3 words of one language drawn as the pages' text is
    (Zipf: common words often, most words rare), a third of them with two letters swapped.
    Neither the result cache nor warm postings help these."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < count:
        lang = rng.choice(sorted(WORDS))
        out[_draw(rng, *vocabulary(lang), swap=lang != "te")] = None
    return list(out)


def _draw(rng: random.Random, vocab: list[str], weights: list[float], swap: bool = True) -> str:
    """1–3 words drawn by their weights; a third of the time (``swap``), two letters of the
    longest swapped."""
    picked = rng.choices(vocab, weights, k=rng.randint(1, 3))
    if swap and rng.random() < 1 / 3:
        word = max(picked, key=len)
        at = rng.randrange(len(word) - 1)
        picked[picked.index(word)] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(picked)


def jobs_mix(
    queries: dict[str, list[object]] | None = None, fresh_ones: list[str] | None = None
) -> list[tuple[str, object]]:
    """(kind, query) of each request: a quarter fresh queries, the rest the fixed mix (by
    default the generated KB's)."""
    rng = random.Random(7)
    mix = [(kind, q) for kind, qs in (queries or QUERIES).items() for q in qs]
    fresh = iter(fresh_ones or fresh_queries(MAX_QUERIES))
    return [
        ("fresh", next(fresh)) if rng.random() < 0.25 else rng.choice(mix)
        for _ in range(MAX_QUERIES)
    ]


def latency(base: str, jobs: list[tuple[str, object]]) -> dict[str, list[float]]:
    """Python clients, one thread each, sending ``jobs`` (``jobs_mix``)."""
    deadline = time.monotonic() + MAX_SECONDS
    timings: dict[str, list[float]] = {kind: [] for kind, _ in jobs}

    host, port = base.removeprefix("http://").split(":")

    def client(chunk: list[tuple[str, object]]) -> list[tuple[str, float]]:
        # A lean keep-alive client per thread (like wrk): httpx's own CPU time under the GIL
        # would add ~5 ms per request with 8 threads and measure the client, not the server.
        out = []
        http = HTTPConnection(host, int(port), timeout=10)
        try:
            for kind, query in chunk:
                if time.monotonic() > deadline:
                    break
                text, extra = (query, {}) if isinstance(query, str) else query
                path = "/api/search?" + urlencode({"q": text, **extra})
                start = time.perf_counter()
                http.request("GET", path)
                response = http.getresponse()
                response.read()
                out.append((kind, (time.perf_counter() - start) * 1000))
                if response.status != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status}")
        finally:
            http.close()
        return out

    with ThreadPoolExecutor(CLIENTS) as pool:
        for results in pool.map(client, [jobs[i::CLIENTS] for i in range(CLIENTS)]):
            for kind, ms in results:
                timings[kind].append(ms)
    return timings


WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local sent, answered = 0, 0
request = function()
  sent = sent + 1
  return wrk.format("GET", paths[(sent - 1) %% #paths + 1])
end
response = function(status, headers, body)
  answered = answered + 1
  if answered >= %(limit)d then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("requests %%d\\nerrors %%d\\n", summary.requests,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout))
  for _, p in ipairs({50, 99}) do
    io.write(string.format("p%%d %%.2f\\n", p, latency:percentile(p) / 1000))
  end
end
"""


def latency_wrk(base: str, jobs: list[tuple[str, object]]) -> dict[str, float] | None:
    """The same mix from ``wrk`` (C, one thread, CLIENTS keep-alive connections), whose own
    CPU time hardly competes with the server's for the 2 cores; None without wrk."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        paths, script = Path(tmp) / "paths.txt", Path(tmp) / "mix.lua"
        lines = []
        for _, query in jobs:
            text, extra = (query, {}) if isinstance(query, str) else query
            lines.append("/api/search?" + urlencode({"q": text, **extra}))
        paths.write_text("\n".join(lines) + "\n", encoding="utf-8")
        script.write_text(WRK_SCRIPT % {"paths": paths, "limit": MAX_QUERIES}, encoding="utf-8")
        out = subprocess.run(
            [wrk, "-t1", f"-c{CLIENTS}", f"-d{MAX_SECONDS}s", "--timeout", "10s", "-s",
             str(script), base],
            capture_output=True, text=True, check=True, timeout=MAX_SECONDS + 30,
        ).stdout  # fmt: skip
    return {k: float(v) for k, v in (line.split() for line in out.splitlines()[-4:])}


def update_visible(root: Path, base: str) -> float:
    """Seconds from saving a changed page to the API returning it for its new word."""
    page = next((root / "kb").rglob("*.md"))
    text = page.read_text(encoding="utf-8")
    page.write_text(text + "\nZanzibarquokka note.\n", encoding="utf-8")
    start = time.perf_counter()
    run(["index"], root)
    while time.perf_counter() - start < 60:
        data = httpx.get(f"{base}/api/search", params={"q": "zanzibarquokka"}).json()
        if data["results"]:
            return time.perf_counter() - start
        time.sleep(0.05)
    return float("nan")


def warmed(base: str) -> float:
    """Seconds until the server's workers have read the index ahead (10 answers in a row
    say so, so both workers have), measured from the first /healthz answer."""
    start, in_a_row = time.perf_counter(), 0
    while in_a_row < 10 and time.perf_counter() - start < 120:
        in_a_row = in_a_row + 1 if httpx.get(f"{base}/healthz").json().get("warm") else 0
        time.sleep(0.02)
    return time.perf_counter() - start


def serve(root: Path, cache: bool = True) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(KB), "serve", "--port", str(port)],
        cwd=root,
        env={**ENV, "KB_SEARCH_CACHE": "1" if cache else "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return proc, base


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else float("nan")


def main() -> None:
    real = "--real" in sys.argv
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    pages = int(numbers[0]) if numbers else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        if real:
            docset = corpus.extract(Path(tmp))
            small = corpus.make_kb(Path(tmp) / "small", docset, 1_000)
            big = corpus.make_kb(Path(tmp) / "big", docset, pages)
            jobs = jobs_mix(*real_mix(big))
        else:
            small = generate(Path(tmp) / "small", 1_000)
            big = generate(Path(tmp) / "big", pages)
            jobs = jobs_mix()
        build_s = run(["index", "--full"], big)
        run(["index", "--full"], small)
        kind = "real PowerShell reference" if real else "generated"
        print(
            f"index of {pages:,} {kind} pages: built in {build_s:.1f} s, "
            f"{size_mb(big / '.kb/index'):.1f} MB"
        )
        results, warm_s, by_wrk = {}, [], {}
        for label, cache in (("no cache", False), ("result cache", True)):
            proc, base = serve(big, cache)
            try:
                warm_s.append(warmed(base))
                by_wrk[label] = latency_wrk(base, jobs)
                results[label] = latency(base, jobs)
                if cache:
                    visible_big = update_visible(big, base)
            finally:
                proc.terminate()
                proc.wait()
        proc, base = serve(small)
        try:
            warmed(base)
            visible_small = update_visible(small, base)
        finally:
            proc.terminate()
            proc.wait()
    print(f"\n| queries ({CLIENTS} clients, HTTP, 127.0.0.1) | server | count | p50 | p99 |")
    print("|---|---|---:|---:|---:|")
    for label, timings in results.items():
        every = [ms for values in timings.values() for ms in values]
        for kind, values in [*timings.items(), ("all", every)]:
            print(
                f"| {kind} | {label} | {len(values)} | {pct(values, 50):.1f} ms | "
                f"{pct(values, 99):.1f} ms |"
            )
    if all(by_wrk.values()):
        print(f"\n| the mix from wrk ({CLIENTS} connections) | requests | errors | p50 | p99 |")
        print("|---|---:|---:|---:|---:|")
        for label, found in by_wrk.items():
            print(
                f"| {label} | {found['requests']:.0f} | {found['errors']:.0f} | "
                f"{found['p50']:.1f} ms | {found['p99']:.1f} ms |"
            )
    ahead = ", ".join(f"{w:.1f} s" for w in warm_s)
    print(f"\nindex read ahead by the server after it started: {ahead}")
    print("\n| one-page update visible to search | seconds |\n|---|---:|")
    print(f"| 1,000 pages | {visible_small:.2f} |\n| {pages:,} pages | {visible_big:.2f} |")


if __name__ == "__main__":
    main()
