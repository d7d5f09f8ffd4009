"""A light line scanner for Markdown bodies: headings (anchors) and relative links.

It skips fenced code and inline code so examples in code are never checked as links.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from kbsite.markdown.slugs import slugify, unique

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_ATTR_ID = re.compile(r"\s*\{[^}]*#([^\s}]+)[^}]*\}\s*$")
_ATTR = re.compile(r"\s*\{:?[^}]*\}\s*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_INLINE_LINK = re.compile(
    r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+[\"'(][^)]*)?\s*\)"
)
_REF_DEF = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*(<[^>]*>|\S+)")
_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_HTML_ID = re.compile(r"""<[a-zA-Z][^>]*?\s(?:id|name)\s*=\s*["']([^"']+)["']""")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True, slots=True)
class RawLink:
    target: str
    line: int  # 1-based within the scanned text


@dataclass(slots=True)
class Scan:
    anchors: list[str]
    headings: list[tuple[int, str, str]]  # (level, text, anchor)
    links: list[RawLink]


def heading_text(markup: str) -> str:
    """Plain text of a heading as the toc extension sees it."""
    text = _CODE_SPAN.sub(lambda m: m.group(2).strip(), markup)
    text = _INLINE_LINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", text)
    for _ in range(2):
        text = _EMPHASIS.sub(lambda m: m.group(2), text)
    return html.unescape(text).strip()


def scan(body: str) -> Scan:
    anchors: list[str] = []
    headings: list[tuple[int, str, str]] = []
    links: list[RawLink] = []
    used: set[str] = set()
    fence: str | None = None
    previous = ""

    def add_heading(level: int, markup: str) -> None:
        explicit = _ATTR_ID.search(markup)
        text = heading_text(_ATTR.sub("", markup))
        anchor = explicit.group(1) if explicit else slugify(text)
        anchor = unique(anchor, used)
        anchors.append(anchor)
        headings.append((level, text, anchor))

    for number, line in enumerate(body.split("\n"), 1):
        fence_match = _FENCE.match(line)
        if fence is not None:
            if (
                fence_match
                and fence_match.group(1)[0] == fence[0]
                and len(fence_match.group(1)) >= len(fence)
            ):
                fence = None
            previous = ""
            continue
        if fence_match:
            fence = fence_match.group(1)
            previous = ""
            continue
        if "<" in line and ("id" in line or "name" in line):
            html_ids = _HTML_ID.findall(_CODE_SPAN.sub("", line))
            anchors.extend(html_ids)  # `<a id="x">`: a target links may use, not a heading
        if "](" in line or "]:" in line:
            plain = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
            for match in _INLINE_LINK.finditer(plain):
                links.append(RawLink(match.group(2).strip("<>"), number))
            ref = _REF_DEF.match(plain)
            if ref:
                links.append(RawLink(ref.group(1).strip("<>"), number))
        atx = _ATX.match(line)
        if atx:
            add_heading(len(atx.group(1)), atx.group(2) or "")
            previous = ""
            continue
        if _SETEXT.match(line) and previous.strip() and not _is_block_start(previous):
            add_heading(1 if line.strip()[0] == "=" else 2, previous.strip())
            previous = ""
            continue
        previous = line
    return Scan(anchors, headings, links)


def _is_block_start(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(("-", "*", "+", ">", "|", "<")) or bool(re.match(r"\d+\.", stripped))


def split_target(target: str, page_path: str) -> tuple[str | None, str | None] | None:
    """Resolve a link target against the page's project path.

    Returns (path, anchor), with path None for a same-page anchor, or None for links that
    leave the project (URLs, mail, absolute paths).
    """
    if not target or _SCHEME.match(target) or target.startswith(("//", "/")):
        return None
    path, _, anchor = target.partition("#")
    path = unquote(path.split("?", 1)[0])
    anchor = unquote(anchor) if anchor else None
    if not path:
        return None, anchor
    base = posixpath.dirname(page_path)
    return posixpath.normpath(posixpath.join(base, path)), anchor
