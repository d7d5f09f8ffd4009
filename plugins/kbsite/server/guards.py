"""What stands between a request and the rep content: host names, the token, and the
headers every answer carries. Plain ASGI middleware, so other routes added to the app get
the same protection without knowing about it."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from kbsite.server.options import ServeOptions, host_allowed

TOKEN_COOKIE = "kb_token"
# Reachable without the token: the help center is public, and a health check names no file.
OPEN_PATHS = ("/healthz",)
#: Reachable from the help center without the token; the request says whether it came from a
#: rep (``REP_SCOPE_KEY`` in its scope), which decides what it may do (server/feedback.py).
REP_OPTIONAL_PATHS = ("/api/feedback", "/api/searches")
REP_SCOPE_KEY = "kb.rep"
OPEN_PREFIXES = ("/public/",)
UNKNOWN_HOST = (
    "This server does not answer to the host name in the address. If you run it, add the "
    "name with `kb serve --allowed-host NAME`.\n"
)

Scope = dict[str, Any]


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path == "/public" or path.startswith(OPEN_PREFIXES)


class SecurityHeaders:
    """On every answer: no MIME sniffing, no Referer (a URL never leaves with its query), no
    framing by another site. A route may set its own Content-Security-Policy (the search
    page does); every other answer gets one that only forbids framing."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HostGuard:
    """Answers only requests addressed to this server by name (DNS rebinding: a web page a
    rep opens points its own host name at 127.0.0.1 and reads what the server answers)."""

    def __init__(self, app: Any, options: ServeOptions) -> None:
        self.app = app
        self.names = options.host_names()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] not in OPEN_PATHS:
            host = Headers(scope=scope).get("host", "")
            port = (scope.get("server") or (None, None))[1]
            if not host_allowed(host, port, self.names, scope.get("scheme", "http")):
                response = PlainTextResponse(UNKNOWN_HOST, status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class TokenGate:
    """With a token set, everything but the help center and the health check requires it:
    ``Authorization: Bearer``, or ``?token=`` once, which sets a cookie and redirects to the
    same address without it (so the token stays out of the history and of shared links)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _valid(self, given: str | None) -> bool:
        return bool(given) and secrets.compare_digest(given.encode(), self.token)  # type: ignore[union-attr]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        in_query = request.query_params.get("token")
        header = request.headers.get("authorization", "")
        bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
        given = [bearer, in_query, request.cookies.get(TOKEN_COOKIE)]
        valid = any(self._valid(g) for g in given)
        if scope["path"] in REP_OPTIONAL_PATHS:  # help-center votes: no token, not a rep
            scope[REP_SCOPE_KEY] = valid
            await self.app(scope, receive, send)
            return
        if not valid:
            response: Response = JSONResponse(
                {"error": "a valid access token is required"}, status_code=401
            )
        elif in_query is not None and scope["method"] in ("GET", "HEAD"):
            response = RedirectResponse(_without_token(scope), status_code=303)
            if self._valid(in_query):
                # Lax, not Strict: a link with the token opened from mail or chat is a
                # navigation from another site, and Strict would hold the cookie back from
                # the redirect that follows. Cross-site pages still cannot read any answer.
                response.set_cookie(TOKEN_COOKIE, in_query, httponly=True, samesite="lax",
                                    secure=scope.get("scheme") == "https", path="/")  # fmt: skip
        else:
            await self.app(scope, receive, send)
            return
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)


def _without_token(scope: Scope) -> str:
    """The request's own path and query, minus ``token`` (relative: never another host)."""
    path = scope.get("raw_path") or scope["path"].encode()
    # `//host/...` (or `/\host/...`, which browsers read alike) would leave this server.
    path = "/" + path.decode("latin-1").lstrip("/\\")
    query = [(k, v) for k, v in parse_qsl(scope["query_string"].decode("latin-1"),
                                          keep_blank_values=True) if k != "token"]  # fmt: skip
    return path + ("?" + urlencode(query) if query else "")


NONE = "'none'"
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def page_policy(html: str) -> str:
    """A Content-Security-Policy for a page of ours: only its own inline scripts and styles
    (by hash), requests to this server, nothing else; so text a search result carries can
    never run as a script even if it reached the page as markup."""
    allowed: dict[str, list[str]] = {"script": [], "style": []}
    for kind, body in _INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        allowed[kind].append(f"'sha256-{digest}'")
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {' '.join(allowed['script']) or NONE}",
            f"style-src {' '.join(allowed['style']) or NONE}",
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
