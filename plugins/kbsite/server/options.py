"""What `kb serve` was started with, shared by the CLI, the app and each worker process.

uvicorn starts its worker processes afresh, so the options travel in the environment
(``KB_SERVE_OPTIONS``, JSON); the token stays in ``KB_TOKEN``, where the operator put it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import socket
from dataclasses import dataclass
from typing import Any

ENV = "KB_SERVE_OPTIONS"
MIN_TOKEN_LENGTH = 16
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")


class OptionsError(ValueError):
    """Options the server must not start with; the message says how to fix them."""


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    token: str | None = None
    # Host names accepted with any port (besides the loopback and bound names, accepted with
    # the served port); "*" accepts every name, "*.example.com" every name under it.
    allowed_hosts: tuple[str, ...] = ()
    # Reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed.
    trusted_proxies: tuple[str, ...] = ()
    header_timeout: float = 10.0  # to receive a whole request once a connection waits for one
    keep_alive: float = 5.0  # an idle connection between requests
    max_connections: int = 0  # per worker process; 0: from the open-file limit
    watch: bool = False  # `--watch`: pages get the live-reload script (server/live.py)

    def check(self) -> None:
        """Refuse settings that would expose the rep content (raises OptionsError)."""
        if self.token is not None and len(self.token) < MIN_TOKEN_LENGTH:
            raise OptionsError(
                f"KB_TOKEN is {len(self.token)} characters long; use at least "
                f"{MIN_TOKEN_LENGTH} random ones, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`"
            )
        if self.header_timeout <= 0 or self.keep_alive <= 0:
            raise OptionsError("timeouts must be more than 0 seconds")

    def to_env(self) -> str:
        data = dataclasses.asdict(self)
        data.pop("token")  # read from KB_TOKEN by each worker
        return json.dumps(data)

    @classmethod
    def from_env(cls) -> ServeOptions:
        """The options the CLI put in the environment (defaults when there are none)."""
        raw: dict[str, Any] = json.loads(os.environ.get(ENV) or "{}")
        for name in ("allowed_hosts", "trusted_proxies"):
            raw[name] = tuple(raw.get(name, ()))
        return cls(token=os.environ.get("KB_TOKEN") or None, **raw)

    @property
    def connection_limit(self) -> int:
        """Connections one worker keeps open at most: half its open-file limit, at most
        1,000 (the rest is for accepting, the index, the sites' files and the logs)."""
        if self.max_connections:
            return self.max_connections
        return max(16, min(1000, _open_file_limit() // 2))

    @property
    def backlog(self) -> int:
        """Connections waiting to be accepted; also how many asyncio accepts in one go,
        before the limit above can close any, so it must fit beside them: a quarter of the
        open-file limit (uvicorn's 2,048 made a worker allowed 256 files run out at once)."""
        return max(16, min(2048, _open_file_limit() // 16))

    def host_names(self) -> tuple[set[str], set[str]]:
        """(names accepted with the served port only, names accepted with any port)."""
        with_port = set(LOOPBACK_NAMES)
        bare = self.host.strip("[]")
        bound = normalise_host(f"[{bare}]" if ":" in bare else bare)
        if bare in WILDCARD_ADDRESSES:  # every address: the machine's own names
            with_port |= {normalise_host(socket.gethostname()), normalise_host(socket.getfqdn())}
        else:
            with_port.add(bound)
        return with_port - {""}, {normalise_host(h) for h in self.allowed_hosts} - {""}


def _open_file_limit() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def normalise_host(name: str) -> str:
    return name.strip().lower().rstrip(".")


def split_host(value: str) -> tuple[str, int | None] | None:
    """A Host header as (name, port); None when it is malformed."""
    value = normalise_host(value)
    if value.startswith("["):  # IPv6 literal
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1 :]
    else:
        name, _, port = value.partition(":")
        rest = f":{port}" if port else ""
    if rest and not (rest.startswith(":") and rest[1:].isdigit() and len(rest) <= 6):
        return None
    if not name or any(c in name for c in "/\\@ ?#"):
        return None
    return name.rstrip("."), int(rest[1:]) if rest else None


def host_allowed(
    header: str, served_port: int | None, names: tuple[set[str], set[str]], scheme: str = "http"
) -> bool:
    """Whether a request's Host header names this server (see ``ServeOptions.host_names``)."""
    parsed = split_host(header)
    if parsed is None:
        return False
    name, port = parsed
    with_port, any_port = names
    if "*" in any_port or name in any_port:
        return True
    if any(p.startswith("*.") and name.endswith(p[1:]) for p in any_port):
        return True
    default = 443 if scheme == "https" else 80
    return name in with_port and (port or default) == served_port
