"""Category index pages that keep navigation small at any KB size.

Instead of one sidebar listing every page (which every page would then carry), each folder
gets an index page listing its subfolders and pages, and each page type gets a page of its own.
The sidebar holds only the home page, the top folders, the type pages and the guides.
Titles come in the site's language (``sites/translations.py``); a category with no page on a
site is neither generated nor listed there.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from kbsite.pages import Page
from kbsite.sites.translations import Labels, labels_for

TYPE_PAGES = {"policy": "Policies", "procedure": "Escalation procedures", "article": "Articles"}
TYPE_DIR = "browse"


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    target: str  # a page path, or a URL relative to the site root (``is_url``)
    is_url: bool = False
    note: str = ""


@dataclass
class Folder:
    path: str
    subfolders: set[str] = field(default_factory=set)
    entries: list[Entry] = field(default_factory=list)


FOLDER_TITLES = {"kb": "Knowledge base", "policies": "Policies and procedures"}


def folder_title(path: str, labels: Labels | None = None) -> str:
    """A folder's title: the ``folder.<path>`` label of the site's language, else made from
    its name (``kb/smart-plug`` -> ``Smart plug``)."""
    if path in FOLDER_TITLES:
        fallback = FOLDER_TITLES[path]
    else:
        name = posixpath.basename(path.rstrip("/"))
        fallback = name.replace("-", " ").replace("_", " ").strip().capitalize() or path
    return labels.folder(path, fallback) if labels is not None else fallback


def build_folders(entries: dict[str, Entry], content_dirs: tuple[str, ...]) -> dict[str, Folder]:
    """Group page entries (by served path) into folders, each knowing its subfolders."""
    folders: dict[str, Folder] = {top: Folder(top) for top in content_dirs}
    for uri, entry in sorted(entries.items(), key=lambda item: item[1].title.lower()):
        parent = posixpath.dirname(uri)
        folders.setdefault(parent, Folder(parent)).entries.append(entry)
        while "/" in parent:
            grand = posixpath.dirname(parent)
            folders.setdefault(grand, Folder(grand)).subfolders.add(parent)
            parent = grand
    return folders


def folder_markdown(folder: Folder, titles: dict[str, str], labels: Labels | None = None) -> str:
    """Markdown of one folder's index page; links are relative to ``folder/index.md``."""
    labels = labels or labels_for("en")
    lines = [f"# {titles.get(folder.path) or folder_title(folder.path, labels)}", ""]
    if folder.subfolders:
        lines += [f"## {labels('index.sections')}", ""]
        for sub in sorted(folder.subfolders, key=lambda sub: folder_title(sub, labels).lower()):
            lines.append(f"- [{folder_title(sub, labels)}]({posixpath.basename(sub)}/index.md)")
        lines.append("")
    if folder.entries:
        lines += [f"## {labels('index.pages')}", ""] if folder.subfolders else []
        for entry in folder.entries:
            link = _link(entry, folder.path, folder.path.count("/") + 1)
            note = f" <small>{entry.note}</small>" if entry.note else ""
            lines.append(f"- [{_escape(entry.title)}]({link}){note}")
    if not folder.entries and not folder.subfolders:
        lines.append(labels("index.empty"))
    return "\n".join(lines) + "\n"


def type_markdown(
    page_type: str, entries: list[tuple[str, Entry]], labels: Labels | None = None
) -> str:
    """Markdown of a by-type page (``browse/<type>.md``), grouped by folder."""
    labels = labels or labels_for("en")
    lines = [f"# {type_title(page_type, labels)}", ""]
    groups: dict[str, list[Entry]] = defaultdict(list)
    for uri, entry in entries:
        groups[posixpath.dirname(uri)].append(entry)
    for folder in sorted(groups):
        lines += [f"## {folder_title(folder, labels)}", ""]
        for entry in sorted(groups[folder], key=lambda e: e.title.lower()):
            link = _link(entry, TYPE_DIR, 2)
            note = f" <small>{entry.note}</small>" if entry.note else ""
            lines.append(f"- [{_escape(entry.title)}]({link}){note}")
        lines.append("")
    if not groups:
        lines.append(labels("index.empty"))
    return "\n".join(lines) + "\n"


def type_title(page_type: str, labels: Labels | None = None) -> str:
    """``Policies``, ``Politiche``: the title of a by-type page in the site's language."""
    return labels(f"type.{page_type}") if labels is not None else TYPE_PAGES[page_type]


def _link(entry: Entry, folder: str, depth: int) -> str:
    """A page path relative to the index page's folder; a URL (given from the site root)
    relative to the index page's directory URL, ``depth`` folders below the root."""
    if entry.is_url:
        return "../" * depth + entry.target
    return posixpath.relpath(entry.target, folder)


def _escape(title: str) -> str:
    return title.replace("[", "\\[").replace("]", "\\]")


def generate_index_pages(
    mounted: dict[str, Page],
    fallback: dict[str, Page],
    fallback_url: Callable[[str], str],
    content_dirs: tuple[str, ...],
    existing: set[str],
    fallback_note: str | None = None,
    labels: Labels | None = None,
) -> dict[str, str]:
    """All generated index pages of one language site: path -> Markdown.

    Only categories with at least one page on this site get a page (and so a menu entry)."""
    labels = labels or labels_for("en")
    if fallback_note is None:
        english = labels.language_name(labels.default_language)
        fallback_note = labels("index.in_language", language=english)
    entries: dict[str, Entry] = {}
    types: dict[str, list[tuple[str, Entry]]] = defaultdict(list)
    for uri, page in mounted.items():
        entries[uri] = Entry(page.meta.title or uri, uri)
        types[page.meta.type].append((uri, entries[uri]))
    for uri, page in fallback.items():
        entry = Entry(page.meta.title or uri, fallback_url(uri), True, fallback_note)
        entries[uri] = entry
        types[page.meta.type].append((uri, entry))
    generated: dict[str, str] = {}
    for path, folder in build_folders(entries, content_dirs).items():
        index = f"{path}/index.md"
        if index not in existing and (folder.entries or folder.subfolders):
            generated[index] = folder_markdown(folder, {}, labels)
    for page_type in TYPE_PAGES:
        if types[page_type]:
            page = type_markdown(page_type, types[page_type], labels)
            generated[f"{TYPE_DIR}/{page_type}.md"] = page
    return generated


def site_nav(
    docs: list[str],
    pages: set[str],
    content_dirs: tuple[str, ...],
    labels: Labels,
    health_page: str | None = None,
) -> list[object]:
    """The sidebar of one site: home, the top categories, the by-type pages, the guides.

    ``docs`` are the hand-written pages this site shows (``docs/`` paths); ``pages`` every
    page path the site has, so an empty category (not generated) is not listed."""
    nav: list[object] = [{labels("nav.home"): "index.md"}] if "index.md" in docs else []
    nav += [
        {folder_title(top, labels): f"{top}/index.md"}
        for top in content_dirs
        if f"{top}/index.md" in pages
    ]
    by_type = [
        {type_title(page_type, labels): f"{TYPE_DIR}/{page_type}.md"}
        for page_type in TYPE_PAGES
        if f"{TYPE_DIR}/{page_type}.md" in pages
    ]
    if by_type:
        nav.append({labels("nav.browse"): by_type})
    nav += sorted(doc for doc in docs if doc != "index.md")
    if health_page:
        nav.append({labels("nav.health"): health_page})
    return nav
