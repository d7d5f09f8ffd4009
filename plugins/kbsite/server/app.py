"""``kb serve``: the rep search page, the JSON API, and both sites, over Starlette + uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import secrets
import socket
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from kbsite.project import Project
from kbsite.sites import languages as i18n

log = logging.getLogger("kbsite.server")
TOKEN_COOKIE = "kb_token"
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


def no_delay(transport: Any) -> None:
    """Turn Nagle's algorithm off for a connection.

    uvicorn writes a response's headers and body separately. With several workers it binds the
    listening socket itself (``proto=0``), so asyncio does not set TCP_NODELAY on accepted
    connections, and on a keep-alive connection the body then waits for the client's delayed
    ACK: ~40 ms added to every answer. Setting it here works for every worker count."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHTTP(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol with TCP_NODELAY on each connection (see ``no_delay``)."""

    def connection_made(self, transport: Any) -> None:
        no_delay(transport)
        super().connection_made(transport)


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
        from kbsite.search.service import Searcher

        if self._searcher is None:
            self._searcher = Searcher(self.project)
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
        new query waits at most one step, ~20 ms); started with the server and again when a
        full rebuild is opened."""
        if self._warming is not None and not self._warming.done():
            return
        try:
            steps = self.get().engine.warm()
        except Exception:  # no index yet: searches will say so
            return

        async def run() -> None:
            loop = asyncio.get_running_loop()
            try:
                while await loop.run_in_executor(self._thread, next, steps, None) is not None:
                    pass
            except Exception:  # reading ahead is an optimisation: searches still work
                log.warning("reading the search index ahead failed", exc_info=True)

        self._warming = asyncio.get_running_loop().create_task(run())


class _TokenGate(BaseHTTPMiddleware):
    """With KB_TOKEN set, the rep page, the API and the rep site require it."""

    def __init__(self, app: Any, token: str) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path.startswith("/public") or request.url.path == "/healthz":
            return await call_next(request)
        given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            given = header[7:].strip()
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return JSONResponse({"error": "a valid access token is required"}, status_code=401)
        response = await call_next(request)
        if request.query_params.get("token"):
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
        return response


def create_app(project: Project, token: str | None = None) -> Starlette:
    search = _Search(project)
    page = files("kbsite").joinpath("assets/search.html").read_text(encoding="utf-8")
    languages = list(project.settings.languages)
    names = {code: i18n.language_name(code) for code in languages}
    page = page.replace("__LANGUAGE_NAMES__", json.dumps(names).replace("<", "\\u003c"))

    async def home(request: Request) -> Response:
        return HTMLResponse(page.replace("__LANGUAGES__", ",".join(languages)))

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
        except IndexMissing as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        except QueryError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except Exception:  # a query must never turn into a 500 for the rep
            log.exception("search failed for %r", params.get("q"))
            return JSONResponse({"error": "this query could not be run"}, status_code=400)
        return JSONResponse(desk_links(data, filters["audience"]))

    def desk_links(data: dict[str, Any], audience: str) -> dict[str, Any]:
        """Links on this server (/internal/, /public/, /versions/), the customer link at the
        help center's own address when mkdocs.yml has `site_url` (kbsite.search.results)."""
        from kbsite.search.results import help_center_url, place_links

        customer = help_center_url(project.config_file) or "/public/"
        return place_links(
            data,
            audience=audience,
            rep_site="/internal/",
            help_center="/public/",
            customer=customer,
            archive="/versions/",
        )

    async def version_page(request: Request) -> Response:
        """A retired version (no site builds it): see kbsite.server.archive."""
        from kbsite.server.archive import archived_html

        page_id, lang = request.path_params["page_id"], request.path_params["lang"]
        try:
            page = await search.call(archived_html, search.get(), page_id, lang)
        except Exception:  # no index yet, or one being swapped: say so, never a traceback
            log.warning("retired version %s/%s could not be read", page_id, lang, exc_info=True)
            page = None
        if page is None:
            return HTMLResponse(f"<h1>No retired version {escape(page_id)}</h1>", status_code=404)
        return HTMLResponse(page)

    async def health(request: Request) -> Response:
        try:
            pages = search.get().engine.doc_count
        except Exception as exc:  # missing or unreadable index: report, don't fail
            return JSONResponse({"ok": False, "error": str(exc)})
        return JSONResponse({"ok": True, "pages": pages, "warm": search.warmed})

    async def not_built(request: Request) -> Response:
        return HTMLResponse(_NO_SITE, status_code=404)

    routes: list[Any] = [
        Route("/", home),
        Route("/api/search", api),
        Route("/healthz", health),
        Route("/versions/{page_id}/{lang}/", version_page),
    ]
    for name in ("internal", "public"):
        folder = project.root / "site" / name
        routes.append(Mount(f"/{name}", app=_Static(folder, not_built)))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        search.warm()
        yield

    app = Starlette(routes=routes, lifespan=lifespan)
    if token:
        app.add_middleware(_TokenGate, token=token)
    return app


class _Static:
    """A built site folder, or a page saying to run `kb build` while there is none."""

    def __init__(self, folder: Path, fallback: Any) -> None:
        self.folder = folder
        self.fallback = fallback
        self.app: StaticFiles | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None and self.folder.is_dir():
            self.app = StaticFiles(directory=self.folder, html=True)
        if self.app is None:
            response = await self.fallback(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def app_from_environment() -> Starlette:
    """App factory for uvicorn's worker processes (they get the project through the env)."""
    import os

    from kbsite.project import find_project

    return create_app(find_project(os.environ["KB_SERVE_CONFIG"]), os.environ.get("KB_TOKEN"))
