"""Whether anything a build reads has changed since the last successful build.

``kb build`` with nothing changed should cost next to nothing. The fingerprint is a digest of
what every output depends on: the config, every file of the content folders and of ``docs/``
(path, size, modification time), ``synonyms.yml``, the readers' votes (the ``flagged`` state),
"today", the code and theme (``kbsite``'s own files, and the folders of ``sys.path``:
installing, upgrading or removing a package renames a ``.dist-info`` folder in one of them),
and the site and index folders themselves (a new generation is a new folder). When it equals
the one stored after the last successful build, the build has nothing to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sys
from pathlib import Path

from kbsite.project import CACHE_DIR, Project

_FILE = "build-fingerprint"
PACKAGE = Path(__file__).resolve().parent.parent


def inputs(project: Project, today: dt.date) -> str:
    """A digest of what the build reads: config, content, code, packages, votes, the day."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(today.isoformat().encode())
    digest.update(project.config_file.read_bytes())
    for entry in sys.path:  # where packages are installed (cheaper than their metadata)
        _stat(digest, Path(entry or "."))
    folders = [project.root / d for d in project.settings.content_dirs] + [project.docs_dir]
    folders += [PACKAGE] + ([project.theme_dir] if project.theme_dir else [])
    for folder in folders:
        for root, dirs, files in os.walk(folder, followlinks=True):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                _stat(digest, Path(root) / name)
    for path in (
        project.synonyms_file,
        project.root / ".kb" / "feedback.sqlite3",
        project.root / ".kb" / "feedback.sqlite3-wal",
    ):
        _stat(digest, path)
    return digest.hexdigest()


def fingerprint(project: Project, today: dt.date, read: str | None = None) -> str:
    """The inputs' digest (``read``: taken earlier) with the output folders' identities."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update((read or inputs(project, today)).encode())
    for path in (
        project.root / "site" / "public",
        project.root / "site" / "internal",
        project.root / ".kb" / "index",
    ):
        _stat(digest, path)
    return digest.hexdigest()


def _stat(digest: hashlib._Hash, path: Path) -> None:
    try:
        stat = path.stat()
    except OSError:
        digest.update(f"{path}:-".encode())
        return
    digest.update(f"{path}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}".encode())


def unchanged(project: Project, today: dt.date) -> tuple[str, str | None]:
    """The inputs' digest (for ``remember``), and what the last successful build noted (None:
    something differs)."""
    read = inputs(project, today)
    try:
        stored = (project.root / CACHE_DIR / _FILE).read_text(encoding="utf-8").split("\n", 1)
    except OSError:
        return read, None
    if stored[0] != fingerprint(project, today, read):
        return read, None
    return read, stored[1] if len(stored) > 1 else ""


def remember(project: Project, today: dt.date, note: str, read: str) -> None:
    """After a successful build: the inputs as they were when it started (``read``, from
    ``unchanged``: a file saved during the build is seen by the next one), with the output
    folders as the build left them."""
    path = project.root / CACHE_DIR / _FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{fingerprint(project, today, read)}\n{note}", encoding="utf-8")
    except OSError:
        pass  # only an optimisation


def forget(project: Project) -> None:
    """A build that failed or stopped: the next one must run in full."""
    with contextlib.suppress(OSError):
        (project.root / CACHE_DIR / _FILE).unlink()
