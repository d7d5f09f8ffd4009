"""The search of one planned language site, the help center's or the rep site's: its
documents, and its index kept up to date between builds.

The documents come from the site plan (what the site publishes, nothing else): each content
page with its note and the sections of its page model. The help center's have the customer
note and no ``!!! internal`` blocks; the rep site's have internal blocks, the rep's name of
the page's review state ("Review overdue") and the page's short answer. The index lives in
``.kb/cache/client-search/<audience>/<lang>/`` between builds and is updated there (only
changed pages are analysed again, ``update_index``); the build publishes its files under
``search/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbsite.cachefile import file_key, read_json
from kbsite.markdown.cache import ModelCache
from kbsite.project import CACHE_DIR
from kbsite.review import states as review_states
from kbsite.review.staleness import Flag
from kbsite.search.synonyms import load_synonyms
from kbsite.sites.banners import customer_notes, rep_note
from kbsite.sites.client_search.documents import ClientDoc, ClientSearchError
from kbsite.sites.client_search.labels import labels
from kbsite.sites.client_search.writer import CATALOGUE, update_index, write_index
from kbsite.sites.desk import shown_answer
from kbsite.sites.navigation import TYPE_DIR, TYPE_PAGES
from kbsite.sites.plan import SitePlan
from kbsite.sites.translations import all_labels

SEARCH_DIR = "search"
DIGESTS = "kb-documents.json"  # url -> digest of the document last written (not published)
LISTING = "kb-listing.json"  # the files of each segment folder (never changed once written)
UNPUBLISHED = frozenset({DIGESTS, LISTING, CATALOGUE})

__all__ = [
    "SEARCH_DIR",
    "ClientSearchError",
    "documents",
    "published",
    "search_box",
    "up_to_date",
]


def search_box(lang: str) -> dict[str, Any]:
    """What the header partial needs to show a site's own search box."""
    return {
        "dir": f"{SEARCH_DIR}/",
        "labels": labels(lang),
        "browse": f"{TYPE_DIR}/{next(iter(TYPE_PAGES))}/",  # without JavaScript
    }


@dataclass(frozen=True)
class Pending:
    """A search document known by its digest; its text is read only when it must be written."""

    url: str
    digest: str
    make: Callable[[], ClientDoc]


def documents(
    plan: SitePlan, flags: dict[str, list[Flag]], models: ModelCache, keys: dict[str, str]
) -> list[Pending]:
    """The content pages of one language site, as search documents. ``keys``: each planned
    page's key (its output's digest), which covers its text and note."""
    lang = plan.spec.lang or plan.project.settings.default_language
    words = all_labels(plan.project.settings)[lang]
    found = []
    for page in plan.pages:
        source = page.source
        if source is None or source.meta.id is None:
            continue

        def fields(page: Any = page, source: Any = source) -> dict[str, Any]:
            page_flags = flags.get(source.path, [])
            if plan.spec.public:
                notes = customer_notes(page_flags, source.meta.type, words)
                note = notes[0][1] if notes else None
            else:
                note = rep_note(page_flags, words)
            state = review_states.primary({flag.state for flag in page_flags})
            return {
                "url": page.url,
                "title": page.title,
                "type": source.meta.type,
                "products": tuple(source.meta.products),
                "lang": lang,
                "note": note,
                "id": source.meta.id,
                "weight": review_states.weight(state),
                "answer": shown_answer(source, public=plan.spec.public) or None,
            }

        def make(page: Any = page, fields: Callable[[], dict[str, Any]] = fields) -> ClientDoc:
            sections = plan.full_page(page).search_sections(models)
            return ClientDoc(**fields(), sections=tuple(sections))

        # A page the last plan knew (same key, flags and front matter) has the same document.
        if page.search_digest is None:
            text = json.dumps([keys[page.uri], fields()], sort_keys=True, ensure_ascii=False)
            page.search_digest = _hash(text)
        found.append(Pending(page.url, page.search_digest, make))
    return found


def up_to_date(project_root: Path, plan: SitePlan, docs: list[Pending]) -> Path:
    """Bring the index of ``docs`` in the cache folder up to date (only changed pages are read
    and analysed); returns that folder."""
    lang = plan.spec.lang or plan.project.settings.default_language
    folder = project_root / CACHE_DIR / "client-search" / plan.spec.audience / lang
    synonyms = load_synonyms(plan.project)
    digests = {doc.url: doc.digest for doc in docs}
    known = _read_digests(folder)
    try:
        if known is None:
            raise ClientSearchError("no index yet")
        changed = [doc.make() for doc in docs if known.get(doc.url) != doc.digest]
        removed = [url for url in known if url and url not in digests]
        if changed or removed or known.get("", "") != _synonyms_digest(synonyms):
            update_index(folder, lang, changed, removed, synonyms)
    except (ClientSearchError, OSError, ValueError, KeyError):  # none yet, or damaged
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        write_index(folder, lang, [doc.make() for doc in docs], synonyms)
    digests[""] = _synonyms_digest(synonyms)
    if digests != known:
        (folder / DIGESTS).write_text(json.dumps(digests, sort_keys=True), encoding="utf-8")
    return folder


def published(folder: Path) -> list[tuple[str, str, str]]:
    """(path in the index, key, file) of each file of the index in ``folder`` to publish
    (files as strings: a base segment has thousands).

    A segment folder is never changed once written (a new generation gets a new name), so
    its files are listed once and the listing kept (``LISTING``): at 10,000 pages a base
    segment has thousands of files, which an edit does not touch."""
    listing = _read_listing(folder / LISTING)
    found: list[tuple[str, str, str]] = []
    root = os.fspath(folder) + os.sep
    kept: dict[str, list[list[Any]]] = {}
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        if entry.is_file() and entry.name not in UNPUBLISHED:
            found.append((entry.name, file_key(entry.stat()), entry.path))
        elif entry.is_dir():
            stat = entry.stat()
            files = listing.get(entry.name)
            identity = [stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns]
            if not (isinstance(files, list) and files and files[0] == identity):
                files = [identity, *_walk(Path(entry.path), entry.name)]
            kept[entry.name] = files
            for rel, key in files[1:]:
                found.append((rel, key, root + rel))
    if kept != listing:
        with contextlib.suppress(OSError):
            (folder / LISTING).write_text(json.dumps(kept), encoding="utf-8")
    return found


def _read_listing(path: Path) -> dict[str, Any]:
    listing = read_json(path)
    return listing if isinstance(listing, dict) else {}


def _walk(folder: Path, prefix: str) -> list[list[str]]:
    files = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        base = prefix + root[len(os.fspath(folder)) :].replace(os.sep, "/")
        for name in sorted(names):
            stat = os.stat(os.path.join(root, name))  # noqa: PTH116, PTH118 - per file
            files.append([f"{base}/{name}", file_key(stat)])
    return files


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _synonyms_digest(synonyms: Any) -> str:
    return _hash(json.dumps(synonyms, sort_keys=True, ensure_ascii=False, default=str))


def _read_digests(folder: Path) -> dict[str, str] | None:
    data = read_json(folder / DIGESTS)
    return data if isinstance(data, dict) else None
