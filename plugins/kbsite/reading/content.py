"""Read the content folders into pages: walk the tree, decode, parse, apply folder defaults.

Each file is handled on its own: whatever is wrong with one page is reported as problems and
never stops the others from being read. Every file with a Markdown suffix, in any letter case
(``.md``, ``.markdown``, ``.MD``, ...), is a page: it has front matter and an audience like any
other, or it is reported. Other files are attachments, published only where a page that site
shows uses them. A symbolic link that leads out of the project is never followed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import localedata

from kbsite.markdown.cache import ModelCache
from kbsite.markdown.model import RAW_KINDS
from kbsite.markdown.targets import split_target, split_url
from kbsite.pages import Link, Page
from kbsite.problems import Problem
from kbsite.project import CACHE_DIR, Project
from kbsite.reading import frontmatter
from kbsite.reading.encoding import EncodingProblem, decode, find_mojibake
from kbsite.reading.schema import Origin, RawField, validate
from kbsite.reading.snapshot import Snapshot
from kbsite.reading.yamlload import YamlProblem, load_mapping

META_FILE = ".meta.yml"
#: The suffixes MkDocs and Python-Markdown tools take for Markdown, compared in lower case.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd", ".mdwn", ".mdtxt", ".mdtext")
_LANG_SUFFIX = re.compile(r"^(.+)\.([a-z]{2,3})$")


#: What this process read last (a long-lived one, ``kb serve --watch``, reads again only the
#: files that changed): the reading's context, then each page by its file's identity (path,
#: size, times, inode), its source page and its folder defaults, with the problems found in it,
#: and the ``Snapshot`` that keeps the same on disk for the next process.
_LAST_READ: dict[str, Any] = {}


@dataclass(slots=True)
class ContentTree:
    pages: list[Page] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # attachments: other files, project paths
    models: ModelCache | None = None  # where each page's rendering is found


def is_page_file(name: str) -> bool:
    """Whether a file name is a Markdown page (any Markdown suffix, any letter case)."""
    return name.lower().endswith(MARKDOWN_SUFFIXES)


def page_stem(filename: str) -> str:
    """The name without its Markdown suffix: ``Refunds.MD`` -> ``Refunds``."""
    lower = filename.lower()
    for suffix in MARKDOWN_SUFFIXES:
        if lower.endswith(suffix):
            return filename[: -len(suffix)]
    return filename


def language_suffix(filename: str, languages: tuple[str, ...]) -> tuple[str, str | None]:
    """Split ``refunds.it.md`` into (``refunds``, ``it``); other suffixes stay in the stem."""
    stem = page_stem(filename)
    match = _LANG_SUFFIX.match(stem)
    if match and (match.group(2) in languages or localedata.exists(match.group(2))):
        return match.group(1), match.group(2)
    return stem, None


class _Reader:
    def __init__(self, project: Project, today: dt.date) -> None:
        self.project = project
        self.settings = project.settings
        self.today = today
        self.tree = ContentTree()
        self._defaults: dict[Path, dict[str, RawField]] = {}
        self._stems: dict[Path, dict[str, str]] = {}
        self.models = ModelCache(project.markdown, project.root / CACHE_DIR)
        context = (str(project.root), today, repr(self.settings), project.markdown.digest)
        if _LAST_READ.get("context") == context:
            self.snapshot, known = _LAST_READ["snapshot"], _LAST_READ["pages"]
        else:  # a new process: what the last one kept on disk
            self.snapshot = Snapshot(project.root / CACHE_DIR, context)
            known = self.snapshot.load(self.models)
        self._known: dict[tuple[Any, ...], tuple[Page, list[Problem], str | None]] = known
        self._kept: dict[tuple[Any, ...], tuple[Page, list[Problem], str | None]] = {}
        self._fresh: list[tuple[tuple[Any, ...], Page, int, int]] = []
        self._context = context

    def read(self) -> ContentTree:
        for folder in self.settings.content_dirs:
            top = self.project.root / folder
            if top.is_dir():
                self._walk(top, folder, {}, set())
        self._outline()
        return self.tree

    def _outline(self) -> None:
        """Read every new body once (cached by content): anchors, links, problems."""
        fresh = {id(page) for _, page, _, _ in self._fresh}
        readable = [p for p in self.tree.pages if id(p) in fresh and (p.body or p.parsed)]
        outlined = {id(page) for page in readable}
        cache = self.models
        self.tree.models = cache
        read_problems = [self.tree.problems[start:end] for _, _, start, end in self._fresh]
        found_in: dict[int, list[Problem]] = {}
        for page, outline in zip(readable, cache.outlines(p.body for p in readable), strict=True):
            before = len(self.tree.problems)
            page.outline = outline
            first = page.body_line
            if outline.error:
                self._problem(
                    "markdown-invalid",
                    page.path,
                    first + outline.error_line - 1,
                    outline.error,
                    "simplify the nesting; pages are rendered with at most a few dozen levels",
                )
                page.has_errors = True
                found_in[id(page)] = self.tree.problems[before:]
            page.anchors = outline.anchors
            links = []
            served = page.source_path or page.path
            for raw in outline.links:
                resolved = split_target(raw.target, page.path)
                if resolved is not None:
                    path, anchor = resolved
                    url = split_url(raw.target, served) if raw.kind in RAW_KINDS else None
                    line = first + raw.line - 1
                    links.append(
                        Link(raw.target, path, anchor, line, raw.kind, raw.slot, raw.internal, url)
                    )
            page.links = tuple(links)
        cache.save()
        for (key, page, _, _), problems in zip(self._fresh, read_problems, strict=True):
            body_key = cache.key(page.body) if id(page) in outlined else None
            self._kept[key] = (page, problems + found_in.get(id(page), []), body_key)
        self.snapshot.save(self._kept, [key for key, _, _, _ in self._fresh])
        _LAST_READ.clear()
        _LAST_READ.update(context=self._context, pages=self._kept, snapshot=self.snapshot)

    def _walk(
        self,
        directory: Path,
        folder: str,
        inherited: dict[str, RawField],
        ancestors: set[tuple[int, int]],
    ) -> None:
        try:
            stat = directory.stat()
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            rel = self.project.rel(directory)
            self._problem("file-unreadable", rel, 1, f"cannot read the folder: {exc.strerror}")
            return
        identity = (stat.st_dev, stat.st_ino)
        ancestors = ancestors | {identity}
        defaults = {**inherited, **self._folder_defaults(directory)}
        defaults_key = repr(sorted(defaults.items()))
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink() and self._leaves_project(path):
                continue
            if entry.is_dir(follow_symlinks=True):
                if entry.is_symlink() and self._loops(path, ancestors):
                    continue
                self._walk(path, folder, defaults, ancestors)
            elif entry.is_symlink() and not path.exists():
                self._problem(
                    "file-unreadable",
                    self.project.rel(path),
                    1,
                    "the link points at a missing file",
                    "fix or remove the symbolic link",
                )
            elif is_page_file(entry.name):
                page = self._known_page(entry, path, folder, defaults, defaults_key)
                self.tree.pages.append(page)
            elif self.project.rel(path) != self.settings.owners_file:
                self.tree.files.append(self.project.rel(path))

    def _leaves_project(self, path: Path) -> bool:
        """A symbolic link to something outside the project: reported, never followed."""
        try:
            target = path.resolve()
        except (OSError, RuntimeError):
            return False  # a loop: reported where it is followed
        root = self.project.root.resolve()
        if target == root or root in target.parents:
            return False
        self._problem(
            "symlink-outside",
            self.project.rel(path),
            1,
            "symbolic link to a place outside the project; not followed (it would publish "
            "that file)",
            "copy the file into the project, or remove the link",
        )
        return True

    def _loops(self, path: Path, ancestors: set[tuple[int, int]]) -> bool:
        try:
            stat = path.stat()
        except OSError:  # a loop of links itself (ELOOP) or a dangling one
            self._problem(
                "symlink-loop",
                self.project.rel(path),
                1,
                "symbolic link that cannot be followed (it loops or is broken); skipped",
                "remove the link or point it at a real folder",
            )
            return True
        if (stat.st_dev, stat.st_ino) in ancestors:
            self._problem(
                "symlink-loop",
                self.project.rel(path),
                1,
                f"symbolic link to `{path.readlink()}` leads back into a folder that "
                "contains it; not followed",
                "remove the link",
            )
            return True
        return False

    def _folder_defaults(self, directory: Path) -> dict[str, RawField]:
        meta = directory / META_FILE
        if not meta.is_file():
            return {}
        rel = self.project.rel(meta)
        try:
            fields = load_mapping(decode(meta.read_bytes()), 1, what="folder defaults")
        except (YamlProblem, EncodingProblem) as exc:
            code = "encoding" if isinstance(exc, EncodingProblem) else "front-matter-yaml"
            self._problem(code, rel, exc.line, exc.message, exc.hint)
            return {}
        return {k: RawField(v, Origin(rel, fields.lines[k])) for k, v in fields.data.items()}

    def _problem(
        self,
        code: str,
        file: str,
        line: int,
        message: str,
        hint: str | None = None,
        field_: str | None = None,
    ) -> None:
        self.tree.problems.append(Problem(code, file, line, message, field_, hint))

    def _known_page(
        self,
        entry: os.DirEntry[str],
        path: Path,
        folder: str,
        defaults: dict[str, RawField],
        defaults_key: str,
    ) -> Page:
        """The page as this process read it last, if its file and context are unchanged;
        else read now."""
        try:
            stat = entry.stat()
        except OSError:
            return self._page(path, folder, defaults)
        stem, suffix = language_suffix(path.name, self.settings.languages)
        source = None
        if suffix and suffix != self.settings.default_language:
            source = self._source_of(path, stem)
        key = (
            entry.path,
            folder,
            stat.st_size,
            stat.st_mtime_ns,
            stat.st_ctime_ns,
            stat.st_ino,
            source,
            defaults_key,
        )
        known = self._known.get(key)
        if known is not None:
            page, problems, body_key = known
            self.tree.problems.extend(problems)
            self._kept[key] = known
            self.models.still_used(page.digest, body_key)  # the cache keeps its entries
            return page
        start = len(self.tree.problems)
        page = self._page(path, folder, defaults)
        self._fresh.append((key, page, start, len(self.tree.problems)))
        return page

    def _page(self, path: Path, folder: str, defaults: dict[str, RawField]) -> Page:
        rel = self.project.rel(path)
        settings = self.settings
        stem, suffix = language_suffix(path.name, settings.languages)
        page = Page(path=rel, folder=folder, lang=suffix or settings.default_language)
        if suffix and suffix not in settings.languages:
            self._problem(
                "lang-unknown",
                rel,
                1,
                f"the file name says language `{suffix}`, which is not configured",
                f"configured: {', '.join(settings.languages)}",
                "lang",
            )
        if suffix and suffix != settings.default_language:
            page.source_path = self._source_of(path, stem)
        try:
            data = path.read_bytes()
            text = decode(data)
        except OSError as exc:
            self._problem("file-unreadable", rel, 1, f"cannot read the file: {exc.strerror}")
            page.has_errors = True
            return page
        except EncodingProblem as exc:
            self._problem("encoding", rel, exc.line, exc.message, exc.hint)
            page.has_errors = True
            return page
        page.digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        reading = self.models.file_entry(page.digest)
        if reading is None:  # read once per content: mojibake, then the front matter
            reading = _read_file(text)
            self.models.keep_file_entry(page.digest, reading)
        kind, found, mojibake = reading
        for line, message, hint in mojibake:
            self._problem("mojibake", rel, line, message, hint)
        if kind == "missing":
            self._problem(
                "front-matter-missing",
                rel,
                1,
                "the page has no front matter",
                "start the file with `---`, the fields, and `---` (see `kb new`)",
            )
            page.body, page.has_errors = text, True
            return page
        if kind == "yaml":
            line, message, hint = found
            self._problem("front-matter-yaml", rel, line, message, hint)
            page.has_errors = True
            return page
        data_fields, lines, body_line = found
        raw = {**defaults}
        raw.update({k: RawField(v, Origin(rel, lines[k])) for k, v in data_fields.items()})
        meta, problems = validate(
            rel,
            raw,
            default_type=settings.type_for_folder(folder),
            file_lang=suffix if suffix in settings.languages else None,
            settings=settings,
            today=self.today,
        )
        self.tree.problems.extend(problems)
        if suffix and suffix not in settings.languages:
            meta.lang = suffix  # keep the page apart from the configured languages' ids
        page.meta, page.lang = meta, meta.lang
        page.field_lines = dict(lines)
        page.body = "\n".join(text.split("\n")[body_line - 1 :])
        page.body_line, page.parsed = body_line, True
        page.has_errors = any(p.is_error and p.file == rel for p in problems)
        return page

    def _source_of(self, path: Path, stem: str) -> str:
        """The source a translation belongs to: the page beside it with the same stem."""
        folder = path.parent
        if folder not in self._stems:
            self._stems[folder] = {}
            for sibling in sorted(folder.iterdir(), reverse=True):
                if is_page_file(sibling.name):  # `.md` sorts last: it wins a tie
                    self._stems[folder][page_stem(sibling.name)] = self.project.rel(sibling)
        return self._stems[folder].get(stem) or self.project.rel(folder / f"{stem}.md")


def _read_file(text: str) -> tuple[str, Any, list[tuple[int, str, str | None]]]:
    """What a page's text says before any rule applies, as plain data (cached by content):
    ("ok", (fields, their lines, body line)), ("missing", None) or ("yaml", (line, message,
    hint)), with the lines that look double-encoded."""
    mojibake = [(bad.line, bad.message, bad.hint) for bad in find_mojibake(text)]
    try:
        parsed = frontmatter.parse(text)
    except frontmatter.FrontMatterMissing:
        return "missing", None, mojibake
    except YamlProblem as exc:
        return "yaml", (exc.line, exc.message, exc.hint), mojibake
    fields = (dict(parsed.fields.data), dict(parsed.fields.lines), parsed.body_line)
    return "ok", fields, mojibake


def read_content(project: Project, today: dt.date) -> ContentTree:
    """Every page of the project's content folders, with the problems found reading them."""
    return _Reader(project, today).read()
