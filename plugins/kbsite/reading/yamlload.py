"""YAML loading with line numbers, shared by front matter, ``.meta.yml`` and ``owners.yml``.

Dates stay strings (our validator parses them, so ``2026-02-30`` is a reported problem rather
than a crash inside the YAML library), and the line of every top-level key is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """Safe loader without the implicit timestamp type."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlProblem(ValueError):
    """YAML that cannot be read; ``line`` is 1-based in the file the text came from."""

    def __init__(self, message: str, line: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


@dataclass(slots=True)
class Mapping:
    """A YAML mapping with the 1-based line of each top-level key."""

    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


def _describe(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return "; ".join(parts) or str(exc)


# Front matter, folder defaults and owners are a few levels deep. Deeper YAML is refused
# before it is built: PyYAML builds values recursively (RecursionError near 300 levels) and
# libyaml's composer recurses in C (the process dies near 100,000 levels).
MAX_DEPTH = 64
MAX_VALUES = 10_000  # aliases repeating aliases can stand for billions of values


def check_shape(text: str, first_line: int = 1, what: str = "front matter") -> None:
    """Raise YamlProblem (at its line) for YAML nested deeper than MAX_DEPTH levels, read
    as a stream of events (which never recurses). Only YAML with more than MAX_DEPTH
    brackets, dashes, colons or question marks in all can be that deep, so others skip it."""
    if sum(text.count(c) for c in "[{-:?") <= MAX_DEPTH:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_Base):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlProblem(
                    f"the YAML of the {what} is nested too deeply (more than {MAX_DEPTH} levels)",
                    first_line + event.start_mark.line,
                    "remove the extra brackets or indentation",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_aliases(node: yaml.Node, first_line: int, what: str) -> None:
    """Refuse aliases that refer to themselves or multiply into more than MAX_VALUES values
    (counted without building them)."""
    sizes: dict[int, int] = {}  # node id -> values it stands for; 0 while being counted
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, counted_children = stack.pop()
        children = _children(current)
        if counted_children:
            sizes[id(current)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(current)] > MAX_VALUES:
                raise YamlProblem(
                    f"aliases in the {what} stand for more than {MAX_VALUES:,} values",
                    first_line + current.start_mark.line,
                    "write the values out instead of using `&` anchors and `*` aliases",
                )
            continue
        if id(current) in sizes:
            continue
        sizes[id(current)] = 0
        stack.append((current, True))
        for child in children:
            if sizes.get(id(child)) == 0:
                raise YamlProblem(
                    f"a value of the {what} contains itself (an alias inside its own anchor)",
                    first_line + child.start_mark.line,
                    "write the values out instead of using `&` anchors and `*` aliases",
                )
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_mapping(text: str, first_line: int = 1, what: str = "front matter") -> Mapping:
    """Parse ``text`` (whose first line is line ``first_line`` of its file) as a mapping."""
    loader = _Loader(text)
    try:
        check_shape(text, first_line, what)
        node = loader.get_single_node()
        if node is not None and "*" in text:
            _check_aliases(node, first_line, what)
        if node is None:
            raise YamlProblem(f"the {what} is empty", first_line, "add `field: value` lines")
        if not isinstance(node, yaml.MappingNode):
            raise YamlProblem(
                f"the {what} must be `field: value` lines, not a {_kind(node)}",
                first_line + node.start_mark.line,
                "write one `field: value` per line",
            )
        result = Mapping()
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            line = first_line + key_node.start_mark.line
            if key in result.lines:
                raise YamlProblem(
                    f"`{key}` is given twice (lines {result.lines[key]} and {line})",
                    line,
                    "keep one of them",
                )
            result.data[key] = loader.construct_object(value_node, deep=True)
            result.lines[key] = line
        return result
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last = max(text.count("\n") - (1 if text.endswith("\n") else 0), 0)
        line = first_line + min(mark.line if mark else 0, last)
        hint = (
            "indent with spaces"
            if "tab" in _describe(exc)
            else "check quotes, colons and indentation"
        )
        raise YamlProblem(f"invalid YAML: {_describe(exc)}", line, hint) from None
    except yaml.reader.ReaderError as exc:  # control characters, which YAML forbids
        line = first_line + text[: exc.position].count("\n")
        raise YamlProblem(
            f"invalid YAML: character {ord(exc.character):#06x} is not allowed",
            line,
            "remove the control character",
        ) from None
    finally:
        loader.dispose()


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "single value"


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without MkDocs: unknown tags (``!ENV``, ``!!python/name``) become None."""


_LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_LenientLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_: None)


def load_lenient(text: str, what: str = "config") -> Any:
    """Load a config file that may carry tags only MkDocs understands. YamlProblem for YAML
    nested too deeply or aliases that multiply (other YAML errors: yaml.YAMLError)."""
    check_shape(text, 1, what)
    loader = _LenientLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text:
            _check_aliases(node, 1, what)
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _ConfigLoader(yaml.Loader):
    """Reads mkdocs.yml as MkDocs does: Python tags (``!!python/name:`` for a toc ``slugify``)
    are resolved, ``!ENV`` reads the environment, ``!relative`` is the config's folder, and
    other tags MkDocs plugins may define become None."""


def _env(loader: yaml.Loader, node: yaml.Node) -> Any:
    import os

    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    else:
        items = loader.construct_sequence(node)  # type: ignore[arg-type]
        names, default = items[:-1], items[-1] if len(items) > 1 else None
    for name in names:
        if str(name) in os.environ:
            return yaml.safe_load(os.environ[str(name)])
    return default


_ConfigLoader.add_constructor("!ENV", _env)
_ConfigLoader.add_constructor("!relative", lambda loader, node: None)
_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def load_config_yaml(text: str) -> Any:
    """Load mkdocs.yml the way MkDocs does (trusted: it may name Python functions).
    YamlProblem for YAML nested too deeply or aliases that multiply."""
    check_shape(text, 1, "config")
    loader = _ConfigLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text:
            _check_aliases(node, 1, "config")
        return loader.construct_document(node)
    finally:
        loader.dispose()
