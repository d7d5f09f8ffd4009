"""Category index pages that keep navigation small at any KB size.

Instead of one sidebar listing every page (which every page would then carry), each folder
gets an index page listing its subfolders and pages, and each page type gets a page of its own.
The sidebar holds only the home page, the top folders, the type pages and the guides.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from kbsite.pages import Page
from kbsite.sites.text import html_text, link_target, markdown_text

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


def folder_title(path: str) -> str:
    if path in FOLDER_TITLES:
        return FOLDER_TITLES[path]
    name = posixpath.basename(path.rstrip("/"))
    return name.replace("-", " ").replace("_", " ").strip().capitalize() or path


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


def folder_markdown(folder: Folder, titles: dict[str, str]) -> str:
    """Markdown of one folder's index page; links are relative to ``folder/index.md``."""
    lines = [f"# {markdown_text(titles.get(folder.path) or folder_title(folder.path))}", ""]
    if folder.subfolders:
        lines += ["## Sections", ""]
        for sub in sorted(folder.subfolders):
            target = link_target(f"{posixpath.basename(sub)}/index.md")
            lines.append(f"- [{markdown_text(folder_title(sub))}]({target})")
        lines.append("")
    if folder.entries:
        lines += ["## Pages", ""] if folder.subfolders else []
        for entry in folder.entries:
            link = _link(entry, folder.path, folder.path.count("/") + 1)
            lines.append(_entry_line(entry, link))
    if not folder.entries and not folder.subfolders:
        lines.append("Nothing here yet.")
    return "\n".join(lines) + "\n"


def type_markdown(page_type: str, entries: list[tuple[str, Entry]]) -> str:
    """Markdown of a by-type page (``browse/<type>.md``), grouped by folder."""
    lines = [f"# {TYPE_PAGES[page_type]}", ""]
    groups: dict[str, list[Entry]] = defaultdict(list)
    for uri, entry in entries:
        groups[posixpath.dirname(uri)].append(entry)
    for folder in sorted(groups):
        lines += [f"## {markdown_text(folder_title(folder))}", ""]
        for entry in sorted(groups[folder], key=lambda e: e.title.lower()):
            lines.append(_entry_line(entry, _link(entry, TYPE_DIR, 2)))
        lines.append("")
    if not groups:
        lines.append("Nothing here yet.")
    return "\n".join(lines) + "\n"


def _link(entry: Entry, folder: str, depth: int) -> str:
    """A page path relative to the index page's folder; a URL (given from the site root)
    relative to the index page's directory URL, ``depth`` folders below the root."""
    if entry.is_url:
        return "../" * depth + entry.target
    return posixpath.relpath(entry.target, folder)


def _entry_line(entry: Entry, link: str) -> str:
    """A list item linking to a page; its title (front matter) shows as typed."""
    note = f" <small>{html_text(entry.note)}</small>" if entry.note else ""
    return f"- [{markdown_text(entry.title)}]({link_target(link)}){note}"


def generate_index_pages(
    mounted: dict[str, Page],
    fallback: dict[str, Page],
    fallback_url: Callable[[str], str],
    content_dirs: tuple[str, ...],
    existing: set[str],
    fallback_note: str = "English",
) -> dict[str, str]:
    """All generated index pages of one language site: path -> Markdown."""
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
        if index not in existing:
            generated[index] = folder_markdown(folder, {})
    for page_type in TYPE_PAGES:
        generated[f"{TYPE_DIR}/{page_type}.md"] = type_markdown(page_type, types[page_type])
    return generated
