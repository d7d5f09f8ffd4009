"""Work done beside the main process, in a forked child: the machine's second core.

``kb build`` updates the rep index and builds the help center this way while it builds the
rep site. The child inherits everything read so far (the KB, the flags) without copying it,
sends back what its work returned (pickled: it is our own process) or why it failed, and
leaves at once. Where there is no ``fork`` or a single core, ``available()`` says so and the
caller does the work itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Callable
from typing import Any


class BesideFailed(Exception):
    """The work in the child failed; ``message`` says why, in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def available() -> bool:
    """Whether work can go to a forked child on another core."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2


def start(
    work: Callable[[], Any], expected: tuple[type[BaseException], ...] = ()
) -> Callable[[], Any]:
    """Run ``work`` in a forked child; returns ``wait``, which gives what ``work`` returned or
    raises ``BesideFailed``: with the message of an ``expected`` exception (its ``message``
    attribute, else its text), or the type and text of any other."""
    read, write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: do the work, say how it went, and leave at once
        os.close(read)
        code, answer = 0, b""
        try:
            answer = pickle.dumps((True, work()))
        except expected as exc:
            code, answer = 1, pickle.dumps((False, getattr(exc, "message", None) or str(exc)))
        except BaseException as exc:  # reported by the parent, in one line
            code, answer = 1, pickle.dumps((False, f"{type(exc).__name__}: {exc}"))
        finally:
            with contextlib.suppress(OSError):
                view = memoryview(answer)
                while view:
                    view = view[os.write(write, view) :]
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write)

    def wait() -> Any:
        chunks = []
        while chunk := os.read(read, 1 << 20):
            chunks.append(chunk)
        os.close(read)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        try:
            done, value = pickle.loads(b"".join(chunks))
        except Exception:
            done, value = False, f"the process doing it ended with code {code}"
        if not done:
            raise BesideFailed(value)
        return value

    return wait
