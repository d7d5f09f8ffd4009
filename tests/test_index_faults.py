"""Faults while writing the search index, through the `kb` entry point: two writers at once,
a read-only `.kb`, a full disk, a rebuild killed half-way. Each ends in one clear line (or
in success), never a traceback, and the previous index keeps answering."""

from __future__ import annotations

import errno
import gc
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import KB_BIN, TODAY, KBProject, page

PAGES = {
    "kb/.meta.yml": "audience: public\n",
    **{
        f"kb/topic-{n}.md": page(
            f"# Topic {n}\n\nAnswers about subject {n}: refunds, invoices, delivery.\n",
            id=f"KB-TOPIC-{n}",
            title=f"Topic {n}",
            last_reviewed="2026-10-01",
        )
        for n in range(60)
    },
}


@pytest.fixture
def indexed(make_project: Callable[..., KBProject]) -> KBProject:
    project = make_project(PAGES)
    assert project.kb("index", "--today", TODAY).code == 0
    return project


def search_ids(project: KBProject, query: str) -> list[str]:
    result = project.kb("search", query, "--json", "--limit", "100")
    assert result.code == 0, result.err
    return [r["id"] for r in result.json()["results"]]


def snapshot(folder: Path) -> dict[str, bytes]:
    """The index's files (not its lock, nor the digests an update notes beside it: written
    for the index as it is, they may appear when an update fails)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.name not in ("MAIN_WRITELOCK", "kb-versions.json")}  # fmt: skip


def one_clean_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr and len(lines) == 1, stderr
    return lines[0]


def test_two_full_rebuilds_at_once_both_finish(indexed: KBProject) -> None:
    """Two `kb index --full` started together: the second waits for the first (the lock),
    both succeed, no traceback, and the index they leave answers every page once."""
    env = {**os.environ, "KB_TODAY": TODAY}
    procs = [subprocess.Popen([str(KB_BIN), "index", "--full"], cwd=indexed.root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]  # fmt: skip
    outcomes = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outcomes
    assert all("Traceback" not in err for _, err in outcomes)
    assert sorted(search_ids(indexed, "subject")) == sorted(f"KB-TOPIC-{n}" for n in range(60))
    assert not list((indexed.root / ".kb").glob("index.*-*"))  # no staging folder left


def test_a_held_lock_says_who_holds_it(indexed: KBProject) -> None:
    """While another command holds the index lock, `kb index` says whom it waits for, then
    gives up after KB_LOCK_WAIT with one line naming process, command and start."""
    from kbsite.locks import exclusive

    with exclusive(indexed.root / ".kb/index.lock", 0, command="kb index --full"):
        result = indexed.kb("index", "--today", TODAY, env={"KB_LOCK_WAIT": "1"})
    assert result.code == 1
    waiting, error = result.err.strip().splitlines()
    assert f"waiting for process {os.getpid()} (`kb index --full`, since " in waiting
    assert error.startswith("Error: the search index was not updated: process ")
    assert "still updating it after 1 s" in error and "Traceback" not in result.err
    assert indexed.kb("index", "--today", TODAY).code == 0  # released: it runs


def unprivileged() -> list[str]:
    """A command prefix under which file permissions apply (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without util-linux setpriv: permissions cannot apply")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable"]


def test_a_read_only_kb_folder_is_one_clear_line(indexed: KBProject) -> None:
    """With `.kb/` and `.kb/index/` read-only, a full rebuild and an update each fail with
    one line naming the folder; the index is byte for byte as it was and still answers."""
    prefix = unprivileged()
    kb_dir, index = indexed.root / ".kb", indexed.root / ".kb/index"
    before = snapshot(index)
    indexed.write("kb/topic-1.md", page("# Topic 1\n\nNow about quokkas.\n", id="KB-TOPIC-1",
                                        title="Topic 1", last_reviewed="2026-10-01"))  # fmt: skip
    for folder in (index, kb_dir):
        folder.chmod(0o555)
    try:
        for args, where in ((["index", "--full"], ".kb:"), (["index"], ".kb/index:")):
            run = subprocess.run([*prefix, str(KB_BIN), *args, "--today", TODAY],
                                 cwd=indexed.root, capture_output=True, text=True, timeout=120)  # fmt: skip
            assert run.returncode == 1
            line = one_clean_line(run.stderr)
            assert f"cannot write {where} Permission denied" in line
            assert "previous index is untouched" in line
    finally:
        for folder in (kb_dir, index):
            folder.chmod(0o755)
    assert snapshot(index) == before
    assert search_ids(indexed, "quokkas") == [] and "KB-TOPIC-1" in search_ids(indexed, "subject")


# Whoosh leaves the files of a writer that failed open (closed when a `kb` process ends);
# in-process, the garbage collector reports them later, in whichever test runs then.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(("full", "files_before_full"), [(True, 0), (True, 5),
                                                        (False, 0), (False, 2)])  # fmt: skip
def test_a_full_disk_leaves_the_previous_index(
    indexed: KBProject, monkeypatch: pytest.MonkeyPatch, full: bool, files_before_full: int
) -> None:
    """The disk fills up after a few files of a rebuild or an update (ENOSPC from the file
    system, simulated in-process): one line, exit 1, the previous index unchanged, no
    temporary or half-written file left beside it."""
    from whoosh.filedb import filestore

    from kbsite.cli import main

    index = indexed.root / ".kb/index"
    before = snapshot(index)
    indexed.write("kb/topic-2.md", page("# Topic 2\n\nNow about wombats.\n", id="KB-TOPIC-2",
                                        title="Topic 2", last_reviewed="2026-10-01"))  # fmt: skip
    create_file, made = filestore.FileStorage.create_file, []

    def full_disk(self: object, name: str, *args: object, **kwargs: object) -> object:
        made.append(name)
        if len(made) > files_before_full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)
        return create_file(self, name, *args, **kwargs)

    monkeypatch.setattr(filestore.FileStorage, "create_file", full_disk)
    args = ["-f", str(indexed.root / "mkdocs.yml"), "index", "--today", TODAY]
    result = CliRunner().invoke(main, [*args, *(["--full"] if full else [])])
    monkeypatch.undo()
    code, output, stderr = result.exit_code, result.output, result.stderr
    del result  # its exception info holds the failed writer (see above): collect it here
    gc.collect()
    assert code == 1, output
    line = one_clean_line(stderr)
    assert f"cannot write {'.kb' if full else '.kb/index'}: No space left on device" in line
    assert snapshot(index) == before
    assert sorted(p.name for p in (indexed.root / ".kb").iterdir()) == [
        "cache",
        "index",
        "index.lock",
    ]
    assert search_ids(indexed, "wombats") == []


def test_a_rebuild_killed_between_its_two_moves_is_repaired(indexed: KBProject) -> None:
    """A rebuild killed after moving the old index aside and before moving the new one in
    leaves no `.kb/index`: the next `kb index` puts the old one back, removes the half-made
    one, and updates it."""
    kb_dir = indexed.root / ".kb"
    (kb_dir / "index").rename(kb_dir / "index.old-99999")
    (kb_dir / "index.new-99999").mkdir()
    (kb_dir / "index.new-99999/partial.seg").write_bytes(b"half")
    indexed.write("kb/topic-3.md", page("# Topic 3\n\nNow about numbats.\n", id="KB-TOPIC-3",
                                        title="Topic 3", last_reviewed="2026-10-01"))  # fmt: skip
    result = indexed.kb("index", "--today", TODAY)
    assert result.code == 0 and "updated 1" in result.out, result.err
    assert sorted(p.name for p in kb_dir.iterdir()) == ["cache", "index", "index.lock"]
    assert search_ids(indexed, "numbats") == ["KB-TOPIC-3"]


@pytest.mark.parametrize("damage", [None, "garbage", "other generation"])
def test_an_update_finds_what_changed_without_reading_every_document(
    indexed: KBProject, monkeypatch: pytest.MonkeyPatch, damage: str | None
) -> None:
    """An update knows each page's digest and state from the file written beside the index
    at its last update; a damaged file, or one written for another generation of the index
    (the index changed since), is not trusted: the stored documents are read. Either way the
    edited page is found by its new words and the others stay."""
    import json

    from kbsite.search import engine

    target = indexed.root / ".kb/index"
    page_file = indexed.root / "kb/topic-7.md"
    page_file.write_text(page_file.read_text("utf-8").replace("delivery", "zephyrword"), "utf-8")
    assert indexed.kb("index", "--today", TODAY).code == 0  # an update: the file is written
    side = target / engine.VERSIONS_FILE
    known = json.loads(side.read_text("utf-8"))
    assert len(known["versions"]) == 60
    reads: list[int] = []
    searcher = engine.whoosh_index.FileIndex.searcher

    def counted(self: object, *args: object, **kwargs: object) -> object:
        reads.append(1)
        return searcher(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine.whoosh_index.FileIndex, "searcher", counted)
    if damage == "garbage":
        side.write_text("{not json", "utf-8")
    elif damage == "other generation":
        known["generation"] += 1
        known["versions"] = {key: ["stale", "ok"] for key in known["versions"]}
        side.write_text(json.dumps(known), "utf-8")
    stored = engine.stored_versions(target)
    assert len(stored) == 60 and all(digest != "stale" for digest, _ in stored.values())
    assert bool(reads) == (damage is not None)
    page_file.write_text(page_file.read_text("utf-8").replace("zephyrword", "quillword"), "utf-8")
    monkeypatch.undo()
    assert indexed.kb("index", "--today", TODAY).code == 0
    assert search_ids(indexed, "quillword") == ["KB-TOPIC-7"]
    assert search_ids(indexed, "zephyrword") == []
    assert len(search_ids(indexed, "invoices")) == 60
