"""Shared test helpers: small KB projects written on the fly, and the real ``kb`` entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kbsite.scaffold import MKDOCS_TEMPLATE

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The team's shared folder (SPEC, corpora) beside the repo; KB_SHARED_DIR names another place.
SHARED = next(
    (
        p
        for p in (
            Path(os.environ.get("KB_SHARED_DIR", REPO.parent / "shared")),
            Path("/work/shared"),
        )
        if p.is_dir()
    ),
    REPO.parent / "shared",
)
KB_BIN = Path(sys.executable).parent / "kb"
TODAY = "2026-11-23"

MINIMAL_MKDOCS = MKDOCS_TEMPLATE.format(site_name="Test KB")

OWNERS = """\
billing-team:
  name: Billing and refunds
  email: billing@example.com
support-ops:
  name: Support operations
  email: support-ops@example.com
supervisors:
  name: Shift supervisors
  email: supervisors@example.com
"""


def page(body: str = "# Page\n", **fields: Any) -> str:
    """A Markdown page with the given front matter fields (YAML-dumped in order)."""
    lines = ["---"]
    for key, value in fields.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append("---")
    return "\n".join(lines) + "\n" + textwrap.dedent(body)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class KBProject:
    root: Path

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def kb(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Result:
        return run_kb(*args, cwd=self.root, env=env, timeout=timeout)


def run_kb(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> Result:
    """Run the installed ``kb`` console script, as a user would."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1", **(env or {})}
    full_env.pop("KB_TODAY", None) if env is None or "KB_TODAY" not in env else None
    proc = subprocess.run(
        [str(KB_BIN), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., KBProject]:
    """Factory for a minimal KB project: mkdocs.yml, owners.yml, docs/index.md, plus ``files``."""

    def make(
        files: dict[str, str | bytes] | None = None,
        mkdocs: str = MINIMAL_MKDOCS,
        name: str = "kbproject",
    ) -> KBProject:
        project = KBProject(tmp_path / name)
        project.write("mkdocs.yml", mkdocs)
        project.write("policies/owners.yml", OWNERS)
        project.write("docs/index.md", "# Home\n\nWelcome.\n")
        for rel, content in (files or {}).items():
            project.write(rel, content)
        return project

    return make


@pytest.fixture(scope="session")
def built_sites(tmp_path_factory: pytest.TempPathFactory) -> KBProject:
    """The sites fixture KB after one real `kb build` (shared by the site and browser tests)."""
    import shutil

    root = tmp_path_factory.mktemp("sites") / "kb"
    shutil.copytree(FIXTURES / "sites_kb", root)
    result = run_kb("build", "--today", TODAY, cwd=root, timeout=300)
    assert result.code == 0, result.err
    return KBProject(root)


@pytest.fixture(scope="session")
def search_project(tmp_path_factory: pytest.TempPathFactory) -> KBProject:
    """A small multilingual KB with its search index built (search, server, browser tests)."""
    from test_search import SEARCH_KB

    project = KBProject(tmp_path_factory.mktemp("search") / "kb")
    project.write("mkdocs.yml", MINIMAL_MKDOCS)
    project.write("policies/owners.yml", OWNERS)
    project.write("docs/index.md", "# Home\n")
    for rel, content in SEARCH_KB.items():
        project.write(rel, content)
    assert project.kb("index", "--today", TODAY).code == 0
    return project
