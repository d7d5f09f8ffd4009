"""Convert foreign markup that MkDocs would show as garbage into Material equivalents.

Handled where a faithful equivalent exists: Liquid ``{% raw %}``, comments, ``{% include %}``,
``{% highlight %}``, ``{% link %}`` and ``{{ variables }}`` with a known value; Hugo shortcodes
(admonition blocks, ``ref``/``relref``, ``figure``, ``youtube``, ``highlight``); DocFX, GitHub
and Adobe ``> [!NOTE]`` alerts and DocFX ``[!INCLUDE]``/``:::image``. Anything else is left
visible and reported with its line. Code (fenced blocks, inline spans) is never touched, except
for ``{% raw %}`` tags, which only ever protect their content.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbsite.importer.report import Event, Report

Lines = list[tuple[int, str]]  # (line in the source file, text)

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_RAW_BLOCK = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
_COMMENT_BLOCK = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.S)
_LIQUID_TAG = re.compile(r"(?<!\{)\{%-?\s*(\w+)\s*(.*?)\s*-?%\}")
_LIQUID_VAR = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_LINK_TO_VAR = re.compile(r"(!?)\[([^\]]*)\]\(\s*\{\{-?\s*(.*?)\s*-?\}\}\s*\)")
_SHORTCODE = re.compile(r"\{\{([<%])\s*(/?)\s*([\w.-]+)\s*(.*?)\s*[>%]\}\}")
_ARGS = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))|"([^"]*)"|(\S+)""")
_ALERT = re.compile(r"^(\s*)>\s?\[!(\w+)\][ \t]*(.*)$")
_QUOTE = re.compile(r"^(\s*)>\s?(.*)$")
_DOCFX_INCLUDE = re.compile(r"^\s*\[!INCLUDE\s*\[[^\]]*\]\(([^)]+)\)\]\s*$", re.I)
_DOCFX_IMAGE = re.compile(r"^(\s*):::image\s+(.*?):::\s*$")
_DOCFX_BLOCK = re.compile(r"^\s*:::\s*(zone|moniker|row|column|code|no-loc)\b")
# Private-use stand-ins that keep ``{{``/``{%`` inside ``{% raw %}`` away from the other rules.
_RAW_OPEN_VAR, _RAW_OPEN_TAG = "\ue000", "\ue001"
_SAFE_FILTERS: dict[str, Callable[[str], str]] = {
    "escape": html.escape,
    "xml_escape": html.escape,
    "strip": str.strip,
    "downcase": str.lower,
    "upcase": str.upper,
    "relative_url": str,
    "absolute_url": str,
}
_ADMONITIONS = {
    "note": "note",
    "info": "info",
    "tip": "tip",
    "hint": "tip",
    "important": "important",
    "warning": "warning",
    "caution": "caution",
    "danger": "danger",
    "alert": "warning",
    "callout": "note",
    "notice": "note",
    "error": "danger",
    "success": "success",
}
MAX_INCLUDE_DEPTH = 4


class Fences:
    """Follows fenced code blocks line by line; conversions skip what is code."""

    def __init__(self) -> None:
        self.fence: str | None = None

    def code(self, text: str) -> bool:
        """Whether this line opens, continues or closes a fenced code block."""
        match = _FENCE.match(text)
        if self.fence is not None:
            if match and match.group(1)[0] == self.fence[0]:
                self.fence = None
            return True
        if match:
            self.fence = match.group(1)
            return True
        return False


class LineWalk:
    """Walks lines, passing fenced code straight to ``out``; yields the other lines.

    A block rule may read ahead in ``lines`` from ``index`` and move ``index`` past the block."""

    def __init__(self, lines: Lines) -> None:
        self.lines, self.index, self.out = lines, 0, []
        self._fences = Fences()

    def __iter__(self) -> Iterator[tuple[int, str]]:
        while self.index < len(self.lines):
            number, text = self.lines[self.index]
            self.index += 1
            if self._fences.code(text):
                self.out.append((number, text))
            else:
                yield number, text


@dataclass(slots=True)
class Context:
    """What conversions may look up: the source root, variables, and where includes live."""

    root: Path
    variables: dict[str, Any] = field(default_factory=dict)
    include_dirs: tuple[Path, ...] = ()


@dataclass(slots=True)
class _Page:
    rel: str
    fields: dict[str, Any]
    context: Context
    report: Report
    depth: int = 0

    def converted(self, line: int, kind: str, message: str) -> None:
        self.report.converted.append(Event(self.rel, line, kind, message))

    def left(self, line: int, kind: str, message: str) -> None:
        self.report.left.append(Event(self.rel, line, kind, message))


def convert(
    rel: str, body: str, first_line: int, fields: dict[str, Any], context: Context, report: Report
) -> Lines:
    """Convert a page body; returns its lines with the source line each came from."""
    page = _Page(rel, fields, context, report)
    lines = _liquid_blocks(body, first_line, page)
    lines = _per_line(lines, page)
    lines = _hugo_blocks(lines, page)
    lines = _alerts(lines, page)
    return [(n, t.replace(_RAW_OPEN_VAR, "{{").replace(_RAW_OPEN_TAG, "{%")) for n, t in lines]


def _liquid_blocks(body: str, first_line: int, page: _Page) -> Lines:
    """Liquid runs before Markdown, so raw and comment blocks are handled across lines."""

    def line_of(offset: int) -> int:
        return first_line + body.count("\n", 0, offset)

    def raw(match: re.Match[str]) -> str:
        page.converted(line_of(match.start()), "liquid-raw", "`{% raw %}` removed, content kept")
        return match.group(1).replace("{{", _RAW_OPEN_VAR).replace("{%", _RAW_OPEN_TAG)

    def comment(match: re.Match[str]) -> str:
        page.converted(line_of(match.start()), "liquid-comment", "Liquid comment removed")
        return "\n" * match.group(0).count("\n")

    if "{%" in body:
        body = _RAW_BLOCK.sub(raw, body)
        body = _COMMENT_BLOCK.sub(comment, body)
    return [(first_line + i, text) for i, text in enumerate(body.split("\n"))]


def _per_line(lines: Lines, page: _Page) -> Lines:
    """Liquid tags and variables, DocFX includes and images, line by line outside code."""
    walk = LineWalk(lines)
    out = walk.out
    for number, text in walk:
        if "{%" in text:
            tag_lines = _liquid_tags(number, text, page)
            if tag_lines is not None:
                out.extend(tag_lines)
                continue
        if "{{" in text and "{{<" not in text and "{{%" not in text:
            text = outside_code(text, lambda part, n=number: _variables(n, part, page))
        include = _DOCFX_INCLUDE.match(text)
        if include:
            out.extend(_include(number, include.group(1), "docfx-include", page, relative=True))
            continue
        image = _DOCFX_IMAGE.match(text)
        if image:
            args = _args(image.group(2))
            source = args.get("source", "")
            alt = args.get("alt-text", "")
            page.converted(number, "docfx-image", "`:::image` → Markdown image")
            out.append((number, f"{image.group(1)}![{alt}]({source})"))
            continue
        if _DOCFX_BLOCK.match(text):
            page.left(number, "docfx-block", f"`{text.strip()[:40]}` has no MkDocs equivalent")
        out.append((number, text))
    return out


def _liquid_tags(number: int, text: str, page: _Page) -> Lines | None:
    """Replace the Liquid tags of a line; returns the new lines, or None to keep the line."""
    alone = _LIQUID_TAG.fullmatch(text.strip())
    if alone:
        name, args = alone.group(1), alone.group(2)
        if name in ("include", "include_relative"):
            target = args.split()[0] if args.split() else ""
            return _include(number, target, "liquid-include", page, relative=name != "include")
        if name == "highlight":
            page.converted(number, "liquid-highlight", "`{% highlight %}` → code fence")
            return [(number, f"```{args.split()[0] if args else ''}")]
        if name == "endhighlight":
            return [(number, "```")]

    def tag(match: re.Match[str]) -> str:
        name, args = match.group(1), match.group(2)
        if name in ("link", "post_url"):
            page.converted(number, "liquid-link", f"`{{% {name} %}}` → relative link")
            return args.strip("'\" ")
        page.left(number, "liquid-tag", f"Liquid tag `{{% {name} %}}` has no MkDocs equivalent")
        return match.group(0)

    if not _LIQUID_TAG.search(text):
        return None
    return [(number, outside_code(text, lambda part: _LIQUID_TAG.sub(tag, part)))]


def _include(number: int, target: str, kind: str, page: _Page, relative: bool) -> Lines:
    from kbsite.importer.sources import read_page  # late: sources imports nothing from here

    context = page.context
    base = (context.root / page.rel).parent
    candidates = [base / target] if relative else [d / target for d in context.include_dirs]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None or page.depth >= MAX_INCLUDE_DEPTH:
        why = "not found" if found is None else "nested too deep"
        page.left(number, kind, f"include `{target}` {why}; left as it was")
        return [(number, f"`{target}` (include not imported)")]
    try:
        rel = found.resolve().relative_to(context.root.resolve()).as_posix()
        source = read_page(context.root, rel, page.report)
    except ValueError:  # an include folder outside SRC
        source = read_page(found.parent, found.name, page.report)
    if source is None:
        page.left(number, kind, f"include `{target}` cannot be read")
        return []
    page.converted(number, kind, f"`{target}` included")
    nested = _Page(page.rel, page.fields, context, page.report, page.depth + 1)
    return _per_line([(number, t) for t in source.body.split("\n")], nested)


def _variables(number: int, text: str, page: _Page) -> str:
    def link(match: re.Match[str]) -> str:
        value = _resolve(match.group(3), page)
        if value is not None:
            page.converted(number, "liquid-variable", f"`{{{{ {match.group(3)} }}}}` → `{value}`")
            return f"{match.group(1)}[{match.group(2)}]({value})"
        page.left(
            number,
            "liquid-variable",
            f"link to `{{{{ {match.group(3)} }}}}`, which has no value: kept as text "
            f"(pass --define {match.group(3).split('|')[0].strip()}=VALUE)",
        )
        return match.group(2)

    def variable(match: re.Match[str]) -> str:
        value = _resolve(match.group(1), page)
        if value is None:
            name = match.group(1).split("|")[0].strip()
            page.left(
                number,
                "liquid-variable",
                f"`{{{{ {match.group(1)} }}}}` has no value (pass --define {name}=VALUE)",
            )
            return match.group(0)
        page.converted(number, "liquid-variable", f"`{{{{ {match.group(1)} }}}}` → `{value}`")
        return value

    text = _LINK_TO_VAR.sub(link, text)
    return _LIQUID_VAR.sub(variable, text)


def _resolve(expression: str, page: _Page) -> str | None:
    name, *filters = [part.strip() for part in expression.split("|")]
    if name.startswith("page."):
        value: Any = page.fields
        for part in name.split(".")[1:]:
            value = value.get(part) if isinstance(value, dict) else None
    else:
        value = page.context.variables.get(name)
    if value is None or isinstance(value, dict | list):
        return None
    result = str(value)
    for name in filters:
        apply = _SAFE_FILTERS.get(name.split(":")[0].strip())
        if apply is None:
            return None
        result = apply(result)
    return result


def _hugo_blocks(lines: Lines, page: _Page) -> Lines:
    """Hugo shortcodes: admonition blocks become ``!!!`` blocks, inline ones links or images."""
    walk = LineWalk(lines)
    out = walk.out
    for number, text in walk:
        index = walk.index
        if "{{<" not in text and "{{%" not in text:
            out.append((number, text))
            continue
        opening = _SHORTCODE.fullmatch(text.strip())
        if opening and not opening.group(2):
            name = opening.group(3).lower()
            args = _args(opening.group(4))
            end = _closing(lines, index, name)
            if end is not None and (name in _ADMONITIONS or name == "highlight"):
                inner = lines[index:end]
                walk.index = end + 1
                indent = text[: len(text) - len(text.lstrip())]
                if name == "highlight":
                    page.converted(number, "hugo-shortcode", "`highlight` → code fence")
                    language = args.get("0", "")
                    out.append((number, f"{indent}```{language}"))
                    out.extend(inner)
                    out.append((lines[end][0], f"{indent}```"))
                    continue
                kind = _ADMONITIONS[name]
                if name in ("notice", "alert") and args.get("0", "").lower() in _ADMONITIONS:
                    kind = _ADMONITIONS[args["0"].lower()]
                kind = _ADMONITIONS.get(args.get("color", "").lower(), kind)
                title = args.get("title", "")
                page.converted(number, "hugo-shortcode", f"`{name}` → `!!! {kind}`")
                out.append((number, _admonition_head(indent, kind, title)))
                out.extend(_indented(inner, indent))
                continue
        out.append((number, _inline_shortcodes(number, text, page)))
    return out


def _closing(lines: Lines, start: int, name: str) -> int | None:
    for index in range(start, len(lines)):
        match = _SHORTCODE.fullmatch(lines[index][1].strip())
        if match and match.group(2) and match.group(3).lower() == name:
            return index
    return None


def _inline_shortcodes(number: int, text: str, page: _Page) -> str:
    def shortcode(match: re.Match[str]) -> str:
        name, args = match.group(3).lower(), _args(match.group(4))
        if match.group(2):
            page.left(number, "hugo-shortcode", f"closing `{name}` without its opening")
            return match.group(0)
        if name in ("ref", "relref"):
            page.converted(number, "hugo-shortcode", f"`{name}` → relative link")
            return args.get("0", "")
        if name == "figure":
            page.converted(number, "hugo-shortcode", "`figure` → Markdown image")
            alt = args.get("alt") or args.get("caption") or args.get("title") or ""
            return f"![{alt}]({args.get('src', '')})"
        if name == "youtube":
            video = args.get("id") or args.get("0", "")
            page.converted(number, "hugo-shortcode", "`youtube` → link to the video")
            return f"[YouTube video](https://www.youtube.com/watch?v={video})"
        page.left(number, "hugo-shortcode", f"Hugo shortcode `{name}` has no MkDocs equivalent")
        return match.group(0)

    return outside_code(text, lambda part: _SHORTCODE.sub(shortcode, part))


def _alerts(lines: Lines, page: _Page) -> Lines:
    """``> [!NOTE]`` alerts (GitHub, DocFX, Adobe) → Material admonitions."""
    walk = LineWalk(lines)
    out = walk.out
    for number, text in walk:
        index = walk.index
        alert = _ALERT.match(text) if "[!" in text else None
        if alert is None:
            out.append((number, text))
            continue
        indent, name, title = alert.group(1), alert.group(2).lower(), alert.group(3).strip()
        body: Lines = []
        lazy_ok = False
        while index < len(lines):
            line_no, line = lines[index]
            quoted = _QUOTE.match(line)
            if quoted and quoted.group(1) == indent:
                body.append((line_no, quoted.group(2)))
                lazy_ok = bool(quoted.group(2).strip())
            elif lazy_ok and line.strip() and not line.lstrip().startswith(("#", "-", "*", "```")):
                body.append((line_no, line.strip()))  # lazy continuation of the paragraph
            else:
                break
            index += 1
        walk.index = index
        kind = _ADMONITIONS.get(name)
        if kind is None:
            kind, title = "note", title or name.replace("_", " ").capitalize()
        page.converted(number, "alert", f"`[!{alert.group(2)}]` → `!!! {kind}`")
        if title and not body:
            body, title = [(number, title)], ""
        out.append((number, _admonition_head(indent, kind, title)))
        out.extend(_indented(body, indent))
        out.append((number, ""))
    return out


def _admonition_head(indent: str, kind: str, title: str) -> str:
    title = title.replace('"', "'")
    return f'{indent}!!! {kind} "{title}"' if title else f"{indent}!!! {kind}"


def _indented(lines: Lines, indent: str) -> Lines:
    return [(n, f"{indent}    {t}" if t.strip() else "") for n, t in lines]


def _args(text: str) -> dict[str, str]:
    """Shortcode arguments: ``key="v"`` pairs and positional ones under "0", "1", ..."""
    args: dict[str, str] = {}
    position = 0
    for match in _ARGS.finditer(text):
        if match.group(1):
            args[match.group(1).lower()] = next(g for g in match.group(2, 3, 4) if g is not None)
        else:
            args[str(position)] = match.group(5) if match.group(5) is not None else match.group(6)
            position += 1
    return args


def outside_code(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to the parts of a line that are not inline code spans."""
    if "`" not in text:
        return change(text)
    parts: list[str] = []
    last = 0
    for match in CODE_SPAN.finditer(text):
        parts.append(change(text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(change(text[last:]))
    return "".join(parts)
