"""The output folders of ``kb build``: what each file was made from, and how a site is updated.

Every output file has a key (the digest of what it was made from). A build writes only files
whose key changed. When many files change (a first or clean build, a theme or config change),
a new generation is written beside the current site (unchanged files hard-linked, no copy, no
render) and replaces it in a single atomic step: ``renameat2(RENAME_EXCHANGE)`` on Linux swaps
the two folders; elsewhere two renames follow each other. When few files change (an edit), they
are replaced in the current site one by one, each atomically (written beside, then renamed over
the old one), and files no longer made are removed last: at every instant each file is
complete. Leftovers of a build that was killed are removed by the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from kbsite.cachefile import open_cache
from kbsite.project import CACHE_DIR
from kbsite.sites.plan import PlanMemo

_FILE = "outputs.sqlite"
FORMAT = "kb-outputs-4"
_TABLES = {
    "outputs": "audience TEXT, path TEXT, key TEXT, PRIMARY KEY (audience, path)",
    "plans": "site TEXT PRIMARY KEY, base TEXT, data TEXT",
}
NEXT = ".next-"
OLD = ".old-"
#: Names earlier versions left behind when killed.
_LEFTOVERS = (NEXT, OLD, ".staging-")


#: The plans this process read or wrote last, by store and site, with their stored text: a
#: long-lived builder (``kb serve --watch``) does not parse them again at every build.
_MEMOS: dict[tuple[str, str], tuple[str, PlanMemo]] = {}


class OutputError(Exception):
    """The site folder cannot be written (read-only, disk full): the message names it."""


class OutputStore:
    """Keys of the files in the site folders, the last plan of each site, the theme's files."""

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_DIR / _FILE
        self._db = open_cache(self.path, FORMAT, _TABLES)

    def outputs(self, audience: str) -> dict[str, str]:
        """The key of every file of the audience's current site folder."""
        if self._db is None:
            return {}
        try:
            rows = self._db.execute("SELECT path, key FROM outputs WHERE audience=?", (audience,))
            return dict(rows.fetchall())
        except sqlite3.DatabaseError:
            return {}

    def replace(
        self, audience: str, outputs: dict[str, str], previous: dict[str, str] | None = None
    ) -> None:
        """The keys of the audience's folder are now ``outputs``; ``previous``: what
        ``outputs(audience)`` said before (then only the rows that differ are written)."""
        if self._db is None:
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
            if previous is None:
                self._db.execute("DELETE FROM outputs WHERE audience=?", (audience,))
                changed = outputs.items()
            else:
                gone = [(audience, path) for path in previous if path not in outputs]
                self._db.executemany("DELETE FROM outputs WHERE audience=? AND path=?", gone)
                changed = [(p, k) for p, k in outputs.items() if previous.get(p) != k]
            self._db.executemany(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)",
                [(audience, path, key) for path, key in changed],
            )
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError:
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.execute("ROLLBACK")

    def forget(self, audience: str) -> None:
        """The audience's folder is not what the store says (e.g. removed): start over."""
        self.replace(audience, {})

    def plan_memo(self, site: str, base: str) -> PlanMemo | None:
        """The last plan of a site (``SiteSpec.name``) made with the same config and code."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT base, data FROM plans WHERE site=?", (site,))
            found = row.fetchone()
        except sqlite3.DatabaseError:
            return None
        if found is None or found[0] != base:
            return None
        known = _MEMOS.get((str(self.path), site))
        if known is not None and known[0] == found[1]:
            return known[1]  # kept by this process: the same text, already read
        memo = PlanMemo.from_json(found[1])
        if memo is not None:
            _MEMOS[(str(self.path), site)] = (found[1], memo)
        return memo

    def keep_plan_memo(self, site: str, base: str, memo: PlanMemo) -> None:
        if self._db is None:
            return
        data = memo.to_json()
        try:
            self._db.execute("INSERT OR REPLACE INTO plans VALUES (?, ?, ?)", (site, base, data))
        except sqlite3.DatabaseError:
            return
        _MEMOS[(str(self.path), site)] = (data, memo)

    def theme_files(self, base: str) -> list[tuple[str, Path]] | None:
        """The theme's static files as listed for the theme and config digest ``base``."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT value FROM meta WHERE name=?", (f"theme:{base}",))
            found = row.fetchone()
        except sqlite3.DatabaseError:
            return None
        if found is None:
            return None
        try:
            return [(rel, Path(path)) for rel, path in json.loads(found[0])]
        except (ValueError, TypeError):
            return None

    def keep_theme_files(self, base: str, files: list[tuple[str, Path]]) -> None:
        if self._db is None:
            return
        data = json.dumps([(rel, str(path)) for rel, path in files])
        try:
            self._db.execute("DELETE FROM meta WHERE name LIKE 'theme:%'")
            self._db.execute("INSERT INTO meta VALUES (?, ?)", (f"theme:{base}", data))
        except sqlite3.DatabaseError:
            return

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.close()
            self._db = None


# -- generations ------------------------------------------------------------------------------


def clean_leftovers(site_root: Path) -> None:
    """Remove the half-written folders of builds that were killed."""
    if not site_root.is_dir():
        return
    for entry in site_root.iterdir():
        if entry.name.startswith(_LEFTOVERS):
            shutil.rmtree(entry, ignore_errors=True)


class Generation:
    """A new site folder being written beside the current one."""

    def __init__(self, site_root: Path, audience: str) -> None:
        self.current = site_root / audience
        self.folder = site_root / f"{NEXT}{audience}-{os.getpid()}"
        shutil.rmtree(self.folder, ignore_errors=True)
        # Plain strings and os calls: thousands of files are linked per build.
        self._old = os.fspath(self.current) + os.sep
        self._new = os.fspath(self.folder) + os.sep
        self._made: set[str] = set()
        try:
            self.folder.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(describe(exc, self.folder)) from None

    def _parent(self, path: Path | str) -> None:
        parent = os.path.dirname(path)  # noqa: PTH120 - strings: called per output file
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)  # noqa: PTH103
            self._made.add(parent)

    def reuse(self, rel: str) -> bool:
        """Hard-link a file of the current site into the new one; False if it is gone."""
        old = self._old + rel
        new = self._new + rel
        try:
            self._parent(new)
            os.link(old, new)
        except FileNotFoundError:
            return False
        except OSError as exc:
            if exc.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                try:
                    shutil.copy2(old, new)  # no hard links here: copy
                except FileNotFoundError:
                    return False
            else:
                raise OutputError(describe(exc, Path(new))) from None
        return True

    def write(self, rel: str, data: bytes) -> None:
        path = self.folder / rel
        try:
            self._parent(path)
            path.write_bytes(data)
        except OSError as exc:
            raise OutputError(describe(exc, path)) from None

    def copy(self, rel: str, source: Path) -> None:
        path = self.folder / rel
        try:
            self._parent(path)
            shutil.copyfile(source, path)
        except OSError as exc:
            raise OutputError(describe(exc, path)) from None

    def swap(self) -> None:
        """Put the new generation in place of the current one, atomically where possible."""
        try:
            if self.current.exists() and _exchange(self.folder, self.current):
                shutil.rmtree(self.folder, ignore_errors=True)  # now holds the old site
                return
            old = self.current.with_name(f"{OLD}{self.current.name}-{os.getpid()}")
            if self.current.exists():
                self.current.rename(old)
            self.folder.rename(self.current)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            raise OutputError(describe(exc, self.current)) from None

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class InPlace:
    """Few changes: the current site is updated file by file (same interface as Generation)."""

    def __init__(
        self, site_root: Path, audience: str, stale: list[str], link_from: Path | None = None
    ) -> None:
        self.link_from = link_from  # files under this folder may be hard-linked (``copy``)
        self.current = site_root / audience
        self.folder = self.current
        self.stale = stale  # files the new outputs no longer have: removed last
        self._root = os.fspath(self.current) + os.sep
        self._made: set[Path] = set()

    def reuse(self, rel: str) -> bool:
        return os.path.exists(self._root + rel)  # noqa: PTH110 - per output file

    def write(self, rel: str, data: bytes) -> None:
        """Write beside, then rename over: a reader gets the old file or the new, whole."""
        try:
            self._replace(rel, lambda temporary: temporary.write_bytes(data))
        except OSError as exc:
            raise OutputError(describe(exc, self.current / rel)) from None

    def copy(self, rel: str, source: Path) -> None:
        """A copy of ``source``; a hard link for a file of the build's own cache (the
        help-center search's segment files, never changed once written) where the file
        system allows."""
        if self.link_from is not None and self.link_from in source.parents:
            with contextlib.suppress(OSError):  # no hard links here: copy
                self._replace(rel, lambda temporary: os.link(source, temporary))
                return
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise OutputError(describe(exc, source)) from None
        self.write(rel, data)

    def _replace(self, rel: str, put: Callable[[Path], object]) -> None:
        """``put`` the new file beside the old one, then rename it over (an OSError leaves
        the old one, and nothing beside it)."""
        path = self.current / rel
        temporary = path.with_name(f".kb-{os.getpid()}-{path.name}")
        try:
            if path.parent not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(path.parent)
            put(temporary)
            temporary.replace(path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise

    def swap(self) -> None:
        for rel in self.stale:
            with contextlib.suppress(OSError):
                (self.current / rel).unlink()
        for folder in sorted({(self.current / rel).parent for rel in self.stale}, reverse=True):
            while folder != self.current and self.current in folder.parents:
                try:
                    folder.rmdir()  # empty folders of removed pages go too
                except OSError:
                    break
                folder = folder.parent

    def discard(self) -> None:
        return  # every file written so far is whole; the next build finishes the job


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); False where it is not available."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def describe(exc: OSError, path: Path) -> str:
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EDQUOT: "the disk quota is exceeded",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return f"cannot write {path}: {reason}"


# -- generated files --------------------------------------------------------------------------


def sitemap(urls: list[str]) -> str:
    """A sitemap of absolute page URLs (no dates: the same pages give the same file)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    for url in urls:
        escaped = url.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        lines.append(f"    <url>\n         <loc>{escaped}</loc>\n    </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no timestamp or name, so the same input gives the same bytes."""
    import gzip
    import io

    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)
    return buffer.getvalue()
