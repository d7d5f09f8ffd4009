"""Category index pages that keep navigation small at any KB size.

Instead of one sidebar listing every page (which every page would then carry), each folder
gets an index page listing its subfolders and pages, and each page type gets a page of its own.
A type with more pages than one page should list (``BROWSE_MAX``) gets a page per folder,
under a type page that lists those folders: an edit then writes again a short page, not a
list of 10,000 links (2 MB) in every site.
The sidebar holds only the home page, the top folders, the type pages and the guides. A folder
or type with nothing to show on a site is not generated there.

The pages are written as HTML directly (a generated list of thousands of links would cost
seconds to parse as Markdown), with every title escaped, and titled in the site's language
(``sites/translations.py``).
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kbsite.sites.languages import relative_url, url_of
from kbsite.sites.text import heading_html, html_text, unique_anchor
from kbsite.sites.translations import Labels, labels_for

TYPE_PAGES = {"policy": "Policies", "procedure": "Escalation procedures", "article": "Articles"}
TYPE_DIR = "browse"
FOLDER_TITLES = {"kb": "Knowledge base", "policies": "Policies and procedures"}
BROWSE_MAX = 400  # pages a by-type page lists; a type with more is split by folder


@dataclass(frozen=True, slots=True)
class Entry:
    """A page a category page lists: its title and its URL from the site's root."""

    title: str
    url: str  # from the site root, may carry a query (a page of another language's site)
    page_type: str
    note: str = ""  # e.g. the language of a page shown untranslated

    @property
    def fields(self) -> tuple[str, str, str, str]:
        """What it shows, for keys (a dataclass's repr costs ~10x a tuple's)."""
        return (self.title, self.url, self.page_type, self.note)


@dataclass
class Folder:
    path: str
    subfolders: set[str] = field(default_factory=set)
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Generated:
    """A generated page: its path in the site, its title, a digest of what it is made from
    (``key``), and how to make its HTML and table of contents (only when it is rendered: a
    list of thousands of pages is not written out on every build)."""

    uri: str
    title: str
    key: str
    make: Callable[[], tuple[str, tuple[dict[str, object], ...]]]

    @property
    def html(self) -> str:
        return self.make()[0]

    @property
    def toc(self) -> tuple[dict[str, object], ...]:
        return self.make()[1]


def _key(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def folder_title(path: str, labels: Labels | None = None) -> str:
    """A folder's title: the ``folder.<path>`` label of the site's language, else made from
    its name (``kb/smart-plug`` -> ``Smart plug``)."""
    if path in FOLDER_TITLES:
        fallback = FOLDER_TITLES[path]
    else:
        name = posixpath.basename(path.rstrip("/"))
        fallback = name.replace("-", " ").replace("_", " ").strip().capitalize() or path
    return labels.folder(path, fallback) if labels is not None else fallback


def type_title(page_type: str, labels: Labels | None = None) -> str:
    """``Policies``, ``Politiche``: the title of a by-type page in the site's language."""
    return labels(f"type.{page_type}") if labels is not None else TYPE_PAGES[page_type]


def build_folders(entries: dict[str, Entry], content_dirs: tuple[str, ...]) -> dict[str, Folder]:
    """Group page entries (by served path) into folders, each knowing its subfolders."""
    folders: dict[str, Folder] = {}
    for uri, entry in sorted(entries.items(), key=lambda item: item[1].title.lower()):
        parent = uri.rpartition("/")[0]
        folder = folders.get(parent)
        if folder is None:
            folder = folders[parent] = Folder(parent)
            while "/" in parent:  # a new folder: its parents learn of it, up to a known one
                grand = parent.rpartition("/")[0]
                known = grand in folders
                folders.setdefault(grand, Folder(grand)).subfolders.add(parent)
                if known:
                    break
                parent = grand
        folder.entries.append(entry)
    return {path: folder for path, folder in folders.items() if path.split("/")[0] in content_dirs}


def _item(entry: Entry, here: str) -> str:
    path, _, query = entry.url.partition("?")
    href = relative_url(here, path) + (f"?{query}" if query else "")
    note = f" <small>{html_text(entry.note)}</small>" if entry.note else ""
    return f'<li><a href="{html_text(href)}">{html_text(entry.title)}</a>{note}</li>'


def _heading(level: int, text: str, anchor: str) -> tuple[str, dict[str, object]]:
    return heading_html(level, html_text(text), anchor)


def folder_page(folder: Folder, prefix: str, labels: Labels) -> Generated:
    """One folder's index page (``folder/index.md``)."""
    uri = f"{folder.path}/index.md"
    title = folder_title(folder.path, labels)
    entries = [entry.fields for entry in folder.entries]
    key = _key(uri, prefix, labels.lang, sorted(folder.subfolders), entries)
    return Generated(uri, title, key, functools.partial(_folder_html, folder, prefix, labels))


def _folder_html(
    folder: Folder, prefix: str, labels: Labels
) -> tuple[str, tuple[dict[str, object], ...]]:
    uri = f"{folder.path}/index.md"
    here = prefix + url_of(uri)
    title = folder_title(folder.path, labels)
    parts: list[str] = []
    toc: list[dict[str, object]] = []
    if folder.subfolders:
        markup, token = _heading(2, labels("index.sections"), "sections")
        parts.append(markup)
        toc.append(token)
        subfolders = sorted(folder.subfolders, key=lambda sub: folder_title(sub, labels).lower())
        listed = [
            Entry(folder_title(sub, labels), prefix + url_of(f"{sub}/index.md"), "")
            for sub in subfolders
        ]
        parts.append("<ul>\n" + "\n".join(_item(e, here) for e in listed) + "\n</ul>")
    if folder.entries:
        if folder.subfolders:
            markup, token = _heading(2, labels("index.pages"), "pages")
            parts.append(markup)
            toc.append(token)
        parts.append("<ul>\n" + "\n".join(_item(e, here) for e in folder.entries) + "\n</ul>")
    return _page(title, parts), tuple(toc)


def type_pages(
    page_type: str, entries: list[tuple[str, Entry]], prefix: str, labels: Labels
) -> list[Generated]:
    """The by-type page (``browse/<type>.md``) listing the type's pages by folder; for a
    type with more than ``BROWSE_MAX`` pages, it lists the folders, each with a page of its
    own (``browse/<type>/<folder>/``)."""
    groups: dict[str, list[Entry]] = defaultdict(list)
    for served, entry in entries:
        groups[served.rpartition("/")[0]].append(entry)
    for listed in groups.values():
        listed.sort(key=lambda e: (e.title.lower(), e.url))
    uri = f"{TYPE_DIR}/{page_type}.md"
    title = type_title(page_type, labels)
    if len(entries) <= BROWSE_MAX:
        key = _key(uri, prefix, labels.lang, _group_fields(groups))
        make = functools.partial(_type_html, uri, title, groups, prefix, labels)
        return [Generated(uri, title, key, make)]
    # Each folder as listed (its trail, its number of pages of the type).
    folders = {
        folder: (folder_trail(folder, labels), len(listed)) for folder, listed in groups.items()
    }
    pages = [
        Generated(
            uri,
            title,
            _key(uri, prefix, labels.lang, sorted(folders.items())),
            functools.partial(_type_folders_html, page_type, folders, prefix, labels),
        )
    ]
    for folder, listed in sorted(groups.items()):
        part = type_folder_uri(page_type, folder)
        part_title = f"{folders[folder][0]} ({title})"
        key = _key(part, prefix, labels.lang, [entry.fields for entry in listed])
        make = functools.partial(
            _type_html, part, part_title, {folder: listed}, prefix, labels, headings=False
        )
        pages.append(Generated(part, part_title, key, make))
    return pages


def type_folder_uri(page_type: str, folder: str) -> str:
    """The page of one folder's pages of a type (a type split by folder), as an index page
    so that no folder name (``index``) can give two folders one address."""
    return f"{TYPE_DIR}/{page_type}/{folder}/index.md"


def folder_trail(folder: str, labels: Labels) -> str:
    """A folder's title with its parents' below the content folder: ``Hyper-V`` is in many
    folders, ``Windows Server 2022 › Hyper-V`` in one."""
    parts = folder.split("/")
    if len(parts) == 1:
        return folder_title(folder, labels)
    names = ["/".join(parts[: n + 1]) for n in range(1, len(parts))]
    return " › ".join(folder_title(name, labels) for name in names)


def _group_fields(groups: dict[str, list[Entry]]) -> list[object]:
    return [(folder, [e.fields for e in groups[folder]]) for folder in sorted(groups)]


def _type_html(
    uri: str,
    title: str,
    groups: dict[str, list[Entry]],
    prefix: str,
    labels: Labels,
    headings: bool = True,
) -> tuple[str, tuple[dict[str, object], ...]]:
    """Lists of pages, under a heading per folder (``headings``)."""
    here = prefix + url_of(uri)
    parts: list[str] = []
    toc: list[dict[str, object]] = []
    used: set[str] = set()
    for folder in sorted(groups):
        if headings:
            anchor = unique_anchor(folder.replace("/", "-") or "pages", used)
            markup, token = _heading(2, folder_title(folder, labels), anchor)
            parts.append(markup)
            toc.append(token)
        parts.append("<ul>\n" + "\n".join(_item(e, here) for e in groups[folder]) + "\n</ul>")
    return _page(title, parts), tuple(toc)


def _type_folders_html(
    page_type: str, folders: dict[str, tuple[str, int]], prefix: str, labels: Labels
) -> tuple[str, tuple[dict[str, object], ...]]:
    """A type split by folder: its folders (``folders``: each one's trail and number of
    pages of the type) under a heading per content folder."""
    here = prefix + url_of(f"{TYPE_DIR}/{page_type}.md")
    by_top: dict[str, list[str]] = defaultdict(list)
    for folder in folders:
        by_top[folder.split("/")[0]].append(folder)
    parts: list[str] = []
    toc: list[dict[str, object]] = []
    used: set[str] = set()
    for top in sorted(by_top):
        markup, token = _heading(2, folder_title(top, labels), unique_anchor(top, used))
        parts.append(markup)
        toc.append(token)
        listed = [
            Entry(
                folders[folder][0],
                prefix + url_of(type_folder_uri(page_type, folder)),
                page_type,
                str(folders[folder][1]),  # shown as an entry's note
            )
            for folder in by_top[top]
        ]
        listed.sort(key=lambda e: e.title.lower())
        parts.append("<ul>\n" + "\n".join(_item(e, here) for e in listed) + "\n</ul>")
    return _page(type_title(page_type, labels), parts), tuple(toc)


def _page(title: str, parts: list[str]) -> str:
    return "\n".join([f"<h1>{html_text(title)}</h1>", *parts])


def generate_index_pages(
    entries: dict[str, Entry],
    content_dirs: tuple[str, ...],
    prefix: str,
    labels: Labels | None = None,
) -> list[Generated]:
    """Every generated index page of one site: folders that show something, and types that
    have pages. ``entries`` maps each listed page's served path to its entry."""
    labels = labels or labels_for("en")
    generated = [
        folder_page(folder, prefix, labels)
        for _, folder in sorted(build_folders(entries, content_dirs).items())
    ]
    by_type: dict[str, list[tuple[str, Entry]]] = defaultdict(list)
    for uri, entry in entries.items():
        by_type[entry.page_type].append((uri, entry))
    for page_type in TYPE_PAGES:
        if by_type.get(page_type):
            generated += type_pages(page_type, by_type[page_type], prefix, labels)
    return generated


def site_nav(
    docs: list[str],
    pages: set[str],
    content_dirs: tuple[str, ...],
    labels: Labels,
    health_page: str | None = None,
    titles: Mapping[str, str] | None = None,
) -> list[object]:
    """The sidebar of one site: home, the top categories, the by-type pages, the guides.

    ``docs`` are the hand-written pages this site shows (paths in the site); ``pages`` every
    page path the site has, so an empty category (not generated) is not listed; ``titles``
    the menu titles of guides that do not go by their own (one shown in another language)."""
    nav: list[object] = [{html_text(labels("nav.home")): "index.md"}] if "index.md" in docs else []
    nav += [
        {html_text(folder_title(top, labels)): f"{top}/index.md"}
        for top in content_dirs
        if f"{top}/index.md" in pages
    ]
    by_type = [
        {html_text(type_title(page_type, labels)): f"{TYPE_DIR}/{page_type}.md"}
        for page_type in TYPE_PAGES
        if f"{TYPE_DIR}/{page_type}.md" in pages
    ]
    if by_type:
        nav.append({html_text(labels("nav.browse")): by_type})
    titles = titles or {}
    nav += [
        {html_text(titles[doc]): doc} if doc in titles else doc
        for doc in sorted(docs)
        if doc != "index.md" and "/" not in doc
    ]
    if health_page:
        nav.append({html_text(labels("nav.health")): health_page})
    return nav
