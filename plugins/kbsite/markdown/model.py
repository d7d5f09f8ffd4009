"""One reading of a page body, used by everything downstream.

The body is parsed once by Python-Markdown with the project's own extensions (the dialect the
site renders), so the headings, anchors and links the checks see are the ones the built page
has. The same parse yields:

- the **outline** (small, what ``kb check`` needs): every anchor a link may target, the headings,
  and every link and image with its line, code excluded by construction;
- the **rendering** (large, what the sites and search need): the page's HTML with a numbered
  slot where each relative link goes, so each site fills in its own URLs (or drops a link to a
  page it does not show) without parsing again; the same HTML without ``!!! internal`` blocks
  for the help center; the table of contents of both; and the plain text of each section.

HTML comments are dropped from both renderings: they are notes to other authors.
"""

from __future__ import annotations

import bisect
import copy
import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import (
    IMAGE_REFERENCE_RE,
    NOIMG,
    REFERENCE_RE,
    ImageReferenceInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, HTML_PLACEHOLDER_RE, STX

from kbsite.markdown.config import MarkdownConfig

#: A link element is renamed ``kb-a<N>`` (no href) until a site fills slot N in.
LINK_TAG = "kb-a"
#: ``src`` values of images are replaced by SLOT_OPEN N SLOT_CLOSE; raw-HTML ``href``/``src``
#: attributes (name and value) by ATTR_OPEN N ATTR_CLOSE. Private-use characters: Markdown
#: never produces them, and its own placeholders use STX/ETX.
SLOT_OPEN, SLOT_CLOSE = "\ue000", "\ue001"
ATTR_OPEN, ATTR_CLOSE = "\ue002", "\ue003"
SLOTS = re.compile(
    rf"<{LINK_TAG}(\d+)|</{LINK_TAG}(\d+)>|{SLOT_OPEN}(\d+){SLOT_CLOSE}|{ATTR_OPEN}(\d+){ATTR_CLOSE}"
)

#: Kinds of links written in raw HTML (``href`` and ``src`` attributes).
RAW_KINDS = ("href", "src")
_REF_MARK = "data-kb-ref"
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
#: Text of these elements is a block of its own (a line of a section's plain text); table
#: cells are joined on their row's line (``a: b`` for two cells, ``a · b · c`` for more).
_BLOCK_END = "\x1e"
_CELL = "\x1f"
_BLOCKS = frozenset(
    "p li div h1 h2 h3 h4 h5 h6 blockquote table tr dd dt details summary ul ol dl "
    "hr br figure figcaption section article aside header footer nav".split()
)
_NO_TEXT = frozenset({"pre", "script", "style", "svg", "math"})
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_TAG = re.compile(r"<(?![!/?])([a-zA-Z][a-zA-Z0-9-]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>")
_ATTR = re.compile(
    r"(?P<space>\s)(?P<name>[a-zA-Z_:][-a-zA-Z0-9_:.]*)"
    r"(?:\s*=\s*(?P<value>\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?"
)
_STRIP_TAGS = re.compile(r"<[^>]*>")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_CODE_HTML = ("<pre", '<div class="highlight', '<table class="highlighttable', "<code")


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    anchor: str
    internal: bool = False  # inside a `!!! internal` block


@dataclass(frozen=True, slots=True)
class BodyLink:
    """A link, image or raw-HTML ``href``/``src`` of the body, as written."""

    target: str
    line: int  # 1-based within the body
    kind: str  # "link", "image", or a raw-HTML attribute: "href" or "src"
    slot: int | None  # the slot a site fills in; None for same-page anchors
    internal: bool = False


@dataclass(frozen=True, slots=True)
class Outline:
    """What the checks need of a body."""

    anchors: frozenset[str]
    headings: tuple[Heading, ...]
    links: tuple[BodyLink, ...]
    error: str | None = None  # the body cannot be rendered (the page is reported)
    error_line: int = 1


@dataclass(frozen=True, slots=True)
class Section:
    """Plain text under one heading (the text before the first heading has none)."""

    heading: str
    anchor: str
    text: str
    internal: bool = False


@dataclass(frozen=True, slots=True)
class Rendering:
    """What the sites and search need of a body."""

    html: str  # with slots; internal blocks included (the rep site)
    public_html: str  # the same without internal blocks (the help center)
    toc: tuple[Any, ...]  # Python-Markdown's toc tokens (dicts), as MkDocs reads them
    public_toc: tuple[Any, ...]
    sections: tuple[Section, ...]

    @property
    def has_internal(self) -> bool:
        return self.html != self.public_html

    def text(self, public: bool) -> str:
        """The whole plain text (the help center's without internal blocks)."""
        return "\n".join(s.text for s in self.sections if not (public and s.internal))


@dataclass(frozen=True, slots=True)
class Body:
    outline: Outline
    rendering: Rendering


# -- Python-Markdown extension --------------------------------------------------------------


class _Marked:
    """Mixin marking the elements of reference-style links (their target is on another line)."""

    def makeTag(self, href: str, title: str, text: str) -> etree.Element:
        element = super().makeTag(href, title, text)  # type: ignore[misc]
        element.set(_REF_MARK, "1")
        return element


class _Reference(_Marked, ReferenceInlineProcessor):
    pass


class _ShortReference(_Marked, ShortReferenceInlineProcessor):
    pass


class _ImageReference(_Marked, ImageReferenceInlineProcessor):
    pass


class _ShortImageReference(_Marked, ShortImageReferenceInlineProcessor):
    pass


class _State:
    """What the collector found in the document being converted."""

    def __init__(self) -> None:
        self.anchors: set[str] = set()
        self.headings: list[Heading] = []
        self.links: list[tuple[str, str, int | None, bool, bool]] = []  # target, kind, slot, ref
        self.sections: list[Section] = []
        self.public_output: str | None = None
        self.internal_ids: set[str] = set()


class _Collector(Treeprocessor):
    """Runs last: records anchors, headings, links and text, and turns links into slots."""

    def __init__(self, md: markdown.Markdown, extension: _ModelExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        state = self.extension.state
        self.slots = 0
        self.stash_done: set[int] = set()
        self.section_head = ("", "")
        self.head_emitted = True  # no section for the (empty) text before the first heading
        self.parts: list[str] = []
        self.part_internal = False
        internal: list[tuple[etree.Element, etree.Element]] = []
        self._walk(root, None, False, internal, state)
        self._flush(state)
        for index in range(len(self.md.htmlStash.rawHtmlBlocks)):
            self._stash(index, False, state)  # blocks no text referred to (kept as they are)
        if internal:
            public = copy.deepcopy(root)
            _remove_internal(public)
            state.public_output = serialize(self.md, public)

    # -- the walk ---------------------------------------------------------------------------

    def _walk(
        self,
        element: etree.Element,
        parent: etree.Element | None,
        inside: bool,
        internal: list[tuple[etree.Element, etree.Element]],
        state: _State,
    ) -> None:
        tag = element.tag
        if not isinstance(tag, str):  # a comment or processing instruction
            return
        starts_block = _is_internal_block(element) and parent is not None
        if starts_block:
            internal.append((parent, element))  # type: ignore[arg-type]
            self._flush(state)
            outer_head = self.section_head  # headings inside the block stay inside it
            inside = True
        self.part_internal = inside
        ident = element.get("id")
        if ident:
            state.anchors.add(ident)
            if inside:
                state.internal_ids.add(ident)
        if tag == "a" and element.get("name"):
            state.anchors.add(element.get("name") or "")
        level = _HEADINGS.get(tag)
        if level:
            text = self._text_of(element)
            self._flush(state)
            self.section_head, self.head_emitted = (text, ident or ""), False
            self.part_internal = inside
            state.headings.append(Heading(level, text, ident or "", inside))
            for node in element.iter():  # links in a heading still count
                if node.tag in ("a", "img"):
                    self._link(node, "href" if node.tag == "a" else "src", inside, state)
                self._placeholders(node.text, inside, state)
                if node is not element:
                    self._placeholders(node.tail, inside, state)
            return  # a heading's text is the section's name, not part of its text
        if tag == "a":
            self._link(element, "href", inside, state)
        elif tag == "img":
            self._link(element, "src", inside, state)
        if tag in _BLOCKS:
            self.parts.append(_BLOCK_END)
        elif tag in ("td", "th"):
            self.parts.append(_CELL)
        keep_text = tag not in _NO_TEXT and "headerlink" not in (element.get("class") or "")
        if keep_text:
            text = element.text
            if tag == "code" and text:  # Markdown keeps code text escaped in the tree
                text = html.unescape(text)
            self._text(text, inside, state)
        else:
            self._placeholders(element.text, inside, state)  # links in skipped HTML still count
        for child in element:
            self._walk(child, element, inside, internal, state)
            self.part_internal = inside
            self._text(child.tail, inside, state)
        if tag in _BLOCKS:
            self.parts.append(_BLOCK_END)
        if starts_block:
            self._flush(state)
            self.section_head, self.head_emitted = outer_head, True

    def _link(self, element: etree.Element, attribute: str, inside: bool, state: _State) -> None:
        target = element.get(attribute)
        if target is None or "headerlink" in (element.get("class") or ""):
            return
        reference = element.attrib.pop(_REF_MARK, None) is not None
        kind = "link" if attribute == "href" else "image"
        if target.startswith("#"):
            state.links.append((target, kind, None, reference, inside))
            return
        if not _relative(target):
            return
        slot = self._next_slot()
        state.links.append((target, kind, slot, reference, inside))
        if attribute == "href":
            element.tag = f"{LINK_TAG}{slot}"
            del element.attrib["href"]
        else:
            element.set("src", f"{SLOT_OPEN}{slot}{SLOT_CLOSE}")

    def _next_slot(self) -> int:
        self.slots += 1
        return self.slots - 1

    # -- text -------------------------------------------------------------------------------

    def _text(self, text: str | None, inside: bool, state: _State) -> None:
        if not text:
            return
        if STX not in text:
            self.parts.append(text)
            return
        position = 0
        for match in HTML_PLACEHOLDER_RE.finditer(text):
            self.parts.append(text[position : match.start()])
            self.parts.append(self._stash(int(match.group(1)), inside, state))
            position = match.end()
        self.parts.append(text[position:])

    def _placeholders(self, text: str | None, inside: bool, state: _State) -> None:
        for match in HTML_PLACEHOLDER_RE.finditer(text or ""):
            self._stash(int(match.group(1)), inside, state)

    def _stash(self, index: int, inside: bool, state: _State) -> str:
        """Handle raw HTML once: its ids, its links (into slots); return its plain text."""
        blocks = self.md.htmlStash.rawHtmlBlocks
        if index >= len(blocks) or not isinstance(blocks[index], str):
            return ""
        raw = str(blocks[index])
        if index in self.stash_done:
            return "" if raw.startswith(_CODE_HTML) else _plain(raw)
        self.stash_done.add(index)
        if raw.startswith(_CODE_HTML):
            return ""  # a code block: neither links nor text
        blocks[index] = _TAG.sub(lambda m: self._raw_tag(m, inside, state), raw)
        return _plain(raw)

    def _raw_tag(self, match: re.Match[str], inside: bool, state: _State) -> str:
        tag = match.group(1).lower()

        def attribute(attr: re.Match[str]) -> str:
            name = attr.group("name").lower()
            raw_value = attr.group("value")
            if raw_value is None:
                return attr.group(0)
            value = html.unescape(raw_value.strip("\"'"))
            if name == "id" or (name == "name" and tag == "a"):
                state.anchors.add(value)
                if inside:
                    state.internal_ids.add(value)
            if name not in RAW_KINDS:
                return attr.group(0)
            if value.startswith("#"):
                state.links.append((value, name, None, False, inside))
                return attr.group(0)
            if not _relative(value):
                return attr.group(0)
            slot = self._next_slot()
            state.links.append((value, name, slot, False, inside))
            return f"{attr.group('space')}{ATTR_OPEN}{slot}{ATTR_CLOSE}"

        return f"<{match.group(1)}{_ATTR.sub(attribute, match.group(2))}>"

    def _text_of(self, element: etree.Element) -> str:
        parts: list[str] = []

        def visit(node: etree.Element) -> None:
            if "headerlink" in (node.get("class") or ""):
                return
            if node.text:
                text = html.unescape(node.text) if node.tag == "code" else node.text
                parts.append(_resolve(self.md, text))
            for child in node:
                visit(child)
                if child.tail:
                    parts.append(_resolve(self.md, child.tail))

        visit(element)
        return _squash("".join(parts))

    def _flush(self, state: _State) -> None:
        text = _squash_lines("".join(self.parts))
        if text or not self.head_emitted:  # a heading keeps its section even without text
            heading, anchor = self.section_head
            state.sections.append(Section(heading, anchor, text, self.part_internal))
            self.head_emitted = True
        self.parts = []


def _is_internal_block(element: etree.Element) -> bool:
    classes = (element.get("class") or "").split()
    if "internal" not in classes:
        return False
    return (element.tag == "div" and "admonition" in classes) or element.tag == "details"


def _remove_internal(root: etree.Element) -> None:
    for parent in list(root.iter()):
        for child in list(parent):
            if _is_internal_block(child):
                _keep_tail(parent, child)
                parent.remove(child)


def _keep_tail(parent: etree.Element, child: etree.Element) -> None:
    """The text after a removed element stays in the document."""
    if not child.tail:
        return
    children = list(parent)
    position = children.index(child)
    if position:
        before = children[position - 1]
        before.tail = (before.tail or "") + child.tail
    else:
        parent.text = (parent.text or "") + child.tail


def _relative(target: str) -> bool:
    """A link to a file of the project (not a URL, mail, absolute path or same-page anchor,
    nor an e-mail address Markdown wrote as character references)."""
    return bool(target) and not (
        _SCHEME.match(target)
        or target.startswith(("//", "/", "\\", "#"))
        or AMP_SUBSTITUTE in target
    )


def _resolve(md: markdown.Markdown, text: str) -> str:
    """Text with raw-HTML placeholders replaced by that HTML's own text."""
    if STX not in text:
        return text
    blocks = md.htmlStash.rawHtmlBlocks

    def replace(match: re.Match[str]) -> str:
        index = int(match.group(1))
        block = blocks[index] if index < len(blocks) else ""
        return _plain(str(block)) if not str(block).startswith(_CODE_HTML) else ""

    return HTML_PLACEHOLDER_RE.sub(replace, text)


def _plain(raw_html: str) -> str:
    without = _STRIP_TAGS.sub(" ", _COMMENT.sub("", raw_html))
    return html.unescape(without)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _squash_lines(text: str) -> str:
    """Blocks (one per line) with their spaces and line breaks squashed; a table row's cells
    joined on one line."""
    lines = []
    for block in text.split(_BLOCK_END):
        if _CELL in block:
            cells = [" ".join(cell.split()) for cell in block.split(_CELL)]
            cells = [cell for cell in cells if cell]
            block = ": ".join(cells) if len(cells) == 2 else " · ".join(cells)
        line = " ".join(block.split())
        if line:
            lines.append(line)
    return "\n".join(lines)


class _ModelExtension(Extension):
    def __init__(self) -> None:
        super().__init__()
        self.state = _State()

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        patterns = md.inlinePatterns
        for name, cls, pattern in (
            ("reference", _Reference, NOIMG + REFERENCE_RE),
            ("short_reference", _ShortReference, NOIMG + REFERENCE_RE),
            ("image_reference", _ImageReference, IMAGE_REFERENCE_RE),
            ("short_image_ref", _ShortImageReference, IMAGE_REFERENCE_RE),
        ):
            if name in patterns:
                priority = patterns._priority[patterns.get_index_for_name(name)].priority
                patterns.register(cls(pattern, md), name, priority)
        md.treeprocessors.register(_Collector(md, self), "kb_model", -1)
        md.registerExtension(self)

    def reset(self) -> None:
        self.state = _State()


def serialize(md: markdown.Markdown, root: etree.Element) -> str:
    """HTML of a tree as ``Markdown.convert`` makes it (serializer, then postprocessors)."""
    output = md.serializer(root)
    if md.stripTopLevelTags:
        start_tag, end_tag = f"<{md.doc_tag}>", f"</{md.doc_tag}>"
        if start_tag in output:
            output = output[output.index(start_tag) + len(start_tag) : output.rindex(end_tag)]
        else:
            output = ""
        output = output.strip()
    for processor in md.postprocessors:
        output = processor.run(output)
    return output.strip()


# -- reading a body ---------------------------------------------------------------------------


class BodyReader:
    """Parses bodies in one dialect, reusing one Markdown converter (reset between pages)."""

    def __init__(self, config: MarkdownConfig) -> None:
        self.config = config
        self._extension = _ModelExtension()
        self._md = config.new([self._extension])

    def read(self, text: str) -> Body:
        md = self._md
        md.reset()
        try:
            output = md.convert(text)
        except RecursionError:
            md.reset()
            return _unrenderable(
                "the page nests lists, quotes or blocks too deeply to be rendered",
                _deepest_line(text),
            )
        except Exception as exc:  # an extension failing on odd input: report, never crash
            md.reset()
            return _unrenderable(f"Markdown could not render the page: {exc}", 1)
        state = self._extension.state
        public = state.public_output if state.public_output is not None else output
        toc = tuple(getattr(md, "toc_tokens", []) or [])
        public_toc = (
            tuple(_filter_toc(list(toc), state.internal_ids)) if state.internal_ids else toc
        )
        outline = Outline(
            frozenset(state.anchors),
            tuple(state.headings),
            _located(text, state.links),
        )
        rendering = Rendering(
            _COMMENT.sub("", output),
            _COMMENT.sub("", public),
            toc,
            public_toc,
            tuple(state.sections),
        )
        return Body(outline, rendering)


def _unrenderable(message: str, line: int) -> Body:
    empty = Rendering("", "", (), (), ())
    return Body(Outline(frozenset(), (), (), message, line), empty)


def _deepest_line(text: str) -> int:
    """The line where the nesting first gets very deep (for the problem report)."""
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip(" \t>")
        if len(line) - len(stripped) >= 64:
            return number
    return 1


def _filter_toc(tokens: list[dict[str, Any]], hidden: set[str]) -> list[dict[str, Any]]:
    """Toc tokens without the headings of internal blocks (their children move up)."""
    kept: list[dict[str, Any]] = []
    for token in tokens:
        children = _filter_toc(token.get("children", []), hidden)
        if token.get("id") in hidden:
            kept.extend(children)
        else:
            kept.append({**token, "children": children})
    return kept


def _located(
    text: str, links: list[tuple[str, str, int | None, bool, bool]]
) -> tuple[BodyLink, ...]:
    """Give each link the line it is written on.

    Markdown keeps no positions, but links come out of the tree in the order they are written,
    so each is found in the source after the one before it (inline links and raw HTML each
    keep their own place); a reference-style link is found at its definition, where its
    target is written."""
    starts = [0]
    starts.extend(match.end() for match in re.finditer("\n", text))

    def line_at(position: int) -> int:
        return bisect.bisect_right(starts, position)

    cursors = {"link": 0, "html": 0}
    located = []
    for target, kind, slot, reference, inside in links:
        lane = "html" if kind in RAW_KINDS else "link"
        position = -1
        if reference:
            definition = re.search(
                rf"^ {{0,3}}\[[^\]\n]+\]:[ \t]*<?{re.escape(target)}", text, re.M
            )
            position = definition.start() if definition else -1
        if position < 0:
            position = text.find(target, cursors[lane])
            if position >= 0 and not reference:
                cursors[lane] = position + len(target)
        if position < 0:
            position = text.find(target)
        line = line_at(position) if position >= 0 else line_at(cursors[lane])
        located.append(BodyLink(target, line, kind, slot, inside))
    return tuple(located)


# -- filling slots for a site -----------------------------------------------------------------


def fill_slots(page_html: str, links: tuple[BodyLink, ...], urls: dict[int, str | None]) -> str:
    """The page's HTML for one site: each slot gets its URL, or the link is dropped (its text
    kept, as a ``span``) when ``urls`` maps it to None."""
    if SLOT_OPEN not in page_html and ATTR_OPEN not in page_html and LINK_TAG not in page_html:
        return page_html
    kinds = {link.slot: link.kind for link in links if link.slot is not None}

    def replace(match: re.Match[str]) -> str:
        opening, closing, src, attribute = match.groups()
        if opening is not None:
            url = urls.get(int(opening))
            return f'<a href="{html.escape(url)}"' if url is not None else "<span"
        if closing is not None:
            return "</a>" if urls.get(int(closing)) is not None else "</span>"
        if src is not None:
            return html.escape(urls.get(int(src)) or "")
        url = urls.get(int(attribute))
        if url is None:
            return ""  # the attribute goes: the raw-HTML link no longer points anywhere
        return f'{kinds[int(attribute)]}="{html.escape(url)}"'

    return SLOTS.sub(replace, page_html)
