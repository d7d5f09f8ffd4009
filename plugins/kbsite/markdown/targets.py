"""Where a relative link points: a project path and an anchor.

Markdown links name files (``../billing/refunds.md``), relative to the page's file. A link in
raw HTML is resolved the same way first (the sites rewrite raw-HTML links too); when no file is
there, it is read as a browser reads it: relative to the page's URL (``../refunds/``), which is
what authors who know the built site, and ``kb import``, write.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def split_target(target: str, page_path: str) -> tuple[str | None, str | None] | None:
    """Resolve a link target against the page's project path.

    Returns (path, anchor), with path None for a same-page anchor, or None for links that
    leave the project (URLs, mail, absolute paths).
    """
    if not target or _SCHEME.match(target) or target.startswith(("//", "/", "\\")):
        return None
    path, _, anchor = target.partition("#")
    path = unquote(path.split("?", 1)[0])
    anchor = unquote(anchor) if anchor else None
    if not path:
        return None, anchor
    base = posixpath.dirname(page_path)
    return posixpath.normpath(posixpath.join(base, path)), anchor


def url_of(uri: str) -> str:
    """Directory URL of a page path: ``kb/a/b.md`` -> ``kb/a/b/``, ``x/index.md`` -> ``x/``."""
    stem = uri[:-3] if uri.endswith(".md") else uri
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def split_url(target: str, page_uri: str) -> str | None:
    """The site path a browser reaches from the page's URL (``kb/a/c`` for ``../c/`` on
    ``kb/a/b.md``), without anchor or query; None for links that leave the site."""
    if not target or _SCHEME.match(target) or target.startswith(("//", "/", "\\", "#")):
        return None
    path = unquote(target.partition("#")[0].split("?", 1)[0])
    if not path:
        return None
    joined = posixpath.normpath(posixpath.join(url_of(page_uri), path))
    return "" if joined == "." else joined
