"""Rewrite links between imported pages to their new paths.

Relative links (``../Other Folder/Page.md``, ``page.html``, ``folder/``) and old help-center
article URLs (Zendesk ``/hc/<locale>/articles/<id>``, matched by the page's old ``id``) point to
the new files; files the pages need (images) are copied along. A link to something not imported
keeps its text, loses its target and is reported, so ``kb check`` finds no broken link.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from kbsite.importer.markup import CODE_SPAN, Lines, LineWalk
from kbsite.importer.report import Event, Report
from kbsite.importer.sources import INDEX_NAMES
from kbsite.markdown.cache import ModelCache

_INLINE = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|[^)\s]+)((?:\s+(?:\"[^\"]*\"|'[^']*'))?)\s*\)"
)
_SPACED_MD = re.compile(  # `[a](Other Folder/Page.md)`: old tools allowed spaces in targets
    r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\("
    r"([^()<>\n]*? [^()<>\n]*?\.(?:md|markdown)(?:#[^)\s]*)?)()\)"
)
_REF_DEF = re.compile(r"^( {0,3}\[(?!\^)[^\]]+\]:\s*)(<[^>]*>|\S+)(.*)$")
_HTML_ATTR = re.compile(r"""(\b(?:href|src)=)(["'])([^"']*)\2""")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_ZENDESK = re.compile(r"^https?://[^/]+/hc/(?:[\w-]+/)?articles/(\d+)[^#]*(#.*)?$")
_LANG_SUFFIX = re.compile(r"\.[a-z]{2,3}$")
_ANCHOR_KEY = re.compile(r"[\W_]+")


@dataclass(slots=True)
class LinkMap:
    """Where imported things went: source paths and old ids → project-relative new paths."""

    pages: dict[str, str]  # source rel (SRC) → new path (project)
    by_foreign_id: dict[str, str]  # old id → new path
    anchors: dict[str, frozenset[str]]  # new path → heading anchors
    assets: set[str]  # other files in SRC
    asset_dest: Callable[[str], str]  # source asset rel → new path
    key_of: Callable[[str], str] = str  # source path → the same path without its language
    by_key: dict[str, dict[str, str]] = field(default_factory=dict)  # key → lang → new path
    copied: dict[str, str] = field(default_factory=dict)  # source asset → new path
    # Old help centers ran on case-insensitive servers: `Page.md` may be linked as `page.md`.
    folded_pages: dict[str, str] = field(init=False)
    folded_assets: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.folded_pages = {k.casefold(): v for k, v in sorted(self.pages.items(), reverse=True)}
        self.folded_assets = {k.casefold(): k for k in sorted(self.assets, reverse=True)}


def rewrite(
    source: str,
    new_path: str,
    lang: str,
    lines: Lines,
    links: LinkMap,
    report: Report,
    models: ModelCache | None = None,
) -> Lines:
    """New targets for the page's links: line by line (the foreign dialect's link syntax,
    such as targets with spaces), then every link the page model finds that spans lines."""
    rewriter = _Rewriter(source, new_path, lang, links, report)
    walk = LineWalk(lines)
    for number, text in walk:
        if "](" in text or "]:" in text or "href=" in text or "src=" in text:
            text = rewriter.line(number, text)
        walk.out.append((number, text))
    if models is None:
        return walk.out
    return rewriter.remaining(walk.out, models)


@dataclass(slots=True)
class _Rewriter:
    source: str
    new_path: str
    lang: str
    links: LinkMap
    report: Report
    seen: set[tuple[int, str]] = field(default_factory=set)  # (line, target) handled

    def remaining(self, lines: Lines, models: ModelCache) -> Lines:
        """Links the line-by-line pass cannot see (a label or alt text over several lines),
        found by the page model, which reads the page as the site will."""
        text = "\n".join(t for _, t in lines)
        todo = [
            link
            for link in models.outlines([text])[0].links
            if link.kind in ("link", "image")
            and link.slot is not None
            and (lines[link.line - 1][0], link.target) not in self.seen
        ]
        if not todo:
            return lines
        starts = [0]
        for _, line in lines:
            starts.append(starts[-1] + len(line) + 1)
        for link in reversed(todo):  # from the end, so earlier offsets stay valid
            number = lines[link.line - 1][0]
            line_start = starts[link.line - 1]
            at = text.find(f"]({link.target}", line_start, starts[link.line])
            if at < 0:
                continue
            new = self.target(number, link.target, markdown=True)
            if new is None or new == link.target:
                continue
            target_at = at + 2
            if new:
                text = text[:target_at] + new + text[target_at + len(link.target) :]
                continue
            opening = _opening_bracket(text, at)
            closing = text.find(")", target_at + len(link.target))
            if opening < 0 or closing < 0:
                continue
            if opening and text[opening - 1] == "!":
                opening -= 1
            label = text[text.index("[", opening) + 1 : at]
            text = text[:opening] + label + text[closing + 1 :]
        numbers = [number for number, _ in lines]
        rewritten = text.split("\n")
        return (
            list(zip(numbers, rewritten, strict=True)) if len(rewritten) == len(numbers) else lines
        )

    def line(self, number: int, text: str) -> str:
        ref = _REF_DEF.match(text)
        if ref:
            target = self.target(number, ref.group(2).strip("<>"), markdown=True)
            return f"{ref.group(1)}{target or '#'}{ref.group(3)}" if target is not None else text

        def inline(match: _Match) -> str:
            bang, written, raw, title = match.groups()
            label = written
            if "](" in label:  # an image inside the link: `[![alt](img.png)](page.md)`
                label = sub_outside_code(_INLINE, inline, label)
            target = self.target(number, raw.strip("<>"), markdown=True)
            if target is None:
                return match.group(0) if label == written else f"{bang}[{label}]({raw}{title})"
            if target == "":
                return label
            return f"{bang}[{label}]({target}{title})"

        def attribute(match: _Match) -> str:
            target = self.target(number, html_unescape(match.group(3)), markdown=False)
            if target is None:
                return match.group(0)
            if not target:  # the file was not imported: the attribute goes (reported)
                return ""
            target = self._site_url(target)
            return f"{match.group(1)}{match.group(2)}{target}{match.group(2)}"

        text = sub_outside_code(_INLINE, inline, text)
        text = sub_outside_code(_SPACED_MD, inline, text)
        return sub_outside_code(_HTML_ATTR, attribute, text) if "=" in text else text

    def target(self, number: int, raw: str, markdown: bool) -> str | None:
        """The new target; None to keep the link as it is; "" to drop it and keep its text."""
        new = self._target(number, raw, markdown)
        self.seen.add((number, raw))
        if new:
            self.seen.add((number, new))  # written by this pass: never resolved again
        return new

    def _target(self, number: int, raw: str, markdown: bool) -> str | None:
        zendesk = _ZENDESK.match(raw)
        if zendesk:
            new = self.links.by_foreign_id.get(zendesk.group(1))
            if new is None:
                return None
            return self._to(new, (zendesk.group(2) or "")[1:] or None, number, raw)
        if not raw or _SCHEME.match(raw) or raw.startswith(("//", "/", "{{")):
            return None
        path, _, anchor = raw.partition("#")
        path = unquote(path.split("?", 1)[0])
        if not path:  # same page
            return self._anchor(self.new_path, anchor, number, raw, same_page=True)
        base = posixpath.dirname(self.source)
        resolved = posixpath.normpath(posixpath.join(base, path))
        page = self._page(resolved, path.endswith("/"))
        if page is not None:
            return self._to(page, anchor or None, number, raw)
        resolved = self.links.folded_assets.get(resolved.casefold(), resolved)
        if resolved in self.links.assets:
            new = self.links.copied.setdefault(resolved, self.links.asset_dest(resolved))
            self.report.links_rewritten += 1
            return quote(posixpath.relpath(new, posixpath.dirname(self.new_path)))
        where = "outside SRC" if resolved.startswith("..") else "not found in SRC"
        kept = "kept as plain text" if markdown else "its attribute removed"
        self.report.links_broken.append(
            Event(self.source, number, "link", f"link to `{raw}`: {where}; {kept}")
        )
        return ""

    def _site_url(self, target: str) -> str:
        """MkDocs leaves links in raw HTML alone, so those get the built page's URL
        (directory URLs: ``a/b.md`` is served at ``a/b/``, ``a/index.md`` at ``a/``)."""
        path, hash_, anchor = target.partition("#")
        if not path.endswith(".md"):
            return target

        def url(page: str) -> str:
            stem = _LANG_SUFFIX.sub("", page[:-3])
            folder, _, name = stem.rpartition("/")
            return f"{folder}/" if name == "index" else f"{stem}/"

        here = url(self.new_path)
        there = url(posixpath.normpath(posixpath.join(posixpath.dirname(self.new_path), path)))
        relative = posixpath.relpath(there, here) + "/"
        return (relative if relative != "./" else "./") + hash_ + anchor

    def _page(self, resolved: str, folder: bool) -> str | None:
        pages = self.links.pages
        stem, ext = posixpath.splitext(resolved)
        candidates = [] if folder else [resolved]
        if ext in (".html", ".htm"):
            candidates += [f"{stem}.md", f"{stem}.markdown"]
        elif not ext or folder:
            candidates += [f"{resolved}.md"] + [f"{resolved}/{n}.md" for n in INDEX_NAMES]
            candidates += [f"{resolved}/README.md"]
        folded = self.links.folded_pages
        found = next((pages[c] for c in candidates if c in pages), None)
        found = found or next(
            (folded[c.casefold()] for c in candidates if c.casefold() in folded), None
        )
        if found is None:  # `reset.md` from the Italian page: the page's own or the source
            for candidate in candidates:
                versions = self.links.by_key.get(self.links.key_of(candidate))
                if versions:
                    return versions.get(self.lang) or next(iter(versions.values()))
        return found

    def _to(self, new: str, anchor: str | None, number: int, raw: str) -> str:
        self.report.links_rewritten += 1
        relative = posixpath.relpath(new, posixpath.dirname(self.new_path))
        if anchor:
            fixed = self._anchor(new, anchor, number, raw, same_page=False)
            return relative + fixed if fixed else relative
        return relative

    def _anchor(self, page: str, anchor: str, number: int, raw: str, same_page: bool) -> str:
        anchors = self.links.anchors.get(page, frozenset())
        anchor = unquote(anchor)
        if anchor.startswith(":~:"):  # a browser text fragment, not a heading
            return f"#{anchor}" if same_page else ""
        if not anchor or anchor in anchors:
            return f"#{anchor}" if anchor else ""
        key = _ANCHOR_KEY.sub("", anchor.lower())
        match = next((a for a in sorted(anchors) if _ANCHOR_KEY.sub("", a) == key), None)
        if match:
            return f"#{match}"
        what = "kept as plain text" if same_page else "now links to the top of the page"
        self.report.links_broken.append(
            Event(self.source, number, "anchor", f"link to `{raw}`: no such heading; {what}")
        )
        return ""


class _Match:
    """A match found in a line whose code spans were blanked, read back from the real line."""

    def __init__(self, match: re.Match[str], text: str) -> None:
        self.match, self.text = match, text

    def group(self, index: int = 0) -> str:
        start, end = self.match.span(index)
        return self.text[start:end] if start >= 0 else ""

    def groups(self) -> tuple[str, ...]:
        return tuple(self.group(i) for i in range(1, self.match.re.groups + 1))


def sub_outside_code(pattern: re.Pattern[str], change: Callable[[_Match], str], text: str) -> str:
    """``pattern.sub`` that never matches inside an inline code span, though a match may
    contain one (a link whose text is code)."""
    masked = CODE_SPAN.sub(lambda m: "\0" * len(m.group(0)), text) if "`" in text else text
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(masked):
        parts.append(text[last : match.start()])
        parts.append(change(_Match(match, text)))
        last = match.end()
    parts.append(text[last:])
    return "".join(parts)


def _opening_bracket(text: str, closing: int) -> int:
    """Where the ``[`` that the ``]`` at ``closing`` closes is (-1 if unbalanced)."""
    depth = 0
    for position in range(closing, -1, -1):
        char = text[position]
        if char == "]":
            depth += 1
        elif char == "[":
            depth -= 1
            if depth == 0:
                return position
    return -1


def html_unescape(text: str) -> str:
    return text.replace("&amp;", "&")
