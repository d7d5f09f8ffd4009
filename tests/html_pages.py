"""Reading a built page back as a customer sees it (tests): its title, KB id, customer note and
sections of text, without permalinks, scripts, hidden elements or review banners."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

Section = tuple[str, str, str]  # (heading, anchor, text)


@dataclass
class HtmlPage:
    """What a built help-center page shows, read from its HTML."""

    title: str = ""
    kb_id: str | None = None
    kb_lang: str | None = None
    note: str | None = None
    sections: list[Section] = field(default_factory=list)


_SKIP_CLASSES = {"headerlink", "kb-fallback", "md-source-file", "md-feedback", "kb-feedback"}
_BLOCKS = {"p", "li", "tr", "td", "th", "div", "pre", "br", "table", "ul", "ol", "dd", "dt"}
_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = HtmlPage()
        self.depth = 0  # inside <article>: element depth
        self.skip_at: int | None = None  # depth of the skipped element we are inside
        self.heading_at: int | None = None
        self.heading_level = 0
        self.note_at: int | None = None
        self.buffer: list[str] = []
        self.heading_text: list[str] = []
        self.note: list[str] = []
        self.current: tuple[str, str] = ("", "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") in ("kb-id", "kb-lang"):
            setattr(self.page, values["name"].replace("-", "_"), values.get("content"))
            return
        if self.depth == 0:
            if tag == "article":
                self.depth = 1
            return
        if tag in _VOID:
            if tag == "br":
                self._text(" ")
            return
        self.depth += 1
        if self.note_at is not None and self.skip_at is None and tag in (*_BLOCKS, "p"):
            self.note.append(" ")  # the banner's title and text are separate blocks
        if self.skip_at is not None or self.note_at is not None:
            return
        classes = set((values.get("class") or "").split())
        if tag in ("script", "style", "template") or "hidden" in values or classes & _SKIP_CLASSES:
            self.skip_at = self.depth
        elif "kb-banner" in classes:
            self.note_at = self.depth
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading_at, self.heading_level = self.depth, int(tag[1])
            if self.heading_level > 1:
                self._flush()
                self.current = ("", values.get("id") or "")
            self.heading_text = []
        elif tag in _BLOCKS:
            self._text("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.depth == 0 or tag in _VOID:
            return
        if self.skip_at == self.depth:
            self.skip_at = None
        elif self.note_at == self.depth:
            self.note_at = None
        elif self.heading_at == self.depth:
            text = " ".join("".join(self.heading_text).split())
            if self.heading_level == 1:
                self.page.title = self.page.title or text
            else:
                self.current = (text, self.current[1])
            self.heading_at = None
        self.depth -= 1
        if self.depth == 0:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.depth == 0 or self.skip_at is not None:
            return
        if self.note_at is not None:
            self.note.append(data)
        elif self.heading_at is not None:
            self.heading_text.append(data)
        else:
            self._text(data)

    def _text(self, text: str) -> None:
        self.buffer.append(text)

    def _flush(self) -> None:
        text = re.sub(r"[ \t\r\f\v]+", " ", "".join(self.buffer))
        text = re.sub(r"\s*\n\s*", "\n", text).strip()
        heading, anchor = self.current
        if heading or text:
            self.page.sections.append((heading, anchor if heading else "", text))
        self.buffer = []


def page_from_html(document: str) -> HtmlPage:
    """Title, KB id and language, customer note and sections of a built page."""
    reader = _Reader()
    reader.feed(document)
    reader.close()
    note = " ".join("".join(reader.note).split())
    reader.page.note = note or None
    return reader.page
