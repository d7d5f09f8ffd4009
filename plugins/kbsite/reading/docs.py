"""Hand-written site pages under ``docs/``: the home page, guides, and the files they use.

A docs page has an audience like a content page (SPEC §6): without ``audience`` it is internal,
except the home page ``index.md`` and its translations, which are public unless they say
otherwise. ``guide.it.md`` is the Italian version of ``guide.md``, served at the same path in
the Italian site. Front matter keys other than ``audience`` and ``title`` pass on to the theme
(``hide``, ``description``, ``template``...), as MkDocs would pass them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbsite.problems import Problem
from kbsite.project import Project
from kbsite.reading import frontmatter
from kbsite.reading.content import is_page_file, language_suffix
from kbsite.reading.encoding import EncodingProblem, decode
from kbsite.reading.yamlload import YamlProblem

HOME = "index"


@dataclass(frozen=True)
class DocPage:
    path: str  # project path: docs/index.it.md
    uri: str  # the path it is served at in its language's site: index.md
    lang: str
    audience: str
    meta: dict[str, Any]  # front matter for the theme (title, hide, description, ...)
    body: str
    body_line: int

    @property
    def title(self) -> str | None:
        value = self.meta.get("title")
        return str(value) if value else None


@dataclass
class Docs:
    pages: list[DocPage] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # other files under docs/, docs-relative
    problems: list[Problem] = field(default_factory=list)


def read_docs(project: Project) -> Docs:
    """Every page and file under the project's docs folder."""
    docs = Docs()
    root = project.docs_dir
    if not root.is_dir():
        return docs
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if not is_page_file(name):
                docs.files.append(rel)
                continue
            page = _read(project, path, rel, docs.problems)
            if page is not None:
                docs.pages.append(page)
    return docs


def _read(project: Project, path: Path, rel: str, problems: list[Problem]) -> DocPage | None:
    settings = project.settings
    where = project.rel(path)
    stem, suffix = language_suffix(path.name, settings.languages)
    lang = suffix if suffix in settings.languages else settings.default_language
    folder = rel.rpartition("/")[0]
    uri = f"{folder}/{stem}.md" if folder else f"{stem}.md"
    try:
        text = decode(path.read_bytes())
    except (OSError, EncodingProblem) as exc:
        message = exc.message if isinstance(exc, EncodingProblem) else str(exc)
        problems.append(Problem("encoding", where, getattr(exc, "line", 1), message))
        return None
    meta: dict[str, Any] = {}
    body, body_line = text, 1
    try:
        parsed = frontmatter.parse(text)
        meta, body, body_line = dict(parsed.fields.data), parsed.body, parsed.body_line
    except frontmatter.FrontMatterMissing:
        pass
    except YamlProblem as exc:
        problems.append(Problem("front-matter-yaml", where, exc.line, exc.message, None, exc.hint))
        meta = {"audience": "internal"}  # fail closed
    default = "public" if stem == HOME and not folder else "internal"
    audience = meta.pop("audience", default)
    if audience not in ("public", "internal"):
        problems.append(
            Problem(
                "field-invalid",
                where,
                1,
                f"`audience` must be `public` or `internal`, not `{audience}`",
                "audience",
                "use `audience: public` or `audience: internal`",
            )
        )
        audience = "internal"
    meta.pop("lang", None)
    return DocPage(where, uri, lang, str(audience), meta, body, body_line)
