"""Which files a command reports on: ``kb check policies/refunds.md kb/billing``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kbsite.project import Project


@dataclass(frozen=True)
class PathSelection:
    """Project-relative files and folders; empty means the whole project."""

    files: frozenset[str] = frozenset()
    folders: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.files and not self.folders

    @classmethod
    def from_arguments(cls, project: Project, paths: Iterable[Path], cwd: Path) -> PathSelection:
        """Resolve command-line paths (relative to ``cwd``); ValueError names a bad one."""
        files: set[str] = set()
        folders: list[str] = []
        for given in paths:
            absolute = given if given.is_absolute() else cwd / given
            if not absolute.exists() and not absolute.is_symlink():
                raise ValueError(f"{given}: no such file or folder")
            rel = _inside(project.root, absolute)
            if rel is None:
                raise ValueError(f"{given} is outside the KB project at {project.root}")
            if rel == ".":
                return cls()  # the project itself: everything
            if absolute.is_dir():
                folders.append(rel.rstrip("/") + "/")
            else:
                files.add(rel)
        return cls(frozenset(files), tuple(folders))

    def covers(self, rel: str) -> bool:
        """Whether a project-relative file is selected."""
        return self.everything or rel in self.files or rel.startswith(self.folders)


def _inside(root: Path, path: Path) -> str | None:
    """``path`` relative to ``root`` (as written, else with symlinks resolved), or None."""
    for candidate, base in (
        (Path(os.path.normpath(path)), root),  # `..` folded, symlinks kept
        (path.resolve(), root.resolve()),
    ):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return None
