"""The page models of a project, kept between runs in ``.kb/cache/`` by content digest.

A body is parsed once per change, not once per command: ``kb check``, ``kb build``, ``kb
index`` and the preview all find it here. Entries are keyed by the body and the Markdown
dialect (extensions, options, package versions), so a change to either is a new key; stale
entries are dropped when the cache grows past twice what the project uses. Values are stored
with ``marshal`` (plain data only: nothing in a cache file can run code) and a checksum; a
cache written by another version, or a corrupt or truncated file, is detected and started
again, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sqlite3
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from kbsite.cachefile import open_cache
from kbsite.markdown.config import MarkdownConfig
from kbsite.markdown.model import Body, BodyLink, BodyReader, Heading, Outline, Rendering, Section

FORMAT = "kb-model-4"
_FILE = "models.sqlite"
_TABLES = {
    "bodies": "key TEXT PRIMARY KEY, outline BLOB, rendering BLOB",
    "files": "key TEXT PRIMARY KEY, value BLOB",
}
#: Below this many bodies to parse, a process pool costs more than it saves.
_POOL_THRESHOLD = 64


def body_key(config: MarkdownConfig, text: str) -> str:
    """The cache key of a body in a dialect."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(config.digest.encode())
    digest.update(b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


# -- plain-data forms (marshal) ---------------------------------------------------------------


def _outline_data(outline: Outline) -> tuple[Any, ...]:
    return (
        sorted(outline.anchors),
        [(h.level, h.text, h.anchor, h.internal) for h in outline.headings],
        [(k.target, k.line, k.kind, k.slot, k.internal) for k in outline.links],
        outline.error,
        outline.error_line,
    )


def _outline_from(data: tuple[Any, ...]) -> Outline:
    anchors, headings, links, error, error_line = data
    return Outline(
        frozenset(anchors),
        tuple(Heading(*h) for h in headings),
        tuple(BodyLink(*k) for k in links),
        error,
        error_line,
    )


def _rendering_data(rendering: Rendering) -> tuple[Any, ...]:
    return (
        rendering.html,
        None if rendering.public_html == rendering.html else rendering.public_html,
        list(rendering.toc),
        None if rendering.public_toc == rendering.toc else list(rendering.public_toc),
        [(s.heading, s.anchor, s.text, s.internal) for s in rendering.sections],
    )


def _rendering_from(data: tuple[Any, ...]) -> Rendering:
    page_html, public_html, toc, public_toc, sections = data
    return Rendering(
        page_html,
        page_html if public_html is None else public_html,
        tuple(toc),
        tuple(toc if public_toc is None else public_toc),
        tuple(Section(*s) for s in sections),
    )


def _pack(data: Any) -> bytes:
    blob = marshal.dumps(data)
    return hashlib.blake2b(blob, digest_size=8).digest() + blob


def _unpack(value: bytes) -> Any:
    """The data of a stored value; ValueError when it is damaged."""
    check, blob = value[:8], value[8:]
    if hashlib.blake2b(blob, digest_size=8).digest() != check:
        raise ValueError("checksum mismatch")
    return marshal.loads(blob)


# -- parsing in bulk --------------------------------------------------------------------------

_WORKER_READER: BodyReader | None = None


def _parse_in_worker(job: tuple[MarkdownConfig, str]) -> tuple[bytes, bytes]:
    global _WORKER_READER
    config, text = job
    if _WORKER_READER is None or _WORKER_READER.config != config:
        _WORKER_READER = BodyReader(config)
    body = _WORKER_READER.read(text)
    return marshal.dumps(_outline_data(body.outline)), marshal.dumps(
        _rendering_data(body.rendering)
    )


def _parse_all(config: MarkdownConfig, texts: list[str]) -> Iterator[Body]:
    """Parse bodies, on every core when there are many."""
    workers = min(os.cpu_count() or 1, 8)
    if len(texts) < _POOL_THRESHOLD or workers < 2:
        reader = BodyReader(config)
        yield from (reader.read(text) for text in texts)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        jobs = ((config, text) for text in texts)
        for outline, rendering in pool.map(_parse_in_worker, jobs, chunksize=16):
            yield Body(
                _outline_from(marshal.loads(outline)), _rendering_from(marshal.loads(rendering))
            )


# -- the store --------------------------------------------------------------------------------


#: Entries no page used are forgotten only once the cache holds this many more than twice
#: those used (a page edited back and forth keeps its versions).
PRUNE_SLACK = 1000


class ModelCache:
    """Outlines and renderings by body key, in SQLite (or only in memory without a folder)."""

    def __init__(self, config: MarkdownConfig, folder: Path | None) -> None:
        self.config = config
        self.folder = folder
        self._db: sqlite3.Connection | None = None
        self._outlines: dict[str, Outline] = {}
        self._renderings: dict[str, Rendering] = {}
        self._pending: dict[str, tuple[bytes, bytes]] = {}
        self._used: set[str] = set()
        self._files: dict[str, Any] = {}
        self._pending_files: dict[str, bytes] = {}
        self._used_files: set[str] = set()
        self._keys: dict[str, str] = {}  # body -> key (a str keeps its own hash: cheap)
        self._pid = os.getpid()
        if folder is not None:
            self._db = open_cache(folder / _FILE, FORMAT, _TABLES)

    def reopen(self) -> None:
        """After a fork: a connection of its own (SQLite connections do not cross processes)."""
        if self.folder is not None and self._pid != os.getpid():
            self._pid = os.getpid()
            self._pending.clear()
            self._db = open_cache(self.folder / _FILE, FORMAT, _TABLES)

    # -- reading --------------------------------------------------------------------------

    def key(self, text: str) -> str:
        """``body_key`` in this cache's dialect, worked out once per body per process (every
        site of a build asks for the keys of the same bodies)."""
        found = self._keys.get(text)
        if found is None:
            found = self._keys[text] = body_key(self.config, text)
        return found

    def outlines(self, texts: Iterable[str]) -> list[Outline]:
        """The outline of each body, parsing (in bulk) only those not cached."""
        texts = list(texts)
        keys = [self.key(text) for text in texts]
        self._used.update(keys)
        missing = [k for k in dict.fromkeys(keys) if k not in self._outlines]
        if missing and self._db is not None:
            for key, value in self._select("outline", missing):
                try:
                    self._outlines[key] = _outline_from(_unpack(value))
                except (ValueError, EOFError, TypeError):
                    continue
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._outlines}
        if todo:
            for key, body in zip(todo, _parse_all(self.config, list(todo.values())), strict=True):
                self._keep(key, body)
        return [self._outlines[key] for key in keys]

    def rendering(self, text: str) -> Rendering:
        """The rendering of a body (parsed again only when not cached)."""
        key = self.key(text)
        self._used.add(key)
        found = self._renderings.get(key)
        if found is not None:
            return found
        pending = self._pending.get(key)
        if pending is not None:
            return _rendering_from(_unpack(pending[1]))
        if self._db is not None:
            for _, value in self._select("rendering", [key]):
                try:
                    return _rendering_from(_unpack(value))
                except (ValueError, EOFError, TypeError):
                    break
        body = BodyReader(self.config).read(text)
        self._keep(key, body)
        return body.rendering

    def _select(self, column: str, keys: list[str]) -> Iterator[tuple[str, bytes]]:
        assert self._db is not None
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                yield from self._db.execute(
                    f"SELECT key, {column} FROM bodies WHERE key IN ({marks})", chunk
                )
        except sqlite3.DatabaseError:
            self._db = None  # damaged while running: carry on without it

    def _keep(self, key: str, body: Body) -> None:
        self._outlines[key] = body.outline
        if self._db is None:  # no store: renderings stay in memory
            self._renderings[key] = body.rendering
            return
        self._pending[key] = (
            _pack(_outline_data(body.outline)),
            _pack(_rendering_data(body.rendering)),
        )
        if len(self._pending) >= 500:  # renderings are large: write them out as we go
            self.save()

    # -- what a file's reading found, by the file's digest --------------------------------

    def file_entry(self, key: str) -> Any | None:
        """Plain data stored for a file's content (its front matter, as read), or None."""
        self._used_files.add(key)
        found = self._files.get(key)
        if found is not None or self._db is None:
            return found
        try:
            row = self._db.execute("SELECT value FROM files WHERE key=?", (key,)).fetchone()
        except sqlite3.DatabaseError:
            self._db = None
            return None
        if row is None:
            return None
        try:
            return _unpack(row[0])
        except (ValueError, EOFError, TypeError):
            return None

    def keep_file_entry(self, key: str, value: Any) -> None:
        self._files[key] = value
        self._used_files.add(key)
        if self._db is not None:
            self._pending_files[key] = _pack(value)

    # -- writing --------------------------------------------------------------------------

    def still_used(self, file_digest: str, body_key: str | None) -> None:
        """A page read earlier by this process (not looked up again) still uses its entries:
        ``save`` must not forget them."""
        self._used_files.add(file_digest)
        if body_key is not None:
            self._used.add(body_key)

    def save(self) -> None:
        """Write what was parsed; forget entries no page uses when the cache has grown."""
        db = self._db
        if db is None or not (self._pending or self._pending_files):
            self._pending.clear()
            self._pending_files.clear()
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)",
                [(k, o, r) for k, (o, r) in self._pending.items()],
            )
            db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?)", list(self._pending_files.items())
            )
            files = db.execute("SELECT count(*) FROM files").fetchone()[0]
            if files > 2 * len(self._used_files) + PRUNE_SLACK:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS used_files (key TEXT PRIMARY KEY)")
                db.execute("DELETE FROM used_files")
                db.executemany(
                    "INSERT OR IGNORE INTO used_files VALUES (?)", [(k,) for k in self._used_files]
                )
                db.execute("DELETE FROM files WHERE key NOT IN (SELECT key FROM used_files)")
            total = db.execute("SELECT count(*) FROM bodies").fetchone()[0]
            if total > 2 * len(self._used) + PRUNE_SLACK:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                db.execute("DELETE FROM used")
                db.executemany("INSERT OR IGNORE INTO used VALUES (?)", [(k,) for k in self._used])
                db.execute("DELETE FROM bodies WHERE key NOT IN (SELECT key FROM used)")
            db.execute("COMMIT")
        except sqlite3.DatabaseError:  # locked by another run or read-only: only a cache
            with contextlib.suppress(sqlite3.DatabaseError):
                db.execute("ROLLBACK")
        self._pending.clear()
        self._pending_files.clear()

    def close(self) -> None:
        self.save()
        if self._db is not None:
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.close()
            self._db = None
