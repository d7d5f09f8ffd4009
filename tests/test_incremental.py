"""Incremental builds: after any sequence of edits, ``kb build`` gives the same bytes as a clean
build of the same sources, and it renders only what the edits reach.

The property is checked with hypothesis over random sequences of edits of every kind a KB sees:
bodies, titles, audience, status, owner, delete, add, rename, translations added and removed,
``.meta.yml``, ``mkdocs.yml``, ``owners.yml``, ``synonyms.yml`` and "today" moving past a review
date. Each edit is followed by an incremental build, compared file by file with a clean build.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import OWNERS, page

MKDOCS = """\
site_name: Incremental
site_url: https://help.example.com/
docs_dir: docs
theme:
  name: material
plugins:
  - search
  - kb:
      languages: [en, it]
markdown_extensions:
  - toc:
      permalink: true
      slugify: !!python/name:kbsite.markdown.slugs.slugify
  - admonition
  - attr_list
  - tables
"""
POLICY = {"owner": "billing-team", "effective": "2026-01-01", "last_reviewed": "2026-06-01"}


def _seed(root: Path) -> None:
    files = {
        "mkdocs.yml": MKDOCS,
        "policies/owners.yml": OWNERS,
        "docs/index.md": "# Home\n\nWelcome.\n",
        "policies/refunds.md": page(
            "# Refunds\n\nWithin 30 days. See [setup](../kb/setup.md#steps).\n\n"
            '!!! internal "Note"\n    Goodwill up to 10 EUR.\n',
            id="POL-REFUND",
            title="Refunds",
            audience="public",
            updated="2026-06-01",
            **POLICY,
        ),
        "policies/refunds.it.md": page(
            "# Rimborsi\n\nEntro 30 giorni.\n",
            id="POL-REFUND",
            title="Rimborsi",
            audience="public",
            translated_from="2026-06-01",
            **POLICY,
        ),
        "policies/refunds-2027.md": page(
            "# Refunds from 2027\n\nWithin 60 days.\n",
            id="POL-REFUND-2027",
            title="Refunds from 2027",
            audience="public",
            supersedes=["POL-REFUND"],
            **{**POLICY, "effective": "2027-01-01"},
        ),
        "kb/setup.md": page(
            "# Setup\n\n## Steps\n\nPlug it in. ![hub](img/hub.png)\n",
            id="KB-SETUP",
            title="Setup",
            audience="public",
            last_reviewed="2026-06-01",
        ),
        "kb/notes.md": page(
            "# Notes\n\nInternal notes, see [refunds](../policies/refunds.md).\n",
            id="KB-NOTES",
            title="Notes",
            audience="internal",
            last_reviewed="2026-06-01",
        ),
        "synonyms.yml": "en:\n  - [refund, money back]\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    (root / "kb/img").mkdir(parents=True, exist_ok=True)
    (root / "kb/img/hub.png").write_bytes(b"\x89PNG small")


def _edit(relative: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        if path.is_file():
            path.write_text(change(path.read_text("utf-8")), "utf-8")

    return apply


def _write(relative: str, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, "utf-8")

    return apply


def _delete(relative: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / relative).unlink(missing_ok=True)

    return apply


def _rename(old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        if (root / old).is_file() and not (root / new).exists():
            (root / new).parent.mkdir(parents=True, exist_ok=True)
            (root / old).rename(root / new)

    return apply


EDITS: dict[str, Callable[[Path], None]] = {
    "body": _edit("kb/setup.md", lambda t: t + "\nMore words.\n"),
    "title": _edit(
        "policies/refunds.md",
        lambda t: t.replace('title: "Refunds"', 'title: "Refunds and returns"'),
    ),
    "audience": _edit("kb/notes.md", lambda t: t.replace('"internal"', '"public"')),
    "status": _edit(
        "kb/setup.md",
        lambda t: t.replace('audience: "public"', 'audience: "public"\nstatus: "draft"', 1),
    ),
    "owner": _edit("policies/refunds.md", lambda t: t.replace("billing-team", "support-ops")),
    "delete": _delete("kb/notes.md"),
    "add": _write(
        "kb/new.md",
        page(
            "# New\n\nFresh page.\n",
            id="KB-NEW",
            title="New",
            audience="public",
            last_reviewed="2026-06-01",
        ),
    ),
    "rename": _rename("kb/setup.md", "kb/start/setup.md"),
    "add translation": _write(
        "kb/setup.it.md",
        page(
            "# Configurazione\n\nCollega.\n",
            id="KB-SETUP",
            title="Configurazione",
            audience="public",
            last_reviewed="2026-06-01",
        ),
    ),
    "remove translation": _delete("policies/refunds.it.md"),
    "meta": _write("kb/.meta.yml", "audience: public\n"),
    "mkdocs": _edit(
        "mkdocs.yml", lambda t: t.replace("site_name: Incremental", "site_name: Renamed")
    ),
    "owners": _edit(
        "policies/owners.yml", lambda t: t.replace("Billing and refunds", "Billing team")
    ),
    "synonyms": _write("synonyms.yml", "en:\n  - [refund, reimbursement]\n"),
    "internal block": _edit("policies/refunds.md", lambda t: t.replace("10 EUR", "20 EUR")),
    "attachment": _delete("kb/img/hub.png"),
    "docs": _edit("docs/index.md", lambda t: t + "\nSee [setup](../kb/setup.md).\n"),
}
DAYS = ["2026-11-23", "2027-01-15"]  # the second is past the policies' review date


def _build(root: Path, today: str) -> bool:
    """``kb build`` in-process; False when the KB has errors (then nothing is written)."""
    from kbsite.cli import main

    result = CliRunner().invoke(
        main, ["-f", str(root / "mkdocs.yml"), "build", "--today", today], catch_exceptions=False
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code == 0


def _tree(root: Path) -> dict[str, bytes]:
    """Every file of both sites by path; the help center's search folders by their content
    (see ``_search_content``)."""
    site = root / "site"
    files: dict[str, bytes] = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if not path.is_file() or rel.startswith("preview"):
            continue
        search = _search_folder(path, site)
        if search is not None:
            key = f"{search.relative_to(site).as_posix()}/(content)"
            files.setdefault(key, _search_content(search))
            continue
        files[rel] = path.read_bytes()
    return files


def _search_folder(path: Path, site: Path) -> Path | None:
    """The help-center search folder ``path`` is in, if any."""
    for parent in path.parents:
        if parent == site:
            return None
        if parent.name == "search" and (parent / "meta.json").is_file():
            return parent
    return None


def _search_content(folder: Path) -> bytes:
    """What a help-center search index holds, whatever its history: the records of its live
    pages and its synonyms. (An update adds a delta segment and names folders by generation,
    so a browser never mixes two versions: the files of an updated index differ from a
    freshly written one by design; what it finds does not.)"""
    state = json.loads((folder / "writer-state.json").read_text("utf-8"))
    dead = set(state.get("dead") or [])
    records = []
    for gen, skip in ((state.get("base_gen"), dead), (state.get("delta_gen"), set())):
        if gen is None:
            continue
        prefix = "b" if skip is dead else "d"
        pack = folder / f"{prefix}-{gen}.json"  # a delta of a few pages, in one file
        if pack.is_file():
            files = json.loads(pack.read_text("utf-8"))
            shards_in = sorted((k for k in files if k.startswith("d/")), key=lambda k: int(k[2:-5]))
            rows = [row for name in shards_in for row in files[name]]
        else:
            shards = sorted(
                (folder / f"{prefix}-{gen}" / "d").glob("*.json"), key=lambda p: int(p.stem)
            )
            rows = [row for shard in shards for row in json.loads(shard.read_text("utf-8"))]
        records += [row for number, row in enumerate(rows) if number not in skip]
    content = {
        "records": sorted(records, key=lambda row: row[0]),
        "synonyms": state.get("synonyms"),
    }
    for name in ("kb-search.js", "kb-search.css"):
        content[name] = (folder / name).read_text("utf-8")
    return json.dumps(content, sort_keys=True, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("incremental")


@settings(
    max_examples=int(os.environ.get("KB_INCREMENTAL_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(EDITS)), st.sampled_from(DAYS)), min_size=1, max_size=3
    )
)
def test_incremental_build_equals_clean_build(workdir: Path, steps: list[tuple[str, str]]) -> None:
    """Every incremental build after a random edit has the same files, byte for byte, as a
    clean build of the same sources on the same day."""
    case = workdir / f"case-{dt.datetime.now().timestamp()}"
    live = case / "live"
    _seed(live)
    _build(live, DAYS[0])
    for name, today in steps:
        EDITS[name](live)
        built = _build(live, today)
        clean = case / f"clean-{name.replace(' ', '-')}"
        shutil.copytree(live, clean, ignore=shutil.ignore_patterns("site", ".kb"))
        assert _build(clean, today) == built  # the same sources are valid or not either way
        if not built:  # the KB has errors: the live site is left as it was
            shutil.rmtree(clean)
            continue
        incremental, fresh = _tree(live), _tree(clean)
        assert incremental.keys() == fresh.keys(), f"after {steps}: files differ"
        changed = [path for path in fresh if incremental[path] != fresh[path]]
        assert not changed, f"after {name} on {today} (steps {steps}): {changed[:5]} differ"
        shutil.rmtree(clean)
    shutil.rmtree(case)


def test_an_edit_renders_only_what_it_reaches(tmp_path: Path) -> None:
    """A body edit re-renders that page in its sites only; nothing changed renders nothing
    and leaves the site folders as they were (same inodes), whether the build notices it from
    its fingerprint at once or plans every site to find out."""
    from kbsite.cli import main

    _seed(tmp_path)
    runner = CliRunner()
    args = ["-f", str(tmp_path / "mkdocs.yml"), "build", "--today", DAYS[0]]
    first = runner.invoke(main, args, catch_exceptions=False)
    assert first.exit_code == 0 and " 0 kept" in first.output
    inode = (tmp_path / "site/public/index.html").stat().st_ino
    again = runner.invoke(main, args, catch_exceptions=False)
    assert "nothing changed since the last build" in again.output, again.output
    (tmp_path / ".kb/cache/build-fingerprint").unlink()  # the same, planned in full
    planned = runner.invoke(main, args, catch_exceptions=False)
    assert "; 0 rendered," in planned.output, planned.output
    assert (tmp_path / "site/public/index.html").stat().st_ino == inode
    EDITS["body"](tmp_path)
    edited = runner.invoke(main, args, catch_exceptions=False)
    # kb/setup.md is on the English public and internal sites: two pages rendered.
    assert "; 2 rendered," in edited.output, edited.output
    assert "More words." in (tmp_path / "site/public/kb/setup/index.html").read_text("utf-8")


def test_a_title_edit_reaches_every_page_that_shows_the_title(tmp_path: Path) -> None:
    """A title is shown by its page, by the category pages that list it and by the version
    history of the other versions of its rule: an incremental build updates all of them (the
    plans of other pages are kept, since titles are apart from what they depend on)."""
    from kbsite.cli import main

    live = tmp_path / "live"
    _seed(live)
    runner = CliRunner()
    args = ["-f", str(live / "mkdocs.yml"), "build", "--today", DAYS[0]]
    assert runner.invoke(main, args, catch_exceptions=False).exit_code == 0
    EDITS["title"](live)
    edited = runner.invoke(main, args, catch_exceptions=False)
    assert edited.exit_code == 0, edited.output
    later = (live / "site/internal/policies/refunds-2027/index.html").read_text("utf-8")
    assert "Refunds and returns <code>POL-REFUND</code>" in later
    browse = (live / "site/public/browse/policy/index.html").read_text("utf-8")
    assert "Refunds and returns" in browse
    # Not rendered again: the pages that show no other page's title (setup in two sites).
    # The page in both sites, the Italian translation's and the 2027 version's history
    # (rep site), policies/index and browse/policy in both sites, the health page.
    assert "; 9 rendered, " in edited.output, edited.output
    _same_as_clean(live, DAYS[0])


def _same_as_clean(root: Path, today: str) -> None:
    clean = root.parent / f"{root.name}-clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("site", ".kb"))
    assert _build(clean, today)
    assert _tree(root) == _tree(clean)
    shutil.rmtree(clean)


def test_pages_planned_earlier_are_planned_again_to_be_rendered(tmp_path: Path) -> None:
    """A page the last plan already knew (kept by its key) whose file is gone from the site
    is planned in full and rendered again, links and attachments included."""
    live = tmp_path / "live"
    _seed(live)
    assert _build(live, DAYS[0])
    EDITS["body"](live)
    assert _build(live, DAYS[0])  # the plans of the other pages come from the last build
    (live / "site/public/kb/setup/index.html").unlink()
    (live / "site/public/kb/img/hub.png").unlink()
    EDITS["internal block"](live)  # kb/setup.md (with the image) is unchanged
    assert _build(live, DAYS[0])
    assert (live / "site/public/kb/img/hub.png").is_file()
    setup = (live / "site/public/kb/setup/index.html").read_text("utf-8")
    assert 'src="../img/hub.png"' in setup and "More words." in setup
    _same_as_clean(live, DAYS[0])


@pytest.mark.parametrize(
    "data",
    ["[1, 2", '["w", "s", "t", {"kb/setup.md": [1]}, [], [], null]', '{"world": 1}', "null"],
)
def test_a_damaged_plan_memo_is_not_trusted(tmp_path: Path, data: str) -> None:
    """The plans kept for the next build are checked: a damaged one is a full plan."""
    import sqlite3

    live = tmp_path / "live"
    _seed(live)
    assert _build(live, DAYS[0])
    db = sqlite3.connect(live / ".kb/cache/outputs.sqlite")
    with db:
        assert db.execute("UPDATE plans SET data=?", (data,)).rowcount == 4
    db.close()
    EDITS["body"](live)
    assert _build(live, DAYS[0])
    assert "More words." in (live / "site/public/kb/setup/index.html").read_text("utf-8")
    _same_as_clean(live, DAYS[0])


def test_damaged_caches_are_detected_and_rebuilt(tmp_path: Path) -> None:
    """Truncated or foreign cache files are never trusted: the build starts over and its
    output equals a clean build."""
    from kbsite.cli import main

    _seed(tmp_path)
    args = ["-f", str(tmp_path / "mkdocs.yml"), "build", "--today", DAYS[0]]
    assert CliRunner().invoke(main, args, catch_exceptions=False).exit_code == 0
    before = _tree(tmp_path)
    for cache in (tmp_path / ".kb/cache").glob("*.sqlite"):
        data = cache.read_bytes()
        cache.write_bytes(data[: len(data) // 3])  # truncated
    shutil.rmtree(tmp_path / "site/public/kb")  # and part of the site gone
    assert CliRunner().invoke(main, args, catch_exceptions=False).exit_code == 0
    assert _tree(tmp_path) == before
    for cache in (tmp_path / ".kb/cache").glob("*.sqlite"):
        cache.write_bytes(b"not a database at all" * 100)
    assert CliRunner().invoke(main, args, catch_exceptions=False).exit_code == 0
    assert _tree(tmp_path) == before


def test_the_fingerprint_sees_what_outputs_depend_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each input a build reads changes the fingerprint: a page, the day, an installed package
    (a folder of sys.path gains or loses a .dist-info), the synonyms, the published folders."""
    from kbsite.project import find_project
    from kbsite.sites.fingerprint import fingerprint

    _seed(tmp_path / "kb")
    packages = tmp_path / "site-packages"
    packages.mkdir()
    monkeypatch.setattr("sys.path", [str(packages)])
    project = find_project(tmp_path / "kb" / "mkdocs.yml")
    day = dt.date.fromisoformat(DAYS[0])
    seen = {fingerprint(project, day)}

    def changed() -> bool:
        now = fingerprint(project, day)
        new = now not in seen
        seen.add(now)
        return new

    assert not changed()
    page = tmp_path / "kb/kb/setup.md"
    stat = page.stat()
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert changed()
    assert fingerprint(project, day + dt.timedelta(days=1)) not in seen
    (packages / "mkdocs_material-9.9.9.dist-info").mkdir()
    assert changed()
    (tmp_path / "kb/synonyms.yml").write_text("- [refund, money back]\n", "utf-8")
    assert changed()
    (tmp_path / "kb/site/public").mkdir(parents=True)
    assert changed()


def test_a_file_saved_during_a_build_is_seen_by_the_next(tmp_path: Path) -> None:
    """The fingerprint a build leaves is of its inputs as they were when it started."""
    from kbsite.project import find_project
    from kbsite.sites import fingerprint

    _seed(tmp_path)
    project = find_project(tmp_path / "mkdocs.yml")
    day = dt.date.fromisoformat(DAYS[0])
    read, note = fingerprint.unchanged(project, day)
    assert note is None  # never built
    fingerprint.remember(project, day, "", read)
    assert fingerprint.unchanged(project, day) == (read, "")
    page = tmp_path / "kb/setup.md"
    stat = page.stat()
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # saved mid-build
    fingerprint.remember(project, day, "", read)  # the build ends
    assert fingerprint.unchanged(project, day)[1] is None


def test_a_long_lived_process_reads_again_only_the_files_that_changed(tmp_path: Path) -> None:
    """``kb serve --watch`` loads the KB in one process build after build: an unchanged page
    is the one read before (with its problems), a changed file, a new folder default or
    another day is read again."""
    from kbsite.knowledge import load_kb
    from kbsite.project import find_project

    _seed(tmp_path)
    notes = tmp_path / "kb/notes.md"
    notes.write_text(notes.read_text("utf-8") + "\n[gone](missing.md)\n", "utf-8")
    day = dt.date(2026, 11, 23)
    first = load_kb(find_project(tmp_path), day)
    again = load_kb(find_project(tmp_path), day)
    by_path = {page.path: page for page in again.pages}
    assert all(by_path[page.path] is page for page in first.pages)  # nothing read again
    assert [p.code for p in again.problems] == [p.code for p in first.problems]
    assert any(p.file == "kb/notes.md" and p.code == "link-broken" for p in again.problems)

    EDITS["body"](tmp_path)
    edited = {page.path: page for page in load_kb(find_project(tmp_path), day).pages}
    assert "More words." in edited["kb/setup.md"].body
    assert edited["kb/setup.md"] is not by_path["kb/setup.md"]
    assert edited["kb/notes.md"] is by_path["kb/notes.md"]

    EDITS["meta"](tmp_path)  # kb/.meta.yml: every page of kb/ is read again
    defaults = {page.path: page for page in load_kb(find_project(tmp_path), day).pages}
    assert defaults["kb/notes.md"].meta.audience == "internal"  # its own field wins
    assert defaults["kb/notes.md"] is not edited["kb/notes.md"]
    assert defaults["policies/refunds.md"] is edited["policies/refunds.md"]

    later = load_kb(find_project(tmp_path), dt.date(2027, 1, 15))
    assert all(page is not defaults[page.path] for page in later.pages)


def test_pages_kept_by_a_long_lived_process_stay_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A builder that reuses the pages it read still tells the model cache they are in use:
    the cache forgets only what no page uses, so the next process reads every page from it."""
    import sqlite3

    from kbsite.knowledge import load_kb
    from kbsite.markdown import cache
    from kbsite.project import find_project

    monkeypatch.setattr(cache, "PRUNE_SLACK", 0)  # forget unused entries at once
    _seed(tmp_path)
    day = dt.date(2026, 11, 23)
    load_kb(find_project(tmp_path), day)
    for number in range(3):  # edits: new bodies, the old ones no longer used
        (tmp_path / "kb/setup.md").write_text(
            (tmp_path / "kb/setup.md").read_text("utf-8") + f"\nEdit {number}.\n", "utf-8"
        )
        kb = load_kb(find_project(tmp_path), day)  # the other pages: kept from the last read
    models = cache.ModelCache(kb.project.markdown, tmp_path / ".kb/cache")
    db = sqlite3.connect(tmp_path / ".kb/cache/models.sqlite")
    bodies = {row[0] for row in db.execute("SELECT key FROM bodies")}
    files = {row[0] for row in db.execute("SELECT key FROM files")}
    db.close()
    assert {models.key(page.body) for page in kb.pages} <= bodies
    assert {page.digest for page in kb.pages} <= files


def _reading(kb: object) -> list[tuple[object, ...]]:
    """Every field of every page (body and outline included), and the problems."""
    import dataclasses

    from kbsite.pages import Page

    names = [f.name for f in dataclasses.fields(Page)]
    pages = [tuple(getattr(page, name) for name in names) for page in kb.pages]  # type: ignore[attr-defined]
    return [*pages, tuple(kb.problems)]  # type: ignore[attr-defined]


def _fresh_reading(root: Path, day: dt.date) -> list[tuple[object, ...]]:
    """The KB read from nothing: no page kept in memory or on disk."""
    from kbsite.knowledge import load_kb
    from kbsite.project import find_project
    from kbsite.reading import content, snapshot

    content._LAST_READ.clear()
    for name in (snapshot.BASE, snapshot.DELTA):
        (root / ".kb/cache" / name).unlink(missing_ok=True)
    return _reading(load_kb(find_project(root), day))


def test_a_new_process_reads_again_only_the_files_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kb build`` starts from the pages the last process kept on disk: only an edited file
    is read, and every page equals a reading from nothing, its body and outline included
    (read from the file when asked for), as do the problems; pages without front matter or
    with broken YAML too."""
    from kbsite.knowledge import load_kb
    from kbsite.project import find_project
    from kbsite.reading import content

    _seed(tmp_path)
    (tmp_path / "kb/bare.md").write_text("# No front matter\n\nText.\n", "utf-8")
    (tmp_path / "kb/broken.md").write_text("---\ntitle: [unclosed\n---\n# B\n", "utf-8")
    day = dt.date(2026, 11, 23)
    load_kb(find_project(tmp_path), day)
    EDITS["body"](tmp_path)
    content._LAST_READ.clear()  # a new process
    read: list[str] = []
    page = content._Reader._page

    def counted(self: object, path: Path, *args: object) -> object:
        read.append(path.name)
        return page(self, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(content._Reader, "_page", counted)
    kept = load_kb(find_project(tmp_path), day)
    assert read == ["setup.md"]
    assert any(p.code == "front-matter-missing" for p in kept.problems)
    monkeypatch.undo()
    assert _reading(kept) == _fresh_reading(tmp_path, day)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "code", "other day", "delta only"])
def test_a_damaged_page_snapshot_is_not_trusted(tmp_path: Path, damage: str) -> None:
    """A snapshot that is truncated, not a snapshot, names anything but the page model's
    classes (it is never run), or was read in another context is ignored: the pages are
    read from their files."""
    import pickle

    from kbsite.knowledge import load_kb
    from kbsite.project import find_project
    from kbsite.reading import content, snapshot

    _seed(tmp_path)
    day = dt.date(2026, 11, 23)
    load_kb(find_project(tmp_path), day)
    base = tmp_path / ".kb/cache" / snapshot.BASE
    data = base.read_bytes()
    planted = tmp_path / "planted"
    if damage == "truncated":
        base.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        base.write_bytes(b"\x80\x05not a snapshot" * 50)
    elif damage == "code":

        class Plant:
            def __reduce__(self) -> tuple[object, ...]:
                return (os.mkdir, (str(planted),))

        base.write_bytes(pickle.dumps((snapshot.FORMAT, "x", {("k",): Plant()})))
    else:  # read in another context, or a delta without its base: titles that are wrong
        fmt, context, states = pickle.loads(data)
        for state, _, _ in states.values():
            state[0][4].title = "Wrong"
        if damage == "other day":
            base.write_bytes(
                pickle.dumps((fmt, context.replace("2026, 11, 23", "2026, 11, 24"), states))
            )
        else:
            base.unlink()
            (tmp_path / ".kb/cache" / snapshot.DELTA).write_bytes(
                pickle.dumps((fmt, context, states))
            )
    content._LAST_READ.clear()  # a new process
    kb = load_kb(find_project(tmp_path), day)
    assert not planted.exists()
    assert all(page.meta.title != "Wrong" for page in kb.pages)
    assert _reading(kb) == _fresh_reading(tmp_path, day)


def test_a_site_that_cannot_be_written_beside_the_other_is_one_clear_line(
    tmp_path: Path,
) -> None:
    """``kb build`` updates the help center in a forked process beside the rep site: when
    that one fails, the build says why in one line and exits 1, with no traceback."""
    from kbsite import beside
    from kbsite.cli import main

    if not beside.available():
        pytest.skip("needs fork and two cores")
    _seed(tmp_path)
    args = ["-f", str(tmp_path / "mkdocs.yml"), "build", "--today", DAYS[0]]
    assert CliRunner().invoke(main, args, catch_exceptions=False).exit_code == 0
    shutil.rmtree(tmp_path / "site/public/kb")
    (tmp_path / "site/public/kb").write_text("a file where a folder was\n", "utf-8")
    EDITS["body"](tmp_path)
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert "build failed:" in result.output and "site/public/kb" in result.output
    assert "Traceback" not in result.output and "Error:" not in result.output
