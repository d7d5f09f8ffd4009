"""One writer at a time: an exclusive lock file under ``.kb/`` that says who holds it.

The lock is ``flock(2)`` on the file, so it goes away with its holder, however that ends
(a killed process leaves no stale lock); the file only tells the next comer who held it
last: process id, command and since when.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Holder:
    pid: int | None
    command: str
    since: str  # ISO time, local

    def describe(self) -> str:
        if self.pid is None:
            return "another kb command"
        started = self.since[11:19] if self.since[:10] == _now()[:10] else self.since
        return f"process {self.pid} (`{self.command}`, since {started})"


class Busy(Exception):
    """Someone else held the lock for longer than we were ready to wait."""

    def __init__(self, holder: Holder, waited: float) -> None:
        super().__init__(holder.describe())
        self.holder = holder
        self.waited = waited


def current_command() -> str:
    """This process's command line as the user typed it (``kb index --full``)."""
    return " ".join(["kb", *sys.argv[1:]]) if sys.argv else "kb"


@contextlib.contextmanager
def exclusive(
    path: Path,
    wait: float,
    command: str | None = None,
    on_wait: Callable[[Holder], None] | None = None,
) -> Iterator[None]:
    """Hold the lock ``path`` for the duration; wait up to ``wait`` seconds for another
    holder (``on_wait`` is told who, once), then raise Busy. OSError if the file cannot be
    created (a read-only or full folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        started = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_holder(fd)
                waited = time.monotonic() - started
                if waited >= wait:
                    raise Busy(holder, waited) from None
                if on_wait is not None and not told:
                    on_wait(holder)
                    told = True
                time.sleep(min(0.1, max(wait - waited, 0.01)))
        me = {"pid": os.getpid(), "command": command or current_command(), "since": _now()}
        with contextlib.suppress(OSError):  # a full disk: the lock holds all the same
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(me).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _read_holder(fd: int) -> Holder:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return Holder(int(data["pid"]), str(data["command"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):  # being written, or not ours
        return Holder(None, "", "")


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
