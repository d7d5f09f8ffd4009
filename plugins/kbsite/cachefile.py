"""Files of the caches under ``.kb/cache/``, read and written the same way by every cache.

A SQLite cache is never trusted blindly: a file written in another format has its tables
dropped and made again, and a damaged or foreign file is deleted and opened afresh (once); if
that fails too, the caller works without a cache. A JSON file of a cache is read once per
process while it stays the same file (``read_json``); a file copied into a site is known by
its size and time (``file_key``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def file_key(stat: os.stat_result) -> str:
    """The key of a file copied as it is: its size and modification time."""
    return f"file:{stat.st_size}:{stat.st_mtime_ns}"


#: JSON files this process read, by path, with each file's identity: a long-lived builder
#: (``kb serve --watch``) reads the same ones at every build.
_READ: dict[str, tuple[tuple[int, int, int], Any]] = {}


def read_json(path: Path) -> Any:
    """The JSON in ``path`` (None if it cannot be read), parsed again only when the file
    changed (inode, size, time). Shared between callers: never change what it returns."""
    try:
        stat = path.stat()
        identity = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        known = _READ.get(str(path))
        if known is not None and known[0] == identity:
            return known[1]
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    _READ[str(path)] = (identity, data)
    return data


def open_cache(path: Path, version: str, tables: Mapping[str, str]) -> sqlite3.Connection | None:
    """``path`` as a cache of format ``version`` holding ``tables`` (name -> column list),
    or None when no usable file can be had there."""
    for attempt in range(2):
        db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: no fsync on each commit
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE name='format'").fetchone()
            if row is None or row[0] != version:
                for name in tables:
                    db.execute(f"DROP TABLE IF EXISTS {name}")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (version,))
            for name, columns in tables.items():
                db.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
                db.execute(f"SELECT count(*) FROM {name}").fetchone()
            return db
        except (sqlite3.DatabaseError, OSError):
            if db is not None:
                with contextlib.suppress(Exception):
                    db.close()
            if attempt == 0:
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        Path(f"{path}{suffix}").unlink()
    return None
