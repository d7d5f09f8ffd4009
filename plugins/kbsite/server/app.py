"""``kb serve``: the rep search page, the JSON API, and both sites, over Starlette + uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kbsite.project import Project
from kbsite.server.connections import GuardedHTTP, no_delay
from kbsite.server.guards import TOKEN_COOKIE, HostGuard, SecurityHeaders, TokenGate, page_policy
from kbsite.server.live import LiveFeed
from kbsite.server.options import ServeOptions
from kbsite.server.search_page import search_pages as rep_search_pages

__all__ = ["TOKEN_COOKIE", "GuardedHTTP", "ServeOptions", "create_app", "is_loopback", "no_delay"]
from kbsite.server import feedback

log = logging.getLogger("kbsite.server")
_NO_SITE = (
    "<!doctype html><title>Not built</title><h1>No site yet</h1>"
    "<p>Run <code>kb build</code>, then reload this page.</p>"
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


UNREADABLE = "the search index cannot be read: run `kb index --full`"


class IndexUnreadable(Exception):
    """An index is there but cannot be opened (says what, not where: see /healthz)."""


class _Search:
    """Opens the index on first use and reopens it when it appears or is rebuilt.

    Repeated queries are answered from the result cache on the event loop; the others run one
    at a time in a search thread (Whoosh searchers are not shared between threads), so a slow
    new query never holds up cached answers, the sites or the health check."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._searcher: Any = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-search")
        self._warming: asyncio.Task[None] | None = None

    def get(self) -> Any:
        """The open searcher; IndexMissing, or IndexUnreadable (details in the log only)."""
        from kbsite.search.engine import IndexMissing
        from kbsite.search.service import Searcher

        if self._searcher is None:
            try:
                self._searcher = Searcher(self.project)
            except IndexMissing:
                raise
            except Exception as exc:
                log.exception("the search index cannot be opened")
                raise IndexUnreadable(UNREADABLE) from exc
        return self._searcher

    async def call(self, function: Any, *args: Any) -> Any:
        """Run ``function(*args)`` in the search thread (the index is read there only)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, partial(function, *args))

    async def run(self, query: str, filters: dict[str, Any]) -> dict[str, Any]:
        searcher = self.get()
        data = searcher.cached(query, **filters)
        if data is not None:
            return data
        loop = asyncio.get_running_loop()
        data = await loop.run_in_executor(self._thread, partial(searcher.search, query, **filters))
        if searcher.engine.cold:  # a rebuilt index was just opened
            self.warm()
        return data

    @property
    def warmed(self) -> bool:
        """Whether the index has been read ahead (queries on new words are then fastest)."""
        searcher = self._searcher
        done = self._warming is None or self._warming.done()
        return searcher is not None and not searcher.engine.cold and done

    def warm(self) -> None:
        """Read the index ahead in the search thread, in short steps between searches (a
        new query waits at most one step, ~20 ms, after a first one of ~0.4 s at 10,000 pages
        that a first query would otherwise take); started with the server and again when a
        full rebuild is opened."""
        if self._warming is not None and not self._warming.done():
            return
        try:
            steps = self.get().warm()
        except Exception:  # no index yet: searches will say so
            return

        async def run() -> None:
            loop = asyncio.get_running_loop()
            gc.unfreeze()  # what an older index generation set aside can go now
            try:
                while await loop.run_in_executor(self._thread, next, steps, None) is not None:
                    pass
            except Exception:  # reading ahead is an optimisation: searches still work
                log.warning("reading the search index ahead failed", exc_info=True)
            # What is alive now (the index read ahead, modules) is left out of the garbage
            # collector's full collections: on 10,000 pages they walked it every thousand
            # searches or so, each time for 50-90 ms, in which every search waiting on this
            # worker waited too. (No full collection first: it paused the worker for as long,
            # just as it began to take connections, and left them all to the other worker
            # in 2 of 22 test runs.)
            gc.freeze()

        self._warming = asyncio.get_running_loop().create_task(run())


def create_app(
    project: Project, token: str | None = None, options: ServeOptions | None = None
) -> Starlette:
    """The server's app: routes, then (outermost first) security headers, the host check and
    the token gate around all of them. ``options`` default to loopback with ``token``."""
    options = options or ServeOptions(token=token)
    token = options.token
    from kbsite.search.service import index_dir

    search = _Search(project)
    readers = feedback.FeedbackService(project, index_dir(project))
    # The search page in each language: `/` (the default language), `/it/`, ...
    search_pages = {
        path: (page, {"Content-Security-Policy": page_policy(page)})
        for path, page in rep_search_pages(project.settings).items()
    }

    async def home(request: Request) -> Response:
        page, page_headers = search_pages[request.url.path]
        return HTMLResponse(page, headers=page_headers)

    async def api(request: Request) -> Response:
        from kbsite.search.engine import IndexMissing
        from kbsite.search.service import QueryError

        params = request.query_params
        try:
            limit = int(params.get("limit") or 10)
        except ValueError:
            return JSONResponse({"error": "limit must be a number"}, status_code=400)
        query = params.get("q", "")
        filters = {
            "lang": params.get("lang") or None,
            "page_type": params.get("type") or None,
            "audience": params.get("audience") or "internal",
            "limit": limit,
            "product": params.get("product") or None,
            "tag": params.get("tag") or None,
            "as_of": params.get("as_of") or None,
            "prefer": params.get("prefer") or None,
        }
        try:
            data = await search.run(query, filters)
        except (IndexMissing, IndexUnreadable) as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        except QueryError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except Exception:  # a query must never turn into a 500 for the rep
            log.exception("search failed for %r", params.get("q"))
            return JSONResponse({"error": "this query could not be run"}, status_code=400)
        readers.log_search(query, filters["lang"], "internal", not data["results"])
        return JSONResponse(desk_links(data, filters["audience"]))

    def desk_links(data: dict[str, Any], audience: str) -> dict[str, Any]:
        """Links on this server (/internal/, /public/, /versions/), the customer link at the
        help center's own address when mkdocs.yml has `site_url` (kbsite.search.results)."""
        from kbsite.search.results import help_center_url, place_links
        from kbsite.sites.history import ARCHIVE_ROOT, REP_SITE_ROOT

        customer = help_center_url(project.config_file) or "/public/"
        return place_links(
            data,
            audience=audience,
            rep_site=REP_SITE_ROOT,
            help_center="/public/",
            customer=customer,
            archive=ARCHIVE_ROOT,
        )

    async def version_page(request: Request) -> Response:
        """A retired version (no site builds it): see kbsite.server.archive."""
        from kbsite.server.archive import archived_html, missing_html

        page_id, lang = request.path_params["page_id"], request.path_params["lang"]
        try:
            page = await search.call(archived_html, search.get(), page_id, lang)
        except Exception:  # no index yet, or one being swapped: say so, never a traceback
            log.warning("retired version %s/%s could not be read", page_id, lang, exc_info=True)
            page = None
        if page is None:
            return HTMLResponse(missing_html(project, page_id, lang), status_code=404)
        return HTMLResponse(page)

    async def health(request: Request) -> Response:
        """Open to anyone: says what is wrong, never where (no file-system path)."""
        from kbsite.search.engine import IndexMissing

        try:
            pages = search.get().engine.doc_count
        except (IndexMissing, IndexUnreadable) as exc:
            return JSONResponse({"ok": False, "error": str(exc)})
        except Exception:  # report, don't fail; the details go to the log, not to anyone
            log.exception("the search index cannot be read")
            return JSONResponse({"ok": False, "error": UNREADABLE})
        return JSONResponse({"ok": True, "pages": pages, "warm": search.warmed})

    # `--watch`: pages get the live-reload script, and /_kb/ its events (server/live.py).
    live = LiveFeed(project.root) if options.watch else None

    async def not_built(request: Request) -> Response:
        if live is not None:  # reloads itself once the first build is in place
            live.refresh()
            no_store = {"Cache-Control": "no-store"}
            return HTMLResponse(live.inject(_NO_SITE), status_code=404, headers=no_store)
        return HTMLResponse(_NO_SITE, status_code=404)

    routes: list[Any] = [
        *(Route(path, home) for path in search_pages),
        Route("/api/search", api),
        Route("/healthz", health),
        Route("/versions/{page_id}/{lang}/", version_page),
    ]
    routes += readers.routes()  # /api/feedback, /api/searches, /api/insights (SPEC §9)
    routes += live.routes() if live is not None else []
    for name in ("internal", "public"):
        folder = project.root / "site" / name
        routes.append(Mount(f"/{name}", app=_Static(folder, not_built, live)))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        search.warm()
        await readers.start()
        if live is not None:
            live.start()
        yield
        if live is not None:
            await live.stop()
        await readers.stop()

    middleware = [Middleware(SecurityHeaders), Middleware(HostGuard, options=options)]
    if token:
        middleware.append(Middleware(TokenGate, token=token))
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


class _Static:
    """A built site folder, or a page saying to run `kb build` while there is none."""

    def __init__(self, folder: Path, fallback: Any, live: LiveFeed | None = None) -> None:
        self.folder = folder
        self.fallback = fallback
        self.live = live
        self.app: StaticFiles | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None and self.folder.is_dir():
            self.app = _SiteFiles(directory=self.folder, html=True, live=self.live)
        if self.app is None:
            response = await self.fallback(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _SiteFiles(StaticFiles):
    """A built site; a missing path gets the nearest ``404.html`` above it, so a reader of
    ``/public/it/...`` sees the Italian site's 404 page (issue 15). With ``live`` (``--watch``)
    every HTML page gets the live-reload script, and no answer is "not modified"."""

    def __init__(self, *args: Any, live: LiveFeed | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live = live

    async def get_response(self, path: str, scope: Any) -> Response:
        response = await self._response(path, scope)
        return response if self.live is None else await self.live.page(response)

    def file_response(self, full_path: Any, stat_result: Any, scope: Any, status_code: int = 200
                      ) -> Response:  # fmt: skip
        if self.live is not None:  # a cached copy would name an old build
            return FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        return super().file_response(full_path, stat_result, scope, status_code)

    async def _response(self, path: str, scope: Any) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code != 404:
            return response
        parts = [part for part in path.replace("\\", "/").split("/") if part]
        for depth in range(len(parts) - 1, 0, -1):
            candidate = "/".join([*parts[:depth], "404.html"])
            full_path, stat = self.lookup_path(candidate)
            if stat is not None and full_path:
                return FileResponse(full_path, stat_result=stat, status_code=404)
        return response


def app_from_environment() -> Starlette:
    """App factory for uvicorn's worker processes (they get the project through the env)."""
    import os

    from kbsite.project import find_project

    return create_app(find_project(os.environ["KB_SERVE_CONFIG"]), options=ServeOptions.from_env())
