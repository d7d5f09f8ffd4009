"""Rewrite a page's relative links for one language site and audience.

A link to a page this site serves stays a Markdown link (MkDocs checks it); a link to a page
served by another language's site becomes a URL into that site; a link to a page this audience
must not see becomes plain text, so the public site never points at internal content.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kbsite.markdown.scan import split_target

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LINK = re.compile(
    r"(?<!!)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|[^)\s]+)((?:\s+[\"'(][^)]*)?)\s*\)"
)
_CODE = re.compile(r"(`+).+?\1")

#: resolve(path, anchor) -> new link target, or None to drop the link (keep the text)
Resolver = Callable[[str, "str | None"], "str | None"]


@dataclass
class Rewrite:
    markdown: str
    dropped: list[tuple[int, str]] = field(default_factory=list)  # (body line, target)


def rewrite_links(body: str, page_path: str, resolve: Resolver) -> Rewrite:
    result = Rewrite("")
    out: list[str] = []
    fence: str | None = None
    for number, line in enumerate(body.split("\n"), 1):
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if match:
            fence = match.group(1)
            out.append(line)
            continue
        if "](" in line:
            line = _rewrite_line(line, number, page_path, resolve, result)
        out.append(line)
    result.markdown = "\n".join(out)
    return result


def _rewrite_line(
    line: str, number: int, page_path: str, resolve: Resolver, result: Rewrite
) -> str:
    code_spans = [(m.start(), m.end()) for m in _CODE.finditer(line)]

    def replace(match: re.Match[str]) -> str:
        if any(start <= match.start() < end for start, end in code_spans):
            return match.group(0)
        target = match.group(2).strip("<>")
        resolved = split_target(target, page_path)
        if resolved is None or resolved[0] is None:
            return match.group(0)
        new = resolve(resolved[0], resolved[1])
        if new is None:
            result.dropped.append((number, target))
            return match.group(1)
        if new == target:
            return match.group(0)
        return f"[{match.group(1)}]({new}{match.group(3)})"

    return _LINK.sub(replace, line)
