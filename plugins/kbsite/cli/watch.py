"""The builder of ``kb serve --watch``: build, then rebuild on every change, in a process of
its own beside the server's.

It watches what a build reads (the content folders, ``docs/``, the theme's ``custom_dir``,
``mkdocs.yml`` and ``synonyms.yml``; ``policies/owners.yml`` is in a content folder) with
watchfiles (inotify on Linux), waits until a burst of changes has settled, and runs the same
``build_project`` as ``kb build``. After each build it writes the state the server's workers
read (``server/live.py``): a new generation when a site changed, or the errors of a build
that stopped, while the last good sites stay served. A process of its own keeps the
server's answers free of the build's work, and it stays warm between builds (imports, the
theme's templates).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from kbsite.cli.build import BuildOutcome, build_project
from kbsite.dates import DateError, resolve_today
from kbsite.problems import Problem
from kbsite.project import Project, ProjectError, find_project
from kbsite.server.live import BuildState, write_state

#: A burst of changes (an editor's save, a `git checkout`) is built once no change came for
#: this long; an editor's save is a few events within a few milliseconds.
QUIET_MS = 30
#: ...or this long after its first change, whichever comes first.
LONGEST_MS = 1600
#: How often the files beside mkdocs.yml (watched by their stat: an editor that saves by
#: renaming would end a watch on the file itself) and the server process are looked at.
LOOK_MS = 200
#: Errors sent to the browser at most (the terminal gets them all).
MAX_ERRORS = 100
#: How long the server waits for the builder to end once it stops.
STOP_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1


class BuilderProcess:
    """The builder, in a fresh process (spawned: the server's threads are not copied into
    it, and it may fork renderers of its own)."""

    def __init__(self, config_file: Path) -> None:
        context = multiprocessing.get_context("spawn")
        # A pipe, not an Event: a multiprocessing Event's set() waits for every process that
        # waited on it to wake, forever if one of them was killed meanwhile.
        self._first, first = context.Pipe(duplex=False)
        self.process = context.Process(
            target=run_builder, args=(str(config_file), os.getpid(), first), name="kb-watch"
        )

    def start(self) -> None:
        self.process.start()

    def wait_first_build(self) -> None:
        """Until the first build has ended, well or not (the server then opens on its sites)."""
        while self.process.is_alive():
            with contextlib.suppress(EOFError, OSError):
                if self._first.poll(0.2):
                    return

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: a build in progress is abandoned
            self.process.join(STOP_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_builder(config_file: str, parent: int, first: Any = None) -> None:
    """The builder process: Ctrl+C is the server's to handle (it then stops this one), and it
    ends with the server, however the server ends."""
    builder = Builder(Path(config_file), lambda: os.getppid() != parent)
    if first is not None:
        builder.first_build_done = lambda: _tell(first)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, builder.terminate)
    _end_with_parent()
    builder.run()


def _tell(connection: Any) -> None:
    with contextlib.suppress(OSError):  # the server is gone: nobody to tell
        connection.send(True)
        connection.close()


def _end_with_parent() -> None:
    """SIGTERM when the server process dies, even killed (Linux); elsewhere the builder
    notices within LOOK_MS that its parent is gone."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Builder:
    """Watches the project and builds it; ``stopped`` says when the server is gone."""

    def __init__(self, config_file: Path, stopped: Callable[[], bool] = lambda: False) -> None:
        self.config_file = config_file
        self.parent_gone = stopped
        self.stop = threading.Event()  # set by SIGTERM: ends the watch
        self.building = False
        self.first_build_done: Callable[[], None] = lambda: None
        self.project: Project | None = None
        self._config_text: bytes | None = None  # mkdocs.yml as ``project`` was read from
        # A new generation at start: pages open from an earlier server reload once.
        self.generation = _new_generation()

    def stopped(self) -> bool:
        return self.stop.is_set() or self.parent_gone()

    def terminate(self, signum: int, frame: object) -> None:
        """SIGTERM: stop watching; a build in progress is abandoned (its half-written
        generation is removed on the way out, or by the next build)."""
        self.stop.set()
        if self.building:
            raise SystemExit(0)

    def run(self) -> None:
        """Watch, then build; then build after every settled burst of changes."""
        with contextlib.suppress(ProjectError):  # else the build says what is wrong
            self.project = find_project(self.config_file)
        reason = "start"
        while not self.stopped():
            folders = self.folders()
            look = self.signature()
            pending: str | None = reason  # built once the watch is in place: nothing is missed
            for changes in self._changes(folders):
                if self.stopped():
                    return
                now = self.signature()
                if pending is None and not changes and now == look:
                    continue
                paths = _changed_paths(changes)
                paths += [path for path, info in now.items() if look.get(path) != info]
                look = now  # taken before the build: a change while it runs is the next one
                seen = None if pending == "start" else time.time()
                self.build(seen=seen, reason=pending or self._describe(paths))
                if pending == "start":
                    self.first_build_done()
                pending = None
                if self.folders() != folders:
                    reason = "watched folders changed"
                    break  # a folder came, went or was replaced: watch the new set

    def _changes(self, folders: list[Path]) -> Iterator[set[tuple[object, str]]]:
        """Settled bursts of changes in ``folders``; an empty set every LOOK_MS."""
        if not folders:  # nothing to watch recursively: look at the files beside mkdocs.yml
            while True:
                time.sleep(LOOK_MS / 1000)
                yield set()
        from watchfiles import watch

        yield from watch(
            *folders,
            debounce=LONGEST_MS,
            step=QUIET_MS,
            rust_timeout=LOOK_MS,
            yield_on_timeout=True,
            stop_event=self.stop,
        )

    # -- what is watched -------------------------------------------------------------------

    def folders(self) -> list[Path]:
        """The folders a build reads, as they are now (existing ones)."""
        project = self.project
        if project is None:
            return []
        names = [project.root / name for name in project.settings.content_dirs]
        names += [project.docs_dir, *([project.theme_dir] if project.theme_dir else [])]
        found = []
        for folder in dict.fromkeys(names):
            if folder.is_dir():
                found.append(folder.resolve())
        return found

    def signature(self) -> dict[Path, tuple[int, int, int] | None]:
        """What the files beside mkdocs.yml and the watched folders themselves are now."""
        root = self.config_file.parent
        paths = [self.config_file, root / "synonyms.yml"]
        if self.project is not None:
            paths += [self.project.root / name for name in self.project.settings.content_dirs]
            paths += [self.project.docs_dir]
            paths += [self.project.theme_dir] if self.project.theme_dir else []
        return {path: _stat(path) for path in paths}

    def _project(self) -> Project:
        """The project as ``mkdocs.yml`` says now (read again only when its text changed)."""
        try:
            text = self.config_file.read_bytes()
        except OSError:
            text = None
        if text is None or self.project is None or text != self._config_text:
            self.project = find_project(self.config_file)
            self._config_text = text
        return self.project

    def _describe(self, paths: list[Path]) -> str:
        root = self.config_file.parent
        names = []
        for path in paths:
            try:
                names.append(path.relative_to(root).as_posix())
            except ValueError:
                names.append(path.as_posix())
        names = list(dict.fromkeys(names))
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        return ", ".join(names[:3]) + more

    # -- building ----------------------------------------------------------------------------

    def build(self, seen: float | None, reason: str) -> BuildState:
        """One build as ``kb build`` does it; the state is written for the server."""
        click.echo(f"\n[{time.strftime('%H:%M:%S')}] {reason}: building", err=True)
        start = time.perf_counter()
        done: list[BuildState] = []

        def sites_done(outcome: BuildOutcome) -> None:  # before the index: reload now
            if outcome.sites_changed:
                self.generation = _new_generation()
            done.append(self._write(outcome, seen, start))

        self.building = True
        try:
            self.project = self._project()  # mkdocs.yml may have changed
            outcome = build_project(
                self.project, resolve_today(None), sites_done=sites_done, sites_beside=True
            )
        except (ProjectError, DateError) as exc:  # the last good project stays watched
            failure = self._relative(str(exc))
        except click.ClickException as exc:  # the index could not be written
            failure = self._relative(exc.format_message())
        except Exception as exc:  # a bug must not end the watch: say it, keep serving
            failure = f"the build failed unexpectedly: {type(exc).__name__}: {exc}"
        else:
            if not outcome.ok:
                return self._write(outcome, seen, start)
            click.echo("watching for changes (Ctrl+C stops)", err=True)
            return done[-1]
        finally:
            self.building = False
        click.secho(failure, fg="red", err=True)
        state = BuildState(
            generation=self.generation, ok=False, failure=failure, seen=seen,
            finished=time.time(), timings={"total": time.perf_counter() - start},
        )  # fmt: skip
        self._save(state)
        return state

    def _write(self, outcome: BuildOutcome, seen: float | None, start: float) -> BuildState:
        errors = [p for p in outcome.problems if p.is_error]
        failure = outcome.failure
        if len(errors) > MAX_ERRORS:
            more = f"and {len(errors) - MAX_ERRORS} more errors (all of them in the terminal)"
            failure = f"{failure}\n{more}" if failure else more
        timings = {**outcome.seconds, "total": time.perf_counter() - start}
        state = BuildState(
            generation=self.generation,
            ok=not errors and outcome.failure is None,
            errors=tuple(_error(p) for p in errors[:MAX_ERRORS]),
            failure=self._relative(failure) if failure else None,
            seen=seen,
            finished=time.time(),
            timings=timings,
        )
        self._save(state)
        return state

    def _save(self, state: BuildState) -> None:
        try:
            write_state(self.config_file.parent, state)
        except OSError as exc:
            click.secho(f"cannot tell the browsers about this build: {exc}", fg="red", err=True)

    def _relative(self, text: str) -> str:
        """Messages name files relative to the project, as kb check does."""
        return text.replace(f"{self.config_file.parent}{os.sep}", "")


def _changed_paths(changes: set[tuple[object, str]]) -> list[Path]:
    """The paths a burst changed, less an editor's or sed's temporary files (added and
    removed again within it)."""
    seen: dict[str, set[str]] = {}
    for change, path in changes:
        seen.setdefault(path, set()).add(getattr(change, "name", str(change)))
    return sorted(
        Path(path)
        for path, kinds in seen.items()
        if not {"added", "deleted"} <= kinds or Path(path).exists()
    )


def _error(problem: Problem) -> dict[str, object]:
    data = problem.to_dict()
    keys = ("file", "line", "code", "message", "hint")
    return {key: data.get(key) for key in keys if data.get(key) is not None}


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    if path.is_dir():
        return (info.st_ino, 0, 0)  # entries coming and going are the folder watch's
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _new_generation() -> str:
    return f"{time.time_ns():x}"
