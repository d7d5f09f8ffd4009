"""Find and read the files of a source tree: Markdown pages with their foreign front matter
(YAML ``---`` or Hugo's TOML ``+++``), the other files pages may link to, and languages named
by a path segment or a file suffix."""

from __future__ import annotations

import os
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ftfy
import yaml
from ftfy.badness import is_bad

from kbsite.importer.report import Event, Report
from kbsite.reading.encoding import BOM

MARKDOWN = (".md", ".markdown", ".mdown")
# Folders of site generators that hold templates and data, not pages.
SKIP_DIRS = frozenset({"_includes", "_layouts", "_data", "_site", "_sass", "node_modules"})
INDEX_NAMES = ("index", "_index", "readme")
_LOCALE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z]{2,4})?$")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True)
class SourcePage:
    rel: str  # path relative to SRC, forward slashes
    text: str  # whole file, decoded, LF line ends
    fields: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # 1-based line of the body's first line in the file
    lang: str | None = None  # from the path (segment or suffix)
    key: str = ""  # the path without its language: translations share it


@dataclass(slots=True)
class SourceTree:
    root: Path
    pages: list[SourcePage]
    files: set[str]  # every other file, relative to SRC (assets links may reach)
    languages: tuple[str, ...] = ()
    language_dirs: set[str] = field(default_factory=set)

    def key_of(self, rel: str) -> str:
        """The path without its language (``it/devices/a.md`` → ``devices/a.md``)."""
        return _language(rel, self.languages, self.language_dirs)[1]


def discover(root: Path, languages: tuple[str, ...], report: Report) -> SourceTree:
    markdown: list[str] = []
    others: set[str] = set()
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        base = Path(directory).relative_to(root).as_posix()
        for name in sorted(names):
            if name.startswith("."):
                continue
            rel = name if base == "." else f"{base}/{name}"
            if name.lower().endswith(MARKDOWN):
                markdown.append(rel)
            else:
                others.add(rel)
    language_dirs = _language_dirs(markdown, languages)
    pages = []
    for rel in markdown:
        page = read_page(root, rel, report)
        if page is not None:
            page.lang, page.key = _language(rel, languages, language_dirs)
            pages.append(page)
    return SourceTree(root, pages, others, languages, language_dirs)


def read_page(root: Path, rel: str, report: Report) -> SourcePage | None:
    try:
        data = (root / rel).read_bytes()
    except OSError as exc:
        report.skipped.append(Event(rel, 1, "unreadable", f"cannot read the file: {exc.strerror}"))
        return None
    text = _decode(rel, data, report)
    if text is None:
        return None
    page = SourcePage(rel, text)
    _front_matter(page, report)
    return page


def _decode(rel: str, data: bytes, report: Report) -> str | None:
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if b"\x00" in data:
        report.skipped.append(Event(rel, 1, "binary", "a binary file named like Markdown"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("cp1252", errors="replace")
        report.converted.append(
            Event(rel, line, "encoding", "not UTF-8: read as Windows-1252 and written as UTF-8")
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii() and is_bad(text):
        fixed = ftfy.fix_text(text, normalization=None, fix_line_breaks=False)
        if fixed != text:
            line = next(
                (
                    n
                    for n, (a, b) in enumerate(
                        zip(text.split("\n"), fixed.split("\n"), strict=False), 1
                    )
                    if a != b
                ),
                1,
            )
            report.converted.append(Event(rel, line, "mojibake", "double-encoded text repaired"))
            text = fixed
    return text


def _front_matter(page: SourcePage, report: Report) -> None:
    """Split off a YAML (``---``) or TOML (``+++``) block; a broken one is reported and skipped."""
    lines = page.text.split("\n")
    fence = lines[0].rstrip() if lines else ""
    if fence not in ("---", "+++"):
        page.body, page.body_line = page.text, 1
        return
    closers = ("---", "...") if fence == "---" else ("+++",)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in closers), None)
    if end is None:
        report.warn(
            page.rel,
            1,
            "front-matter",
            "front matter opened on line 1 is never closed; read as body text",
        )
        page.body, page.body_line = page.text, 1
        return
    raw = "\n".join(lines[1:end])
    page.body, page.body_line = "\n".join(lines[end + 1 :]), end + 2
    try:
        data = tomllib.loads(raw) if fence == "+++" else yaml.load(raw, Loader=_YAML_LOADER)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        report.warn(
            page.rel,
            line,
            "front-matter",
            f"invalid front matter ({problem}); its "
            "fields were dropped, the title comes from the first heading",
        )
        return
    if data is None:
        return
    if not isinstance(data, dict):
        report.warn(page.rel, 2, "front-matter", "front matter is not a mapping; dropped")
        return
    page.fields = {str(k): v for k, v in data.items()}


def _language_dirs(paths: list[str], languages: tuple[str, ...]) -> set[str]:
    """Folders named by a bare language code count only beside another language's folder,
    so a folder called ``it`` (the IT team's pages) is not taken for Italian. Lower-cased."""
    by_parent: dict[str, set[str]] = {}
    for rel in paths:
        parts = rel.split("/")[:-1]
        for depth, part in enumerate(parts):
            code = part.lower()
            if code in languages:
                by_parent.setdefault("/".join(parts[:depth]), set()).add(code)
    return {
        (posixpath.join(parent, code) if parent else code).lower()
        for parent, codes in by_parent.items()
        if len(codes) > 1
        for code in codes
    }


def _language(
    rel: str, languages: tuple[str, ...], language_dirs: set[str]
) -> tuple[str | None, str]:
    """The language a path names and the path without it (``en-us/a.md`` → en, ``a.md``)."""
    parts = rel.split("/")
    lang: str | None = None
    kept: list[str] = []
    for depth, part in enumerate(parts[:-1]):
        match = _LOCALE.match(part.lower())
        code = match.group(1) if match else None
        is_locale = bool(match) and ("-" in part or "_" in part)
        if (
            lang is None
            and code in languages
            and (is_locale or "/".join(parts[: depth + 1]).lower() in language_dirs)
        ):
            lang = code
            continue
        kept.append(part)
    name = parts[-1]
    stem, dot, ext = name.rpartition(".")
    inner, _, suffix = stem.rpartition(".")
    match = _LOCALE.match(suffix.lower()) if inner else None
    if match and match.group(1) in languages:
        lang = lang or match.group(1)
        name = f"{inner}{dot}{ext}"
    return lang, "/".join([*kept, name])
