"""`kb serve` answers from the newest index right after `kb index` changes it, over real HTTP.

Whoosh's `searcher.refresh()` keeps the open segments' old sets of deleted documents, so a
server that relied on it kept finding deleted, retired and changed pages until restarted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conftest import MINIMAL_MKDOCS, OWNERS, TODAY, KBProject, page
from test_server import serving

# Enough requests, each on a new connection, for both workers of `--workers 2` to answer.
REQUESTS = 16
UPDATES = 8
CONCURRENT_SECONDS = 90  # a bound, not a goal: the run takes ~15 s on 2 cores


def article(title: str, body: str, **fields: Any) -> str:
    return page(f"# {title}\n\n{body}\n", title=title, last_reviewed="2026-10-01", **fields)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> KBProject:
    """A small KB with one page per kind of change, indexed."""
    project = KBProject(tmp_path_factory.mktemp("updates") / "kb")
    project.write("mkdocs.yml", MINIMAL_MKDOCS)
    project.write("policies/owners.yml", OWNERS)
    project.write("docs/index.md", "# Home\n")
    project.write("kb/.meta.yml", "audience: public\n")
    project.write("kb/otter.md", article("Otter care", "Feeding an otter.", id="KB-OTTER"))
    project.write("kb/walrus.md", article("Walrus tusks", "Walrus tusk care.", id="KB-WALRUS"))
    project.write("kb/heron.md", article("Heron nests", "Heron nest rules.", id="KB-HERON"))
    project.write("kb/puffin.md", article("Puffin burrows", "Puffin burrow tips.", id="KB-PUFFIN"))
    project.write("kb/gull.md", article("Gull feathers", "Gull feather facts.", id="KB-GULL"))
    assert project.kb("index", "--today", TODAY).code == 0
    return project


@pytest.fixture(scope="module")
def server(project: KBProject) -> Iterator[str]:
    with serving(project.root, None, "--workers", "2") as base:
        yield base


def answers(base: str, **params: str) -> list[dict[str, Any]]:
    """The same query sent REQUESTS times, each on its own connection (so every worker and
    its result cache answers some)."""
    return [
        httpx.get(f"{base}/api/search", params=params, timeout=10).json() for _ in range(REQUESTS)
    ]


def ids(data: dict[str, Any]) -> list[str]:
    return [r["id"] for r in data["results"]]


def index(project: KBProject, *args: str) -> None:
    result = project.kb("index", "--today", TODAY, *args)
    assert result.code == 0, result.err


def test_every_change_is_served_at_once_by_every_worker(project: KBProject, server: str) -> None:
    """Edit, delete, retire and a switch to internal, each followed by `kb index`: the very
    next answers of both workers (cached ones included) come from the new index only."""
    before = {q: answers(server, q=q, audience="public") for q in ("otter", "walrus", "heron")}
    assert all(ids(d) == ["KB-OTTER"] for d in before["otter"])  # now cached in each worker
    assert all(ids(d) == ["KB-WALRUS"] for d in before["walrus"])
    assert all(ids(d) == ["KB-HERON"] for d in before["heron"])
    assert all(ids(d) == ["KB-PUFFIN"] for d in answers(server, q="puffin", audience="public"))

    project.write("kb/otter.md", article("Sea otter care", "Feeding a sea otter.", id="KB-OTTER"))
    index(project)
    for data in answers(server, q="otter", audience="public"):
        assert [(r["id"], r["title"]) for r in data["results"]] == [("KB-OTTER", "Sea otter care")]
        assert data["total"] == 1

    (project.root / "kb/walrus.md").unlink()
    index(project)
    assert all(d["results"] == [] for d in answers(server, q="walrus", audience="public"))
    assert all(d["results"] == [] for d in answers(server, q="KB-WALRUS"))

    project.write("kb/heron.md", article("Heron nests", "Heron nest rules.", id="KB-HERON",
                                         status="retired"))  # fmt: skip
    index(project)
    assert all(d["results"] == [] for d in answers(server, q="heron"))

    project.write("kb/puffin.md", article("Puffin burrows", "Puffin burrow tips.",
                                          id="KB-PUFFIN", audience="internal"))  # fmt: skip
    index(project)
    assert all(d["results"] == [] for d in answers(server, q="puffin", audience="public"))
    for data in answers(server, q="puffin", audience="internal"):
        assert [(r["id"], r["audience"]) for r in data["results"]] == [("KB-PUFFIN", "internal")]

    # A full rebuild swapped in, then an update of it: both are served at once too.
    index(project, "--full")
    assert all(ids(d) == ["KB-OTTER"] for d in answers(server, q="otter"))
    project.write("kb/otter.md", article("River otter care", "Feeding otters.", id="KB-OTTER"))
    index(project)
    for data in answers(server, q="otter"):
        assert [r["title"] for r in data["results"]] == ["River otter care"]
    health = httpx.get(f"{server}/healthz").json()
    assert health["ok"] is True


def test_answers_during_updates_never_mix_generations(project: KBProject, server: str) -> None:
    """While `kb index` rewrites one page again and again (a new version each time, public
    and internal in turn, sometimes by a full rebuild), every answer shows exactly one live
    version of it, labelled as that version was, never older than the last finished update."""
    finished = [(time.monotonic(), -1)]  # (when `kb index` returned, version it wrote)
    stop = threading.Event()
    problems: list[str] = []
    seen = 0

    def gull(version: int) -> str:
        audience = "public" if version % 2 else "internal"  # -1, the first, is public
        return article(f"Gull feathers v{version}", f"Gull feather facts, version {version}.",
                       id="KB-GULL", audience=audience)  # fmt: skip

    def read() -> None:
        nonlocal seen
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                started = time.monotonic()
                floor = max(v for t, v in finished if t <= started)
                for audience in ("internal", "public"):
                    data = client.get(f"{server}/api/search",
                                      params={"q": "gull", "audience": audience}).json()  # fmt: skip
                    versions = [int(r["title"].rsplit("v", 1)[1]) if "v" in r["title"] else -1
                                for r in data["results"]]  # fmt: skip
                    seen += 1
                    if audience == "internal" and len(versions) != 1:
                        problems.append(f"{len(versions)} live versions: {data['results']}")
                    for result, version in zip(data["results"], versions, strict=True):
                        if version < floor:
                            problems.append(f"v{version} served after v{floor} was indexed")
                        expected = "public" if version % 2 else "internal"
                        if result["audience"] != expected or (
                            audience == "public" and expected != "public"
                        ):
                            problems.append(f"v{version} labelled {result['audience']}")

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    deadline = time.monotonic() + CONCURRENT_SECONDS
    try:
        for version in range(UPDATES):
            assert time.monotonic() < deadline, "updates took too long"
            project.write("kb/gull.md", gull(version))
            index(project, *(["--full"] if version % 3 == 2 else []))
            finished.append((time.monotonic(), version))
            time.sleep(0.2)  # let the readers see this version
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=30)
    assert problems == []
    assert seen > UPDATES * 4


def test_every_worker_applies_the_same_guards(server: str) -> None:
    """With `--workers 2`, each worker process gets the options from `kb serve`: foreign
    host names are refused and every answer carries the security headers."""
    for _ in range(REQUESTS):
        foreign = httpx.get(f"{server}/api/search", params={"q": "otter"},
                            headers={"Host": "rebind.example"})  # fmt: skip
        assert foreign.status_code == 400
        ok = httpx.get(f"{server}/api/search", params={"q": "otter"})
        assert ok.status_code == 200 and ok.headers["x-frame-options"] == "DENY"
