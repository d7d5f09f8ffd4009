"""Split a Markdown page into front matter and body, keeping line numbers."""

from __future__ import annotations

from dataclasses import dataclass

from kbsite.reading.yamlload import Mapping, YamlProblem, load_mapping

_OPEN = "---"
_CLOSE = ("---", "...")


class FrontMatterMissing(ValueError):
    """The page does not start with a ``---`` front matter block."""


@dataclass(slots=True)
class FrontMatter:
    fields: Mapping
    body: str
    body_line: int  # 1-based line of the first body line


def split(text: str) -> tuple[str, int, str, int]:
    """Return (yaml_text, yaml_first_line, body, body_line); raise if there is no block."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != _OPEN:
        raise FrontMatterMissing("the page has no front matter")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in _CLOSE:
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return yaml_text, 2, body, index + 2
    raise YamlProblem(
        "the front matter opened on line 1 is never closed",
        1,
        "add a line with `---` after the last field",
    )


def parse(text: str) -> FrontMatter:
    """Parse a page's front matter; raises FrontMatterMissing or YamlProblem."""
    yaml_text, first, body, body_line = split(text)
    return FrontMatter(load_mapping(yaml_text, first), body, body_line)
