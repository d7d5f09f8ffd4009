"""Reader feedback and the search log (SPEC §9): one SQLite database under ``.kb/``.

``kb serve`` writes votes ("Was this helpful?", a rep's "Flag as outdated") and what readers
searched for; ``kb stale``, the rep site's banners and the content-health page read them back.

Privacy by construction: a row holds a page id, a language, a site, the vote or the
normalised query, and the *day*; never an IP address, a user agent, a cookie or a time of day.
E-mail addresses, phone and card numbers are masked in queries and comments before they are
stored. Rows older than the retention (default 90 days) are deleted.

Several server processes write at once: the database is in WAL mode, every write is one short
``BEGIN IMMEDIATE`` transaction that increments counters in place (no read-modify-write in
Python), and a busy writer waits up to ``timeout`` seconds for the lock.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from kbsite.project import Project

STORE_FILE = ".kb/feedback.sqlite3"
MAX_COMMENT = 500
MAX_QUERY = 200
DEFAULT_RETENTION_DAYS = 90
SITES = ("public", "internal")
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    page_id TEXT NOT NULL,
    lang TEXT NOT NULL,
    site TEXT NOT NULL,
    helpful INTEGER,            -- 1 yes, 0 no, NULL: a flag without a vote
    flag INTEGER NOT NULL,      -- 1: a rep flagged the page as outdated
    comment TEXT NOT NULL,
    day TEXT NOT NULL           -- YYYY-MM-DD: no time of day is kept
);
CREATE INDEX IF NOT EXISTS votes_by_page ON votes (page_id, lang, day);
CREATE INDEX IF NOT EXISTS votes_by_day ON votes (day);
CREATE TABLE IF NOT EXISTS searches (
    query TEXT NOT NULL,
    lang TEXT NOT NULL,
    site TEXT NOT NULL,
    day TEXT NOT NULL,
    count INTEGER NOT NULL,
    zero_results INTEGER NOT NULL,
    PRIMARY KEY (query, lang, site, day)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS searches_by_day ON searches (day);
"""

# Masks: what could identify a person is replaced before anything is stored.
_EMAIL = regex.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", regex.UNICODE)
# 13-19 digits, optionally grouped by spaces or dashes: a payment card number.
_CARD = regex.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
# 7 or more digits with the separators phone numbers are written with.
_PHONE = regex.compile(r"(?<![\w])\+?\(?\d(?:[\d ().-]{5,}\d)(?![\d])")
_ISO_DATE = regex.compile(r"\d{4}-\d{2}-\d{2}")  # a date is not a phone number
_SPACE = regex.compile(r"\s+")
_CONTROL = regex.compile(r"[\p{Cc}\p{Cf}\p{Co}\p{Cs}]")


class StoreError(Exception):
    """The feedback database cannot be used (locked, corrupt, unwritable): say so plainly."""


class StoreFull(StoreError):
    """The disk (or the file system's limit) is full: votes are refused until there is room."""


def mask_personal_data(text: str) -> str:
    """``text`` with e-mail addresses, card and phone numbers replaced by placeholders."""
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub(lambda m: "[card]" if _digits(m.group()) >= 13 else m.group(), text)
    return _PHONE.sub(_phone, text)


def _phone(match: regex.Match[str]) -> str:
    found = match.group()
    if _digits(found) < 7 or _ISO_DATE.fullmatch(found.strip()):
        return found
    return "[phone]"


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def normalise_query(query: str) -> str:
    """The form a query is counted under: masked, case-folded, spaces collapsed, bounded."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", query))
    text = mask_personal_data(text).casefold()
    text = _SPACE.sub(" ", text).strip()
    return text[:MAX_QUERY]


def clean_comment(comment: str) -> str:
    """A comment as stored: no control characters (terminal escapes), masked, bounded."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", comment))
    text = _SPACE.sub(" ", mask_personal_data(text)).strip()
    return text[:MAX_COMMENT]


@dataclass(frozen=True, slots=True)
class Vote:
    page_id: str
    lang: str
    site: str
    helpful: bool | None
    flag: bool = False
    comment: str = ""


@dataclass(frozen=True, slots=True)
class SearchEntry:
    query: str  # as typed; normalised when stored
    lang: str
    site: str
    zero_results: bool


@dataclass
class PageVotes:
    """Votes on one page in one language, per day (to count those since its last review)."""

    days: dict[dt.date, list[int]] = field(default_factory=dict)  # day -> [yes, no, flags]
    flag_comments: list[tuple[dt.date, str]] = field(default_factory=list)  # newest first

    def since(self, day: dt.date | None) -> tuple[int, int, int, dt.date | None, dt.date | None]:
        """(helpful, unhelpful, flags, first flag day, first unhelpful day) after ``day``."""
        yes = no = flags = 0
        first_flag = first_no = None
        for when in sorted(self.days):
            if day is not None and when <= day:
                continue
            y, n, f = self.days[when]
            yes, no, flags = yes + y, no + n, flags + f
            if f and first_flag is None:
                first_flag = when
            if n and first_no is None:
                first_no = when
        return yes, no, flags, first_flag, first_no


def store_path(project: Project) -> Path:
    return project.root / STORE_FILE


class FeedbackStore:
    """The SQLite database of votes and searches. One connection per thread."""

    def __init__(self, path: Path, *, timeout: float = 2.0, readonly: bool = False) -> None:
        self.path = path
        self.timeout = timeout
        self.readonly = readonly
        self._local = threading.local()
        self._ready = False

    # -- connections ----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self.readonly:
            if not self.path.is_file():
                raise StoreError(f"{self.path} does not exist")
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None)
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _error(exc, self.path) from None
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; every SQLite failure becomes a StoreError."""
        try:
            conn = self._connect()
            if not self._ready:
                self._prepare(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback_quietly()
            raise _error(exc, self.path) from None

    def _rollback_quietly(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and conn.in_transaction:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """WAL mode and the tables (idempotent; both server processes may race here)."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:  # another process is switching it too
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        conn.execute("PRAGMA synchronous=NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > _SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"written by a newer kbsite (schema {version}, this one reads {_SCHEMA_VERSION})"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._ready = True

    def check(self) -> None:
        """Open and prepare the database now; StoreError says what is wrong with it."""
        with self._write() as conn:
            conn.execute("SELECT count(*) FROM votes").fetchone()

    # -- writing --------------------------------------------------------------------------

    def record_vote(self, vote: Vote, day: dt.date) -> None:
        helpful = None if vote.helpful is None else int(vote.helpful)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO votes (page_id, lang, site, helpful, flag, comment, day) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    vote.page_id,
                    vote.lang,
                    vote.site,
                    helpful,
                    int(vote.flag),
                    clean_comment(vote.comment),
                    day.isoformat(),
                ),
            )

    def log_searches(self, entries: Iterable[SearchEntry], day: dt.date) -> int:
        """Count queries (normalised, masked) per language, site and day; returns how many."""
        rows = []
        for entry in entries:
            query = normalise_query(entry.query)
            if query:
                rows.append(
                    (query, entry.lang, entry.site, day.isoformat(), int(entry.zero_results))
                )
        if not rows:
            return 0
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO searches (query, lang, site, day, count, zero_results) "
                "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (query, lang, site, day) DO UPDATE SET "
                "count = count + 1, zero_results = zero_results + excluded.zero_results",
                rows,
            )
        return len(rows)

    def purge(self, today: dt.date, retention_days: int) -> int:
        """Delete everything older than the retention; returns the rows deleted."""
        cutoff = (today - dt.timedelta(days=retention_days)).isoformat()
        with self._write() as conn:
            removed = conn.execute("DELETE FROM votes WHERE day < ?", (cutoff,)).rowcount
            removed += conn.execute("DELETE FROM searches WHERE day < ?", (cutoff,)).rowcount
        return removed

    # -- reading --------------------------------------------------------------------------

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            rows: list[tuple[Any, ...]] = self._connect().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _error(exc, self.path) from None
        return rows

    def insights(self, since: dt.date, limit: int = 200) -> dict[str, Any]:
        """The SPEC §9 JSON: votes per page and language, searches per query, language, site."""
        day = since.isoformat()
        pages = []
        comments: dict[tuple[str, str], list[str]] = {}
        for page_id, lang, comment in self._read(
            "SELECT page_id, lang, comment FROM votes WHERE day >= ? AND comment != '' "
            "ORDER BY day DESC, rowid DESC",
            (day,),
        ):
            found = comments.setdefault((page_id, lang), [])
            if len(found) < 20:
                found.append(comment)
        for page_id, lang, yes, no, flags in self._read(
            "SELECT page_id, lang, SUM(helpful = 1), SUM(helpful = 0), SUM(flag) FROM votes "
            "WHERE day >= ? GROUP BY page_id, lang "
            "ORDER BY SUM(flag) DESC, SUM(helpful = 0) - SUM(helpful = 1) DESC, page_id, lang",
            (day,),
        ):
            pages.append(
                {
                    "id": page_id,
                    "lang": lang,
                    "helpful": yes or 0,
                    "unhelpful": no or 0,
                    "flags": flags or 0,
                    "comments": comments.get((page_id, lang), []),
                }
            )
        searches = [
            {"query": q, "lang": lang, "site": site, "count": count, "zero_results": zero}
            for q, lang, site, count, zero in self._read(
                "SELECT query, lang, site, SUM(count), SUM(zero_results) FROM searches "
                "WHERE day >= ? GROUP BY query, lang, site "
                "ORDER BY SUM(count) DESC, query, lang, site LIMIT ?",
                (day, limit),
            )
        ]
        return {"pages": pages, "searches": searches}

    def page_votes(self, since: dt.date) -> dict[tuple[str, str], PageVotes]:
        """Votes per (page id, language) and day, from ``since`` on."""
        found: dict[tuple[str, str], PageVotes] = {}
        day = since.isoformat()
        for page_id, lang, when, yes, no, flags in self._read(
            "SELECT page_id, lang, day, SUM(helpful = 1), SUM(helpful = 0), SUM(flag) "
            "FROM votes WHERE day >= ? GROUP BY page_id, lang, day",
            (day,),
        ):
            votes = found.setdefault((page_id, lang), PageVotes())
            votes.days[dt.date.fromisoformat(when)] = [yes or 0, no or 0, flags or 0]
        for page_id, lang, when, comment in self._read(
            "SELECT page_id, lang, day, comment FROM votes "
            "WHERE day >= ? AND flag = 1 AND comment != '' ORDER BY day DESC, rowid DESC",
            (day,),
        ):
            if (page_id, lang) in found:
                found[(page_id, lang)].flag_comments.append((dt.date.fromisoformat(when), comment))
        return found

    def zero_results(self, since: dt.date, per_group: int = 10) -> list[dict[str, Any]]:
        """The most frequent searches that found nothing, per language and site."""
        rows = self._read(
            "SELECT lang, site, query, SUM(zero_results) AS misses, SUM(count) FROM searches "
            "WHERE day >= ? AND zero_results > 0 GROUP BY lang, site, query "
            "ORDER BY site, lang, misses DESC, query",
            (since.isoformat(),),
        )
        out: list[dict[str, Any]] = []
        taken: dict[tuple[str, str], int] = {}
        for lang, site, query, misses, count in rows:
            if taken.get((lang, site), 0) >= per_group:
                continue
            taken[(lang, site)] = taken.get((lang, site), 0) + 1
            out.append(
                {"query": query, "lang": lang, "site": site, "count": count, "zero_results": misses}
            )
        return out


def _error(exc: BaseException, path: Path) -> StoreError:
    """A StoreError a person can act on, for any SQLite or OS failure."""
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered or "no space" in lowered or "too large" in lowered:
        return StoreFull(f"{path}: the disk is full; votes cannot be stored ({text})")
    if "locked" in lowered or "busy" in lowered:
        return StoreError(f"{path} is locked by another program; try again ({text})")
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return StoreError(
            f"{path} is damaged ({text}); move it aside and `kb serve` starts a new one"
        )
    if "disk i/o" in lowered or isinstance(exc, OSError):
        return StoreError(f"{path} cannot be written ({text}); check the disk and permissions")
    return StoreError(f"{path}: {text}")


def open_for_reading(
    project: Project, warn: Callable[[str], None] | None = None
) -> FeedbackStore | None:
    """The project's store read-only, or None when there is none or it cannot be read (then
    ``warn`` says why: reports go on without reader feedback)."""
    path = store_path(project)
    if not path.is_file():
        return None
    store = FeedbackStore(path, readonly=True)
    try:
        store._read("SELECT 1 FROM votes LIMIT 1")
    except StoreError as exc:
        store.close()
        if warn is not None:
            warn(f"reader feedback left out: {exc}")
        return None
    return store


def retention_start(today: dt.date, retention_days: int) -> dt.date:
    return today - dt.timedelta(days=retention_days)
