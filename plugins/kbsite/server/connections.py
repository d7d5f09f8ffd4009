"""uvicorn's HTTP/1.1 protocol (h11) with the limits it lacks.

uvicorn closes a connection left idle after an answer (``timeout_keep_alive``), but waits
forever for a client that connects and sends nothing, or sends a request a byte at a time
(any byte cancels its idle timer), and its ``limit_concurrency`` answers 503 to requests but
keeps every socket open. A few hundred such connections used up the server's file
descriptors. Here a connection waiting for a request gets ``header_timeout`` seconds to send
all of it, and a worker holds at most ``connection_limit`` connections (more are closed at
once).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from kbsite.server.live import EVENTS_PATH
from kbsite.server.options import ServeOptions

log = logging.getLogger("kbsite.server")
_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)
#: Answers that go on until the client leaves.
ENDLESS_PATHS = (EVENTS_PATH,)


def no_delay(transport: Any) -> None:
    """Turn Nagle's algorithm off for a connection.

    uvicorn writes a response's headers and body separately. With several workers it binds the
    listening socket itself (``proto=0``), so asyncio does not set TCP_NODELAY on accepted
    connections, and on a keep-alive connection the body then waits for the client's delayed
    ACK: ~40 ms added to every answer. Setting it here works for every worker count."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@functools.cache
def _limits() -> tuple[float, int]:
    """(header timeout, connection limit) of this process, from the options `kb serve` set."""
    options = ServeOptions.from_env()
    return options.header_timeout, options.connection_limit


_last_warning = [0.0]


def _over_limit(limit: int) -> None:
    """Say so in the log, once a minute at most (a flood must not flood the log too)."""
    now = time.monotonic()
    if now - _last_warning[0] >= 60:
        _last_warning[0] = now
        log.warning("%d connections open: closing new ones until some end", limit)


class GuardedHTTP(H11Protocol):  # type: ignore[misc]
    """h11 with TCP_NODELAY, a deadline for receiving each request and a connection cap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._header_timeout, self._max_connections = _limits()

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        no_delay(transport)
        super().connection_made(transport)
        if len(self.connections) > self._max_connections:
            _over_limit(self._max_connections)
            transport.abort()
            return
        self._await_request()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state in _RECEIVED:
            self._cancel_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state not in _RECEIVED:
            self._await_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        """The server is stopping. uvicorn lets every answer in progress finish, but an event
        stream (live reload) only ends when its client goes: close it as if the client had
        (the page's EventSource tries again, and finds the next server)."""
        cycle = self.cycle
        streaming = cycle is not None and not cycle.response_complete
        if streaming and cycle.scope.get("path") in ENDLESS_PATHS:
            self.transport.close()
            return
        super().shutdown()

    def _await_request(self) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(self._header_timeout, self._too_slow)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        """No whole request in time: close (an answer could not be told from a late one)."""
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()
