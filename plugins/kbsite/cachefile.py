"""One SQLite file of a cache under ``.kb/cache/``, opened the same way by every cache.

A cache is never trusted blindly: a file written in another format has its tables dropped and
made again, and a damaged or foreign file is deleted and opened afresh (once); if that fails
too, the caller works without a cache.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping
from pathlib import Path


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
