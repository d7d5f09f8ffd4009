"""Live reload for ``kb serve --watch``: the state of the last build, its event stream, and
the script pages get at serve time.

The builder (``cli/watch.py``, a process of its own) writes ``.kb/live.json`` after every
build: the generation of the sites (a new one whenever a site folder was replaced) and the
errors of a build that stopped. Each server worker polls that file, so every worker of
``--workers N`` learns of a build the same way, and tells its open pages over Server-Sent
Events (``/_kb/events``). A page under ``/internal/`` or ``/public/`` is sent with a script tag
naming the generation it came from (``/_kb/live.js``): the script reloads the page when the
generation changes, and lists a failed build's errors over the last good page. Nothing of
this is written into ``site/``: the built sites stay what ``kb build`` makes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

log = logging.getLogger("kbsite.server")

STATE_FILE = ".kb/live.json"
EVENTS_PATH = "/_kb/events"
SCRIPT_PATH = "/_kb/live.js"
#: How often each worker looks at the state file (a stat call; the file is read on change).
POLL_SECONDS = 0.025
#: A comment line this often keeps proxies from closing a quiet stream.
PING_SECONDS = 15.0
#: A stream ends after this long and the browser opens a new one (``retry``): no connection
#: is held forever, and a server stopping never waits long for its streams.
STREAM_SECONDS = 300.0
RETRY_MS = 500
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class BuildState:
    """The last build as the browser needs it (see the module's docstring)."""

    generation: str = ""  # changes whenever a site folder was replaced
    ok: bool = True
    errors: tuple[dict[str, Any], ...] = ()  # {file, line, code, message} of kb check's errors
    failure: str | None = None  # why the build stopped, when no file and line say it
    seen: float | None = None  # when the watcher saw the change (time.time(); for timings)
    finished: float | None = None  # when the sites were in place, or the build stopped
    timings: dict[str, float] = field(default_factory=dict)  # seconds per build step

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = list(self.errors)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildState:
        return cls(
            generation=str(data.get("generation") or ""),
            ok=bool(data.get("ok", True)),
            errors=tuple(e for e in data.get("errors") or () if isinstance(e, dict)),
            failure=data.get("failure") if isinstance(data.get("failure"), str) else None,
            seen=_number(data.get("seen")),
            finished=_number(data.get("finished")),
            timings={k: v for k, v in (data.get("timings") or {}).items() if _number(v)},
        )

    def event(self) -> dict[str, Any]:
        """What a page is sent: no timings, nothing but the build's own words."""
        return {
            "generation": self.generation,
            "ok": self.ok,
            "errors": list(self.errors),
            "failure": self.failure,
        }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def state_path(root: Path) -> Path:
    return root / STATE_FILE


def write_state(root: Path, state: BuildState) -> None:
    """Replace the state file in one step (a reader never sees half of it)."""
    path = state_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(state.to_dict(), ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)


def read_state(root: Path) -> BuildState | None:
    """The state file's build, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads(state_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return BuildState.from_dict(data) if isinstance(data, dict) else None


class LiveFeed:
    """One server worker's view of the state file, and the pages waiting for it to change."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = BuildState()
        self.version = 0  # counts the changes this worker has seen
        self._stamp: tuple[int, int, int] | None = None
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def refresh(self) -> None:
        """Read the state file if it changed since the last look (a stat call otherwise)."""
        try:
            info = state_path(self.root).stat()
        except OSError:
            return
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if stamp == self._stamp:
            return
        state = read_state(self.root)
        if state is None:
            return  # being replaced: the next look reads it
        self._stamp = stamp
        if state.event() != self.state.event():
            self.state = state
            self.version += 1
            self._changed.set()
            self._changed = asyncio.Event()

    async def wait(self, version: int, timeout: float) -> bool:
        """Until the state differs from ``version`` (True) or ``timeout`` seconds pass."""
        if self.version != version:
            return True
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def start(self) -> None:
        self.refresh()

        async def poll() -> None:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                self.refresh()

        self._task = asyncio.get_running_loop().create_task(poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # -- HTTP ----------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [Route(EVENTS_PATH, self.events), Route(SCRIPT_PATH, script)]

    async def events(self, request: Request) -> Response:
        """The build state now, then each time it changes (Server-Sent Events)."""
        loop = asyncio.get_running_loop()

        async def stream() -> AsyncIterator[str]:
            yield f"retry: {RETRY_MS}\n\n"
            deadline = loop.time() + STREAM_SECONDS
            version = -1
            while loop.time() < deadline:
                if version != self.version:
                    version = self.version
                    data = json.dumps(self.state.event(), ensure_ascii=False)
                    yield f"event: build\ndata: {data}\n\n"
                remaining = deadline - loop.time()
                if not await self.wait(version, min(PING_SECONDS, max(remaining, 0))):
                    yield ": ping\n\n"

        self.refresh()
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    def inject(self, html: bytes | str) -> bytes:
        """``html`` with the script, naming the generation on disk now."""
        return inject(html, self.state.generation)

    async def page(self, response: Response) -> Response:
        """A site's HTML page (or 404 page) with the script; any other answer as it was."""
        if not isinstance(response, FileResponse) or response.media_type != "text/html":
            return response
        html = await anyio.Path(response.path).read_bytes()
        self.refresh()
        return Response(
            self.inject(html),
            status_code=response.status_code,
            media_type="text/html",
            headers={"Cache-Control": "no-store"},  # a cached copy would name an old build
        )


def inject(html: bytes | str, generation: str) -> bytes:
    """``html`` with the live-reload script before ``</body>`` (at the end without one)."""
    data = html.encode() if isinstance(html, str) else html
    tag = (
        f'<script src="{SCRIPT_PATH}" data-kb-generation="{escape(generation)}" '
        f'data-kb-events="{EVENTS_PATH}" defer></script>'
    ).encode()
    ends = list(_BODY_END.finditer(data))
    if not ends:
        return data + tag
    at = ends[-1].start()
    return data[:at] + tag + data[at:]


_SCRIPT: bytes | None = None


async def script(request: Request) -> Response:
    global _SCRIPT
    if _SCRIPT is None:
        _SCRIPT = files("kbsite").joinpath("assets/kb-live.js").read_bytes()
    return Response(_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "no-cache"})
