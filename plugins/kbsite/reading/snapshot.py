"""What the last reading of the content found, kept on disk: a new process (``kb build``)
reads again only the files that changed since.

Each page is kept under its file's identity (path, size, times, inode, folder defaults, source
page; see ``content._Reader``) with the problems found in it and its body's model key. A page
comes back as a ``KeptPage``: everything but its body and outline, which are read from the file
(and the model cache) the first time something asks for them. An incremental build asks for the
few pages it plans again.

Two files under ``.kb/cache/``: ``pages.pickle`` (every page, written when much changed) and
``pages-delta.pickle`` (the pages read since, rewritten at each build: small). Both carry the
context they were read in (project, today, settings, our code and the libraries reading
depends on); a file of another context, or damaged, is ignored and written again. They are
unpickled with only the page model's classes allowed, so a planted file cannot run code.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import os
import pickle
from pathlib import Path
from typing import Any, ClassVar

from kbsite.markdown.cache import ModelCache
from kbsite.markdown.model import Outline
from kbsite.pages import Page
from kbsite.reading.encoding import EncodingProblem, decode

FORMAT = "kb-pages-1"
BASE = "pages.pickle"
DELTA = "pages-delta.pickle"
#: The delta is folded into a new base once it holds this many pages (or this share of them).
DELTA_PAGES, DELTA_SHARE = 200, 0.05
#: Libraries whose behaviour shapes a page's reading.
_READING_LIBRARIES = ("pyyaml", "ftfy", "babel", "regex", "markdown", "pymdown-extensions")

Entry = tuple[Page, list[Any], str | None]  # the page, its problems, its body's model key
_BODY = Page.body  # the slots KeptPage reads lazily
_OUTLINE = Page.outline


@functools.cache
def code_digest() -> str:
    """A digest of our package's own files (code, templates, translations) and of the
    versions of the libraries reading uses: a change to either is another reading."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    for name in _READING_LIBRARIES:
        try:
            digest.update(f"{name}={importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name}=-".encode())
    return digest.hexdigest()


class KeptPage(Page):
    """A page as an earlier process read it; its body and outline are read when asked for."""

    __slots__ = ("_file", "_models", "_outlined", "_start")

    @property  # type: ignore[override]
    def body(self) -> str:
        body = _BODY.__get__(self, Page)
        if body is None:
            body = self._read_body()
            _BODY.__set__(self, body)
        return body  # type: ignore[no-any-return]

    @body.setter
    def body(self, value: str | None) -> None:
        _BODY.__set__(self, value)

    @property  # type: ignore[override]
    def outline(self) -> Outline | None:
        outline = _OUTLINE.__get__(self, Page)
        if outline is None and self._outlined:
            outline = self._models.outlines([self.body])[0]
            _OUTLINE.__set__(self, outline)
        return outline  # type: ignore[no-any-return]

    @outline.setter
    def outline(self, value: Outline | None) -> None:
        _OUTLINE.__set__(self, value)

    def _read_body(self) -> str:
        """The body as ``content._Reader._page`` cut it from the file (``_start``: its first
        line; None: the page had no body to read)."""
        if self._start is None:
            return ""
        try:
            text = decode(Path(self._file).read_bytes())
        except (OSError, EncodingProblem):
            return ""  # gone or broken since: the next build reads it afresh
        return "\n".join(text.split("\n")[self._start - 1 :])


def _state(page: Page) -> tuple[Any, ...]:
    """What a snapshot keeps of a page: every field but the body and outline (a kept page's
    are not read for it)."""
    if isinstance(page, KeptPage):
        start, outlined = page._start, page._outlined
    else:
        start = None if not page.body else (page.body_line if page.parsed else 1)
        outlined = page.outline is not None
    fields = (
        page.path,
        page.folder,
        page.lang,
        page.source_path,
        page.meta,
        page.field_lines,
        page.body_line,
        page.anchors,
        page.links,
        page.parsed,
        page.has_errors,
        page.digest,
    )
    return fields, start, outlined


def _restore(file: str, state: tuple[Any, ...], models: ModelCache) -> KeptPage:
    fields, start, outlined = state
    path, folder, lang, source, meta, lines, body_line, anchors, links, parsed, errors, digest = (
        fields
    )
    page = KeptPage(
        path,
        folder,
        lang,
        source,
        meta,
        lines,
        None,  # type: ignore[arg-type]  # the body, read when asked for
        body_line,
        anchors,
        links,
        parsed,
        errors,
        digest,
        None,
    )
    page._file, page._start, page._models, page._outlined = file, start, models, outlined
    return page


class _Unpickler(pickle.Unpickler):
    """Only the page model's own classes (and dates) may be named in a snapshot."""

    _ALLOWED: ClassVar[frozenset[tuple[str, str]]] = frozenset(
        {
            ("kbsite.pages", "PageMeta"),
            ("kbsite.pages", "Link"),
            ("kbsite.pages", "Tier"),
            ("kbsite.dates", "Duration"),
            ("kbsite.problems", "Problem"),
            ("datetime", "date"),
            ("builtins", "frozenset"),
            ("builtins", "set"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a page snapshot")


def _read(path: Path, context: str) -> dict[tuple[Any, ...], Any] | None:
    try:
        with path.open("rb") as file:
            data = _Unpickler(file).load()
    except FileNotFoundError:
        return None
    except Exception:  # damaged, truncated, foreign: never trusted
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    if not (isinstance(data, tuple) and len(data) == 3 and data[:2] == (FORMAT, context)):
        return None
    pages = data[2]
    return pages if isinstance(pages, dict) else None


def _write(path: Path, context: str, states: dict[tuple[Any, ...], Any]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as file:
            pickle.dump((FORMAT, context, states), file, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)
    except OSError:  # only a cache
        with contextlib.suppress(OSError):
            temporary.unlink()


class Snapshot:
    """The pages of the last reading on disk, for one context (``load``, then ``save``)."""

    def __init__(self, folder: Path, context: tuple[Any, ...]) -> None:
        self.folder = folder
        self.context = repr((*context, code_digest()))
        self._base: dict[tuple[Any, ...], Any] = {}
        self._delta: dict[tuple[Any, ...], Any] = {}
        self._had_base = False

    def load(self, models: ModelCache) -> dict[tuple[Any, ...], Entry]:
        """Every page kept, by its file's identity."""
        base = _read(self.folder / BASE, self.context)
        self._had_base = base is not None
        self._base = base or {}
        self._delta = (_read(self.folder / DELTA, self.context) or {}) if base else {}
        found: dict[tuple[Any, ...], Entry] = {}
        for states in (self._base, self._delta):
            for key, (state, problems, body_key) in states.items():
                found[key] = (_restore(key[0], state, models), problems, body_key)
        return found

    def save(self, kept: dict[tuple[Any, ...], Entry], fresh: list[tuple[Any, ...]]) -> None:
        """Keep what this reading found: the pages read afresh go to the delta, and the base
        is written anew when the delta has grown or many kept pages are gone."""
        base, delta = self._base, self._delta
        if self._had_base and not fresh and kept.keys() == base.keys() | delta.keys():
            return  # nothing new, nothing gone
        delta = {k: v for k, v in delta.items() if k in kept}
        for key in fresh:
            page, problems, body_key = kept[key]
            delta[key] = (_state(page), problems, body_key)
        gone = sum(1 for key in base if key not in kept)
        limit = max(DELTA_PAGES, DELTA_SHARE * len(kept))
        if not self._had_base or len(delta) > limit or gone > limit:
            states = {}
            for key, (page, problems, body_key) in kept.items():
                known = delta.get(key) or base.get(key)
                states[key] = known or (_state(page), problems, body_key)
            _write(self.folder / BASE, self.context, states)
            with contextlib.suppress(OSError):
                (self.folder / DELTA).unlink()
            self._base, self._delta, self._had_base = states, {}, True
            return
        _write(self.folder / DELTA, self.context, delta)
        self._delta = delta
