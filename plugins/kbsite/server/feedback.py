"""Reader feedback over HTTP (SPEC §9): ``POST /api/feedback``, ``GET /api/insights``, the
help center's batched ``POST /api/searches``, and the log of every ``/api/search`` query.

The store (``review/feedback.py``) is written from one thread per server process, so a locked
or slow database never holds up the event loop, and search never waits for its log: a search
is counted in memory and written with others about once a second. Any store failure answers
votes with 503 and leaves search untouched.

Abuse: each client (by the address of the connection; nothing about it is stored) may send
``feedback_rate`` votes or search batches a minute per server process; bodies are at most
8 KiB; comments at most 500 characters; page ids must be pages of the index (and public ones
for the help center). Requests from another web origin are refused unless it is the help
center's (``help_center_origin``), which gets CORS headers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kbsite.dates import DateError, resolve_today
from kbsite.project import Project
from kbsite.reading.schema import ID_PATTERN
from kbsite.review.feedback import (
    MAX_COMMENT,
    SITES,
    FeedbackStore,
    SearchEntry,
    StoreError,
    StoreFull,
    Vote,
    retention_start,
    store_path,
)
from kbsite.server.guards import REP_SCOPE_KEY

log = logging.getLogger("kbsite.server.feedback")
T = TypeVar("T")

MAX_BODY = 8192
MAX_BATCH = 20  # searches per help-center batch
MAX_PENDING_SEARCHES = 5000  # searches waiting to be written; more are dropped (and counted)
FLUSH_SECONDS = 1.0
_VOTE_KEYS = {"id", "lang", "helpful", "comment", "site", "flag"}


class BadInput(ValueError):
    """A request the client must fix: 400 with this message."""


class RepsOnly(BadInput):
    """Rep-site votes and flags need the access token when the server has one: 401."""


class RateLimiter:
    """A token bucket per client: ``rate`` requests a minute, bursts up to ``rate``.

    Kept in memory only (never stored), bounded to ``max_clients`` entries."""

    def __init__(self, rate: int, max_clients: int = 10_000) -> None:
        self.rate = rate
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(client, (float(self.rate), now))
        tokens = min(float(self.rate), tokens + (now - last) * self.rate / 60.0)
        allowed = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_clients:
            self._forget_idle(now)
        return allowed

    def _forget_idle(self, now: float) -> None:
        full_after = 60.0  # a bucket refills completely within a minute: forget it then
        for client, (_, last) in list(self._buckets.items()):
            if now - last > full_after:
                del self._buckets[client]
        while len(self._buckets) > self.max_clients:  # all busy: drop the oldest
            self._buckets.pop(next(iter(self._buckets)))


class _Catalogue:
    """The (id, lang) → audience of every indexed page, re-read when the index changes."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self.pages: dict[tuple[str, str], str] = {}

    def _index_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.index_dir.stat()
            newest = max((p.stat().st_mtime_ns for p in self.index_dir.glob("*.toc")), default=0)
        except OSError:
            return None
        return (stat.st_ino, newest)

    def refresh(self) -> None:
        """Re-read when the index changed (checked at most every 2 s); runs in the writer."""
        from kbsite.search import engine

        if time.monotonic() - self._checked < 2.0 and self._stamp is not None:
            return
        self._checked = time.monotonic()
        stamp = self._index_stamp()
        if stamp == self._stamp:
            return
        try:
            keys = engine.page_keys(self.index_dir) if engine.exists(self.index_dir) else set()
        except Exception:  # mid-swap or unreadable: keep what we had, try again later
            log.warning("cannot read the pages of the search index", exc_info=True)
            return
        self.pages = {(page_id, lang): audience for page_id, lang, audience in keys}
        self._stamp = stamp


class FeedbackService:
    """Votes, insights and the search log of one server process."""

    def __init__(self, project: Project, index_dir: Path) -> None:
        settings = project.settings
        self.project = project
        self.store = FeedbackStore(store_path(project))
        self.retention_days = settings.feedback_retention_days
        self.allowed_origin = (settings.help_center_origin or "").rstrip("/") or None
        self.searches_from_help_center = settings.feedback_searches
        self.limiter = RateLimiter(settings.feedback_rate)
        self.catalogue = _Catalogue(index_dir)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-feedback")
        self._pending: list[SearchEntry] = []
        self._flush: asyncio.TimerHandle | None = None
        self._purged_on: dt.date | None = None
        self.dropped = 0
        self._warned_at = 0.0

    # -- the writer thread ----------------------------------------------------------------

    async def _in_writer(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, work)

    def _today(self) -> dt.date:
        """KB_TODAY, else the system date (a bad KB_TODAY must not stop votes being counted;
        `kb serve` reports it at start)."""
        try:
            return resolve_today()
        except DateError:
            return dt.date.today()

    def _maintain(self) -> None:
        """Delete rows past the retention, once a day (in the writer thread)."""
        today = self._today()
        if self._purged_on != today:
            self.store.purge(today, self.retention_days)
            self._purged_on = today

    async def start(self) -> None:
        """Open the store and purge old rows; a broken store is logged, never fatal."""
        try:
            await self._in_writer(self.store.check)
            await self._in_writer(self._maintain)
        except StoreError as exc:
            log.warning("reader feedback is unavailable: %s (search is not affected)", exc)

    async def stop(self) -> None:
        await self.flush_searches()
        await self._in_writer(self.store.close)
        self._writer.shutdown(wait=True)

    # -- the search log -------------------------------------------------------------------

    def log_search(self, query: str, lang: str | None, site: str, zero_results: bool) -> None:
        """Count one search (written with others within a second; never blocks a search)."""
        if not query.strip():
            return
        if len(self._pending) >= MAX_PENDING_SEARCHES:
            self.dropped += 1
            return
        self._pending.append(SearchEntry(query, lang or "", site, zero_results))
        if self._flush is None:
            loop = asyncio.get_running_loop()
            self._flush = loop.call_later(
                FLUSH_SECONDS, lambda: loop.create_task(self.flush_searches())
            )

    async def flush_searches(self) -> None:
        self._flush = None
        batch, self._pending = self._pending, []
        if not batch:
            return
        today = self._today()

        def write() -> None:
            self._maintain()
            self.store.log_searches(batch, today)

        try:
            await self._in_writer(write)
        except StoreError as exc:
            self._warn(f"{len(batch)} searches were not logged: {exc}")

    def _warn(self, text: str) -> None:
        if time.monotonic() - self._warned_at > 60:  # at most once a minute
            log.warning("%s", text)
            self._warned_at = time.monotonic()

    # -- HTTP -----------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [
            Route("/api/feedback", self.vote, methods=["POST", "OPTIONS"]),
            Route("/api/searches", self.searches, methods=["POST", "OPTIONS"]),
            Route("/api/insights", self.insights, methods=["GET"]),
        ]

    def _origin_check(self, request: Request) -> Response | None:
        """None when the request may go on; else the refusal (403) or the preflight (204)."""
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        foreign = origin is not None and origin != own
        if foreign and origin != self.allowed_origin:
            return JSONResponse(
                {"error": "this web origin may not send feedback here"}, status_code=403
            )
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=self._cors(request))
        return None

    def _cors(self, request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        if origin is None or origin != self.allowed_origin:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }

    def _answer(self, request: Request, status: int, error: str | None = None) -> Response:
        headers = self._cors(request)
        if error is None:
            return Response(status_code=status, headers=headers)
        return JSONResponse({"error": error}, status_code=status, headers=headers)

    async def _body(self, request: Request) -> Any:
        size = 0
        chunks = []
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    raise BadInput(f"the request body is larger than {MAX_BODY} bytes")
                chunks.append(chunk)
        except ClientDisconnect:
            raise BadInput("the request body was cut off") from None
        try:
            return json.loads(b"".join(chunks).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BadInput("the body must be a JSON object") from None

    def _client(self, request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def _is_rep(self, request: Request) -> bool:
        # Without a token the server is on loopback and everyone is a rep; with one, the
        # token gate says whether this request carried it.
        return bool(request.scope.get(REP_SCOPE_KEY, True))

    async def vote(self, request: Request) -> Response:
        refused = self._origin_check(request)
        if refused is not None:
            return refused
        if not self.limiter.allow(self._client(request)):
            return self._answer(request, 429, "too many votes from this client; wait a minute")
        try:
            vote = self._vote(await self._body(request), self._is_rep(request))
            await self._in_writer(self.catalogue.refresh)
            self._known(vote.page_id, vote.lang, vote.site)
        except BadInput as exc:
            return self._answer(request, 401 if isinstance(exc, RepsOnly) else 400, str(exc))
        today = self._today()

        def write() -> None:
            self._maintain()
            self.store.record_vote(vote, today)

        try:
            await self._in_writer(write)
        except StoreFull as exc:
            log.warning("vote not stored: %s", exc)
            return self._answer(request, 503, "votes cannot be stored right now: the disk is full")
        except StoreError as exc:
            log.warning("vote not stored: %s", exc)
            return self._answer(request, 503, "votes cannot be stored right now; try again later")
        return self._answer(request, 204)

    def _vote(self, data: Any, rep: bool) -> Vote:
        if not isinstance(data, dict):
            raise BadInput("the body must be a JSON object")
        unknown = sorted(set(data) - _VOTE_KEYS)
        if unknown:
            raise BadInput(f"unknown key `{unknown[0]}`; send {sorted(_VOTE_KEYS)}")
        page_id, lang, site = data.get("id"), data.get("lang"), data.get("site")
        if not isinstance(page_id, str) or not ID_PATTERN.match(page_id):
            raise BadInput("`id` must be a page id such as POL-REFUND")
        if not isinstance(lang, str) or lang not in self.project.settings.languages:
            raise BadInput(f"`lang` must be one of {list(self.project.settings.languages)}")
        if site not in SITES:
            raise BadInput("`site` must be `public` or `internal`")
        flag = data.get("flag", False)
        if not isinstance(flag, bool):
            raise BadInput("`flag` must be true or false")
        helpful = data.get("helpful")
        if not isinstance(helpful, bool) and not (flag and helpful is None):
            raise BadInput("`helpful` must be true or false")
        comment = data.get("comment") or ""
        if not isinstance(comment, str):
            raise BadInput("`comment` must be text")
        if len(comment) > MAX_COMMENT:
            raise BadInput(f"`comment` is longer than {MAX_COMMENT} characters")
        if (site == "internal" or flag) and not rep:
            raise RepsOnly("a valid access token is required to vote on the rep site")
        if flag and site != "internal":
            raise BadInput("pages are flagged as outdated from the rep site (`site: internal`)")
        return Vote(page_id, lang, site, helpful, flag, comment)

    def _known(self, page_id: str, lang: str, site: str) -> None:
        audience = self.catalogue.pages.get((page_id, lang))
        if audience is None or (site == "public" and audience != "public"):
            raise BadInput(f"there is no page `{page_id}` in `{lang}` on the {site} site")

    async def searches(self, request: Request) -> Response:
        """A batch of the help center's searches: {"site", "lang", "searches": [{"q",
        "results"}]}."""
        refused = self._origin_check(request)
        if refused is not None:
            return refused
        if not self.searches_from_help_center:
            return self._answer(request, 403, "searches are not collected (feedback_searches)")
        if not self.limiter.allow(self._client(request)):
            return self._answer(request, 429, "too many requests from this client")
        try:
            entries = self._batch(await self._body(request), self._is_rep(request))
        except BadInput as exc:
            return self._answer(request, 401 if isinstance(exc, RepsOnly) else 400, str(exc))
        for entry in entries:
            self.log_search(entry.query, entry.lang, entry.site, entry.zero_results)
        return self._answer(request, 204)

    def _batch(self, data: Any, rep: bool) -> list[SearchEntry]:
        if not isinstance(data, dict) or not isinstance(data.get("searches"), list):
            raise BadInput(
                'send {"site": ..., "lang": ..., "searches": [{"q": ..., "results": n}]}'
            )
        site, lang = data.get("site"), data.get("lang")
        if site not in SITES:
            raise BadInput("`site` must be `public` or `internal`")
        if site == "internal" and not rep:
            raise RepsOnly("a valid access token is required to log rep-site searches")
        if not isinstance(lang, str) or lang not in self.project.settings.languages:
            raise BadInput(f"`lang` must be one of {list(self.project.settings.languages)}")
        items = data["searches"]
        if len(items) > MAX_BATCH:
            raise BadInput(f"at most {MAX_BATCH} searches per batch")
        entries = []
        for item in items:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("q"), str)
                or not isinstance(item.get("results"), int)
                or isinstance(item.get("results"), bool)
                or item["results"] < 0
            ):
                raise BadInput('each search is {"q": "text", "results": 0 or more}')
            entries.append(SearchEntry(item["q"][:1000], lang, site, item["results"] == 0))
        return entries

    async def insights(self, request: Request) -> Response:
        try:
            limit = int(request.query_params.get("limit") or 200)
        except ValueError:
            return JSONResponse({"error": "limit must be a number"}, status_code=400)
        if not 1 <= limit <= 5000:
            return JSONResponse({"error": "limit must be between 1 and 5000"}, status_code=400)
        await self.flush_searches()
        since = retention_start(self._today(), self.retention_days)
        try:
            data = await self._in_writer(lambda: self.store.insights(since, limit))
        except StoreError as exc:
            return JSONResponse({"error": f"reader feedback is unavailable: {exc}"}, 503)
        return JSONResponse(data)
